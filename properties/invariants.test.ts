// Each invariant (checking.md §4) on a sound state built by hand, and on broken copies of it: an
// invariant that has never failed is untested. Configuration toy24 (4 KiB pages; tables of 16
// entries: pte tables span 64 KiB, pmd tables 1 MiB; leaves of 4 KiB, 64 KiB and 1 MiB;
// vmalloc [0x800000, 0xe00000); VMAP_BBMAP_BITS 32, so blocks are 128 KiB; 3 CPUs online, lazy
// unit 16 KiB: lazy_max_pages() = fls(3) * 4 = 8).
//
//   0x800000   0x804000 0x806000      0x820000        0x840000          0xf00000 0xf02000 0xf10000 0xf20000
//   |AAA.|bb|.............|KKKK (block, cpu 0) ...|  ...  |PP|.......|DDDDDDDDDDDDDDDD (one 64 KiB leaf)|
//   A: vmalloc, 3 pages + guard   b: lazy, 2 pages   K: vm_map_ram(3) at page 0 of the block
//   P: map_pages, 2 pages         D: map_device of 0x1000000, 64 KiB
import { describe, expect, it } from 'vitest';
import type { AbstractState } from '../api/index.js';
import { configByName } from './configs.js';
import { geometryOf } from './harness/geometry.js';
import type { InvariantCtx } from './invariants/index.js';
import {
  areasDisjoint,
  blockAccounting,
  flushSane,
  guardUnmapped,
  INVARIANTS,
  lazyAccounting,
  noReuseBeforeFlush,
  ownership,
  pagetableShape,
} from './invariants/index.js';

const config = configByName('toy24');
const ctx: InvariantCtx = { config, geo: geometryOf(config), call: null, result: null };

const sound: AbstractState = {
  step: 5,
  failAfter: null,
  owners: [
    { pfn: 0x100, count: 0x21, owner: 'reserved' }, // kernel image 0x100..0x11f, root table 0x120
    { pfn: 0x121, count: 5, owner: 'pagetable' },
    { pfn: 0x126, count: 10, owner: 'free' },
    { pfn: 0x130, count: 3, owner: 'vmalloc' },
    { pfn: 0x133, count: 5, owner: 'caller' },
    { pfn: 0x138, count: 0x2c8, owner: 'free' },
    { pfn: 0x1000, count: 0x400, owner: 'device' },
  ],
  leaves: [
    { va: 0x800000n, pages: 3, pfn: 0x130, level: 2 },
    { va: 0x820000n, pages: 3, pfn: 0x133, level: 2 },
    { va: 0xf00000n, pages: 2, pfn: 0x136, level: 2 },
    { va: 0xf10000n, pages: 16, pfn: 0x1000, level: 1 },
  ],
  tables: [
    { level: 1, va: 0x800000n, pfn: 0x121 },
    { level: 1, va: 0xf00000n, pfn: 0x124 },
    { level: 2, va: 0x800000n, pfn: 0x122 },
    { level: 2, va: 0x820000n, pfn: 0x123 },
    { level: 2, va: 0xf00000n, pfn: 0x125 },
  ],
  tlb: [
    { cpu: 0, runs: [{ va: 0x800000n, pages: 1, pfn: 0x130 }] },
    { cpu: 1, runs: [] },
    { cpu: 3, runs: [] },
  ],
  counters: { flushes: 0, ipis: 0, flushedPages: 0, ptAllocs: 5, ptFrees: 0, badFlushes: 0 },
  warnings: [],
  mappings: [
    { kind: 'vmalloc', va: 0x800000n, pages: 3, guard: 1 },
    { kind: 'vm_map_ram', va: 0x820000n, pages: 3, guard: 0 },
    { kind: 'pages', va: 0xf00000n, pages: 2, guard: 0 },
    { kind: 'device', va: 0xf10000n, pages: 16, guard: 0 },
  ],
  vmap: {
    areas: [
      { start: 0x800000n, end: 0x804000n, lazy: false },
      { start: 0x804000n, end: 0x806000n, lazy: true },
      { start: 0x820000n, end: 0x840000n, lazy: false },
    ],
    lazyNr: 2,
  },
  blocks: {
    blocks: [
      { cpu: 0, start: 0x820000n, free: 28, dirty: 0, dirtyMin: 32, dirtyMax: 0, onFreeList: true, subs: [{ offset: 0, order: 2 }] },
    ],
    freeLists: [
      { cpu: 0, starts: [0x820000n] },
      { cpu: 1, starts: [] },
      { cpu: 3, starts: [] },
    ],
  },
};

/** A copy of the sound state with some fields replaced. */
function broken(patch: Partial<AbstractState>): AbstractState {
  return { ...sound, ...patch };
}

describe('the hand-built state is sound', () => {
  it.each(INVARIANTS.map((i) => [i.name, i] as const))('%s holds on it', (_name, inv) => {
    expect(inv.check(sound, ctx)).toBeNull();
  });
  it('no blocks, no areas, no mappings: block-accounting and areas-disjoint hold trivially', () => {
    const empty = broken({ blocks: { blocks: [], freeLists: [] }, vmap: { areas: [], lazyNr: 0 }, mappings: [] });
    expect(blockAccounting(empty, ctx)).toBeNull();
    expect(areasDisjoint(empty, ctx)).toBeNull();
  });
});

describe('pagetable-shape', () => {
  it('reports a table page referenced by two entries', () => {
    const tables = sound.tables.map((t) => (t.va === 0x820000n ? { ...t, pfn: 0x122 } : t));
    expect(pagetableShape(broken({ tables }), ctx)).toMatch(/pfn 0x122 is referenced by more than one entry/);
  });
  it('reports a pte table whose pmd table is missing', () => {
    const tables = sound.tables.filter((t) => !(t.level === 1 && t.va === 0x800000n));
    expect(pagetableShape(broken({ tables }), ctx)).toMatch(/level-2 table 0x800000 .* has no parent/);
  });
  it('reports a 64 KiB leaf that is not 64 KiB aligned', () => {
    const leaves = sound.leaves.map((l) => (l.level === 1 ? { ...l, va: 0xf11000n } : l));
    expect(pagetableShape(broken({ leaves }), ctx)).toMatch(/not aligned to its leaf size 0x10000/);
  });
  it('reports a huge leaf whose frames are not physically aligned', () => {
    const leaves = sound.leaves.map((l) => (l.level === 1 ? { ...l, pfn: 0x1001 } : l));
    expect(pagetableShape(broken({ leaves }), ctx)).toMatch(/not aligned/);
  });
  it('reports a table page that is also a data page', () => {
    const leaves = sound.leaves.map((l) => (l.va === 0xf00000n ? { ...l, pfn: 0x124 } : l));
    expect(pagetableShape(broken({ leaves }), ctx)).toMatch(/table page pfn 0x124 is also the target of the leaf at 0xf00000/);
  });
  it('reports a pte table below a 64 KiB leaf', () => {
    const tables = [...sound.tables, { level: 2, va: 0xf10000n, pfn: 0x126 }];
    const owners = sound.owners.map((o) => (o.pfn === 0x126 ? { ...o, owner: 'pagetable' as const } : o));
    expect(pagetableShape(broken({ tables, owners }), ctx)).toMatch(/lies under a level-1 leaf/);
  });
  it('reports a table page the owners call free', () => {
    const owners = sound.owners.map((o) => (o.owner === 'pagetable' ? { ...o, owner: 'free' as const } : o));
    expect(pagetableShape(broken({ owners }), ctx)).toMatch(/owned by 'free', not 'pagetable'/);
  });
  it('reports a leaf in a table that does not exist', () => {
    const tables = sound.tables.filter((t) => !(t.level === 2 && t.va === 0x820000n));
    const owners = [
      ...sound.owners.filter((o) => o.owner !== 'pagetable' && o.pfn < 0x121),
      { pfn: 0x121, count: 2, owner: 'pagetable' as const },
      { pfn: 0x123, count: 1, owner: 'free' as const },
      { pfn: 0x124, count: 2, owner: 'pagetable' as const },
      ...sound.owners.filter((o) => o.pfn > 0x121),
    ];
    expect(pagetableShape(broken({ tables, owners }), ctx)).toMatch(/has no level-2 table at 0x820000/);
  });
  it('reports a page owned by the page table that no table uses (a leaked table page)', () => {
    const tables = sound.tables.filter((t) => !(t.level === 2 && t.va === 0x820000n));
    const leaves = sound.leaves.filter((l) => l.va !== 0x820000n);
    expect(pagetableShape(broken({ tables, leaves }), ctx)).toMatch(/5 pages are owned 'pagetable' but 4 tables exist/);
  });
});

describe('ownership', () => {
  it('reports a pfn with two owners', () => {
    const owners = sound.owners.map((o) => (o.owner === 'pagetable' ? { ...o, count: 6 } : o));
    expect(ownership(broken({ owners }), ctx)).toMatch(/pfn 0x126 has two owners: 'pagetable'/);
  });
  it('reports a RAM pfn nobody owns', () => {
    const owners = sound.owners.filter((o) => o.pfn !== 0x126);
    expect(ownership(broken({ owners }), ctx)).toMatch(/RAM pfn 0x126 has no owner/);
  });
  it('reports a leaf that targets a free pfn (use after free)', () => {
    const owners = sound.owners.map((o) => (o.owner === 'vmalloc' ? { ...o, owner: 'free' as const } : o));
    expect(ownership(broken({ owners }), ctx)).toMatch(/leaf at 0x800000 targets pfn 0x130, which is free/);
  });
  it('reports boot RAM owned by a device', () => {
    const owners = sound.owners.map((o) => (o.owner === 'caller' ? { ...o, owner: 'device' as const } : o));
    expect(ownership(broken({ owners }), ctx)).toMatch(/boot RAM pfn 0x133 is owned 'device'/);
  });
});

describe('flush-sane', () => {
  it('reports a flush issued with start >= end', () => {
    expect(flushSane(broken({ counters: { ...sound.counters, badFlushes: 1 } }), ctx)).toMatch(/1 flush\(es\) issued with start >= end/);
  });
  it('reports any warning', () => {
    const warnings = [{ kind: 'vmap overlap', addr: 0x800000n, step: 3 }];
    expect(flushSane(broken({ warnings }), ctx)).toMatch(/warning 'vmap overlap' at 0x800000 \(step 3\)/);
  });
});

describe('guard-unmapped', () => {
  it('reports a leaf on the guard page after a vmalloc area', () => {
    const leaves = [{ va: 0x800000n, pages: 4, pfn: 0x130, level: 2 }, ...sound.leaves.slice(1)];
    expect(guardUnmapped(broken({ leaves }), ctx)).toMatch(/guard page 0x803000 of the vmalloc mapping at 0x800000/);
  });
});

describe('no-reuse-before-flush', () => {
  it('reports a TLB entry inside a live vmalloc mapping that points at another frame', () => {
    const tlb = [sound.tlb[0]!, { cpu: 1, runs: [{ va: 0x801000n, pages: 1, pfn: 0x200 }] }, sound.tlb[2]!];
    expect(noReuseBeforeFlush(broken({ tlb }), ctx)).toMatch(/cpu 1 caches 0x801000 -> pfn 0x200, but the vmalloc mapping .* maps it to pfn 0x131/);
  });
  it('reports a TLB entry on the guard page, where nothing is mapped', () => {
    const tlb = [sound.tlb[0]!, sound.tlb[1]!, { cpu: 3, runs: [{ va: 0x803000n, pages: 1, pfn: 0x133 }] }];
    expect(noReuseBeforeFlush(broken({ tlb }), ctx)).toMatch(/cpu 3 caches 0x803000 .* where nothing is mapped/);
  });
  it('ignores a stale entry inside a machine-level pages mapping (unmap_pages does not flush, by design)', () => {
    const tlb = [sound.tlb[0]!, { cpu: 1, runs: [{ va: 0xf00000n, pages: 1, pfn: 0x200 }] }, sound.tlb[2]!];
    expect(noReuseBeforeFlush(broken({ tlb }), ctx)).toBeNull();
  });
});

describe('areas-disjoint', () => {
  it('reports overlapping areas', () => {
    const areas = [{ start: 0x800000n, end: 0x805000n, lazy: false }, ...sound.vmap.areas.slice(1)];
    expect(areasDisjoint(broken({ vmap: { ...sound.vmap, areas } }), ctx)).toMatch(/overlaps .*\[0x804000, 0x806000\)/);
  });
  it('reports an area outside the vmalloc space', () => {
    const areas = [...sound.vmap.areas, { start: 0xe00000n, end: 0xe01000n, lazy: false }];
    expect(areasDisjoint(broken({ vmap: { ...sound.vmap, areas } }), ctx)).toMatch(/\[0xe00000, 0xe01000\) lies outside the vmalloc space/);
  });
  it('reports an unaligned area', () => {
    const areas = [{ start: 0x800000n, end: 0x803800n, lazy: false }, ...sound.vmap.areas.slice(1)];
    expect(areasDisjoint(broken({ vmap: { ...sound.vmap, areas } }), ctx)).toMatch(/not page aligned/);
  });
  it('reports a live mapping whose area is lazy', () => {
    const areas = sound.vmap.areas.map((a) => (a.start === 0x800000n ? { ...a, lazy: true } : a));
    expect(areasDisjoint(broken({ vmap: { areas, lazyNr: 6 } }), ctx)).toMatch(/live vmalloc mapping \[0x800000, 0x804000\) is not inside a busy area/);
  });
  it('reports a block sub-allocation beyond the bump pointer', () => {
    const blocks = { ...sound.blocks, blocks: [{ ...sound.blocks.blocks[0]!, free: 29, subs: [{ offset: 2, order: 2 }] }] };
    expect(areasDisjoint(broken({ blocks }), ctx)).toMatch(/sub-allocation pages \[2, 6\) lie beyond the bump pointer 3/);
  });
  it('reports a mapping running past the end of its area (its guard page outside it)', () => {
    const mappings = sound.mappings.map((m) => (m.va === 0x800000n ? { ...m, pages: 4 } : m));
    expect(areasDisjoint(broken({ mappings }), ctx)).toMatch(/live vmalloc mapping \[0x800000, 0x805000\) is not inside a busy area/);
  });
  it('checks a mapping listed out of va order against its own area too', () => {
    // the vm_map_ram mapping listed first and moved into the lazy area's range
    const [v, r, ...rest] = sound.mappings;
    const mappings = [{ ...r!, va: 0x804000n, pages: 1 }, v!, ...rest];
    expect(areasDisjoint(broken({ mappings }), ctx)).toMatch(/live vm_map_ram mapping \[0x804000, 0x805000\) is not inside a busy area/);
    // listed after a later one, a mapping is still measured against its own area, not the later one's
    expect(areasDisjoint(broken({ mappings: [r!, v!, ...rest] }), ctx)).toBeNull();
    expect(areasDisjoint(broken({ mappings: [r!, { ...v!, pages: 7 }, ...rest] }), ctx)).toMatch(/live vmalloc mapping \[0x800000, 0x808000\) is not inside a busy area/);
  });
  it('reports overlapping sub-allocations listed out of offset order', () => {
    const blocks = { ...sound.blocks, blocks: [{ ...sound.blocks.blocks[0]!, free: 24, subs: [{ offset: 4, order: 2 }, { offset: 2, order: 2 }] }] };
    expect(areasDisjoint(broken({ blocks }), ctx)).toMatch(/sub-allocations at page 4 overlap/);
  });
  it('reports a block that is not VMAP_BLOCK_SIZE aligned', () => {
    const blocks = { ...sound.blocks, blocks: [{ ...sound.blocks.blocks[0]!, start: 0x810000n }] };
    expect(areasDisjoint(broken({ blocks }), ctx)).toMatch(/block 0x810000 is not aligned to VMAP_BLOCK_SIZE/);
  });
});

describe('areas-disjoint: small vm_map_ram mappings and their sub-allocations', () => {
  it('reports a small vm_map_ram mapping that starts no sub-allocation', () => {
    const mappings = sound.mappings.map((m) => (m.kind === 'vm_map_ram' ? { ...m, va: 0x821000n, pages: 1 } : m));
    expect(areasDisjoint(broken({ mappings }), ctx)).toMatch(/small vm_map_ram mapping at 0x821000 \(1 pages\) is no sub-allocation of block 0x820000/);
  });
  it('reports a small vm_map_ram mapping larger than its sub-allocation', () => {
    const mappings = sound.mappings.map((m) => (m.kind === 'vm_map_ram' ? { ...m, pages: 5 } : m));
    expect(areasDisjoint(broken({ mappings }), ctx)).toMatch(/small vm_map_ram mapping at 0x820000 \(5 pages\) is no sub-allocation/);
  });
});

// guard-unmapped and areas-disjoint decide on page numbers (invariants/numeric.ts) and fall back
// to their bigint definitions when a state holds an address the page-number views cannot carry
// exactly (not page aligned): the violation is still found, and named the same way.
describe('the page-number fast paths fall back to the bigint definitions', () => {
  it('guard-unmapped: a mapping at an unaligned va whose guard bytes are mapped', () => {
    const mappings = sound.mappings.map((m) => (m.kind === 'vmalloc' ? { ...m, va: 0x7ff800n } : m));
    // guard [0x802800, 0x803800) meets the vmalloc leaf's third page
    expect(guardUnmapped(broken({ mappings }), ctx)).toMatch(/guard page 0x802800 of the vmalloc mapping at 0x7ff800/);
  });
  it('areas-disjoint: a mapping at an unaligned va in no busy area', () => {
    const mappings = sound.mappings.map((m) => (m.kind === 'vmalloc' ? { ...m, va: 0x806800n } : m));
    expect(areasDisjoint(broken({ mappings }), ctx)).toMatch(/live vmalloc mapping \[0x806800, 0x80a800\) is not inside a busy area/);
  });
  it('areas-disjoint: an unaligned but otherwise sound mapping inside its area passes', () => {
    const mappings = sound.mappings.map((m) => (m.kind === 'vmalloc' ? { ...m, va: 0x800800n, pages: 2 } : m));
    expect(areasDisjoint(broken({ mappings }), ctx)).toBeNull();
  });
});

describe('lazy-accounting', () => {
  it('reports vmap_lazy_nr out of step with the lazy areas', () => {
    expect(lazyAccounting(broken({ vmap: { ...sound.vmap, lazyNr: 3 } }), ctx)).toMatch(/vmap_lazy_nr = 3, but the lazy areas hold 2 pages/);
  });
  it('reports vmap_lazy_nr above lazy_max_pages() at the end of a call', () => {
    const areas = sound.vmap.areas.map((a) => (a.lazy ? { ...a, end: 0x810000n } : a));
    expect(lazyAccounting(broken({ vmap: { areas, lazyNr: 12 } }), ctx)).toMatch(/vmap_lazy_nr = 12 > lazy_max_pages\(\) = 8/);
  });
});

describe('block-accounting', () => {
  it('reports free + live + dirty != VMAP_BBMAP_BITS', () => {
    const blocks = { ...sound.blocks, blocks: [{ ...sound.blocks.blocks[0]!, free: 27 }] };
    expect(blockAccounting(broken({ blocks }), ctx)).toMatch(/free 27 \+ live 4 \+ dirty 0 = 31, VMAP_BBMAP_BITS = 32/);
  });
  it('reports a dirty range outside the block', () => {
    const blocks = { ...sound.blocks, blocks: [{ ...sound.blocks.blocks[0]!, free: 24, dirty: 4, dirtyMin: 30, dirtyMax: 34 }] };
    expect(blockAccounting(broken({ blocks }), ctx)).toMatch(/dirty range \[30, 34\)/);
  });
});
