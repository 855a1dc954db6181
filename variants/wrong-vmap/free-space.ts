// variants: a deliberately WRONG free-space index — the sorted array of ../sorted-array-vmap with
// one realistic mistake. The suite must reject it (properties/plug-in.test.ts).
import type { FreeSpaceFactory, FreeSpaceFit } from '../../src/vmap/index.js';
import { SortedArrayFreeSpace, type FreeRange } from '../sorted-array-vmap/index.js';

export class UnalignedFreeSpace extends SortedArrayFreeSpace {
  override findLowestFit(size: number, _align: number, vstart: number, vend: number): FreeSpaceFit<FreeRange> | null {
    for (let i = Math.max(0, this.floorIndex(vstart)); i < this.ranges.length; i++) {
      this.visited++;
      const r = this.ranges[i]!;
      const from = Math.max(r.start, vstart);
      if (from + size > vend) return null;
      // MISTAKE: the candidate is not rounded up to `align` — find_vmap_lowest_match without the ALIGN() of va_start
      const addr = from;
      if (addr + size <= r.end && addr + size <= vend) return { block: r, addr };
    }
    return null;
  }
}

export const unalignedFreeSpace: FreeSpaceFactory = (ranges) => new UnalignedFreeSpace(ranges);
