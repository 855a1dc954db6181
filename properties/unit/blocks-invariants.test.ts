// Unit: the block invariants report hand-broken states (checking.md §4: an invariant that has never
// failed is untested). Each test starts from a sound state reached through real calls on the
// toy24 preset (32-page blocks, VMAP_PURGE_THRESHOLD 8), checks that the invariant holds there,
// then breaks one thing by hand and expects the invariant to name it.
import { describe, it, expect } from 'vitest';
import type { AbstractState, BlockRec, Call, MachineConfig, SystemUnderTest } from '../../api/index.js';
import { createKernel } from '../../src/index.js';
import { configByName } from '../configs.js';
import { geometryOf } from '../harness/geometry.js';
import { blockAccounting } from '../invariants/block-accounting.js';
import type { InvariantCtx } from '../invariants/context.js';
import { noStaleAliasAfterUnmapAliases } from '../invariants/no-stale-alias-after-unmap-aliases.js';

const TOY: MachineConfig = { ...configByName('toy24'), name: 'toy24-lazy512', lazyUnitBytes: 1 << 20 };
const ALIASES: Call = { call: 'vm_unmap_aliases' };
const ctxAfter = (call: Call | null): InvariantCtx => ({ config: TOY, geo: geometryOf(TOY), call, result: null });

/** Run calls on a fresh toy24 kernel; every call must succeed. */
function run(calls: readonly Call[]): { k: SystemUnderTest; s: AbstractState } {
  const k = createKernel(TOY);
  for (const c of calls) {
    const r = k.call(c);
    if (!r.ok) throw new Error(`${c.call} failed: ${r.err}`);
  }
  return { k, s: k.state() };
}

const withBlock = (s: AbstractState, i: number, patch: Partial<BlockRec>): AbstractState => ({
  ...s,
  blocks: { ...s.blocks, blocks: s.blocks.blocks.map((b, j) => (j === i ? { ...b, ...patch } : b)) },
});

describe('no-stale-alias-after-unmap-aliases', () => {
  // sound state: a one-page vm_map_ram at 0x800000 (caller pfn 0x12f) touched by cpu 1, and a
  // vmalloc page at 0x820000, after vm_unmap_aliases. The pfns are worked by hand: boot populated
  // the memmap of RAM 0x100..0x400 at [0xe04000, 0xe10000) from the lowest free RAM (vmemmap.md
  // §4): tables 0x121, 0x122 and 12 pages 0x123..0x12e, so the first free pfn is 0x12f
  //   0x800000 |A...(block)|0x820000 |V G|   A: pfn 0x12f (tables 0x130, 0x131), V: pfn 0x132
  const sound = () =>
    run([
      { call: 'vm_map_ram', pages: 1, cpu: 0 },
      { call: 'touch', cpu: 1, va: 0x800000n },
      { call: 'vmalloc', bytes: 4096n },
      { call: 'touch', cpu: 1, va: 0x820000n },
      ALIASES,
    ]).s;

  it('holds on a sound state after vm_unmap_aliases', () => {
    expect(noStaleAliasAfterUnmapAliases(sound(), ctxAfter(ALIASES))).toBeNull();
  });

  // the stale TLB scenario frozen before the flush: cpu 1 still caches 0x800000 -> pfn 0x12f after
  // the vm_map_ram page was unmapped and pfn 0x12f was reused by a vmalloc page
  it('reports a TLB entry that no live mapping covers (a stale alias)', () => {
    const { s } = run([
      { call: 'vm_map_ram', pages: 1, cpu: 0 },
      { call: 'touch', cpu: 1, va: 0x800000n },
      { call: 'vm_unmap_ram', addr: 0x800000n, count: 1 },
      { call: 'vmalloc', bytes: 4096n },
    ]);
    expect(noStaleAliasAfterUnmapAliases(s, ctxAfter(ALIASES))).toMatch(/cpu 1 caches 0x800000 -> pfn 0x12f, which no live mapping covers/);
    // the same state after any other call is not judged by this invariant
    expect(noStaleAliasAfterUnmapAliases(s, ctxAfter({ call: 'vmalloc', bytes: 4096n }))).toBeNull();
  });

  it('reports a TLB entry inside a live mapping that caches another page', () => {
    const s = sound();
    const tlb = s.tlb.map((t) => (t.cpu === 1 ? { ...t, runs: t.runs.map((r) => (r.va === 0x820000n ? { ...r, pfn: 0x300 } : r)) } : t));
    expect(noStaleAliasAfterUnmapAliases({ ...s, tlb }, ctxAfter(ALIASES))).toMatch(/cpu 1 caches 0x820000 -> pfn 0x300, but the vmalloc mapping at 0x820000 maps pfn 0x132/);
  });

  it('checks a multi-page TLB run past its first page: right at 0x820000, stale at the guard page 0x821000', () => {
    const s = sound();
    const tlb = s.tlb.map((t) => (t.cpu === 1 ? { ...t, runs: t.runs.map((r) => (r.va === 0x820000n ? { ...r, pages: 2 } : r)) } : t));
    expect(noStaleAliasAfterUnmapAliases({ ...s, tlb }, ctxAfter(ALIASES))).toMatch(/cpu 1 caches 0x821000 -> pfn 0x133, which no live mapping covers/);
  });

  it('reports a page-table entry outside every live mapping (the guard page)', () => {
    const s = sound();
    // leaves stay sorted by va: the boot memmap's leaves at 0xe04000 come after the guard page
    const leaves = [...s.leaves, { va: 0x821000n, pages: 1, pfn: 0x300, level: 2 }].sort((a, b) => (a.va < b.va ? -1 : a.va > b.va ? 1 : 0));
    expect(noStaleAliasAfterUnmapAliases({ ...s, leaves }, ctxAfter(ALIASES))).toMatch(/page-table entry 0x821000 -> pfn 0x300 belongs to no live mapping/);
  });

  it("reports a page-table entry of a live mapping that maps a page the mapping does not own", () => {
    const s = sound();
    // the vm_map_ram page 0x800000 now maps a free pfn
    const leaves = s.leaves.map((l) => (l.va === 0x800000n ? { ...l, pfn: 0x3ff } : l));
    expect(noStaleAliasAfterUnmapAliases({ ...s, leaves }, ctxAfter(ALIASES))).toMatch(/maps pfn 0x3ff.., owned by free, not caller/);
  });

  it('reports a vmalloc page also mapped behind a vm_map_ram page, and a caller page mapped at two addresses', () => {
    const s = sound();
    const leaves = s.leaves.map((l) => (l.va === 0x800000n ? { ...l, pfn: 0x132 } : l));
    const owners = s.owners.map((o) => (o.pfn === 0x12f ? { ...o, owner: 'vmalloc' as const } : o));
    expect(noStaleAliasAfterUnmapAliases({ ...s, leaves, owners }, ctxAfter(ALIASES))).toMatch(/maps pfn 0x132.., owned by vmalloc, not caller/);
    // same owner: a caller page of one vm_map_ram mapped again by another
    const twice = run([
      { call: 'vm_map_ram', pages: 1, cpu: 0 },
      { call: 'vm_map_ram', pages: 1, cpu: 0 },
      ALIASES,
    ]).s;
    const dup = twice.leaves.map((l) => (l.va === 0x801000n ? { ...l, pfn: 0x12f } : l));
    expect(noStaleAliasAfterUnmapAliases({ ...twice, leaves: dup }, ctxAfter(ALIASES))).toMatch(/pfn 0x12f is mapped at both 0x800000 and 0x801000/);
  });

  it('reports what a second call would still flush: a lazy area, a dirty range, a nearly used-up fragmented block', () => {
    const s = sound();
    const lazy = { ...s, vmap: { areas: [...s.vmap.areas, { start: 0xd00000n, end: 0xd02000n, lazy: true }], lazyNr: 2 } };
    expect(noStaleAliasAfterUnmapAliases(lazy, ctxAfter(ALIASES))).toMatch(/lazy area \[0xd00000, 0xd02000\) survived/);
    // block 0x800000: free 31, live 1 — pretend page 5 was freed and not flushed
    const dirty = withBlock(s, 0, { free: 30, dirty: 1, dirtyMin: 5, dirtyMax: 6 });
    expect(noStaleAliasAfterUnmapAliases(dirty, ctxAfter(ALIASES))).toMatch(/keeps the unflushed dirty range \[5, 6\)/);
    const frag = withBlock(s, 0, { free: 7, dirty: 25, subs: [] });
    expect(noStaleAliasAfterUnmapAliases(frag, ctxAfter(ALIASES))).toMatch(/fragmented with 7 free pages \(< VMAP_PURGE_THRESHOLD 8\)/);
  });
});

describe('block-accounting', () => {
  // sound state: cpu 0 maps 3 pages (4 consumed) and 1 page, then unmaps the 1-page mapping
  //   0x800000 |AAA.d...........................|  free 27, live 4, dirty 1
  const sound = () =>
    run([
      { call: 'vm_map_ram', pages: 3, cpu: 0 },
      { call: 'vm_map_ram', pages: 1, cpu: 0 },
      { call: 'vm_unmap_ram', addr: 0x804000n, count: 1 },
    ]).s;

  it('holds on a sound state', () => {
    const s = sound();
    expect(s.blocks.blocks[0]).toMatchObject({ free: 27, dirty: 1, dirtyMin: 4, dirtyMax: 5 });
    expect(blockAccounting(s, ctxAfter(null))).toBeNull();
  });

  it('reports free + live + dirty != VMAP_BBMAP_BITS (a sub-allocation counted at its count, not 2^order)', () => {
    expect(blockAccounting(withBlock(sound(), 0, { free: 28 }), ctxAfter(null))).toMatch(/free 28 \+ live 4 \+ dirty 1 = 33, VMAP_BBMAP_BITS = 32/);
  });

  it('reports a dirty range outside the block and a fully dirty block that was kept', () => {
    expect(blockAccounting(withBlock(sound(), 0, { dirtyMin: 4, dirtyMax: 33 }), ctxAfter(null))).toMatch(/dirty range \[4, 33\) is neither empty nor inside/);
    expect(blockAccounting(withBlock(sound(), 0, { free: 0, dirty: 32, subs: [] }), ctxAfter(null))).toMatch(/fully dirty but was not released/);
  });

  it('reports a block with free pages missing from its free list, and a list naming a dead block', () => {
    const s = sound();
    const off = { ...s, blocks: { ...s.blocks, freeLists: s.blocks.freeLists.map((l) => ({ ...l, starts: [] })) } };
    expect(blockAccounting(off, ctxAfter(null))).toMatch(/listed on the free lists of cpus \[\], expected \[0\]/);
    const ghost = { ...s, blocks: { ...s.blocks, freeLists: s.blocks.freeLists.map((l) => (l.cpu === 1 ? { ...l, starts: [0x900000n] } : l)) } };
    expect(blockAccounting(ghost, ctxAfter(null))).toMatch(/cpu 1's free list names 0x900000, which is no live block/);
    expect(blockAccounting(withBlock(s, 0, { onFreeList: false }), ctxAfter(null))).toMatch(/free = 27 but on the free list = false/);
  });
});
