// Unit: alloc_vmap_area, lazy freeing and purge (src/vmap/allocator.ts) on a recording host —
// no machine needed. Addresses in the comments are bytes (4 KiB pages); the allocator works in pages.
import { describe, it, expect } from 'vitest';
import { VmapAllocator } from '../../src/vmap/index.js';
import { lazyMaxPages, fls } from '../../src/vmap/index.js';
import { VmapArea } from '../../src/vmap/index.js';
import { OWNER, recordingHost } from './vmap-host-fixture.js';

const addr = (r: VmapArea | string): number | string => (typeof r === 'string' ? r : r.start * 0x1000);

describe('alloc_vmap_area', () => {
  // E1 (examples.md). tries: busy A = [0x1000, 0x3000), B = [0x5000, 0x6000); vstart 0x1000, vend 0x10000
  //   0x1000 0x3000 0x5000 0x6000                0x10000
  //   |AAAAAA|......|BBB|...........................|
  // expects: 0x2000 bytes align 0x1000 -> 0x3000; 0x2000 align 0x4000 -> 0x8000; 0x10000 -> EINVAL
  it('E1: returns the lowest fit for each alignment and rejects a size larger than vend - vstart', () => {
    const { host } = recordingHost();
    const va = new VmapAllocator(host, [[0, 0x20]], 1000);
    expect(addr(va.allocVmapArea(2, 1, 1, 0x10, OWNER))).toBe(0x1000); // A
    expect(addr(va.allocVmapArea(1, 1, 5, 0x10, OWNER))).toBe(0x5000); // B
    expect(addr(va.allocVmapArea(2, 1, 1, 0x10, OWNER))).toBe(0x3000);
    expect(va.check()).toEqual([]);
    const fresh = new VmapAllocator(host, [[0, 0x20]], 1000);
    fresh.allocVmapArea(2, 1, 1, 0x10, OWNER);
    fresh.allocVmapArea(1, 1, 5, 0x10, OWNER);
    expect(addr(fresh.allocVmapArea(2, 4, 1, 0x10, OWNER))).toBe(0x8000);
    const before = fresh.toModel(12);
    expect(fresh.allocVmapArea(0x10, 1, 1, 0x10, OWNER)).toBe('EINVAL');
    expect(fresh.toModel(12)).toEqual(before);
  });

  it('rejects a zero size, a non-power-of-two alignment and vstart >= vend with EINVAL', () => {
    const va = new VmapAllocator(recordingHost().host, [[0, 0x20]], 1000);
    expect(va.allocVmapArea(0, 1, 0, 0x20, OWNER)).toBe('EINVAL');
    expect(va.allocVmapArea(1, 3, 0, 0x20, OWNER)).toBe('EINVAL');
    expect(va.allocVmapArea(1, 0, 0, 0x20, OWNER)).toBe('EINVAL');
    expect(va.allocVmapArea(1, 1, 8, 8, OWNER)).toBe('EINVAL');
    expect(va.toModel(12).areas).toEqual([]);
  });

  // tries: fill [0, 8) with two 4-page areas, lazy-free the first, allocate 4 pages again
  //   |LLLLBBBB|  (L lazy, B busy)
  // expects: the lazy range is not reused until the failure path purges: one flush over [0, 4),
  // then the retry gets 0; vmap_lazy_nr back to 0
  it('a lazy area keeps its range until the failure path purges it, then the retry reuses it', () => {
    const { host, log } = recordingHost();
    const va = new VmapAllocator(host, [[0, 8]], 1000);
    const a = va.allocVmapArea(4, 1, 0, 8, OWNER) as VmapArea;
    va.allocVmapArea(4, 1, 0, 8, OWNER);
    va.freeUnmapVmapArea(a);
    expect(va.lazy.nr).toBe(4);
    expect(va.toModel(12).areas.map((r) => r.lazy)).toEqual([true, false]);
    log.length = 0;
    const again = va.allocVmapArea(4, 1, 0, 8, OWNER) as VmapArea;
    expect(again.start).toBe(0);
    expect(log).toEqual(['flush 0-4']);
    expect(va.lazy.nr).toBe(0);
    expect(va.check()).toEqual([]);
  });

  it('fails with EBUSY when nothing fits even after the purge, leaving only the purge behind', () => {
    const { host, log } = recordingHost();
    const va = new VmapAllocator(host, [[0, 8]], 1000);
    const a = va.allocVmapArea(2, 1, 0, 8, OWNER) as VmapArea;
    va.allocVmapArea(4, 1, 0, 8, OWNER);
    va.freeVmapAreaNoflush(a);
    let reclaimed = 0;
    va.reclaimFragmentedBlocks = () => void reclaimed++;
    log.length = 0;
    expect(va.allocVmapArea(3, 1, 0, 8, OWNER)).toBe('EBUSY');
    expect(reclaimed).toBe(1);
    expect(log).toEqual(['flush 0-2']);
    expect(va.toModel(12).areas).toEqual([{ start: 0x2000n, end: 0x6000n, lazy: false }]);
  });

  it('a purge issues one flush over the hull of every lazy area and the extra range', () => {
    const { host, log } = recordingHost();
    const va = new VmapAllocator(host, [[0, 100]], 1000);
    const areas = [0, 1, 2, 3].map(() => va.allocVmapArea(5, 1, 0, 100, OWNER) as VmapArea);
    va.freeVmapAreaNoflush(areas[1]!);
    va.freeVmapAreaNoflush(areas[3]!);
    log.length = 0;
    expect(va.purgeVmapAreaLazy([40, 50])).toBe(true);
    expect(log).toEqual(['flush 5-50']);
    expect(va.purgeVmapAreaLazy()).toBe(false);
    expect(va.purgeVmapAreaLazy([60, 61])).toBe(true);
    expect(log).toEqual(['flush 5-50', 'flush 60-61']);
    expect(va.check()).toEqual([]);
  });

  it('the end-of-operation drain purges only when vmap_lazy_nr exceeds lazy_max_pages()', () => {
    const { host, log } = recordingHost();
    const va = new VmapAllocator(host, [[0, 100]], 8);
    const a = va.allocVmapArea(8, 1, 0, 100, OWNER) as VmapArea;
    const b = va.allocVmapArea(1, 1, 0, 100, OWNER) as VmapArea;
    va.freeVmapAreaNoflush(a);
    va.drainIfNeeded();
    expect(log).toEqual([]); // 8 is not > 8
    va.freeVmapAreaNoflush(b);
    va.drainIfNeeded();
    expect(log).toEqual(['flush 0-9']);
    expect(va.lazy.nr).toBe(0);
  });

  it('lazy_max_pages = fls(online) * unit / PAGE_SIZE (E3: 4 CPUs, 32 MiB, 4 KiB -> 24576)', () => {
    expect([fls(1), fls(2), fls(3), fls(4), fls(64)]).toEqual([1, 2, 2, 3, 7]);
    expect(lazyMaxPages(4, 32 << 20, 4096)).toBe(24576);
    expect(lazyMaxPages(3, 0, 4096)).toBe(0);
  });

  it('tries several ranges in ascending order and purges once before retrying them all', () => {
    const { host, log } = recordingHost();
    const va = new VmapAllocator(host, [[20, 24], [0, 4]], 1000);
    expect(addr(va.allocInRanges(4, 1, va.space, OWNER) as VmapArea)).toBe(0);
    const b = va.allocInRanges(4, 1, va.space, OWNER) as VmapArea;
    expect(b.start).toBe(20);
    va.freeVmapAreaNoflush(b);
    expect((va.allocInRanges(2, 1, va.space, OWNER) as VmapArea).start).toBe(20);
    expect(log).toEqual(['flush 20-24']);
  });

  it('selfCheck reports a busy area that overlaps free space', () => {
    const va = new VmapAllocator(recordingHost().host, [[0, 16]], 1000);
    va.allocVmapArea(4, 1, 0, 16, OWNER);
    va.busy.insert(new VmapArea(8, 10, OWNER)); // never carved out of the free tree
    expect(va.check().some((v) => v.includes('overlaps'))).toBe(true);
  });
});
