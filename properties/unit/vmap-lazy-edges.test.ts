// Unit: the lazily freed areas (src/vmap/lazy.ts) through the allocator that owns them: fls at
// 0, the lazy tree's lookups at the edges of an area, the state a purge leaves (vmap.md §1: a
// released area is gone, neither busy nor lazy), and the self-check naming the lazy tree.
// Recording host, no machine; addresses are vpns (pages).
import { describe, expect, it } from 'vitest';
import { VmapAllocator, fls, lazyMaxPages, type AreaOwner, type VmapArea, type VmapHost } from '../../src/vmap/index.js';

const OWNER: AreaOwner = { type: 'vm_map_ram', data: null };

const host: VmapHost = { vunmapPageRange: () => null, flushTlbKernelRange: () => {}, warn: () => {} };

/** A [0, 4) busy, B [4, 8) lazy-freed, C [8, 12) busy, [12, 16) free:  |AAAALLLLCCCC....| */
function abc(): { va: VmapAllocator; A: VmapArea; B: VmapArea; C: VmapArea } {
  const va = new VmapAllocator(host, [[0, 16]], 1000);
  const [A, B, C] = [0, 1, 2].map(() => va.allocVmapArea(4, 1, 0, 16, OWNER) as VmapArea) as [VmapArea, VmapArea, VmapArea];
  va.freeVmapAreaNoflush(B);
  return { va, A, B, C };
}

describe('lazy_max_pages at no online CPU', () => {
  // include/asm-generic/bitops/fls.h: fls(0) = 0 (no bit set), so the formula gives 0
  it('fls(0) is 0, and lazy_max_pages() of 0 CPUs is 0', () => {
    expect(fls(0)).toBe(0);
    expect(lazyMaxPages(0, 32 << 20, 4096)).toBe(0);
  });
});

describe('the lazy tree', () => {
  it('is empty until an area is lazy-freed, and empty again after a purge', () => {
    const va = new VmapAllocator(host, [[0, 16]], 1000);
    expect(va.lazy.empty).toBe(true);
    va.freeVmapAreaNoflush(va.allocVmapArea(4, 1, 0, 16, OWNER) as VmapArea);
    expect(va.lazy.empty).toBe(false);
    va.purgeVmapAreaLazy();
    expect(va.lazy.empty).toBe(true);
  });

  // tries: the lazy area B = [4, 8) between busy A and C; look up vpns 3, 4, 7, 8, 11 and 100
  // expects: B for 4 and 7 only — [start, end): 8 is C's first page, 3 is A's, 11 and 100 lie
  // past B (floor finds B there; its end must still be checked)
  it('containing(vpn) finds the lazy area over [start, end) and nothing outside it', () => {
    const { va, B } = abc();
    expect([3, 4, 7, 8, 11, 100].map((v) => va.lazy.containing(v))).toEqual([null, B, B, null, null, null]);
  });

  // vmap.md §1: a purge releases the area — gone, neither busy nor lazy
  it('a purged area is no longer marked lazy: it is gone', () => {
    const { va, B } = abc();
    expect(B.lazy).toBe(true);
    va.purgeVmapAreaLazy();
    expect([B.lazy, va.lazy.nr, va.lazy.list()]).toEqual([false, 0, []]);
    expect(va.check()).toEqual([]);
  });

  it('its self-check reports a broken red-black shape under the name "lazy tree"', () => {
    const { va } = abc();
    va.lazy.tree.root!.red = true;
    expect(va.check()).toEqual(['lazy tree: root is red']);
  });
});
