// Unit tests: physical memory, the lowest-fit page allocator and fault injection (machine.md §2).
// toy24 RAM: pfns [0x100, 0x400); kernel image [0x100, 0x120) and root table 0x120 reserved, so
// the first free pfn is 0x121. Device [0x1000, 0x1400).
//
//   0x100        0x121                                  0x400
//   |RRRRRRRRRRRR|.......................................|
import { describe, it, expect } from 'vitest';
import { configByName } from '../configs.js';
import { Machine } from '../../src/machine/index.js';

const toy = () => new Machine(configByName('toy24'));

describe('boot ownership', () => {
  it('toy24: kernel image and root table reserved, the rest free, the device range device-owned', () => {
    expect(toy().toModel().owners).toEqual([
      { pfn: 0x100, count: 0x21, owner: 'reserved' },
      { pfn: 0x121, count: 0x400 - 0x121, owner: 'free' },
      { pfn: 0x1000, count: 0x400, owner: 'device' },
    ]);
  });

  it('x86_64: the first 1 MiB (256 pfns) and the 8 MiB kernel image (holding the root table) are reserved', () => {
    const m = new Machine(configByName('x86_64'));
    expect(m.toModel().owners.slice(0, 4)).toEqual([
      { pfn: 0, count: 0x100, owner: 'reserved' },
      { pfn: 0x100, count: 0x1000 - 0x100, owner: 'free' },
      { pfn: 0x1000, count: 0x800, owner: 'reserved' },
      { pfn: 0x1800, count: 0x4000 - 0x1800, owner: 'free' },
    ]);
  });
});

describe('alloc_pages takes the lowest free naturally aligned run', () => {
  it('order 0 takes the lowest free pfn; order 2 skips to the next multiple of 4', () => {
    const m = toy();
    expect(m.allocPages(0, 'vmalloc')).toBe(0x121);
    // 0x122, 0x123 are free but a 4-run must start at a multiple of 4: 0x124
    expect(m.allocPages(2, 'vmalloc')).toBe(0x124);
    expect(m.allocPages(0, 'vmalloc')).toBe(0x122);
    expect(m.allocPages(0, 'vmalloc')).toBe(0x123);
    expect(m.allocPages(0, 'vmalloc')).toBe(0x128);
  });

  it('a freed page is allocatable at once and is the lowest again', () => {
    const m = toy();
    for (let i = 0; i < 4; i++) m.allocPages(0, 'vmalloc');
    m.freePages(0x122, 1);
    expect(m.owner(0x122)).toBe('free');
    expect(m.allocPages(0, 'pagetable')).toBe(0x122);
  });

  it('order 3 skips a partly used aligned run', () => {
    const m = toy();
    expect(m.allocPages(0, 'vmalloc')).toBe(0x121);
    for (let i = 0; i < 7; i++) m.allocPages(0, 'vmalloc'); // 0x122..0x128
    // 0x128 is taken, so the 8-run [0x128, 0x130) is not free: next is 0x130
    expect(m.allocPages(3, 'vmalloc')).toBe(0x130);
  });

  it('order 8 runs: [0x200, 0x300) and [0x300, 0x400), then none', () => {
    const m = toy();
    expect(m.allocPages(8, 'vmemmap')).toBe(0x200);
    expect(m.allocPages(8, 'vmemmap')).toBe(0x300);
    expect(m.allocPages(8, 'vmemmap')).toBeNull();
    expect(m.allocPages(10, 'vmemmap')).toBeNull();
  });

  it('the device range is never handed out', () => {
    const m = toy();
    let n = 0;
    while (m.allocPages(0, 'caller', false) !== null) n++;
    expect(n).toBe(0x400 - 0x121);
    expect(m.owner(0x1000)).toBe('device');
  });
});

describe('fault injection', () => {
  it('fail_alloc(1): the second counted allocation fails, then the injection is disarmed', () => {
    const m = toy();
    m.failAlloc(1);
    expect(m.failAfter).toBe(1);
    expect(m.allocPages(0, 'pagetable')).toBe(0x121);
    expect(m.failAfter).toBe(0);
    expect(m.allocPages(0, 'pagetable')).toBeNull();
    expect(m.failAfter).toBeNull();
    expect(m.allocPages(0, 'pagetable')).toBe(0x122);
  });

  it('caller pages are not counted', () => {
    const m = toy();
    m.failAlloc(0);
    expect(m.allocPages(0, 'caller', false)).toBe(0x121);
    expect(m.failAfter).toBe(0);
    expect(m.allocPages(0, 'vmalloc')).toBeNull();
    expect(m.toModel().owners[1]).toEqual({ pfn: 0x121, count: 1, owner: 'caller' });
  });

  it('arming again replaces the pending injection', () => {
    const m = toy();
    m.failAlloc(0);
    m.failAlloc(2);
    expect(m.allocPages(0, 'vmalloc')).not.toBeNull();
    expect(m.failAfter).toBe(1);
  });
});

describe('owner runs', () => {
  it('adjacent equal owners merge across the seam of alloc and free', () => {
    const m = toy();
    const a = m.allocPages(0, 'vmalloc')!;
    const b = m.allocPages(0, 'vmalloc')!;
    expect(m.toModel().owners[1]).toEqual({ pfn: 0x121, count: 2, owner: 'vmalloc' });
    m.freePages(a, 1);
    m.freePages(b, 1);
    expect(m.toModel().owners).toEqual(toy().toModel().owners);
  });

  it('hot-added RAM is offline and hot-removed exactly', () => {
    const m = toy();
    m.addRegion(0x800, 0x10, 'offline');
    expect(m.toModel().owners[2]).toEqual({ pfn: 0x800, count: 0x10, owner: 'offline' });
    m.removeRegion(0x800, 0x10);
    expect(m.toModel().owners).toEqual(toy().toModel().owners);
  });
});
