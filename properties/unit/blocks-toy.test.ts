// Unit: per-CPU vmap blocks on the toy24 preset, where blocks are 32 pages (128 KiB) and
// VMAP_MAX_ALLOC is 8, so blocks fill, get released and fragment within a few calls
// (vmap-blocks.md §4-§7). Both sides: the optimized Kernel (src/) and the model; expectations
// by hand from the spec. Pictures: one character per 4 KiB page of a block, A/B/.. live
// sub-allocations, d dirty, . never used; the toy vmalloc range is [0x800000, 0xe00000).
//
// toy24 RAM: pfns [0x100, 0x400); 0x100-0x11f kernel, 0x120 root table. Boot then populates the
// memmap of that RAM (vmemmap.md §4; by hand): [0xe04000, 0xe10000) is 12 base pages, under one
// middle table (0x12f) and one pte table (0x122), backed by 0x123..0x12e — the first free pfn
// after boot is 0x12f, and the memmap stays mapped as one leaf run (BOOT_MEMMAP below).
// configs: 'toy24' (3 CPUs online, lazy_max_pages = fls(3) · 16 KiB / 4 KiB = 8 pages) and
// LAZY below (lazy unit 1 MiB: lazy_max_pages = 512, so released blocks stay lazy until a purge).
import { describe, it, expect } from 'vitest';
import type { AbstractState, Addr, MachineConfig, Result, SutFactory, SystemUnderTest } from '../../api/index.js';
import { createKernel } from '../../src/index.js';
import { createModel } from '../../model/index.js';
import { configByName } from '../configs.js';

const SIDES: readonly [string, SutFactory][] = [
  ['impl', createKernel],
  ['model', createModel],
];
const TOY = configByName('toy24');
const LAZY: MachineConfig = { ...TOY, name: 'toy24-lazy512', lazyUnitBytes: 1 << 20 };
const addr = (a: Addr): Result => ({ ok: true, value: { kind: 'addr', addr: a } });
const NONE: Result = { ok: true, value: { kind: 'none' } };
const err = (e: string): Result => ({ ok: false, err: e }) as Result;
const mapRam = (k: SystemUnderTest, pages: number, cpu: number) => k.call({ call: 'vm_map_ram', pages, cpu });
const unmapRam = (k: SystemUnderTest, a: Addr, count: number) => k.call({ call: 'vm_unmap_ram', addr: a, count });
const aliases = (k: SystemUnderTest) => k.call({ call: 'vm_unmap_aliases' });
const blockAt = (s: AbstractState, start: Addr) => s.blocks.blocks.find((b) => b.start === start);
const selfCheck = (k: SystemUnderTest) => expect(k.selfCheck?.() ?? []).toEqual([]);
const BOOT_MEMMAP = { va: 0xe04000n, pages: 12, pfn: 0x123, level: 2 };

describe.each(SIDES)('toy24 block life cycle (%s)', (_side, boot) => {
  // tries: on cpu 0, 8 + 8 + 8 + 4 pages, then 8 (no room: a new block), 4, 3
  //   A 0x800000 |AAAAAAAA BBBBBBBB CCCCCCCC DDDD FFFF|  full after F: off the free list
  //   B 0x820000 |EEEEEEEE GGGG.... ................|
  // expects: E goes to a new block appended at the tail; F still fits the OLDER block A (the list
  // is walked oldest first) and fills it, so A leaves the free list; G (3 pages) takes 4 of B.
  it('a new block is appended at the tail, the oldest block with room is used first, a full block leaves the free list', () => {
    const k = boot(LAZY);
    expect(mapRam(k, 8, 0)).toEqual(addr(0x800000n));
    expect(mapRam(k, 8, 0)).toEqual(addr(0x808000n));
    expect(mapRam(k, 8, 0)).toEqual(addr(0x810000n));
    expect(mapRam(k, 4, 0)).toEqual(addr(0x818000n));
    expect(mapRam(k, 8, 0)).toEqual(addr(0x820000n));
    expect(k.state().blocks.freeLists[0]).toEqual({ cpu: 0, starts: [0x800000n, 0x820000n] });
    expect(mapRam(k, 4, 0)).toEqual(addr(0x81c000n));
    expect(mapRam(k, 3, 0)).toEqual(addr(0x828000n));
    const s = k.state();
    expect(s.blocks.freeLists).toEqual([
      { cpu: 0, starts: [0x820000n] },
      { cpu: 1, starts: [] },
      { cpu: 3, starts: [] },
    ]);
    expect(blockAt(s, 0x800000n)).toMatchObject({ free: 0, dirty: 0, onFreeList: false });
    expect(blockAt(s, 0x800000n)!.subs.map((x) => [x.offset, x.order])).toEqual([[0, 3], [8, 3], [16, 3], [24, 2], [28, 2]]);
    expect(blockAt(s, 0x820000n)).toMatchObject({ free: 20, onFreeList: true, subs: [{ offset: 0, order: 3 }, { offset: 8, order: 2 }] });
    selfCheck(k);
  });

  // tries: fill block A, unmap its second 8 pages, vm_unmap_aliases twice
  //   A 0x800000 |AAAAAAAA dddddddd CCCCCCCC DDDDDDDD|  free 0: not on the free list
  // expects: vm_unmap_aliases still reaches A (every block, not only the free list): one flush
  // of exactly [0x808000, 0x810000), A's dirty range reset; the second call flushes nothing.
  it('vm_unmap_aliases reaches a full block that left the free list; a second call in a row flushes nothing', () => {
    const k = boot(LAZY);
    for (let i = 0; i < 4; i++) mapRam(k, 8, 0);
    expect(unmapRam(k, 0x808000n, 8)).toEqual(NONE);
    const c0 = k.state().counters;
    expect(blockAt(k.state(), 0x800000n)).toMatchObject({ free: 0, dirty: 8, dirtyMin: 8, dirtyMax: 16, onFreeList: false });
    expect(aliases(k)).toEqual(NONE);
    const s = k.state();
    expect(s.counters.flushes - c0.flushes).toBe(1);
    expect(s.counters.flushedPages - c0.flushedPages).toBe(8);
    expect(s.counters.ipis - c0.ipis).toBe(2); // 3 CPUs online
    expect(blockAt(s, 0x800000n)).toMatchObject({ free: 0, dirty: 8, dirtyMin: 32, dirtyMax: 0 });
    expect(aliases(k)).toEqual(NONE);
    expect(k.state().counters).toEqual(s.counters);
    selfCheck(k);
  });

  // tries: fill block A with four 8-page mappings, unmap all four
  //   A 0x800000 |dddddddd dddddddd dddddddd dddddddd|  fully dirty → released
  // expects (lazy threshold 512): A leaves the blocks and the free list, its area turns lazy
  // (vmap_lazy_nr 32) with no flush; a new block cannot reuse the lazy range (0x820000); an
  // explicit purge then flushes the 32 pages once.
  it('a fully dirty block is released through the lazy path and flushed at the next purge', () => {
    const k = boot(LAZY);
    for (let i = 0; i < 4; i++) mapRam(k, 8, 0);
    const c0 = k.state().counters;
    for (let i = 0; i < 4; i++) expect(unmapRam(k, 0x800000n + BigInt(i) * 0x8000n, 8)).toEqual(NONE);
    let s = k.state();
    expect(s.blocks.blocks).toEqual([]);
    expect(s.blocks.freeLists[0]).toEqual({ cpu: 0, starts: [] });
    expect(s.vmap).toEqual({ areas: [{ start: 0x800000n, end: 0x820000n, lazy: true }], lazyNr: 32 });
    expect(s.counters).toEqual(c0);
    expect(s.mappings).toEqual([]);
    expect(mapRam(k, 1, 0)).toEqual(addr(0x820000n));
    expect(k.call({ call: 'purge_vmap_area_lazy' })).toEqual(NONE);
    s = k.state();
    expect(s.counters.flushes - c0.flushes).toBe(1);
    expect(s.counters.flushedPages - c0.flushedPages).toBe(32);
    expect(s.vmap).toEqual({ areas: [{ start: 0x820000n, end: 0x840000n, lazy: false }], lazyNr: 0 });
    selfCheck(k);
  });

  // expects (toy24, lazy_max_pages 8): the released block's 32 lazy pages exceed the threshold, so
  // the purge runs at the end of that same vm_unmap_ram: one flush of 32 pages, no area left.
  it('releasing a block crosses the toy lazy threshold: purged at the end of the same vm_unmap_ram', () => {
    const k = boot(TOY);
    for (let i = 0; i < 4; i++) mapRam(k, 8, 0);
    const c0 = k.state().counters;
    for (let i = 0; i < 4; i++) unmapRam(k, 0x800000n + BigInt(i) * 0x8000n, 8);
    const s = k.state();
    expect(s.vmap).toEqual({ areas: [], lazyNr: 0 });
    expect(s.counters.flushes - c0.flushes).toBe(1);
    expect(s.counters.flushedPages - c0.flushedPages).toBe(32);
    selfCheck(k);
  });

  // tries: cpu 0 maps and unmaps one page (block A is fragmented: no live page, free 31 ≥ the
  // threshold 8); get_vm_area fills the rest of the vmalloc range; cpu 1 then needs a block.
  //   0x800000 |d.......(A)|0x820000 VVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVV|0xe00000
  // expects: the allocator fails, releases EVERY fragmented block (A, though it has plenty of
  // room), purges (one flush over A's 32 pages) and retries: cpu 1's block lands at 0x800000.
  // Then cpu 3 needs a block: nothing fragmented, nothing lazy — EBUSY, nothing changed.
  it('an allocation failure releases every fragmented block before the purge-and-retry; then EBUSY', () => {
    const k = boot(LAZY);
    expect(mapRam(k, 1, 0)).toEqual(addr(0x800000n));
    expect(unmapRam(k, 0x800000n, 1)).toEqual(NONE);
    expect(k.call({ call: 'get_vm_area', bytes: 0x5e0000n, flags: ['VM_NO_GUARD'] })).toEqual(addr(0x820000n));
    const c0 = k.state().counters;
    expect(mapRam(k, 1, 1)).toEqual(addr(0x800000n));
    const s = k.state();
    expect(s.blocks.blocks).toEqual([
      { cpu: 1, start: 0x800000n, free: 31, dirty: 0, dirtyMin: 32, dirtyMax: 0, onFreeList: true, subs: [{ offset: 0, order: 0 }] },
    ]);
    expect(s.counters.flushes - c0.flushes).toBe(1);
    expect(s.counters.flushedPages - c0.flushedPages).toBe(32);
    expect(mapRam(k, 1, 3)).toEqual(err('EBUSY'));
    expect({ ...k.state(), step: 0 }).toEqual({ ...s, step: 0 });
    selfCheck(k);
  });

  // tries: cpu 0: 8 + 8 + 8 + 1 pages, all unmapped (A: free 7 < VMAP_PURGE_THRESHOLD 8);
  // cpu 1: one page, unmapped (B: free 31)
  //   A 0x800000 |dddddddd dddddddd dddddddd d.......|   B 0x820000 |d...............................|
  // expects: vm_unmap_aliases releases A (nearly used up) but keeps B (still usable) and resets
  // B's dirty range; ONE flush over the hull of A's lazy area and B's dirty page:
  // [0x800000, 0x821000) = 33 pages. A second call flushes nothing.
  it('vm_unmap_aliases releases a fragmented block only below VMAP_PURGE_THRESHOLD free pages', () => {
    const k = boot(LAZY);
    for (const n of [8, 8, 8, 1]) mapRam(k, n, 0);
    expect(mapRam(k, 1, 1)).toEqual(addr(0x820000n));
    for (const [a, n] of [[0x800000n, 8], [0x808000n, 8], [0x810000n, 8], [0x818000n, 1], [0x820000n, 1]] as const) {
      expect(unmapRam(k, a, n)).toEqual(NONE);
    }
    expect(blockAt(k.state(), 0x800000n)).toMatchObject({ free: 7, dirty: 25, subs: [] });
    const c0 = k.state().counters;
    expect(aliases(k)).toEqual(NONE);
    const s = k.state();
    expect(s.blocks.blocks).toEqual([
      { cpu: 1, start: 0x820000n, free: 31, dirty: 1, dirtyMin: 32, dirtyMax: 0, onFreeList: true, subs: [] },
    ]);
    expect(s.vmap).toEqual({ areas: [{ start: 0x820000n, end: 0x840000n, lazy: false }], lazyNr: 0 });
    expect(s.counters.flushes - c0.flushes).toBe(1);
    expect(s.counters.flushedPages - c0.flushedPages).toBe(33);
    expect(aliases(k)).toEqual(NONE);
    expect(k.state().counters).toEqual(s.counters);
    selfCheck(k);
  });

  it('vm_unmap_aliases on a fresh machine flushes nothing', () => {
    const k = boot(TOY);
    const c0 = k.state().counters;
    expect(aliases(k)).toEqual(NONE);
    expect(k.state().counters).toEqual(c0);
  });

  // tries: vm_map_ram one page on cpu 0 (caller pfn 0x12f), touch it from cpu 1, vm_unmap_ram it
  // (pfn 0x12f back to the page allocator, no flush), vmalloc one page — it gets pfn 0x12f again
  //   0x800000 |d...(A)|0x820000 |V G|      cpu 1's TLB: 0x800000 → pfn 0x12f (now V's page)
  // expects: cpu 1 still reads pfn 0x12f through 0x800000 from its TLB — a stale alias of the
  // vmalloc page; after vm_unmap_aliases the alias is gone (EFAULT) and V is untouched.
  it('a stale TLB entry reaches a reused page until vm_unmap_aliases flushes it', () => {
    const k = boot(TOY);
    expect(mapRam(k, 1, 0)).toEqual(addr(0x800000n));
    expect(k.call({ call: 'touch', cpu: 1, va: 0x800000n })).toEqual({ ok: true, value: { kind: 'touch', pfn: 0x12f, fromTlb: false } });
    expect(unmapRam(k, 0x800000n, 1)).toEqual(NONE);
    expect(k.call({ call: 'vmalloc', bytes: 4096n })).toEqual(addr(0x820000n));
    let s = k.state();
    expect(s.leaves.find((l) => l.va === 0x820000n)).toMatchObject({ pfn: 0x12f });
    expect(k.call({ call: 'touch', cpu: 1, va: 0x800000n })).toEqual({ ok: true, value: { kind: 'touch', pfn: 0x12f, fromTlb: true } });
    expect(k.call({ call: 'touch', cpu: 0, va: 0x800000n })).toEqual(err('EFAULT'));
    expect(aliases(k)).toEqual(NONE);
    s = k.state();
    expect(s.tlb.find((t) => t.cpu === 1)!.runs.filter((r) => r.va === 0x800000n)).toEqual([]);
    expect(k.call({ call: 'touch', cpu: 1, va: 0x800000n })).toEqual(err('EFAULT'));
    expect(k.call({ call: 'touch', cpu: 1, va: 0x820000n })).toEqual({ ok: true, value: { kind: 'touch', pfn: 0x12f, fromTlb: false } });
    selfCheck(k);
  });

  // tries: arm fault injection, vm_map_ram one page: the caller page is not counted, the block is
  // created, then the page-table allocation (the pmd-level table) fails
  // expects: ENOMEM; the undo is vm_unmap_ram — page 0 of the block turns dirty and is never handed
  // out again (the next request gets page 1); the caller page is free again; the block stays.
  it('a failed mapping is undone with vm_unmap_ram: the block keeps a dirty page, the caller page is freed', () => {
    const k = boot(LAZY);
    expect(k.call({ call: 'fail_alloc', after: 0 })).toEqual(NONE);
    expect(mapRam(k, 1, 0)).toEqual(err('ENOMEM'));
    const s = k.state();
    expect(s.blocks.blocks).toEqual([
      { cpu: 0, start: 0x800000n, free: 31, dirty: 1, dirtyMin: 0, dirtyMax: 1, onFreeList: true, subs: [] },
    ]);
    expect(s.mappings).toEqual([]);
    expect(s.leaves).toEqual([BOOT_MEMMAP]);
    expect(s.owners.find((o) => o.pfn <= 0x12f && 0x12f < o.pfn + o.count)!.owner).toBe('free');
    expect(mapRam(k, 1, 0)).toEqual(addr(0x801000n));
    selfCheck(k);
  });

  // expects (toy24, lazy_max_pages 8): a large mapping whose table allocation fails lazy-frees its
  // 9-page area, which crosses the threshold: purged (one flush of 9 pages) at the end of the call
  it('a failed large mapping lazy-frees its area', () => {
    const k = boot(TOY);
    k.call({ call: 'fail_alloc', after: 0 });
    const c0 = k.state().counters;
    expect(mapRam(k, 9, 0)).toEqual(err('ENOMEM'));
    const s = k.state();
    expect(s.vmap).toEqual({ areas: [], lazyNr: 0 });
    expect(s.counters.flushes - c0.flushes).toBe(1);
    expect(s.counters.flushedPages - c0.flushedPages).toBe(9);
    expect(s.owners.find((o) => o.pfn <= 0x12f && 0x12f < o.pfn + o.count)!.owner).toBe('free');
  });

  // tries: a 9-page vm_map_ram (> VMAP_MAX_ALLOC 8), a small one, unmap the large one twice
  //   0x800000 |LLLLLLLLL.......(gap)|0x820000 |A.......|
  // expects: the large mapping is an area of exactly 9 pages (no guard) at 0x800000; the small one
  // needs a 128 KiB-aligned block: 0x820000. Unmapping lazy-frees the 9 pages (no flush); the
  // second unmap is ENOENT (lazy); vm_unmap_aliases purges it with one flush of 9 pages.
  it('a large vm_map_ram is an area of exactly count pages, lazy-freed by vm_unmap_ram', () => {
    const k = boot(LAZY);
    expect(mapRam(k, 9, 0)).toEqual(addr(0x800000n));
    expect(mapRam(k, 1, 0)).toEqual(addr(0x820000n));
    let s = k.state();
    expect(s.vmap.areas[0]).toEqual({ start: 0x800000n, end: 0x809000n, lazy: false });
    expect(s.leaves[0]).toEqual({ va: 0x800000n, pages: 9, pfn: 0x12f, level: 2 });
    const c0 = s.counters;
    expect(unmapRam(k, 0x800000n, 9)).toEqual(NONE);
    s = k.state();
    expect(s.vmap.areas[0]).toEqual({ start: 0x800000n, end: 0x809000n, lazy: true });
    expect(s.vmap.lazyNr).toBe(9);
    expect(s.leaves.some((l) => l.va < 0x809000n)).toBe(false);
    expect(s.counters).toEqual(c0);
    expect(unmapRam(k, 0x800000n, 9)).toEqual(err('ENOENT'));
    expect(aliases(k)).toEqual(NONE);
    s = k.state();
    expect(s.counters.flushes - c0.flushes).toBe(1);
    expect(s.counters.flushedPages - c0.flushedPages).toBe(9);
    expect(s.vmap.lazyNr).toBe(0);
    selfCheck(k);
  });
});
