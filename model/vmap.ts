// model: vmap area allocator — reference semantics. Clarity over speed.
//
// Busy and lazy areas live in ONE array sorted by start and are scanned linearly (vmap.md §6:
// the implementation's rbtrees and augmented free tree must be indistinguishable from this).
import type { Addr, AddrRange, Errno, Pfn, VmKind } from '../api/index.js';
import { alignUp, fls, isPowerOfTwo } from './arith.js';
import type { Machine } from './machine.js';

/** The vm_struct of a busy area handed out by the vmalloc-level API (vmap.md §5). */
export interface VmStruct {
  readonly kind: Exclude<VmKind, 'vm_map_ram'>;
  /** the address the caller got (ioremap: the area start plus phys's offset in its page) */
  readonly addr: Addr;
  /** guard pages at the end of the area: 0 (VM_NO_GUARD) or 1 */
  readonly guard: number;
  /** vmalloc: the data pages the area owns; vmap: the caller's pages; others: none */
  pages: Pfn[];
  /** ioremap: the page-aligned physical start */
  readonly phys: Addr | null;
}

export interface VmapArea {
  readonly start: Addr;
  readonly end: Addr;
  /** freed, TLB entries may survive, range still occupied until a purge (vmap.md §1) */
  lazy: boolean;
  /** busy areas of the vmalloc API have one; lazy areas and per-CPU blocks have none */
  vm: VmStruct | null;
}

/**
 * The lowest addr with addr % align == 0, vstart <= addr, addr + size <= vend, and
 * [addr, addr + size) meeting no area (vmap.md §2, exact: no align - 1 padding — a deliberate
 * deviation from the kernel). Sweep the sorted areas: each area the candidate overlaps pushes
 * it to the next aligned address past that area's end; once an area starts at or after the
 * candidate's end, no later one can overlap.
 */
export function lowestFit(areas: readonly VmapArea[], size: Addr, align: Addr, vstart: Addr, vend: Addr): Addr | null {
  let addr = alignUp(vstart, align);
  for (const a of areas) {
    if (a.end <= addr) continue;
    if (a.start >= addr + size) break;
    addr = alignUp(a.end, align);
  }
  return addr + size <= vend ? addr : null;
}

export class VmapAreas {
  /** busy and lazy areas, sorted by start, disjoint; areas may touch */
  areas: VmapArea[] = [];
  /** vmap_lazy_nr: pages of lazy areas (guard pages included) */
  lazyNr = 0;
  /** lazy_max_pages() = fls(num_online_cpus()) * (unit / PAGE_SIZE) (vmap.md §3) */
  readonly lazyMaxPages: number;
  /** releases every fragmented per-CPU block before a purge-and-retry (vmap-blocks.md §6); no blocks yet */
  reclaimBlocks: () => void = () => {};

  constructor(private readonly m: Machine) {
    this.lazyMaxPages = fls(m.config.cpus.online.length) * Math.floor(m.config.lazyUnitBytes / Number(m.pageSize));
  }

  private pages(start: Addr, end: Addr): number {
    return Number((end - start) / this.m.pageSize);
  }

  /**
   * alloc_vmap_area over one or more ranges tried in ascending order (vmap.md §2, §5): EINVAL on
   * malformed input or a size larger than every range; no fit anywhere: release fragmented
   * blocks, purge, try every range once more; still nothing: EBUSY.
   */
  alloc(size: Addr, align: Addr, ranges: readonly AddrRange[], vm: VmStruct | null): VmapArea | Errno {
    const page = this.m.pageSize;
    if (size <= 0n || size % page !== 0n || !isPowerOfTwo(align) || align < page) return 'EINVAL';
    if (ranges.some((r) => r.start >= r.end) || ranges.every((r) => size > r.end - r.start)) return 'EINVAL';
    const tryRanges = (): Addr | null => {
      for (const r of ranges) {
        const addr = lowestFit(this.areas, size, align, r.start, r.end);
        if (addr !== null) return addr;
      }
      return null;
    };
    let addr = tryRanges();
    if (addr === null) {
      this.reclaimBlocks();
      this.purge();
      addr = tryRanges();
    }
    if (addr === null) return 'EBUSY';
    const area: VmapArea = { start: addr, end: addr + size, lazy: false, vm };
    this.insert(area);
    return area;
  }

  private insert(area: VmapArea): void {
    const i = this.areas.findIndex((a) => a.start > area.start);
    if (this.areas.some((a) => a.start < area.end && area.start < a.end)) {
      this.m.warnings.push({ kind: 'vmap-area-overlap', addr: area.start, step: this.m.step });
    }
    this.areas.splice(i === -1 ? this.areas.length : i, 0, area);
  }

  /** The busy area containing addr (guard included), if any. */
  busyContaining(addr: Addr): VmapArea | undefined {
    return this.areas.find((a) => !a.lazy && addr >= a.start && addr < a.end);
  }

  /**
   * Lazy free (vmap.md §3): clear the area's page-table entries (vunmap_page_range, no flush),
   * make it lazy and add its pages, guard included, to vmap_lazy_nr. EINVAL (nothing changed)
   * when the unmap meets a huge leaf only partly inside the area.
   */
  lazyFree(area: VmapArea): 'EINVAL' | null {
    if (this.m.pt.vunmapPageRange(area.start, area.end)) return 'EINVAL';
    area.lazy = true;
    area.vm = null;
    this.lazyNr += this.pages(area.start, area.end);
    return null;
  }

  /**
   * __purge_vmap_area_lazy (vmap.md §4): nothing without lazy areas and extra range; otherwise one
   * flush over the hull of the lazy areas and `extra`, then every lazy area is released.
   */
  purge(extra?: AddrRange): void {
    const lazy = this.areas.filter((a) => a.lazy);
    const spans = extra ? [...lazy, extra] : lazy;
    if (spans.length === 0) return;
    const start = spans.reduce((s, a) => (a.start < s ? a.start : s), (spans[0] as AddrRange).start);
    const end = spans.reduce((e, a) => (a.end > e ? a.end : e), (spans[0] as AddrRange).end);
    this.m.tlb.flushKernelRange(start, end);
    this.areas = this.areas.filter((a) => !a.lazy);
    for (const a of lazy) this.lazyNr -= this.pages(a.start, a.end);
  }

  /** End of every call (vmap.md §3): purge once when vmap_lazy_nr exceeds lazy_max_pages(). */
  drain(): void {
    if (this.lazyNr > this.lazyMaxPages) this.purge();
  }
}
