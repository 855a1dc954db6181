// Unit tests: the page-table paths the refinement traces reach rarely or never (issue 8's blind
// spots): setLeaf's error paths (the tables above must exist, the slot must be none, no leaf on
// the way), populate's ENOMEM, a huge leaf replacing a table whose empty sub-tables sit at
// non-adjacent indexes, and calls over no pages (machine.md §3). Expectations are hand-computed.
// toy24: pgd entries map 1 MiB, pmd entries 64 KiB, pte entries 4 KiB (16 entries per table);
// leaves of all three sizes; the root table is pfn 0x120, the first free pfn 0x121.
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/machine/index.js';
import { configByName } from '../configs.js';

const toy = (): Machine => new Machine(configByName('toy24'));
const vpn = (a: bigint): number => Number(a >> 12n);
const TOP24 = 1 << 12; // 2^24 bytes in pages: the end that wraps to 0

describe('setLeaf (vmemmap and direct-map leaves; the tables above come from populate)', () => {
  it('setLeaf on a path with no table is ENOENT and allocates nothing', () => {
    const m = toy();
    expect(m.setLeaf(vpn(0xe12000n), 2, 0x300)).toBe('ENOENT');
    // pmd table there but no pte table below it: still ENOENT
    expect(m.populate(vpn(0xe12000n), 1)).toBeNull();
    expect(m.setLeaf(vpn(0xe12000n), 2, 0x300)).toBe('ENOENT');
    const s = m.toModel();
    expect(s.leaves).toEqual([]);
    expect(s.tables).toEqual([{ level: 1, va: 0xe00000n, pfn: 0x121 }]);
    expect(s.counters.ptAllocs).toBe(1);
  });

  it('setLeaf after populate installs exactly one base leaf', () => {
    const m = toy();
    expect(m.populate(vpn(0xe12000n), 2)).toBeNull();
    expect(m.setLeaf(vpn(0xe12000n), 2, 0x300)).toBeNull();
    expect(m.toModel().leaves).toEqual([{ va: 0xe12000n, pages: 1, pfn: 0x300, level: 2 }]);
    expect(m.walk(vpn(0xe12000n))).toEqual({ pfn: 0x300, level: 2 });
    expect(m.walk(vpn(0xe13000n))).toBeNull();
  });

  it('setLeaf on a slot that holds a leaf is EBUSY and keeps the old leaf', () => {
    const m = toy();
    m.populate(vpn(0xe12000n), 2);
    m.setLeaf(vpn(0xe12000n), 2, 0x300);
    expect(m.setLeaf(vpn(0xe12000n), 2, 0x301)).toBe('EBUSY');
    expect(m.walk(vpn(0xe12000n))).toEqual({ pfn: 0x300, level: 2 });
  });

  it('a 64 KiB setLeaf on a slot that holds a pte table is EBUSY', () => {
    const m = toy();
    m.populate(vpn(0xe12000n), 2); // pmd table 0x121, pte table 0x122 for [0xe10000, 0xe20000)
    expect(m.setLeaf(vpn(0xe10000n), 1, 0x1000)).toBe('EBUSY');
    // the neighbouring pmd slot is none: a 64 KiB leaf goes in
    expect(m.setLeaf(vpn(0xe20000n), 1, 0x1010)).toBeNull();
    expect(m.walk(vpn(0xe2f000n))).toEqual({ pfn: 0x101f, level: 1 });
    expect(m.toModel().leaves).toEqual([{ va: 0xe20000n, pages: 16, pfn: 0x1010, level: 1 }]);
  });

  it('setLeaf under a huge leaf on the way is EBUSY and changes nothing', () => {
    const m = toy();
    expect(m.vmapRange(vpn(0xf00000n), TOP24, 0x1100, 20).err).toBeNull(); // one 1 MiB pgd leaf
    const before = m.toModel();
    expect(m.setLeaf(vpn(0xf12000n), 2, 0x300)).toBe('EBUSY');
    expect(m.setLeaf(vpn(0xf10000n), 1, 0x1000)).toBe('EBUSY');
    expect(m.toModel()).toEqual(before);
  });

  it('populate stops with ENOMEM when the table allocation is injected to fail', () => {
    const m = toy();
    m.failAlloc(1); // the pmd table (1st) is allocated, the pte table (2nd) fails
    expect(m.populate(vpn(0xe12000n), 2)).toBe('ENOMEM');
    expect(m.toModel().tables).toEqual([{ level: 1, va: 0xe00000n, pfn: 0x121 }]);
  });
});

describe('vmap_range over a table whose empty sub-tables are not adjacent', () => {
  // tries: pages at 0xf00000 and 0xf20000 give the pmd table 0x121 pte tables at indexes 0
  // (0x122) and 2 (0x123), index 1 none; both pages unmapped; then a 1 MiB leaf at 0xf00000
  //   pmd 0x121: [pte 0x122 | none | pte 0x123 | none ...]
  // expects: the pmd table and both pte tables freed (3 frees), one flush of the 1 MiB span,
  // the leaf alone in the tree
  it('a 1 MiB leaf frees the pmd table and both pte tables around the gap, flushing once', () => {
    const m = toy();
    m.vmapPageRange(vpn(0xf00000n), [0x200]);
    m.vmapPageRange(vpn(0xf20000n), [0x201]);
    m.vunmapPageRange(vpn(0xf00000n), vpn(0xf00000n) + 1);
    m.vunmapPageRange(vpn(0xf20000n), vpn(0xf20000n) + 1);
    expect(m.toModel().tables).toEqual([
      { level: 1, va: 0xf00000n, pfn: 0x121 },
      { level: 2, va: 0xf00000n, pfn: 0x122 },
      { level: 2, va: 0xf20000n, pfn: 0x123 },
    ]);
    expect(m.vmapRange(vpn(0xf00000n), TOP24, 0x1100, 20)).toEqual({ err: null, mappedEndVpn: TOP24 });
    const s = m.toModel();
    expect(s.leaves).toEqual([{ va: 0xf00000n, pages: 256, pfn: 0x1100, level: 0 }]);
    expect(s.tables).toEqual([]);
    expect(s.counters.ptAllocs).toBe(3);
    expect(s.counters.ptFrees).toBe(3);
    expect(s.counters.flushes).toBe(1);
    expect(s.counters.flushedPages).toBe(256);
    for (const pfn of [0x121, 0x122, 0x123]) expect(m.owner(pfn)).toBe('free');
  });

  it('the same layout with one page still mapped behind the gap is EBUSY; nothing freed, nothing flushed', () => {
    const m = toy();
    m.vmapPageRange(vpn(0xf00000n), [0x200]);
    m.vmapPageRange(vpn(0xf20000n), [0x201]);
    m.vunmapPageRange(vpn(0xf00000n), vpn(0xf00000n) + 1);
    expect(m.vmapRange(vpn(0xf00000n), TOP24, 0x1100, 20)).toEqual({ err: 'EBUSY', mappedEndVpn: vpn(0xf00000n) });
    const s = m.toModel();
    expect(s.leaves).toEqual([{ va: 0xf20000n, pages: 1, pfn: 0x201, level: 2 }]);
    expect(s.tables.length).toBe(3);
    expect(s.counters.ptFrees).toBe(0);
    expect(s.counters.flushes).toBe(0);
  });
});

describe('calls over no pages', () => {
  it('vmap_page_range of no pages maps nothing and allocates no table', () => {
    const m = toy();
    expect(m.vmapPageRange(vpn(0xe00000n), [])).toEqual({ err: null, mapped: 0 });
    const s = m.toModel();
    expect(s.leaves).toEqual([]);
    expect(s.tables).toEqual([]);
  });

  it('vmap_range over [start, start) maps nothing and reports start as the mapped end', () => {
    const m = toy();
    expect(m.vmapRange(vpn(0xe00000n), vpn(0xe00000n), 0x1000, 20)).toEqual({ err: null, mappedEndVpn: vpn(0xe00000n) });
    expect(m.toModel().tables).toEqual([]);
    expect(m.toModel().leaves).toEqual([]);
  });

  it('vunmap_page_range and free_empty_tables over [start, start) change nothing', () => {
    const m = toy();
    m.vmapPageRange(vpn(0xe00000n), [0x200]);
    m.populate(vpn(0xd00000n), 2); // empty pmd and pte tables that a real free_empty_tables would free
    const before = m.toModel();
    expect(before.tables.length).toBe(4);
    expect(m.vunmapPageRange(vpn(0xe00000n), vpn(0xe00000n))).toBeNull();
    m.freeEmptyTables(vpn(0xe00000n), vpn(0xe00000n));
    expect(m.toModel()).toEqual(before);
  });

  it('free_empty_tables over [start, start) frees nothing even on the path of start itself', () => {
    const m = toy();
    m.populate(vpn(0xd00000n), 2); // empty pmd and pte tables right on the path of 0xd00000
    const before = m.toModel();
    m.freeEmptyTables(vpn(0xd00000n), vpn(0xd00000n));
    expect(m.toModel()).toEqual(before);
    expect(before.tables.length).toBe(2);
  });
});

describe('vunmap_page_range and huge leaves', () => {
  it('a range starting inside a 64 KiB leaf (and ending past it) is EINVAL and nothing is cleared', () => {
    const m = toy();
    expect(m.vmapRange(vpn(0xf00000n), vpn(0xf10000n), 0x1000, 16).err).toBeNull(); // one pmd leaf
    m.vmapPageRange(vpn(0xf18000n), [0x200]);
    const before = m.toModel();
    expect(m.vunmapPageRange(vpn(0xf08000n), vpn(0xf20000n))).toBe('EINVAL');
    expect(m.toModel()).toEqual(before);
  });
});

describe('leaf runs in the abstract state', () => {
  it('neighbouring leaves whose pfns go down are two runs, not one', () => {
    const m = toy();
    expect(m.vmapPageRange(vpn(0xe00000n), [0x201, 0x200]).err).toBeNull();
    expect(m.toModel().leaves).toEqual([
      { va: 0xe00000n, pages: 1, pfn: 0x201, level: 2 },
      { va: 0xe01000n, pages: 1, pfn: 0x200, level: 2 },
    ]);
  });
});

describe('pfn 0 is a frame like any other', () => {
  it('a leaf mapping pfn 0 is present: mapping over it is EBUSY and it stays', () => {
    const m = toy();
    expect(m.vmapPageRange(vpn(0xe00000n), [0]).err).toBeNull();
    expect(m.walk(vpn(0xe00000n))).toEqual({ pfn: 0, level: 2 });
    expect(m.vmapPageRange(vpn(0xe00000n), [5])).toEqual({ err: 'EBUSY', mapped: 0 });
    expect(m.setLeaf(vpn(0xe00000n), 2, 5)).toBe('EBUSY');
    expect(m.toModel().leaves).toEqual([{ va: 0xe00000n, pages: 1, pfn: 0, level: 2 }]);
  });
});
