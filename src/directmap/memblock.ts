// src: the memblock view the direct-map builder needs (mm/memblock.c): RAM as merged pfn ranges,
// memblock_is_region_memory(), and memblock_phys_alloc_range() over the machine's owners — a
// page is free when its owner is 'free' (reserved at boot: the first 1 MiB, the kernel image, the
// root table; taken page-table pages are owned 'pagetable').
import type { Pfn, PfnRange } from '../../api/index.js';
import type { Machine } from '../machine/index.js';

/** [start, end) in pfns */
export interface PfnSpan {
  readonly start: Pfn;
  readonly end: Pfn;
}

export class Memblock {
  /** memblock.memory: the banks, sorted, touching banks merged into one region */
  readonly memory: readonly PfnSpan[];

  constructor(
    private readonly machine: Machine,
    banks: readonly PfnRange[],
  ) {
    const spans: { start: Pfn; end: Pfn }[] = [];
    for (const b of [...banks].sort((x, y) => x.start - y.start)) {
      const last = spans[spans.length - 1];
      if (last && last.end === b.start) last.end = b.start + b.count;
      else spans.push({ start: b.start, end: b.start + b.count });
    }
    this.memory = spans;
  }

  /** max_pfn: the end of the highest RAM region */
  get maxPfn(): Pfn {
    return this.memory[this.memory.length - 1]?.end ?? 0;
  }

  /** memblock_is_region_memory(): [start, end) lies inside one memory region */
  isRegionMemory(start: Pfn, end: Pfn): boolean {
    return this.memory.some((m) => m.start <= start && end <= m.end);
  }

  /**
   * memblock_phys_alloc_range(pages, align, lo, hi) without the reservation: the highest
   * (topDown) or lowest `align`-aligned run of `pages` free pages inside [lo, hi), or null.
   */
  findFree(lo: Pfn, hi: Pfn, pages: number, align: number, topDown: boolean): Pfn | null {
    const regions = topDown ? [...this.memory].reverse() : this.memory;
    for (const m of regions) {
      const s = Math.max(m.start, lo);
      const e = Math.min(m.end, hi);
      if (e - s < pages) continue;
      if (topDown) {
        for (let c = Math.floor((e - pages) / align) * align; c >= s; c -= align) if (this.allFree(c, pages)) return c;
      } else {
        for (let c = Math.ceil(s / align) * align; c + pages <= e; c += align) if (this.allFree(c, pages)) return c;
      }
    }
    return null;
  }

  private allFree(pfn: Pfn, pages: number): boolean {
    for (let i = 0; i < pages; i++) if (this.machine.owner(pfn + i) !== 'free') return false;
    return true;
  }
}
