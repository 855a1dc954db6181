// Unit tests of the reference model's page tables (machine.md §3-§4), hand-computed.
//
// toy24 (properties/configs.ts): 24-bit word, 4 KiB pages, levels pgd/pmd/pte of 4 bits:
// a root entry maps 1 MiB, a pmd entry 64 KiB, a pte 4 KiB; leaves at every level. RAM pfns
// [0x100, 0x400) with the kernel at [0x100, 0x120) and the root table at 0x120. Boot populates
// the memmap of that RAM first (vmemmap.md §4), worked by hand: vmemmap(pfn) = 0xe00000 + pfn·64,
// so [0xe04000, 0xe10000) = 12 base pages, a middle table 0x121 (level 1, 0xe00000), a pte table
// 0x122 (level 2, 0xe00000), pages 0x123..0x12e — the lowest free pfn after boot is 0x12f.
// Device pfns [0x1000, 0x1400) (phys 0x1000000...). Online CPUs 0, 1, 3.
// Windows [0x400000, 0x800000) and [0xf00000, 0x1000000) — the second ends at 2^24.
import { describe, expect, it } from 'vitest';
import type { AbstractState, Call, Result } from '../../api/index.js';
import { ModelKernel } from '../../model/index.js';
import { configByName } from '../configs.js';

const toy = () => new ModelKernel(configByName('toy24'));
const x86 = () => new ModelKernel(configByName('x86_64'));

function run(k: ModelKernel, c: Call): Result {
  return k.call(c);
}

/** the state without the step counter, to compare "nothing changed" */
function still(s: AbstractState): Omit<AbstractState, 'step'> {
  const { step: _step, ...rest } = s;
  return rest;
}

const addr = (a: bigint): Result => ({ ok: true, value: { kind: 'addr', addr: a } });
const none: Result = { ok: true, value: { kind: 'none' } };
const err = (e: string): Result => ({ ok: false, err: e as never });

// the boot memmap (see the header): its leaf run and its two tables
const TOY_MEMMAP = { va: 0xe04000n, pages: 12, pfn: 0x123, level: 2 };
const TOY_MEMMAP_L1 = { level: 1, va: 0xe00000n, pfn: 0x121 };
const TOY_MEMMAP_L2 = { level: 2, va: 0xe00000n, pfn: 0x122 };

describe('model page tables on toy24', () => {
  it('map_pages takes caller pages first, then allocates the missing tables top-down', () => {
    const k = toy();
    expect(run(k, { call: 'map_pages', va: 0xf00000n, pages: 2 })).toEqual(addr(0xf00000n));
    const s = k.state();
    expect(s.tables).toEqual([
      TOY_MEMMAP_L1,
      { level: 1, va: 0xf00000n, pfn: 0x131 },
      TOY_MEMMAP_L2,
      { level: 2, va: 0xf00000n, pfn: 0x132 },
    ]);
    expect(s.leaves).toEqual([TOY_MEMMAP, { va: 0xf00000n, pages: 2, pfn: 0x12f, level: 2 }]);
    expect(s.owners.slice(0, 6)).toEqual([
      { pfn: 0x100, count: 0x21, owner: 'reserved' },
      { pfn: 0x121, count: 2, owner: 'pagetable' },
      { pfn: 0x123, count: 12, owner: 'vmemmap' },
      { pfn: 0x12f, count: 2, owner: 'caller' },
      { pfn: 0x131, count: 2, owner: 'pagetable' },
      { pfn: 0x133, count: 0x400 - 0x133, owner: 'free' },
    ]);
    expect(s.counters.ptAllocs).toBe(2 + 2); // the boot memmap's two tables, then these two
    expect(s.mappings).toEqual([{ kind: 'pages', va: 0xf00000n, pages: 2, guard: 0 }]);
  });

  it('vmap_page_range stops with EBUSY on a present pte and map_pages undoes the pages before it', () => {
    // |..B.| B = [0xf01000, 0xf02000); then map 3 pages from 0xf00000: page 0 maps, page 1 is B
    const k = toy();
    run(k, { call: 'map_pages', va: 0xf01000n, pages: 1 }); // caller 0x12f, tables 0x130, 0x131
    const before = still(k.state());
    expect(run(k, { call: 'map_pages', va: 0xf00000n, pages: 3 })).toEqual(err('EBUSY'));
    expect(still(k.state())).toEqual(before);
    expect(k.state().leaves).toEqual([TOY_MEMMAP, { va: 0xf01000n, pages: 1, pfn: 0x12f, level: 2 }]);
  });

  it('a failed table allocation in the middle is ENOMEM; tables allocated before it stay', () => {
    // pages 0xf0f000 (needs pmd 0xf00000 #1 and pte 0xf00000 #2) and 0xf10000 (pte 0xf10000 #3)
    const k = toy();
    run(k, { call: 'fail_alloc', after: 2 });
    expect(k.state().failAfter).toBe(2);
    expect(run(k, { call: 'map_pages', va: 0xf0f000n, pages: 2 })).toEqual(err('ENOMEM'));
    const s = k.state();
    expect(s.failAfter).toBeNull();
    expect(s.leaves).toEqual([TOY_MEMMAP]);
    expect(s.mappings).toEqual([]);
    expect(s.tables).toEqual([
      TOY_MEMMAP_L1,
      { level: 1, va: 0xf00000n, pfn: 0x131 },
      TOY_MEMMAP_L2,
      { level: 2, va: 0xf00000n, pfn: 0x132 },
    ]);
    // the caller pages 0x12f, 0x130 went back to the allocator
    expect(s.owners.slice(3, 5)).toEqual([
      { pfn: 0x12f, count: 2, owner: 'free' },
      { pfn: 0x131, count: 2, owner: 'pagetable' },
    ]);
  });

  it('vmap_range maps a whole aligned 1 MiB span with one root-level leaf', () => {
    const k = toy();
    expect(run(k, { call: 'map_device', va: 0xf00000n, phys: 0x1000000n, bytes: 0x100000n })).toEqual(addr(0xf00000n));
    expect(k.state().leaves).toEqual([TOY_MEMMAP, { va: 0xf00000n, pages: 256, pfn: 0x1000, level: 0 }]);
    expect(k.state().tables).toEqual([TOY_MEMMAP_L1, TOY_MEMMAP_L2]);
    expect(run(k, { call: 'walk', va: 0xf12345n })).toEqual({ ok: true, value: { kind: 'walk', pfn: 0x1012, level: 0 } });
  });

  it('vmap_range decides per entry span: base pages at the ragged edges, a 64 KiB leaf inside, tables depth-first', () => {
    // [0xf0f000, 0xf21000) -> phys 0x100f000: pte | pmd leaf [0xf10000, 0xf20000) | pte
    const k = toy();
    run(k, { call: 'map_device', va: 0xf0f000n, phys: 0x100f000n, bytes: 0x12000n });
    const s = k.state();
    expect(s.leaves).toEqual([
      TOY_MEMMAP,
      { va: 0xf0f000n, pages: 1, pfn: 0x100f, level: 2 },
      { va: 0xf10000n, pages: 16, pfn: 0x1010, level: 1 },
      { va: 0xf20000n, pages: 1, pfn: 0x1020, level: 2 },
    ]);
    expect(s.tables).toEqual([
      TOY_MEMMAP_L1,
      { level: 1, va: 0xf00000n, pfn: 0x12f },
      TOY_MEMMAP_L2,
      { level: 2, va: 0xf00000n, pfn: 0x130 },
      { level: 2, va: 0xf20000n, pfn: 0x131 },
    ]);
  });

  it('a huge slot holding tables that map nothing: tables freed, one flush over the span, stale TLB entry dropped', () => {
    const k = toy();
    run(k, { call: 'map_pages', va: 0xf00000n, pages: 1 }); // caller 0x12f, tables 0x130, 0x131
    run(k, { call: 'touch', cpu: 0, va: 0xf00000n });
    run(k, { call: 'unmap_pages', va: 0xf00000n }); // no flush: the TLB keeps the stale entry
    expect(run(k, { call: 'touch', cpu: 0, va: 0xf00000n })).toEqual({ ok: true, value: { kind: 'touch', pfn: 0x12f, fromTlb: true } });
    run(k, { call: 'map_device', va: 0xf00000n, phys: 0x1000000n, bytes: 0x100000n });
    const s = k.state();
    expect(s.tables).toEqual([TOY_MEMMAP_L1, TOY_MEMMAP_L2]);
    expect(s.leaves).toEqual([TOY_MEMMAP, { va: 0xf00000n, pages: 256, pfn: 0x1000, level: 0 }]);
    // ptAllocs: the boot memmap's two tables and map_pages' two
    expect(s.counters).toEqual({ flushes: 1, ipis: 2, flushedPages: 256, ptAllocs: 4, ptFrees: 2, badFlushes: 0 });
    expect(s.tlb.map((t) => t.cpu)).toEqual([0, 1, 3]);
    expect(s.tlb[0]?.runs).toEqual([]);
    expect(run(k, { call: 'touch', cpu: 0, va: 0xf00000n })).toEqual({ ok: true, value: { kind: 'touch', pfn: 0x1000, fromTlb: false } });
  });

  it('a huge slot holding a table that maps something is EBUSY and changes nothing', () => {
    const k = toy();
    run(k, { call: 'map_pages', va: 0xf80000n, pages: 1 });
    const before = still(k.state());
    expect(run(k, { call: 'map_device', va: 0xf00000n, phys: 0x1000000n, bytes: 0x100000n })).toEqual(err('EBUSY'));
    expect(still(k.state())).toEqual(before);
  });

  it('a huge leaf on the path of vmap_page_range is EBUSY', () => {
    const k = toy();
    run(k, { call: 'map_device', va: 0xf00000n, phys: 0x1000000n, bytes: 0x100000n });
    const before = still(k.state());
    expect(run(k, { call: 'map_pages', va: 0xf40000n, pages: 1 })).toEqual(err('EBUSY'));
    expect(still(k.state())).toEqual(before);
  });

  it('vunmap_page_range of part of a huge leaf is EINVAL before anything is cleared', () => {
    const k = toy();
    run(k, { call: 'map_device', va: 0xf00000n, phys: 0x1000000n, bytes: 0x100000n });
    expect(run(k, { call: 'unmap_range', start: 0xf00000n, end: 0xf10000n })).toEqual(err('EINVAL'));
    expect(k.state().leaves).toEqual([TOY_MEMMAP, { va: 0xf00000n, pages: 256, pfn: 0x1000, level: 0 }]);
    // the raw range from 0xe00000 also clears the boot memmap's 12 ptes (its tables stay)
    expect(run(k, { call: 'unmap_range', start: 0xe00000n, end: 0x1000000n })).toEqual(none);
    expect(k.state().leaves).toEqual([]);
  });

  it('a range ending at 2^24 maps, walks and unmaps; free_empty_tables cascades bottom-up', () => {
    const k = toy();
    expect(run(k, { call: 'map_pages', va: 0xffe000n, pages: 2 })).toEqual(addr(0xffe000n));
    expect(k.state().tables).toEqual([
      TOY_MEMMAP_L1,
      { level: 1, va: 0xf00000n, pfn: 0x131 },
      TOY_MEMMAP_L2,
      { level: 2, va: 0xff0000n, pfn: 0x132 },
    ]);
    expect(run(k, { call: 'walk', va: 0xffffffn })).toEqual({ ok: true, value: { kind: 'walk', pfn: 0x130, level: 2 } });
    expect(run(k, { call: 'unmap_range', start: 0xff0000n, end: 0x1000000n })).toEqual(none);
    expect(run(k, { call: 'free_empty_tables', start: 0xff0000n, end: 0x1000000n })).toEqual(none);
    expect(k.state().tables).toEqual([TOY_MEMMAP_L1, TOY_MEMMAP_L2]);
    expect(k.state().counters.ptFrees).toBe(2);
  });

  it('free_empty_tables keeps a parent that still holds another table', () => {
    const k = toy();
    run(k, { call: 'map_pages', va: 0xf00000n, pages: 1 }); // caller 0x12f, pmd 0x130, pte 0x131
    run(k, { call: 'map_pages', va: 0xfff000n, pages: 1 }); // caller 0x132, pte 0x133
    run(k, { call: 'unmap_pages', va: 0xfff000n });
    run(k, { call: 'free_empty_tables', start: 0xf00000n, end: 0x1000000n });
    expect(k.state().tables).toEqual([
      TOY_MEMMAP_L1,
      { level: 1, va: 0xf00000n, pfn: 0x130 },
      TOY_MEMMAP_L2,
      { level: 2, va: 0xf00000n, pfn: 0x131 },
    ]);
  });

  it('populate creates the tables down to the level asked, and meets a huge leaf with EBUSY', () => {
    const k = toy();
    expect(run(k, { call: 'populate', va: 0x400000n, level: 2 })).toEqual(none);
    expect(k.state().tables).toEqual([
      { level: 1, va: 0x400000n, pfn: 0x12f },
      TOY_MEMMAP_L1,
      { level: 2, va: 0x400000n, pfn: 0x130 },
      TOY_MEMMAP_L2,
    ]);
    expect(run(k, { call: 'populate', va: 0x400000n, level: 3 })).toEqual(err('EINVAL'));
    run(k, { call: 'map_device', va: 0xf00000n, phys: 0x1000000n, bytes: 0x100000n });
    expect(run(k, { call: 'populate', va: 0xf00000n, level: 1 })).toEqual(err('EBUSY'));
  });
});

describe('model page tables on x86_64', () => {
  it('a range ending at 2^64 is mapped with exact arithmetic and torn down completely', () => {
    // The first 1 MiB is reserved; boot then populates the memmap of RAM 0..0x4000 (vmemmap.md §4),
    // by hand: 1 MiB of struct pages at 0xffffea0000000000 = 256 base pages (less than a section),
    // tables pud 0x100, pmd 0x101, pte 0x102, pages 0x103..0x202 — the lowest free pfn is 0x203.
    const memmapTables = [
      { level: 1, va: 0xffffea0000000000n, pfn: 0x100 },
      { level: 2, va: 0xffffea0000000000n, pfn: 0x101 },
      { level: 3, va: 0xffffea0000000000n, pfn: 0x102 },
    ];
    const k = x86();
    const top = 1n << 64n;
    expect(run(k, { call: 'map_pages', va: top - 0x2000n, pages: 2 })).toEqual(addr(top - 0x2000n));
    const s = k.state();
    expect(s.tables).toEqual([
      memmapTables[0],
      { level: 1, va: 0xffffff8000000000n, pfn: 0x205 },
      memmapTables[1],
      { level: 2, va: 0xffffffffc0000000n, pfn: 0x206 },
      memmapTables[2],
      { level: 3, va: 0xffffffffffe00000n, pfn: 0x207 },
    ]);
    expect(s.leaves).toEqual([
      { va: 0xffffea0000000000n, pages: 256, pfn: 0x103, level: 3 },
      { va: 0xffffffffffffe000n, pages: 2, pfn: 0x203, level: 3 },
    ]);
    expect(run(k, { call: 'touch', cpu: 2, va: top - 1n })).toEqual({ ok: true, value: { kind: 'touch', pfn: 0x204, fromTlb: false } });
    expect(run(k, { call: 'flush', start: top - 0x1000n, end: top })).toEqual(none);
    expect(k.state().tlb.every((t) => t.runs.length === 0)).toBe(true);
    expect(k.state().counters).toMatchObject({ flushes: 1, ipis: 3, flushedPages: 1 });
    expect(run(k, { call: 'unmap_range', start: 0xffffffffffe00000n, end: top })).toEqual(none);
    expect(run(k, { call: 'free_empty_tables', start: 0xffffffffc0000000n, end: top })).toEqual(none);
    expect(k.state().tables).toEqual(memmapTables);
    expect(run(k, { call: 'unmap_pages', va: top - 0x2000n })).toEqual(none);
    // only the boot memmap's pages are left in use
    expect(k.state().owners.filter((r) => r.owner !== 'free' && r.owner !== 'reserved' && r.owner !== 'device')).toEqual([
      { pfn: 0x100, count: 3, owner: 'pagetable' },
      { pfn: 0x103, count: 256, owner: 'vmemmap' },
    ]);
  });

  it('touch on an offline CPU is EINVAL and a flush with start >= end is EINVAL with nothing recorded', () => {
    const k = new ModelKernel(configByName('x86_64-smalllazy-gaps'));
    expect(run(k, { call: 'touch', cpu: 2, va: 0xffffe90000000000n })).toEqual(err('EINVAL'));
    expect(run(k, { call: 'flush', start: 0x2000n, end: 0x2000n })).toEqual(err('EINVAL'));
    expect(k.state().counters.flushes).toBe(0);
  });
});
