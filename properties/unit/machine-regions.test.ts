// Unit tests: the memory regions of the machine (machine.md §2) — adjacent banks are one stretch of
// RAM for the allocator, hot-plugged regions may not overlap (a pfn has exactly one owner), RAM vs
// device regions, exact hot-remove, owner lookups at region edges, and the bounds checks of
// re-owning and freeing. Expectations are hand-computed.
// toy24: RAM [0x100, 0x400) (kernel image [0x100, 0x120), root table 0x120), device [0x1000, 0x1400).
import { describe, it, expect } from 'vitest';
import type { MachineConfig } from '../../api/index.js';
import { Machine } from '../../src/machine/index.js';
import { configByName, toyRam, x86Ram } from '../configs.js';

const toy = (): Machine => new Machine(configByName('toy24'));

describe('RAM banks', () => {
  it('two touching banks are one stretch: an order-8 run may cross their seam at 0x280', () => {
    const split: MachineConfig = {
      ...configByName('toy24'),
      ram: toyRam([
        { start: 0x100, count: 0x180 },
        { start: 0x280, count: 0x180 },
      ]),
    };
    const m = new Machine(split);
    expect(m.toModel().owners).toEqual(toy().toModel().owners);
    // the lowest free 256-aligned run of 256 pages in [0x121, 0x400) is [0x200, 0x300)
    expect(m.allocPages(8, 'vmemmap')).toBe(0x200);
  });

  it('x86_64: device memory below 1 MiB (the legacy VGA hole) stays device, the boot reservation covers only RAM', () => {
    const base = configByName('x86_64');
    const cfg: MachineConfig = {
      ...base,
      ram: x86Ram([{ start: 0x100, count: 0x3f00 }]),
      devices: [{ start: 0xa0, count: 0x60 }, ...base.devices],
    };
    const m = new Machine(cfg);
    expect(m.toModel().owners.slice(0, 3)).toEqual([
      { pfn: 0xa0, count: 0x60, owner: 'device' },
      { pfn: 0x100, count: 0xf00, owner: 'free' },
      { pfn: 0x1000, count: 0x800, owner: 'reserved' },
    ]);
  });
});

describe('hot-plugged regions', () => {
  it('a region overlapping RAM or a device range is refused; one touching them is accepted', () => {
    const m = toy();
    expect(() => m.addRegion(0x3f0, 0x20, 'offline')).toThrow(/overlaps/);
    expect(() => m.addRegion(0xff0, 0x20, 'device')).toThrow(/overlaps/);
    expect(() => m.addRegion(0x200, 0x10, 'offline')).toThrow(/overlaps/);
    m.addRegion(0x400, 0x10, 'offline');
    m.addRegion(0x1400, 0x10, 'device');
    expect(m.owner(0x400)).toBe('offline');
    expect(m.owner(0x1400)).toBe('device');
  });

  it('hot-added RAM is RAM (counted in total RAM), hot-added device memory is not', () => {
    const m = toy();
    const ram0 = m.physmem.totalRam;
    expect(ram0).toBe(0x300);
    m.addRegion(0x800, 0x10, 'offline');
    m.addRegion(0x2000, 0x10, 'device');
    expect(m.physmem.totalRam).toBe(0x310);
    expect(m.physmem.isRam(0x800)).toBe(true);
    expect(m.physmem.inDevice(0x800, 1)).toBe(false);
    expect(m.physmem.isRam(0x2000)).toBe(false);
    expect(m.physmem.inDevice(0x2000, 0x10)).toBe(true);
    expect(m.physmem.isRam(0x1000)).toBe(false);
    expect(m.physmem.isRam(0x500)).toBe(false);
    // device pages never go to the page allocator
    expect(() => m.freePages(0x2000, 1)).toThrow(/not RAM/);
  });

  it('hot-remove names the region exactly: a wrong size or a missing region is refused and nothing goes', () => {
    const m = toy();
    m.addRegion(0x800, 0x10, 'offline');
    const before = m.toModel().owners;
    expect(() => m.removeRegion(0x800, 0x8)).toThrow(/no region 0x800/);
    expect(() => m.removeRegion(0x900, 0x10)).toThrow(/no region 0x900/);
    expect(m.toModel().owners).toEqual(before);
  });

  // found by mutation testing (physmem.ts regionOf's one-entry cache survived removeRegion) and
  // fixed; also bugs/hot-remove-keeps-region-cache.patch and its shrink report
  it('a removed region is gone for every lookup, also right after a lookup inside it', () => {
    const m = toy();
    m.addRegion(0x800, 0x10, 'device');
    expect(m.physmem.inDevice(0x800, 0x10)).toBe(true);
    m.removeRegion(0x800, 0x10);
    expect(m.owner(0x800)).toBeNull();
    expect(m.physmem.inDevice(0x800, 0x10)).toBe(false);
    expect(() => m.setOwner(0x800, 1, 'free')).toThrow(/0x800/);
  });

  it('the lowest region (below boot RAM) can be removed', () => {
    const m = toy();
    m.addRegion(0x10, 0x10, 'offline');
    expect(m.toModel().owners[0]).toEqual({ pfn: 0x10, count: 0x10, owner: 'offline' });
    m.removeRegion(0x10, 0x10);
    expect(m.toModel().owners).toEqual(toy().toModel().owners);
  });
});

describe('owner lookups at region edges', () => {
  it('the pfn just past a region has no owner (first lookup, then after a lookup inside it)', () => {
    const m = toy();
    expect(m.owner(0x400)).toBeNull();
    expect(m.owner(0x3ff)).toBe('free');
    expect(m.owner(0x400)).toBeNull();
    expect(m.owner(0x13ff)).toBe('device');
    expect(m.owner(0x1400)).toBeNull();
    expect(m.owner(0xff)).toBeNull();
    expect(m.owner(0x100)).toBe('reserved');
  });
});

describe('re-owning and freeing stay inside one region', () => {
  it('re-owning zero pages is a no-op, even at a pfn that is no memory', () => {
    const m = toy();
    const before = m.toModel().owners;
    expect(() => m.setOwner(0x50, 0, 'vmalloc')).not.toThrow();
    expect(() => m.setOwner(0x500, 0, 'vmalloc')).not.toThrow();
    expect(m.toModel().owners).toEqual(before);
  });

  it('re-owning pages past the end of their region, or outside memory, is refused and changes nothing', () => {
    const m = toy();
    const before = m.toModel().owners;
    expect(() => m.setOwner(0x3ff, 2, 'vmalloc')).toThrow(/0x3ff/);
    expect(() => m.setOwner(0x500, 1, 'vmalloc')).toThrow(/0x500/);
    expect(m.toModel().owners).toEqual(before);
    m.setOwner(0x3fe, 2, 'vmalloc');
    expect(m.owner(0x3ff)).toBe('vmalloc');
  });

  it('freeing device pages, pages past the end of RAM, or no memory is refused and changes nothing', () => {
    const m = toy();
    m.setOwner(0x3fe, 2, 'vmalloc');
    const before = m.toModel().owners;
    expect(() => m.freePages(0x1000, 1)).toThrow(/0x1000/);
    expect(() => m.freePages(0x3ff, 2)).toThrow(/0x3ff/);
    expect(() => m.freePages(0x500, 1)).toThrow(/0x500/);
    expect(m.toModel().owners).toEqual(before);
    m.freePages(0x3fe, 2);
    expect(m.owner(0x3ff)).toBe('free');
  });
});
