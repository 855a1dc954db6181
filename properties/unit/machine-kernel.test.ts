// Unit tests: the machine-level kernel calls of api/calls.ts on the optimized Kernel, their error
// order (checking.md §3) and undo, plus is_vmalloc_addr (layout.md §2-§3, examples.md E5).
import { describe, it, expect } from 'vitest';
import type { Call, MachineConfig } from '../../api/index.js';
import { configByName } from '../configs.js';
import { createKernel } from '../../src/index.js';

const boot = (name: string) => createKernel(configByName(name));
const err = (e: string) => ({ ok: false, err: e });
const none = { ok: true, value: { kind: 'none' } };

// Boot populates boot RAM's memmap before the first call (vmemmap.md §4), from the lowest free
// RAM, tables top-down before each page (worked by hand, not read back from either side):
// toy24: RAM 0x100..0x400, reserved 0x100..0x120 (kernel, root table); vmemmap(pfn) = 0xe00000 +
//   pfn·64, so [0xe04000, 0xe10000) = 12 pages, one middle table (0x121), one pte table (0x122),
//   data pages 0x123..0x12e: 14 pages; the first free pfn after boot is 0x12f.
// x86_64: RAM 0..0x4000, first 1 MiB reserved; the memmap of 0x4000 pfns is 1 MiB = 256 base pages
//   (less than a section: base pages) at 0xffffea0000000000; pud 0x100, pmd 0x101, pte 0x102, data
//   0x103..0x202: 259 pages; the first free pfn after boot is 0x203.
const TOY_VMEMMAP_LEAF = { va: 0xe04000n, pages: 12, pfn: 0x123, level: 2 };
const TOY_VMEMMAP_TABLES = 2;
const X86_VMEMMAP_LEAF = { va: 0xffffea0000000000n, pages: 256, pfn: 0x103, level: 3 };

describe('map_pages / unmap_pages', () => {
  it('maps caller pages at the top of toy24 and unmaps them; tables stay', () => {
    const k = boot('toy24');
    expect(k.call({ call: 'map_pages', va: 0xffd000n, pages: 3 })).toEqual({ ok: true, value: { kind: 'addr', addr: 0xffd000n } });
    let s = k.state();
    // caller pages 0x12f..0x131 first (the first free after the boot memmap), then the pmd table
    // 0x132 and the pte table 0x133 (root entry 0xf is not the vmemmap's 0xe)
    expect(s.leaves).toEqual([TOY_VMEMMAP_LEAF, { va: 0xffd000n, pages: 3, pfn: 0x12f, level: 2 }]);
    expect(s.mappings).toEqual([{ kind: 'pages', va: 0xffd000n, pages: 3, guard: 0 }]);
    expect(s.owners.slice(3, 5)).toEqual([
      { pfn: 0x12f, count: 3, owner: 'caller' },
      { pfn: 0x132, count: 2, owner: 'pagetable' },
    ]);
    expect(k.call({ call: 'unmap_pages', va: 0xffd000n })).toEqual(none);
    s = k.state();
    expect(s.leaves).toEqual([TOY_VMEMMAP_LEAF]);
    expect(s.mappings).toEqual([]);
    expect(s.tables.length).toBe(TOY_VMEMMAP_TABLES + 2);
    expect(s.step).toBe(2);
  });

  it('x86_64: a mapping ending exactly at 2^64', () => {
    const k = boot('x86_64');
    expect(k.call({ call: 'map_pages', va: 0xffffffffffffe000n, pages: 2 }).ok).toBe(true);
    // caller pages 0x203, 0x204 (the first free after the boot memmap)
    expect(k.call({ call: 'walk', va: 0xffffffffffffffffn })).toEqual({ ok: true, value: { kind: 'walk', pfn: 0x204, level: 3 } });
    expect(k.call({ call: 'map_pages', va: 0xfffffffffffff000n, pages: 2 })).toEqual(err('EINVAL')); // past 2^64
  });

  it('rejects unaligned va, zero pages and ranges outside one window with EINVAL, state unchanged', () => {
    const k = boot('toy24');
    const before = k.state();
    const bad: Call[] = [
      { call: 'map_pages', va: 0xf00800n, pages: 1 },
      { call: 'map_pages', va: 0xf00000n, pages: 0 },
      { call: 'map_pages', va: 0x7ff000n, pages: 2 }, // crosses the end of [0x400000, 0x800000)
      { call: 'map_pages', va: 0x800000n, pages: 1 }, // vmalloc space, no window
    ];
    for (const c of bad) expect(k.call(c)).toEqual(err('EINVAL'));
    expect({ ...k.state(), step: 0 }).toEqual(before);
  });

  it('not enough RAM for the caller pages is ENOMEM with nothing changed', () => {
    const k = boot('toy24');
    const before = k.state();
    expect(k.call({ call: 'map_pages', va: 0x400000n, pages: 0x400 })).toEqual(err('ENOMEM'));
    expect({ ...k.state(), step: 0 }).toEqual(before);
  });

  it('remapping a mapped page is EBUSY: the pages mapped before it are undone, caller pages freed', () => {
    const k = boot('toy24');
    k.call({ call: 'map_pages', va: 0xf02000n, pages: 1 });
    const before = k.state();
    expect(k.call({ call: 'map_pages', va: 0xf00000n, pages: 4 })).toEqual(err('EBUSY'));
    const s = k.state();
    expect(s.leaves).toEqual(before.leaves);
    expect(s.owners).toEqual(before.owners);
    expect(s.mappings).toEqual(before.mappings);
  });

  it('ENOMEM injected at the second pte table: the two mapped pages are undone, the tables allocated stay', () => {
    const k = boot('toy24');
    k.call({ call: 'fail_alloc', after: 2 });
    expect(k.call({ call: 'map_pages', va: 0xf0e000n, pages: 4 })).toEqual(err('ENOMEM'));
    const s = k.state();
    expect(s.leaves).toEqual([TOY_VMEMMAP_LEAF]);
    expect(s.mappings).toEqual([]);
    // caller pages 0x12f..0x132 freed; pmd table 0x133 and the first pte table 0x134 stay
    // (owners 0..2: reserved, the boot memmap's tables 0x121.., its pages 0x123..)
    expect(s.owners.slice(3, 6)).toEqual([
      { pfn: 0x12f, count: 4, owner: 'free' },
      { pfn: 0x133, count: 2, owner: 'pagetable' },
      { pfn: 0x135, count: 0x400 - 0x135, owner: 'free' },
    ]);
    expect(s.failAfter).toBeNull();
  });

  it('unmap_pages: EINVAL unaligned, outside windows or interior; ENOENT never mapped or freed twice', () => {
    const k = boot('toy24');
    k.call({ call: 'map_pages', va: 0xf00000n, pages: 2 });
    expect(k.call({ call: 'unmap_pages', va: 0xf00010n })).toEqual(err('EINVAL'));
    expect(k.call({ call: 'unmap_pages', va: 0x900000n })).toEqual(err('EINVAL'));
    expect(k.call({ call: 'unmap_pages', va: 0xf01000n })).toEqual(err('EINVAL'));
    expect(k.call({ call: 'unmap_pages', va: 0xf02000n })).toEqual(err('ENOENT'));
    expect(k.call({ call: 'unmap_pages', va: 0xf00000n })).toEqual(none);
    expect(k.call({ call: 'unmap_pages', va: 0xf00000n })).toEqual(err('ENOENT'));
  });
});

describe('overlapping handles (only after a raw unmap_range)', () => {
  it('unmap_pages takes the mapping starting at va; an address only inside one is EINVAL', () => {
    // A = [0xf00000, 0xf04000) cleared raw, then B = [0xf02000, 0xf06000) mapped over it
    //   |AAAA....|  ->  |AABBBB..|
    const k = boot('toy24');
    k.call({ call: 'map_pages', va: 0xf00000n, pages: 4 });
    k.call({ call: 'unmap_range', start: 0xf00000n, end: 0xf04000n });
    expect(k.call({ call: 'map_pages', va: 0xf02000n, pages: 4 }).ok).toBe(true);
    expect(k.call({ call: 'unmap_pages', va: 0xf01000n })).toEqual(err('EINVAL'));
    expect(k.call({ call: 'unmap_pages', va: 0xf02000n })).toEqual(none);
    expect(k.state().mappings).toEqual([{ kind: 'pages', va: 0xf00000n, pages: 4, guard: 0 }]);
  });
});

describe('map_device', () => {
  it('x86_64: 1 GiB at a 1 GiB aligned device address is one pud leaf; unmap_pages removes it', () => {
    // the configured device: pfns [0x400000, 0x480000) = phys [16 GiB, 18 GiB)
    const k = boot('x86_64');
    expect(k.call({ call: 'map_device', va: 0xffffe90000000000n, phys: 0x400000000n, bytes: 1n << 30n }).ok).toBe(true);
    expect(k.state().leaves).toEqual([{ va: 0xffffe90000000000n, pages: 2 ** 18, pfn: 0x400000, level: 1 }, X86_VMEMMAP_LEAF]);
    expect(k.state().mappings).toEqual([{ kind: 'device', va: 0xffffe90000000000n, pages: 2 ** 18, guard: 0 }]);
    expect(k.call({ call: 'unmap_pages', va: 0xffffe90000000000n })).toEqual(none);
    expect(k.state().leaves).toEqual([X86_VMEMMAP_LEAF]);
  });

  it('rejects RAM, unaligned, zero and out-of-device ranges with EINVAL', () => {
    const k = boot('x86_64');
    const va = 0xffffe90000000000n;
    expect(k.call({ call: 'map_device', va, phys: 0x200000n, bytes: 0x1000n })).toEqual(err('EINVAL')); // RAM
    expect(k.call({ call: 'map_device', va, phys: 0x400000800n, bytes: 0x1000n })).toEqual(err('EINVAL'));
    expect(k.call({ call: 'map_device', va, phys: 0x400000000n, bytes: 0n })).toEqual(err('EINVAL'));
    expect(k.call({ call: 'map_device', va, phys: 0x47ffff000n, bytes: 0x2000n })).toEqual(err('EINVAL')); // past the device end (0x480000000)
  });

  it('EBUSY over a table that maps something clears what this call mapped before the stop', () => {
    // [0xffffe90000000000, +4 MiB): pmd 0 gets a 2 MiB leaf, pmd 1 holds a pte table with a page
    const k = boot('x86_64');
    k.call({ call: 'map_pages', va: 0xffffe90000201000n, pages: 1 });
    const before = k.state();
    expect(k.call({ call: 'map_device', va: 0xffffe90000000000n, phys: 0x400000000n, bytes: 0x400000n })).toEqual(err('EBUSY'));
    expect(k.state().leaves).toEqual(before.leaves);
    expect(k.state().mappings).toEqual(before.mappings);
  });
});

describe('other machine calls', () => {
  it('unmap_range of part of a huge leaf is EINVAL; flush with start >= end is EINVAL and records nothing', () => {
    const k = boot('toy24');
    k.call({ call: 'map_device', va: 0xf00000n, phys: 0x1000000n, bytes: 0x100000n });
    expect(k.call({ call: 'unmap_range', start: 0xf00000n, end: 0xf80000n })).toEqual(err('EINVAL'));
    expect(k.call({ call: 'unmap_range', start: 0xf00000n, end: 0x1000000n })).toEqual(none);
    expect(k.call({ call: 'flush', start: 0xf00000n, end: 0xf00000n })).toEqual(err('EINVAL'));
    expect(k.state().counters.flushes).toBe(0);
  });

  it('touch on an offline CPU is EINVAL; a fault is EFAULT', () => {
    const k = boot('toy24'); // online 0, 1, 3
    expect(k.call({ call: 'touch', cpu: 2, va: 0xf00000n })).toEqual(err('EINVAL'));
    expect(k.call({ call: 'touch', cpu: 3, va: 0xf00000n })).toEqual(err('EFAULT'));
  });

  it('an unaligned flush covers the pages it touches: [0xf00800, 0xf01001) is 2 pages', () => {
    const k = boot('toy24');
    k.call({ call: 'flush', start: 0xf00800n, end: 0xf01001n });
    expect(k.state().counters).toMatchObject({ flushes: 1, ipis: 2, flushedPages: 2 });
  });

  it('populate: EINVAL for level 0 or past the last level', () => {
    const k = boot('toy24');
    expect(k.call({ call: 'populate', va: 0xf00000n, level: 0 })).toEqual(err('EINVAL'));
    expect(k.call({ call: 'populate', va: 0xf00000n, level: 3 })).toEqual(err('EINVAL'));
    expect(k.call({ call: 'populate', va: 0xf00000n, level: 2 })).toEqual(none);
    expect(k.state().tables.length).toBe(TOY_VMEMMAP_TABLES + 2);
    expect(k.call({ call: 'free_empty_tables', start: 0xf00000n, end: 0x1000000n })).toEqual(none);
    // the boot memmap's middle table 0x121 and pte table 0x122 at 0xe00000 stay
    expect(k.state().tables).toEqual([
      { level: 1, va: 0xe00000n, pfn: 0x121 },
      { level: 2, va: 0xe00000n, pfn: 0x122 },
    ]);
  });
});

describe('is_vmalloc_addr', () => {
  it('64-bit: the plain range check', () => {
    const k = boot('x86_64');
    expect(k.isVmallocAddr(0xffffc90000000000n)).toBe(true);
    expect(k.isVmallocAddr(0xffffe8ffffffffffn)).toBe(true);
    expect(k.isVmallocAddr(0xffffe90000000000n)).toBe(false);
    expect(k.isVmallocAddr(0xffffc8ffffffffffn)).toBe(false);
  });

  it('arm32 config (256 MiB at 0x80000000): VMALLOC_START = 0xd0800000', () => {
    const k = boot('arm32');
    expect(k.isVmallocAddr(0xd07fffffn)).toBe(false);
    expect(k.isVmallocAddr(0xd0800000n)).toBe(true);
    expect(k.isVmallocAddr(0xff7fffffn)).toBe(true);
    expect(k.isVmallocAddr(0xff800000n)).toBe(false);
  });

  it('E5: a hole between two lowmem banks is a vmalloc range', () => {
    const base = configByName('arm32');
    const cfg: MachineConfig = {
      ...base,
      ram: { banks: [{ start: 0x80000, count: 0x8000 }, { start: 0x8e000, count: 0x2000 }], kernel: base.ram.kernel, rootPt: base.ram.rootPt },
    };
    const k = createKernel(cfg);
    const table: [bigint, boolean][] = [
      [0xc7ffffffn, false],
      [0xc8000000n, true],
      [0xcdffffffn, true],
      [0xce000000n, false],
      [0xd07fffffn, false],
      [0xd0800000n, true],
      [0xff7fffffn, true],
      [0xff800000n, false],
      [0xbfffffffn, false],
      [0x0n, false],
      [0xffffffffn, false],
    ];
    for (const [a, v] of table) expect([a, k.isVmallocAddr(a)]).toEqual([a, v]);
  });
});
