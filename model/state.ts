// model: the canonical abstract state (api/state.ts) read off the model's plain data — sorted,
// runs merged, so that equal states are deep-equal. Reference semantics. Clarity over speed.
import type { AbstractState, Addr, LeafRun, MappingRec, OwnerRun, Pfn, TableRec } from '../api/index.js';
import type { Machine } from './machine.js';
import type { PageTables } from './pagetable.js';
import type { VmapAreas } from './vmap.js';
import { memo } from './versioned-map.js';

const byAddr = (a: Addr, b: Addr): number => (a < b ? -1 : a > b ? 1 : 0);

/** Leaves as runs of consecutive base pages; a run continues when va, pfn and level all do. */
export function leafRuns(pt: PageTables, pageShift: number): LeafRun[] {
  const shift = BigInt(pageShift);
  const runs: LeafRun[] = [];
  for (const [va, leaf] of [...pt.leaves].sort(([a], [b]) => byAddr(a, b))) {
    const pages = Number(pt.entrySize(leaf.level) >> shift);
    const prev = runs[runs.length - 1];
    if (prev && prev.level === leaf.level && prev.va + (BigInt(prev.pages) << shift) === va && prev.pfn + prev.pages === leaf.pfn) {
      runs[runs.length - 1] = { ...prev, pages: prev.pages + pages };
    } else {
      runs.push({ va, pages, pfn: leaf.pfn, level: leaf.level });
    }
  }
  return runs;
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
}
const readers = new WeakMap<Machine, Readers>();

function readersOf(m: Machine): Readers {
  let r = readers.get(m);
  if (!r) {
    r = {
      owners: memo(() => m.pm.version, () => m.pm.ownerRuns()),
      leaves: memo(() => m.pt.leaves.version, () => leafRuns(m.pt, m.preset.pageShift)),
      tables: memo(() => m.pt.tables.reduce((v, t) => v + t.version, 0), () => tableRecs(m.pt)),
      tlb: memo(() => m.tlb.version, () => m.tlb.runs()),
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
    warnings: [...m.warnings],
    // choice: live mappings sorted by va; equal va (possible only for raw machine-level mappings
    // after unmap_range) keeps the older first
    mappings: [...mappings].sort((a, b) => byAddr(a.va, b.va)),
    vmap: { areas: vmap.areas.map((a) => ({ start: a.start, end: a.end, lazy: a.lazy })), lazyNr: vmap.lazyNr },
    // choice: one (empty) free list per possible CPU, ascending, until blocks exist
    blocks: { blocks: [], freeLists: [...m.config.cpus.possible].sort((a, b) => a - b).map((cpu) => ({ cpu, starts: [] })) },
  };
}
