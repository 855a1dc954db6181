// harness: the per-step comparison of two abstract states, specialised to the shape in
// api/state.ts — direct field reads, no key enumeration, no allocation — so the commuting
// square stays cheap (checking.md §2). It compares every field the api defines; anything else
// (an optional part such as `vmemmap`, or a future field) is compared generically. The fully
// generic deepEqual also runs every FULL_EVERY steps and at the end of each trace, so a field
// the api does not define cannot hide (checking.md §2 allows this: "at least as strict in effect").
import type { AbstractState, AreaRec, BlockRec, LeafRun, MappingRec, OwnerRun, TableRec } from '../../api/index.js';
import { deepEqual } from './compare.js';

export const FULL_EVERY = 16;

const KNOWN = new Set(['step', 'failAfter', 'owners', 'leaves', 'tables', 'tlb', 'counters', 'warnings', 'mappings', 'vmap', 'blocks', 'vmemmap']);

function eqRuns<T>(a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!same(a[i] as T, b[i] as T)) return false;
  return true;
}

// The large parts, each with its own loop: eqRuns with a different callback per part is
// megamorphic, so V8 could inline none of them (a call per element; ~15 % of the harness's own
// time on vmap traces went to this comparison).
function eqOwners(a: readonly OwnerRun[], b: readonly OwnerRun[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as OwnerRun;
    const y = b[i] as OwnerRun;
    if (x.pfn !== y.pfn || x.count !== y.count || x.owner !== y.owner) return false;
  }
  return true;
}

function eqLeaves(a: readonly LeafRun[], b: readonly LeafRun[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as LeafRun;
    const y = b[i] as LeafRun;
    if (x.va !== y.va || x.pages !== y.pages || x.pfn !== y.pfn || x.level !== y.level) return false;
  }
  return true;
}

function eqTables(a: readonly TableRec[], b: readonly TableRec[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as TableRec;
    const y = b[i] as TableRec;
    if (x.level !== y.level || x.va !== y.va || x.pfn !== y.pfn) return false;
  }
  return true;
}

function eqMappings(a: readonly MappingRec[], b: readonly MappingRec[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as MappingRec;
    const y = b[i] as MappingRec;
    if (x.kind !== y.kind || x.va !== y.va || x.pages !== y.pages || x.guard !== y.guard) return false;
  }
  return true;
}

function eqAreas(a: readonly AreaRec[], b: readonly AreaRec[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as AreaRec;
    const y = b[i] as AreaRec;
    if (x.start !== y.start || x.end !== y.end || x.lazy !== y.lazy) return false;
  }
  return true;
}

function eqBlock(x: BlockRec, y: BlockRec): boolean {
  return (
    x.cpu === y.cpu &&
    x.start === y.start &&
    x.free === y.free &&
    x.dirty === y.dirty &&
    x.dirtyMin === y.dirtyMin &&
    x.dirtyMax === y.dirtyMax &&
    x.onFreeList === y.onFreeList &&
    eqRuns(x.subs, y.subs, (p, q) => p.offset === q.offset && p.order === q.order)
  );
}

/** unchanged on both sides since the verified pair: equal without a walk */
function kept<T>(x: T, y: T, px: T | undefined, py: T | undefined): boolean {
  return px !== undefined && x === px && y === py;
}

/**
 * Equality of two abstract states on every field of api/state.ts (optionally ignoring `step`).
 * `verified`: a pair of states already found equal (the previous step's); a part both sides
 * hand back as the very same object as in that pair is still equal (the parts are immutable)
 * and is not walked again — the comparison covers what the call touched.
 */
export function stateEqual(
  a: AbstractState,
  b: AbstractState,
  ignoreStep = false,
  verified?: { readonly a: AbstractState; readonly b: AbstractState },
  others = true,
): boolean {
  if (a === b) return true;
  if ((!ignoreStep && a.step !== b.step) || a.failAfter !== b.failAfter) return false;
  const c = a.counters;
  const d = b.counters;
  if (
    c.flushes !== d.flushes ||
    c.ipis !== d.ipis ||
    c.flushedPages !== d.flushedPages ||
    c.ptAllocs !== d.ptAllocs ||
    c.ptFrees !== d.ptFrees ||
    c.badFlushes !== d.badFlushes
  ) {
    return false;
  }
  if (a.vmap.lazyNr !== b.vmap.lazyNr) return false;
  const va = verified?.a;
  const vb = verified?.b;
  if (!kept(a.owners, b.owners, va?.owners, vb?.owners) && !eqOwners(a.owners, b.owners)) return false;
  if (!kept(a.leaves, b.leaves, va?.leaves, vb?.leaves) && !eqLeaves(a.leaves, b.leaves)) return false;
  if (!kept(a.tables, b.tables, va?.tables, vb?.tables) && !eqTables(a.tables, b.tables)) return false;
  if (
    !kept(a.tlb, b.tlb, va?.tlb, vb?.tlb) &&
    !eqRuns(a.tlb, b.tlb, (x, y) => x.cpu === y.cpu && eqRuns(x.runs, y.runs, (p, q) => p.va === q.va && p.pages === q.pages && p.pfn === q.pfn))
  ) {
    return false;
  }
  if (!eqRuns(a.warnings, b.warnings, (x, y) => x.kind === y.kind && x.addr === y.addr && x.step === y.step)) return false;
  if (
    !kept(a.mappings, b.mappings, va?.mappings, vb?.mappings) &&
    !eqMappings(a.mappings, b.mappings)
  ) {
    return false;
  }
  if (!kept(a.vmap.areas, b.vmap.areas, va?.vmap.areas, vb?.vmap.areas) && !eqAreas(a.vmap.areas, b.vmap.areas)) return false;
  if (!kept(a.blocks.blocks, b.blocks.blocks, va?.blocks.blocks, vb?.blocks.blocks) && !eqRuns(a.blocks.blocks, b.blocks.blocks, eqBlock)) return false;
  if (!eqRuns(a.blocks.freeLists, b.blocks.freeLists, (x, y) => x.cpu === y.cpu && eqRuns(x.starts, y.starts, (p, q) => p === q))) return false;
  // vmemmap (optional): generically, unless kept on both sides since the verified pair
  if (!kept(a.vmemmap, b.vmemmap, va?.vmemmap, vb?.vmemmap) && !deepEqual(a.vmemmap, b.vmemmap)) return false;
  // whatever else the states carry (fields api/state.ts does not define): generically, unless
  // kept on both sides since the verified pair, and unless the caller compares them itself
  // (`others` false: step.ts runs deepEqual over whole states every FULL_EVERY steps instead —
  // enumerating the keys of both states every step cost ~2 % of the harness's time)
  if (!others) return true;
  const ra = a as unknown as Record<string, unknown>;
  const rb = b as unknown as Record<string, unknown>;
  const pa = va as unknown as Record<string, unknown> | undefined;
  const pb = vb as unknown as Record<string, unknown> | undefined;
  for (const k in a) if (!KNOWN.has(k) && !(pa !== undefined && k in pa && kept(ra[k], rb[k], pa[k], pb?.[k])) && !deepEqual(ra[k], rb[k])) return false;
  for (const k in b) if (!KNOWN.has(k) && !(k in a) && rb[k] !== undefined) return false;
  return true;
}
