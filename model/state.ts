// model: the canonical abstract state (api/state.ts) read off the model's plain data — sorted,
// runs merged, so that equal states are deep-equal. Reference semantics. Clarity over speed.
import type { AbstractState, Addr, LeafRun, MappingRec, OwnerRun, Pfn, TableRec } from '../api/index.js';
import type { Machine } from './machine.js';
import type { PageTables } from './pagetable.js';
import type { VmapAreas } from './vmap.js';
import { stableCell } from './stable.js';
import { memo, patched } from './versioned-map.js';

const byAddr = (a: Addr, b: Addr): number => (a < b ? -1 : a > b ? 1 : 0);
/** the order of mappings at one va (api/state.ts) */
const tieRank = (m: MappingRec): number => (m.kind === 'pages' || m.kind === 'device' ? 0 : m.kind === 'vm_map_ram' ? 2 : 1);

/**
 * Append a run, merging it into the last one when va, pfn and level all continue. The runs
 * pushed are fresh objects made for this list, so a merge may grow the last one in place.
 */
function pushLeafRun(runs: LeafRun[], r: LeafRun, shift: bigint): void {
  const prev = runs[runs.length - 1] as { -readonly [K in keyof LeafRun]: LeafRun[K] } | undefined;
  if (prev && prev.level === r.level && prev.va + (BigInt(prev.pages) << shift) === r.va && prev.pfn + prev.pages === r.pfn) {
    prev.pages += r.pages;
  } else {
    runs.push(r);
  }
}

/** One leaf as a run. */
function leafRun(pt: PageTables, va: Addr, shift: bigint): LeafRun | null {
  const leaf = pt.leaves.get(va);
  return leaf ? { va, pages: Number(pt.entrySize(leaf.level) >> shift), pfn: leaf.pfn, level: leaf.level } : null;
}

/** Leaves as runs of consecutive base pages; a run continues when va, pfn and level all do. */
export function leafRuns(pt: PageTables, pageShift: number): LeafRun[] {
  const shift = BigInt(pageShift);
  const runs: LeafRun[] = [];
  for (const va of [...pt.leaves.keys()].sort(byAddr)) pushLeafRun(runs, leafRun(pt, va, shift) as LeafRun, shift);
  return runs;
}

/**
 * The same runs from the previous ones and the leaf keys set or deleted since (the state
 * reader's fast path): cut out of the old runs each leaf that started at a changed key (its
 * extent is its old run's leaf size), add each leaf there now, merge. Equal to leafRuns() (a
 * unit test checks it).
 */
export function patchLeafRuns(prev: readonly LeafRun[], changed: readonly Addr[], pt: PageTables, pageShift: number): LeafRun[] {
  const shift = BigInt(pageShift);
  const cut = ascendingUnique(changed);
  const pieces: LeafRun[] = [];
  const piece = (r: LeafRun, from: Addr, to: Addr): void => {
    if (to > from) pieces.push({ va: from, pages: Number((to - from) >> shift), pfn: r.pfn + Number((from - r.va) >> shift), level: r.level });
  };
  let j = 0;
  for (const r of prev) {
    const size = pt.entrySize(r.level);
    const end = r.va + (BigInt(r.pages) << shift);
    while (j < cut.length && (cut[j] as Addr) < r.va) j++;
    let from = r.va;
    for (; j < cut.length && (cut[j] as Addr) < end; j++) {
      const va = cut[j] as Addr;
      // only a key where one of this run's leaves started had a leaf to remove
      if ((va - r.va) % size !== 0n) continue;
      piece(r, from, va);
      from = va + size;
    }
    piece(r, from, end);
  }
  // the leaves at the changed keys now, already grouped into runs (the keys are ascending)
  const fresh: LeafRun[] = [];
  for (const va of cut) {
    const r = leafRun(pt, va, shift);
    if (r) pushLeafRun(fresh, r, shift);
  }
  // both lists are sorted and disjoint: merge, then coalesce across them
  const runs: LeafRun[] = [];
  let a = 0;
  let b = 0;
  while (a < pieces.length || b < fresh.length) {
    const x = pieces[a];
    const y = fresh[b];
    if (y === undefined || (x !== undefined && x.va < y.va)) {
      pushLeafRun(runs, x as LeafRun, shift);
      a++;
    } else {
      pushLeafRun(runs, y, shift);
      b++;
    }
  }
  return runs;
}

/** The keys ascending, each once (a change log is mostly ascending already: no sort then). */
function ascendingUnique(keys: readonly Addr[]): Addr[] {
  let sorted = true;
  for (let i = 1; i < keys.length && sorted; i++) sorted = (keys[i - 1] as Addr) < (keys[i] as Addr);
  if (sorted) return [...keys];
  const out = [...keys].sort(byAddr);
  return out.filter((k, i) => i === 0 || k !== out[i - 1]);
}

/** Non-root tables sorted by (level, va). */
export function tableRecs(pt: PageTables): TableRec[] {
  return pt.tables.flatMap((m, level) => [...m.keys()].sort(byAddr).map((va) => ({ level, va, pfn: m.get(va) as Pfn })));
}

/** The canonical runs are rebuilt only when their source changed (a cache keyed on change counts). */
interface Readers {
  readonly owners: () => OwnerRun[];
  readonly leaves: () => LeafRun[];
  readonly tables: () => TableRec[];
  readonly tlb: () => ReturnType<Machine['tlb']['runs']>;
  readonly warnings: (w: AbstractState['warnings']) => AbstractState['warnings'];
  readonly mappings: (m: MappingRec[]) => MappingRec[];
  readonly areas: (a: AbstractState['vmap']['areas']) => AbstractState['vmap']['areas'];
}
const readers = new WeakMap<Machine, Readers>();

function readersOf(m: Machine): Readers {
  let r = readers.get(m);
  if (!r) {
    r = {
      owners: patched(m.pm.changed, () => m.pm.presentKey, () => m.pm.ownerRuns(), (prev, pfns) => m.pm.patchOwnerRuns(prev, pfns)),
      leaves: patched(
        m.pt.leaves,
        () => 0,
        () => leafRuns(m.pt, m.preset.pageShift),
        (prev, vas) => patchLeafRuns(prev, vas, m.pt, m.preset.pageShift),
      ),
      tables: memo(() => m.pt.tables.reduce((v, t) => v + t.version, 0), () => tableRecs(m.pt)),
      tlb: memo(() => m.tlb.version, () => m.tlb.runs()),
      warnings: stableCell(),
      mappings: stableCell(),
      areas: stableCell(),
    };
    readers.set(m, r);
  }
  return r;
}

export function modelState(m: Machine, vmap: VmapAreas, mappings: MappingRec[]): AbstractState {
  const read = readersOf(m);
  return {
    step: m.step,
    failAfter: m.pm.failAfter,
    owners: read.owners(),
    leaves: read.leaves(),
    tables: read.tables(),
    tlb: read.tlb(),
    counters: m.tlb.counters,
    warnings: read.warnings([...m.warnings]),
    // choice (api/state.ts): live mappings sorted by va; on an equal va (possible only for raw
    // machine-level mappings after unmap_range) machine-level ones first, then the vmalloc API's,
    // then vm_map_ram's; among equals the older first (a stable sort of creation order)
    mappings: read.mappings([...mappings].sort((a, b) => byAddr(a.va, b.va) || tieRank(a) - tieRank(b))),
    vmap: { areas: read.areas(vmap.areas.map((a) => ({ start: a.start, end: a.end, lazy: a.lazy }))), lazyNr: vmap.lazyNr },
    // choice: one (empty) free list per possible CPU, ascending, until blocks exist
    blocks: { blocks: [], freeLists: [...m.config.cpus.possible].sort((a, b) => a - b).map((cpu) => ({ cpu, starts: [] })) },
  };
}
