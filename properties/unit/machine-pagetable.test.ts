// Unit tests: the page-table radix tree and its walkers (machine.md §3), on the Machine directly.
// Expectations are hand-computed. toy24: entries of 1 MiB (pgd) / 64 KiB (pmd) / 4 KiB (pte), the
// first free pfn 0x121. x86_64: the first free pfn 0x100 (the first 1 MiB is reserved).
import { describe, it, expect } from 'vitest';
import { configByName } from '../configs.js';
import { Machine } from '../../src/machine/index.js';

const toy = () => new Machine(configByName('toy24'));
const x86 = () => new Machine(configByName('x86_64'));
const X = 12; // page shift of both presets
const vpn = (a: bigint) => Number(a >> BigInt(X));
const TOP24 = 1 << 12; // 2^24 bytes in toy24 pages
const TOP64 = 2 ** 52; // 2^64 bytes in x86_64 pages

describe('vmap_page_range', () => {
  it('maps up to the very top of the toy24 space (end = 2^24 wraps to 0), crossing a pte table boundary', () => {
    // |.... 0xfee000 [pte table 0xfe0000] 0xff0000 [pte table 0xff0000] 0x1000000 = end|
    const m = toy();
    const pfns = Array.from({ length: 18 }, (_, i) => 0x200 + i);
    expect(m.vmapPageRange(vpn(0xfee000n), pfns)).toEqual({ err: null, mapped: 18 });
    const s = m.toModel();
    expect(s.leaves).toEqual([{ va: 0xfee000n, pages: 18, pfn: 0x200, level: 2 }]);
    expect(s.tables).toEqual([
      { level: 1, va: 0xf00000n, pfn: 0x121 },
      { level: 2, va: 0xfe0000n, pfn: 0x122 },
      { level: 2, va: 0xff0000n, pfn: 0x123 },
    ]);
    expect(s.counters.ptAllocs).toBe(3);
    expect(m.walk(vpn(0xffffffn))).toEqual({ pfn: 0x211, level: 2 });
  });

  it('maps the last page of the 64-bit space: tables at 0xffffff8000000000, 0xffffffffc0000000, 0xffffffffffe00000', () => {
    const m = x86();
    expect(m.vmapPageRange(vpn(0xfffffffffffff000n), [0x3000])).toEqual({ err: null, mapped: 1 });
    const s = m.toModel();
    expect(s.leaves).toEqual([{ va: 0xfffffffffffff000n, pages: 1, pfn: 0x3000, level: 3 }]);
    expect(s.tables).toEqual([
      { level: 1, va: 0xffffff8000000000n, pfn: 0x100 },
      { level: 2, va: 0xffffffffc0000000n, pfn: 0x101 },
      { level: 3, va: 0xffffffffffe00000n, pfn: 0x102 },
    ]);
    expect(m.walk(vpn(0xffffffffffffffffn))).toEqual({ pfn: 0x3000, level: 3 });
    expect(m.walk(vpn(0xffffffffffffe000n))).toBeNull();
  });

  it('stops with EBUSY on a present leaf; the pages before it stay mapped', () => {
    const m = toy();
    m.vmapPageRange(vpn(0xf02000n), [0x300]);
    // tries 0xf00000..0xf03000: 0xf00000 and 0xf01000 are mapped, 0xf02000 is busy
    expect(m.vmapPageRange(vpn(0xf00000n), [0x200, 0x201, 0x202, 0x203])).toEqual({ err: 'EBUSY', mapped: 2 });
    expect(m.toModel().leaves).toEqual([
      { va: 0xf00000n, pages: 2, pfn: 0x200, level: 2 },
      { va: 0xf02000n, pages: 1, pfn: 0x300, level: 2 },
    ]);
  });

  it('stops with EBUSY on a huge leaf on the way', () => {
    const m = toy();
    expect(m.vmapRange(vpn(0xf00000n), vpn(0xf10000n), 0x1000, 16).err).toBeNull(); // one 64 KiB pmd leaf
    expect(m.vmapPageRange(vpn(0xf0f000n), [0x200, 0x201])).toEqual({ err: 'EBUSY', mapped: 0 });
    expect(m.vmapPageRange(vpn(0xf10000n), [0x200])).toEqual({ err: null, mapped: 1 });
  });

  it('stops with ENOMEM when the third table allocation is injected to fail; 2 pages stay mapped', () => {
    // 0xf0e000..0xf12000 crosses the pte table boundary at 0xf10000: pmd table (1st), pte table
    // for 0xf00000 (2nd), pte table for 0xf10000 (3rd, fails) — 0xf0e000 and 0xf0f000 are mapped
    const m = toy();
    m.failAlloc(2);
    expect(m.vmapPageRange(vpn(0xf0e000n), [0x200, 0x201, 0x202, 0x203])).toEqual({ err: 'ENOMEM', mapped: 2 });
    const s = m.toModel();
    expect(s.leaves).toEqual([{ va: 0xf0e000n, pages: 2, pfn: 0x200, level: 2 }]);
    expect(s.tables).toEqual([
      { level: 1, va: 0xf00000n, pfn: 0x121 },
      { level: 2, va: 0xf00000n, pfn: 0x122 },
    ]);
    expect(s.failAfter).toBeNull();
  });
});

describe('vmap_range (huge leaves)', () => {
  const dev = 0x400000; // x86_64 device memory at 16 GiB (properties/configs.ts)

  it('x86_64: a 1 GiB aligned range becomes one pud leaf', () => {
    const m = x86();
    const s0 = vpn(0xffffe90000000000n);
    expect(m.vmapRange(s0, s0 + 2 ** 18, dev, 30)).toEqual({ err: null, mappedEndVpn: s0 + 2 ** 18 });
    const s = m.toModel();
    expect(s.leaves).toEqual([{ va: 0xffffe90000000000n, pages: 2 ** 18, pfn: dev, level: 1 }]);
    expect(s.tables).toEqual([{ level: 1, va: 0xffffe90000000000n, pfn: 0x100 }]);
    expect(m.walk(vpn(0xffffe9003fffffffn))).toEqual({ pfn: dev + 2 ** 18 - 1, level: 1 });
  });

  it('x86_64: max_page_shift 21 caps the same range at 2 MiB leaves', () => {
    const m = x86();
    const s0 = vpn(0xffffe90000000000n);
    m.vmapRange(s0, s0 + 2 ** 18, dev, 21);
    const s = m.toModel();
    expect(s.leaves).toEqual([{ va: 0xffffe90000000000n, pages: 2 ** 18, pfn: dev, level: 2 }]);
    expect(s.tables.length).toBe(2);
  });

  it('x86_64: 4 MiB + 4 KiB at a 2 MiB-aligned phys: two pmd leaves and one pte', () => {
    const m = x86();
    const s0 = vpn(0xffffe90040000000n);
    m.vmapRange(s0, s0 + 1025, dev + 0x200, 30);
    const s = m.toModel();
    expect(s.leaves).toEqual([
      { va: 0xffffe90040000000n, pages: 1024, pfn: dev + 0x200, level: 2 },
      { va: 0xffffe90040400000n, pages: 1, pfn: dev + 0x600, level: 3 },
    ]);
    expect(s.tables).toEqual([
      { level: 1, va: 0xffffe90000000000n, pfn: 0x100 },
      { level: 2, va: 0xffffe90040000000n, pfn: 0x101 },
      { level: 3, va: 0xffffe90040400000n, pfn: 0x102 },
    ]);
  });

  it('x86_64: a physically misaligned range gets base pages only', () => {
    const m = x86();
    const s0 = vpn(0xffffe90000000000n);
    m.vmapRange(s0, s0 + 512, dev + 1, 30);
    expect(m.toModel().leaves).toEqual([{ va: 0xffffe90000000000n, pages: 512, pfn: dev + 1, level: 3 }]);
  });

  it('a table that maps nothing is freed (with its empty sub-tables) and its span flushed once', () => {
    // map and unmap one page at 0xffffe90000000000: pud 0x100, pmd 0x101, pte 0x102 stay behind
    const m = x86();
    const s0 = vpn(0xffffe90000000000n);
    m.vmapPageRange(s0, [0x3000]);
    m.vunmapPageRange(s0, s0 + 1);
    expect(m.vmapRange(s0, s0 + 2 ** 18, dev, 30).err).toBeNull();
    const s = m.toModel();
    expect(s.leaves).toEqual([{ va: 0xffffe90000000000n, pages: 2 ** 18, pfn: dev, level: 1 }]);
    expect(s.tables).toEqual([{ level: 1, va: 0xffffe90000000000n, pfn: 0x100 }]);
    expect(s.counters).toEqual({ flushes: 1, ipis: 3, flushedPages: 2 ** 18, ptAllocs: 3, ptFrees: 2, badFlushes: 0 });
    expect(m.owner(0x101)).toBe('free');
    expect(m.owner(0x102)).toBe('free');
  });

  it('a table that maps something in the slot is EBUSY, nothing mapped', () => {
    const m = x86();
    const s0 = vpn(0xffffe90000200000n);
    m.vmapPageRange(s0 + 1, [0x3000]);
    expect(m.vmapRange(s0, s0 + 512, dev + 0x200, 30)).toEqual({ err: 'EBUSY', mappedEndVpn: s0 });
    expect(m.toModel().counters.flushes).toBe(0);
  });

  it('a present huge leaf in the slot is EBUSY', () => {
    const m = toy();
    m.vmapRange(vpn(0xf00000n), vpn(0x1000000n), 0x1000, 20);
    expect(m.vmapRange(vpn(0xf00000n), vpn(0x1000000n), 0x1000, 20).err).toBe('EBUSY');
  });

  it('toy24: a 1 MiB range ending at 2^24 becomes a root-level leaf', () => {
    const m = toy();
    expect(m.vmapRange(vpn(0xf00000n), TOP24, 0x1100, 20)).toEqual({ err: null, mappedEndVpn: TOP24 });
    expect(m.toModel().leaves).toEqual([{ va: 0xf00000n, pages: 256, pfn: 0x1100, level: 0 }]);
    expect(m.toModel().tables).toEqual([]);
  });

  it('x86_64: ENOMEM on the pte table: the leaves before the stop are reported', () => {
    // [0xffffe90000000000, +2 MiB + 4 KiB): pud (1st), pmd (2nd), one pmd leaf, pte table (3rd) fails
    const m = x86();
    const s0 = vpn(0xffffe90000000000n);
    m.failAlloc(2);
    expect(m.vmapRange(s0, s0 + 513, dev, 30)).toEqual({ err: 'ENOMEM', mappedEndVpn: s0 + 512 });
  });
});

describe('vunmap_page_range', () => {
  it('clears leaves, keeps tables, issues no flush', () => {
    const m = toy();
    m.vmapPageRange(vpn(0xf0e000n), [0x200, 0x201, 0x202, 0x203]);
    expect(m.vunmapPageRange(vpn(0xf0f000n), vpn(0xf11000n))).toBeNull();
    const s = m.toModel();
    expect(s.leaves).toEqual([
      { va: 0xf0e000n, pages: 1, pfn: 0x200, level: 2 },
      { va: 0xf11000n, pages: 1, pfn: 0x203, level: 2 },
    ]);
    expect(s.tables.length).toBe(3);
    expect(s.counters.flushes).toBe(0);
  });

  it('a huge leaf only partly inside is EINVAL and nothing is cleared', () => {
    const m = toy();
    m.vmapPageRange(vpn(0xe00000n), [0x200]);
    m.vmapRange(vpn(0xf00000n), vpn(0xf10000n), 0x1000, 16);
    const before = m.toModel();
    expect(m.vunmapPageRange(vpn(0xe00000n), vpn(0xf08000n))).toBe('EINVAL');
    expect(m.toModel()).toEqual(before);
    expect(m.vunmapPageRange(vpn(0xe00000n), vpn(0xf10000n))).toBeNull();
    expect(m.toModel().leaves).toEqual([]);
  });

  it('clears up to the top of the 64-bit space (end 2^64)', () => {
    const m = x86();
    m.vmapPageRange(vpn(0xffffffffffffe000n), [0x3000, 0x3001]);
    expect(m.vunmapPageRange(vpn(0xffffffffc0000000n), TOP64)).toBeNull();
    expect(m.toModel().leaves).toEqual([]);
  });
});

describe('populate and free_empty_tables', () => {
  it('populate makes the table at the level exist; EBUSY on a leaf above it', () => {
    const m = toy();
    expect(m.populate(vpn(0xe12000n), 2)).toBeNull();
    expect(m.toModel().tables).toEqual([
      { level: 1, va: 0xe00000n, pfn: 0x121 },
      { level: 2, va: 0xe10000n, pfn: 0x122 },
    ]);
    m.vmapRange(vpn(0xf00000n), TOP24, 0x1000, 20);
    expect(m.populate(vpn(0xf00000n), 1)).toBe('EBUSY');
  });

  it('free_empty_tables cascades: both pte tables, then the pmd table; never the root', () => {
    const m = toy();
    m.vmapPageRange(vpn(0xfee000n), Array.from({ length: 18 }, (_, i) => 0x200 + i));
    m.vunmapPageRange(vpn(0xfee000n), TOP24);
    m.freeEmptyTables(vpn(0xf00000n), TOP24);
    const s = m.toModel();
    expect(s.tables).toEqual([]);
    expect(s.counters.ptFrees).toBe(3);
    expect(m.owner(0x121)).toBe('free');
    expect(m.owner(0x120)).toBe('reserved'); // the root
  });

  it('free_empty_tables frees an empty pte table the range only partly covers, keeps a non-empty sibling', () => {
    // pte tables for 0xf00000 (empty after unmap) and 0xf10000 (one page left)
    const m = toy();
    m.vmapPageRange(vpn(0xf0f000n), [0x200, 0x201]);
    m.vunmapPageRange(vpn(0xf0f000n), vpn(0xf10000n));
    m.freeEmptyTables(vpn(0xf08000n), vpn(0xf18000n));
    expect(m.toModel().tables).toEqual([
      { level: 1, va: 0xf00000n, pfn: 0x121 },
      { level: 2, va: 0xf10000n, pfn: 0x123 },
    ]);
  });
});

describe('walk', () => {
  it('a non-canonical x86_64 address has no translation, even where its low 48 bits are mapped', () => {
    const m = x86();
    m.vmapPageRange(vpn(0xffffe90000000000n), [0x3000]);
    expect(m.walk(vpn(0xffffe90000000000n))).toEqual({ pfn: 0x3000, level: 3 });
    expect(m.walk(vpn(0x0000e90000000000n))).toBeNull();
    expect(m.walk(vpn(0x7fffe90000000000n))).toBeNull();
  });
});
