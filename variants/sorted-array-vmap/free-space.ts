// variants: a second, deliberately different free-space index for the vmap allocator — a plain
// address-sorted array of free [start, end) vpn ranges, scanned from the range at or below vstart.
// Same answers as src/vmap/free-tree.ts (the exact lowest aligned fit, merge on free), none of its
// machinery: no red-black tree, no augmented maxima. O(n) per operation; the traces are short.
import type { FreeSpace, FreeSpaceFactory, FreeSpaceFit } from '../../src/vmap/index.js';

/** one free range; the array's elements are also the handles `findLowestFit` gives `carve` */
export interface FreeRange {
  start: number;
  end: number;
}

/** the lowest multiple of `align` (a power of two) >= x; a division by a power of two is exact in a double */
export function alignUp(x: number, align: number): number {
  return Math.ceil(x / align) * align;
}

export class SortedArrayFreeSpace implements FreeSpace<FreeRange> {
  /** ascending by start, non-empty, disjoint, coalesced */
  protected readonly ranges: FreeRange[] = [];
  visited = 0;

  constructor(initial: readonly (readonly [number, number])[]) {
    for (const [s, e] of initial) if (this.release(s, e) !== null) throw new Error('free array: initial ranges overlap');
  }

  /** index of the last range with start <= key, or -1 (binary search) */
  protected floorIndex(key: number): number {
    let lo = 0;
    let hi = this.ranges.length;
    while (lo < hi) {
      this.visited++;
      const mid = (lo + hi) >>> 1;
      if (this.ranges[mid]!.start <= key) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  /**
   * The lowest aligned fit in [vstart, vend): walk the ranges in address order from the one at or
   * below vstart (every range before it ends at or below vstart). The first range whose lowest
   * aligned candidate fits is the answer; once a range's lowest possible start plus size passes
   * vend, every later range (they start higher) fails too.
   */
  findLowestFit(size: number, align: number, vstart: number, vend: number): FreeSpaceFit<FreeRange> | null {
    for (let i = Math.max(0, this.floorIndex(vstart)); i < this.ranges.length; i++) {
      this.visited++;
      const r = this.ranges[i]!;
      const from = Math.max(r.start, vstart);
      if (from + size > vend) return null;
      const addr = alignUp(from, align);
      if (addr + size <= r.end && addr + size <= vend) return { block: r, addr };
    }
    return null;
  }

  /** take [addr, addr + size) out of `block`: remove it, trim one edge, or split it in two */
  carve(block: FreeRange, addr: number, size: number): void {
    const i = this.floorIndex(block.start);
    const end = addr + size;
    if (this.ranges[i] !== block || addr < block.start || end > block.end) throw new Error('free array: carve outside its range');
    if (addr === block.start && end === block.end) this.ranges.splice(i, 1);
    else if (addr === block.start) block.start = end;
    else if (end === block.end) block.end = addr;
    else {
      this.ranges.splice(i + 1, 0, { start: end, end: block.end });
      block.end = addr;
    }
  }

  /** give [start, end) back, merged with a touching neighbour on either side; an overlap is refused */
  release(start: number, end: number): number | null {
    const i = this.floorIndex(start);
    const prev = i >= 0 ? this.ranges[i]! : null;
    if (prev && prev.end > start) return start;
    const next = this.ranges[i + 1] ?? null;
    if (next && next.start < end) return next.start;
    const mergePrev = prev !== null && prev.end === start;
    const mergeNext = next !== null && next.start === end;
    if (mergePrev && mergeNext) {
      prev.end = next.end;
      this.ranges.splice(i + 1, 1);
    } else if (mergePrev) prev.end = end;
    else if (mergeNext) next.start = start;
    else this.ranges.splice(i + 1, 0, { start, end });
    return null;
  }

  blocks(): readonly FreeRange[] {
    return this.ranges.slice();
  }

  /** the array's one invariant: ranges non-empty, ascending, disjoint and coalesced */
  check(): string[] {
    const out: string[] = [];
    let prevEnd = -Infinity;
    for (const r of this.ranges) {
      if (!(r.start < r.end)) out.push(`free array: empty range at ${r.start}`);
      if (r.start < prevEnd) out.push(`free array: range at ${r.start} overlaps or precedes its predecessor`);
      if (r.start === prevEnd) out.push(`free array: range at ${r.start} not coalesced with its predecessor`);
      prevEnd = r.end;
    }
    return out;
  }
}

export const sortedArrayFreeSpace: FreeSpaceFactory = (ranges) => new SortedArrayFreeSpace(ranges);
