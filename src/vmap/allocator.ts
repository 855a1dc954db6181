// src: the vmap area allocator (vmap.md §2-4): alloc_vmap_area over the augmented free tree,
// lazy freeing, and __purge_vmap_area_lazy. It knows nothing about vm_structs; the machine is
// reached through the small VmapHost interface so that this layer runs (and is unit-tested)
// without one. Units: vpn and pages.
import type { AreaRec, VmapState } from '../../api/index.js';
import { BusyAreas, VmapArea, type AreaOwner } from './area.js';
import type { FreeSpace, FreeSpaceFactory } from './free-space.js';
import { FreeTree } from './free-tree.js';
import { LazyAreas } from './lazy.js';

/** What the allocator needs from the machine. */
export interface VmapHost {
  /** vunmap_page_range: clear the leaves of [startVpn, endVpn), no flush */
  vunmapPageRange(startVpn: number, endVpn: number): 'EINVAL' | null;
  flushTlbKernelRange(startVpn: number, endVpn: number): void;
  /** WARN(): an inconsistency the kernel reports and survives */
  warn(kind: string, vpn: number): void;
}

/** A [start, end) vpn range the allocator may search. */
export type VpnRange = readonly [number, number];

const isPow2 = (x: number): boolean => Number.isInteger(x) && x >= 1 && 2 ** Math.round(Math.log2(x)) === x;

export class VmapAllocator {
  /** the free-space index: FreeTree unless a FreeSpaceFactory was given (src/vmap/free-space.ts) */
  readonly free: FreeSpace;
  readonly busy = new BusyAreas();
  readonly lazy = new LazyAreas();
  /** the whole space the free tree was built over (the vmalloc ranges), ascending */
  readonly space: readonly VpnRange[];
  /**
   * Releases every fragmented per-CPU block (vmap-blocks.md §6) before the purge-and-retry of a
   * failed allocation. The blocks layer installs it; until then there are no blocks: a no-op.
   */
  reclaimFragmentedBlocks: () => void = () => {};
  /** purges so far, by cause (coverage labels, benchmarks) */
  readonly purges = { threshold: 0, failure: 0, explicit: 0 };
  /** bumped by every change of the areas (lets callers cache what they derive from them) */
  version = 0;

  constructor(
    private readonly host: VmapHost,
    space: readonly VpnRange[],
    /** lazy_max_pages() of this machine */
    readonly lazyMaxPages: number,
    freeSpace: FreeSpaceFactory = (ranges) => new FreeTree(ranges),
  ) {
    this.space = [...space].sort((a, b) => a[0] - b[0]);
    this.free = freeSpace(this.space);
  }

  /**
   * alloc_vmap_area(size, align, vstart, vend) in pages (vmap.md §2): EINVAL for a size that is
   * not a positive whole number of pages, an align that is not a power of two, vstart >= vend, or
   * size > vend - vstart (a deliberate early reject); EBUSY when nothing fits after reclaim and purge.
   */
  allocVmapArea(size: number, align: number, vstart: number, vend: number, owner: AreaOwner): VmapArea | 'EINVAL' | 'EBUSY' {
    if (!Number.isInteger(size) || size < 1 || !isPow2(align)) return 'EINVAL';
    if (!(vstart < vend) || size > vend - vstart) return 'EINVAL';
    return this.allocInRanges(size, align, [[vstart, vend]], owner);
  }

  /**
   * The allocation core over several ranges, tried in ascending order (vmap.md §5); one
   * reclaim-and-purge, then every range again. Arguments are trusted (callers validated them).
   */
  allocInRanges(size: number, align: number, ranges: readonly VpnRange[], owner: AreaOwner): VmapArea | 'EBUSY' {
    let fit = this.search(size, align, ranges);
    if (!fit) {
      // alloc_vmap_area's overflow path: reclaim_and_purge_vmap_areas(), then retry once
      this.reclaimAndPurge('failure');
      fit = this.search(size, align, ranges);
    }
    if (!fit) return 'EBUSY';
    this.free.carve(fit.block, fit.addr, size);
    const area = new VmapArea(fit.addr, fit.addr + size, owner);
    this.insertBusy(area);
    this.version++;
    return area;
  }

  private search(size: number, align: number, ranges: readonly VpnRange[]) {
    for (const [s, e] of ranges) {
      if (e - s < size) continue;
      const fit = this.free.findLowestFit(size, align, s, e);
      if (fit) return fit;
    }
    return null;
  }

  /** insert_vmap_area: an overlap with a busy neighbour is WARNed and the insertion dropped, as find_va_links does. */
  private insertBusy(a: VmapArea): void {
    const t = this.busy.tree;
    const prev = t.floor(a.start);
    const next = prev ? t.next(prev) : t.first();
    if ((prev && prev.end > a.start) || (next && next.start < a.end)) {
      this.host.warn('overlap', a.start);
      return;
    }
    t.insert(a);
  }

  /** free_vmap_area_noflush: busy → lazy, vmap_lazy_nr += its pages (guard included). */
  freeVmapAreaNoflush(a: VmapArea): void {
    this.busy.erase(a);
    this.lazy.add(a);
    this.version++;
  }

  /** free_unmap_vmap_area without the flush: clear its page-table entries, then lazy-free it. */
  freeUnmapVmapArea(a: VmapArea): void {
    if (this.host.vunmapPageRange(a.start, a.end) !== null) this.host.warn('vunmap', a.start);
    this.freeVmapAreaNoflush(a);
  }

  /**
   * __purge_vmap_area_lazy(extra): nothing without lazy areas and extra range; else ONE flush over
   * the hull of the lazy areas and the extra range, then every lazy area goes back to the free
   * tree (after the flush: no released range can be handed out while a stale TLB entry maps it).
   * Returns whether it flushed.
   */
  purgeVmapAreaLazy(extra: VpnRange | null = null, cause: 'threshold' | 'failure' | 'explicit' = 'explicit'): boolean {
    const hull = this.lazy.hull();
    if (!hull && !extra) return false;
    let start = hull ? hull[0] : extra![0];
    let end = hull ? hull[1] : extra![1];
    if (extra) {
      start = Math.min(start, extra[0]);
      end = Math.max(end, extra[1]);
    }
    this.host.flushTlbKernelRange(start, end);
    this.version++;
    for (const a of this.lazy.takeAll()) {
      const overlap = this.free.release(a.start, a.end);
      if (overlap !== null) this.host.warn('overlap', overlap);
    }
    if (hull) this.purges[cause]++;
    return true;
  }

  /** reclaim_and_purge_vmap_areas: fragmented blocks first, then the lazy areas. */
  reclaimAndPurge(cause: 'failure' | 'explicit' = 'explicit'): void {
    this.reclaimFragmentedBlocks();
    this.purgeVmapAreaLazy(null, cause);
  }

  /** The end-of-operation drain (vmap.md §3): purge once if vmap_lazy_nr > lazy_max_pages(). */
  drainIfNeeded(): void {
    if (this.lazy.nr > this.lazyMaxPages) this.purgeVmapAreaLazy(null, 'threshold');
  }

  /** tree nodes visited so far by all three trees (benchmarks take deltas per operation) */
  get nodesVisited(): number {
    return this.free.visited + this.busy.tree.visited + this.lazy.tree.visited;
  }

  /** toModel: busy and lazy areas in address order, and vmap_lazy_nr. */
  toModel(pageShift: number): VmapState {
    const sh = BigInt(pageShift);
    const busy = this.busy.list();
    const lazy = this.lazy.list();
    const areas: AreaRec[] = [];
    let i = 0;
    let j = 0;
    while (i < busy.length || j < lazy.length) {
      const b = busy[i];
      const l = lazy[j];
      const a = !l || (b && b.start < l.start) ? (i++, b!) : (j++, l);
      areas.push({ start: BigInt(a.start) << sh, end: BigInt(a.end) << sh, lazy: a.lazy });
    }
    return { areas, lazyNr: this.lazy.nr };
  }

  /**
   * Structural self-check: the three trees' invariants, and that free blocks, busy areas and lazy
   * areas are pairwise disjoint and together cover exactly the space the allocator manages.
   */
  check(): string[] {
    const out = [...this.free.check(), ...this.busy.check(), ...this.lazy.check()];
    const all: (readonly [number, number, string])[] = [
      ...this.free.blocks().map((b) => [b.start, b.end, 'free block'] as const),
      ...this.busy.list().map((a) => [a.start, a.end, 'busy area'] as const),
      ...this.lazy.list().map((a) => [a.start, a.end, 'lazy area'] as const),
    ];
    all.sort((x, y) => x[0] - y[0]);
    const covered: [number, number][] = [];
    let prevEnd = -Infinity;
    let prevWhat = '';
    for (const [s, e, what] of all) {
      if (s < prevEnd) out.push(`vmap space: ${what} at ${s} overlaps a ${prevWhat} ending at ${prevEnd}`);
      const top = covered[covered.length - 1];
      if (top && top[1] === s) top[1] = e;
      else covered.push([s, e]);
      if (e > prevEnd) {
        prevEnd = e;
        prevWhat = what;
      }
    }
    const want: [number, number][] = [];
    for (const [s, e] of this.space) {
      const top = want[want.length - 1];
      if (top && top[1] === s) top[1] = e;
      else want.push([s, e]);
    }
    const show = (r: [number, number][]) => r.map(([s, e]) => `[${s}, ${e})`).join(' ');
    if (show(covered) !== show(want)) out.push(`vmap space: covered ${show(covered)}, want ${show(want)}`);
    return out;
  }
}
