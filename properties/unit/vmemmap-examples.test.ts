// Worked examples of the sparse vmemmap and memory hot-plug (examples.md E6/E7, vmemmap.md),
// each run on both sides (src and model) with expectations worked out by hand.
import { describe, it, expect } from 'vitest';
import type { MachineConfig } from '../../api/index.js';
import { altmapAlloc, newAltmap } from '../../model/altmap.js';
import { VmemAltmap, altmapAllocBlockBuf } from '../../src/vmemmap/index.js';
import { configByName } from '../configs.js';
import { derive, err, modelSide, OK, sansCounters, srcSide } from './vmemmap-fixture.js';

const SIDES = [
  ['src', srcSide],
  ['model', modelSide],
] as const;

// x86_64 without its configured device range (at 16 GiB, away from E6's 4 GiB): E6 hot-adds RAM
// at 4 GiB, and memory the machine already has is EEXIST (see the last test of this block).
const X86 = derive('x86_64', { devices: [] });
const VMEMMAP = 0xffffea0000000000n;

describe.each(SIDES)('E6: vmemmap on x86_64 (%s)', (_name, boot) => {
  // Boot: RAM [0, 0x4000) has a 1 MiB memmap = 256 base pages (half a section: base pages from
  // RAM). First 1 MiB reserved, so tables pud 0x100, pmd 0x101, pte 0x102, pages 0x103..0x202.
  it('boot populates the memmap of boot RAM with base pages from RAM', () => {
    const s = boot(X86).state();
    expect(s.leaves).toEqual([{ va: VMEMMAP, pages: 256, pfn: 0x103, level: 3 }]);
    expect(s.tables.map((t) => [t.level, t.pfn])).toEqual([[1, 0x100], [2, 0x101], [3, 0x102]]);
    expect(s.vmemmap).toEqual({ present: [{ pfn: 0, count: 0x4000, kind: 'boot' }], altmaps: [] });
  });

  it('a whole section at 4 GiB is one 2 MiB huge leaf on the lowest free 512-aligned RAM run', () => {
    const k = boot(X86);
    expect(k.call({ call: 'add_memory', pfn: 0x100000, pages: 32768 })).toEqual(OK);
    const s = k.state();
    // vmemmap(0x100000) = 0xffffea0000000000 + 0x100000·64; 0x200..0x3ff holds boot pages → 0x400
    expect(s.leaves).toContainEqual({ va: 0xffffea0004000000n, pages: 512, pfn: 0x400, level: 2 });
    expect(s.owners).toContainEqual({ pfn: 0x400, count: 512, owner: 'vmemmap' });
    expect(s.owners).toContainEqual({ pfn: 0x100000, count: 32768, owner: 'offline' });
    expect(s.tables.length).toBe(3); // the PMD slot is in the boot memmap's pmd table
  });

  it('one sub-section is 8 base pages from RAM under a new pte table', () => {
    const k = boot(X86);
    k.call({ call: 'add_memory', pfn: 0x100000, pages: 32768 });
    expect(k.call({ call: 'add_memory', pfn: 0x108000, pages: 512 })).toEqual(OK);
    const s = k.state();
    expect(s.leaves).toContainEqual({ va: 0xffffea0004200000n, pages: 8, pfn: 0x204, level: 3 });
    expect(s.tables).toContainEqual({ level: 3, va: 0xffffea0004200000n, pfn: 0x203 });
  });

  it('adding a present sub-section again is EEXIST and changes nothing', () => {
    const k = boot(X86);
    k.call({ call: 'add_memory', pfn: 0x100000, pages: 32768 });
    const before = k.state();
    expect(k.call({ call: 'add_memory', pfn: 0x100000, pages: 512 })).toEqual(err('EEXIST'));
    expect(k.call({ call: 'add_memory', pfn: 0x0, pages: 512 })).toEqual(err('EEXIST')); // boot RAM
    expect({ ...k.state(), step: before.step }).toEqual(before);
  });

  it('memory the machine already has (the configured device, pfns [0x400000, 0x480000)) is EEXIST', () => {
    const k = boot(configByName('x86_64'));
    expect(k.call({ call: 'add_memory', pfn: 0x400000, pages: 32768 })).toEqual(err('EEXIST'));
    // [0x47fe00, 0x480200) overlaps the device's last 512 pfns
    expect(k.call({ call: 'add_device', pfn: 0x47fe00, pages: 1024, reserve: 0, free: 0 })).toEqual(err('EEXIST'));
  });
});

describe('E7: altmap arithmetic', () => {
  // base 0x10000, reserve 2, free 1024: a PMD request starts at 0x10002, pads 510 pages to 0x10200
  it('altmap_alloc_block_buf pads to the lowest set bit of the size and fails on padding (src)', () => {
    const a = new VmemAltmap(0x10000, 0x17fff, 2, 1024);
    expect(altmapAllocBlockBuf(a, 512 * 4096, 4096)).toBe(0x10200);
    expect([a.alloc, a.align]).toEqual([512, 510]);
    expect(altmapAllocBlockBuf(a, 512 * 4096, 4096)).toBe(null); // nr_free = 1024 - 1022 = 2
    expect(altmapAllocBlockBuf(a, 4096, 4096)).toBe(0x10400);
    expect([a.alloc, a.align]).toEqual([513, 510]);
    expect(altmapAllocBlockBuf(a, 100, 4096)).toBe(null); // not a page multiple
  });

  it('altmap_alloc_block_buf pads to the lowest set bit of the size and fails on padding (model)', () => {
    const a = newAltmap(0x10000, 0x8000, 2, 1024);
    expect(altmapAlloc(a, 512n * 4096n, 4096n)).toBe(0x10200);
    expect([a.alloc, a.align]).toEqual([512, 510]);
    expect(altmapAlloc(a, 512n * 4096n, 4096n)).toBe(null);
    expect(altmapAlloc(a, 4096n, 4096n)).toBe(0x10400);
    expect([a.alloc, a.align]).toEqual([513, 510]);
  });
});

describe.each(SIDES)('altmap-backed devices on x86_64 (%s)', (_name, boot) => {
  it('a whole-section device is mapped by a huge leaf from its own altmap (E7 end to end)', () => {
    const k = boot(X86);
    expect(k.call({ call: 'add_device', pfn: 0x10000, pages: 32768, reserve: 2, free: 1024 })).toEqual(OK);
    const s = k.state();
    expect(s.leaves).toContainEqual({ va: VMEMMAP + 0x10000n * 64n, pages: 512, pfn: 0x10200, level: 2 });
    expect(s.vmemmap?.altmaps).toEqual([{ basePfn: 0x10000, endPfn: 0x17fff, reserve: 2, free: 1024, align: 510, alloc: 512 }]);
    expect(s.owners).toContainEqual({ pfn: 0x10000, count: 32768, owner: 'device' });
  });

  it('altmap exhaustion by alignment padding: the second section finds nr_free = 2 and the add is ENOMEM, undone', () => {
    const k = boot(X86);
    const before = k.state();
    expect(k.call({ call: 'add_device', pfn: 0x10000, pages: 65536, reserve: 2, free: 1024 })).toEqual(err('ENOMEM'));
    expect(sansCounters(k.state())).toEqual(sansCounters(before));
  });

  it('a sub-section device add gets base pages from RAM, ignoring the altmap', () => {
    const k = boot(X86);
    expect(k.call({ call: 'add_device', pfn: 0x10000, pages: 512, reserve: 0, free: 512 })).toEqual(OK);
    const s = k.state();
    expect(s.leaves).toContainEqual({ va: VMEMMAP + 0x10000n * 64n, pages: 8, pfn: 0x204, level: 3 });
    expect(s.vmemmap?.altmaps[0]?.alloc).toBe(0);
  });

  it('remove_device gives the PMD back to the altmap, no warning, state as at boot', () => {
    const k = boot(X86);
    const before = k.state();
    k.call({ call: 'add_device', pfn: 0x10000, pages: 32768, reserve: 2, free: 1024 });
    expect(k.call({ call: 'remove_device', pfn: 0x10000 })).toEqual(OK);
    const s = k.state();
    expect(s.warnings).toEqual([]);
    expect(sansCounters(s)).toEqual(sansCounters(before));
    expect(s.counters.flushes).toBe(1);
  });
});

describe.each(SIDES)('the powerpc fallback policy on x86_64 (%s)', (_name, boot) => {
  const FB: MachineConfig = { ...X86, name: 'x86_64-fallback', vmemmapFallback: true };

  it('a failed altmap PMD falls back to a RAM PMD; removal returns each block where it came from', () => {
    const k = boot(FB);
    const before = k.state();
    expect(k.call({ call: 'add_device', pfn: 0x10000, pages: 65536, reserve: 2, free: 1024 })).toEqual(OK);
    const s = k.state();
    expect(s.leaves).toContainEqual({ va: VMEMMAP + 0x10000n * 64n, pages: 512, pfn: 0x10200, level: 2 });
    expect(s.leaves).toContainEqual({ va: VMEMMAP + 0x18000n * 64n, pages: 512, pfn: 0x400, level: 2 });
    expect(s.owners).toContainEqual({ pfn: 0x400, count: 512, owner: 'vmemmap' });
    expect(s.vmemmap?.altmaps[0]).toMatchObject({ alloc: 512, align: 510 });
    expect(k.call({ call: 'remove_device', pfn: 0x10000 })).toEqual(OK);
    expect(k.state().warnings).toEqual([]);
    expect(sansCounters(k.state())).toEqual(sansCounters(before));
  });

  it('when the RAM PMD fails too, the chunk gets base pages from RAM', () => {
    const k = boot(FB);
    k.call({ call: 'fail_alloc', after: 0 }); // the RAM PMD of the second section is the first counted allocation
    expect(k.call({ call: 'add_device', pfn: 0x10000, pages: 65536, reserve: 2, free: 1024 })).toEqual(OK);
    const s = k.state();
    expect(s.tables).toContainEqual({ level: 3, va: VMEMMAP + 0x18000n * 64n, pfn: 0x203 });
    expect(s.leaves).toContainEqual({ va: VMEMMAP + 0x18000n * 64n, pages: 512, pfn: 0x204, level: 3 });
  });

  it('under the default policy the same device is ENOMEM', () => {
    expect(boot(X86).call({ call: 'add_device', pfn: 0x10000, pages: 65536, reserve: 2, free: 1024 })).toEqual(err('ENOMEM'));
  });
});
