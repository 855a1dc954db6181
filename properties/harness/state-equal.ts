// harness: the per-step comparison of two abstract states, specialised to the shape in
// api/state.ts — direct field reads, no key enumeration, no allocation — so the commuting
// square stays cheap (checking.md §2). It compares every field the api defines; anything else
// (an optional part such as `vmemmap`, or a future field) is compared generically. The fully
// generic deepEqual also runs every FULL_EVERY steps and at the end of each trace, so a field
// the api does not define cannot hide (checking.md §2 allows this: "at least as strict in effect").
import type { AbstractState, BlockRec } from '../../api/index.js';
import { deepEqual } from './compare.js';

export const FULL_EVERY = 16;

const KNOWN = new Set(['step', 'failAfter', 'owners', 'leaves', 'tables', 'tlb', 'counters', 'warnings', 'mappings', 'vmap', 'blocks']);

function eqRuns<T>(a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!same(a[i] as T, b[i] as T)) return false;
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
export function stateEqual(a: AbstractState, b: AbstractState, ignoreStep = false, verified?: { readonly a: AbstractState; readonly b: AbstractState }): boolean {
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
  if (!kept(a.owners, b.owners, va?.owners, vb?.owners) && !eqRuns(a.owners, b.owners, (x, y) => x.pfn === y.pfn && x.count === y.count && x.owner === y.owner)) return false;
  if (!kept(a.leaves, b.leaves, va?.leaves, vb?.leaves) && !eqRuns(a.leaves, b.leaves, (x, y) => x.va === y.va && x.pages === y.pages && x.pfn === y.pfn && x.level === y.level)) return false;
  if (!kept(a.tables, b.tables, va?.tables, vb?.tables) && !eqRuns(a.tables, b.tables, (x, y) => x.level === y.level && x.va === y.va && x.pfn === y.pfn)) return false;
  if (
    !kept(a.tlb, b.tlb, va?.tlb, vb?.tlb) &&
    !eqRuns(a.tlb, b.tlb, (x, y) => x.cpu === y.cpu && eqRuns(x.runs, y.runs, (p, q) => p.va === q.va && p.pages === q.pages && p.pfn === q.pfn))
  ) {
    return false;
  }
  if (!eqRuns(a.warnings, b.warnings, (x, y) => x.kind === y.kind && x.addr === y.addr && x.step === y.step)) return false;
  if (
    !kept(a.mappings, b.mappings, va?.mappings, vb?.mappings) &&
    !eqRuns(a.mappings, b.mappings, (x, y) => x.kind === y.kind && x.va === y.va && x.pages === y.pages && x.guard === y.guard)
  ) {
    return false;
  }
  if (!kept(a.vmap.areas, b.vmap.areas, va?.vmap.areas, vb?.vmap.areas) && !eqRuns(a.vmap.areas, b.vmap.areas, (x, y) => x.start === y.start && x.end === y.end && x.lazy === y.lazy)) return false;
  if (!kept(a.blocks.blocks, b.blocks.blocks, va?.blocks.blocks, vb?.blocks.blocks) && !eqRuns(a.blocks.blocks, b.blocks.blocks, eqBlock)) return false;
  if (!eqRuns(a.blocks.freeLists, b.blocks.freeLists, (x, y) => x.cpu === y.cpu && eqRuns(x.starts, y.starts, (p, q) => p === q))) return false;
  // whatever else the states carry (vmemmap, future fields): generically
  for (const k in a) if (!KNOWN.has(k) && !deepEqual((a as unknown as Record<string, unknown>)[k], (b as unknown as Record<string, unknown>)[k])) return false;
  for (const k in b) if (!KNOWN.has(k) && !(k in a) && (b as unknown as Record<string, unknown>)[k] !== undefined) return false;
  return true;
}
