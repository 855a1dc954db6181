// src: struct vmem_altmap and its bump allocator (mm/sparse-vmemmap.c, vmemmap.md §2). A
// device's own pages back its memmap: blocks are carved upwards from base_pfn + reserve, each
// aligned to the lowest set bit of its size; freeing only lowers `alloc` (padding is never
// given back), so the altmap is exactly as good as a stack — which is enough because a device
// is only ever removed as a whole.
import type { AltmapRec, Pfn } from '../../api/index.js';

export class VmemAltmap {
  /** pages skipped so far to align blocks */
  align = 0;
  /** pages handed out so far */
  alloc = 0;

  constructor(
    readonly basePfn: Pfn,
    /** last pfn of the device, inclusive */
    readonly endPfn: Pfn,
    /** pages at the start kept for the driver */
    readonly reserve: number,
    /** pages set aside for the memmap after the reserve */
    readonly free: number,
  ) {}

  /** whether pfn is one of the device's pages */
  contains(pfn: Pfn): boolean {
    return pfn >= this.basePfn && pfn <= this.endPfn;
  }

  toModel(): AltmapRec {
    return { basePfn: this.basePfn, endPfn: this.endPfn, reserve: this.reserve, free: this.free, align: this.align, alloc: this.alloc };
  }
}

/** vmem_altmap_next_pfn */
function nextPfn(a: VmemAltmap): Pfn {
  return a.basePfn + a.reserve + a.alloc + a.align;
}

/** vmem_altmap_nr_free */
function nrFree(a: VmemAltmap): number {
  const allocated = a.alloc + a.align;
  return a.free > allocated ? a.free - allocated : 0;
}

/** 1 << (ffs(n) - 1): the lowest set bit of n (n >= 1) */
function lowestSetBit(n: number): number {
  let bit = 1;
  while (n % (bit * 2) === 0) bit *= 2;
  return bit;
}

/**
 * altmap_alloc_block_buf(size, altmap): `size` bytes from the device's pages, or null. A size
 * that is not a page multiple fails (the kernel warns once and returns NULL).
 */
export function altmapAllocBlockBuf(a: VmemAltmap, sizeBytes: number, pageSize: number): Pfn | null {
  if (sizeBytes <= 0 || sizeBytes % pageSize !== 0) return null;
  const nrPfns = sizeBytes / pageSize;
  const pfn = nextPfn(a);
  const pfnAlign = lowestSetBit(nrPfns);
  const nrAlign = Math.ceil(pfn / pfnAlign) * pfnAlign - pfn;
  if (nrPfns + nrAlign > nrFree(a)) return null;
  a.alloc += nrPfns;
  a.align += nrAlign;
  return pfn + nrAlign;
}

/** vmem_altmap_free(altmap, nr_pfns): only `alloc` goes down. */
export function vmemAltmapFree(a: VmemAltmap, nrPfns: number): void {
  a.alloc -= nrPfns;
}
