// model: struct vmem_altmap as counters — reference semantics. Clarity over speed.
// The arithmetic of vmemmap.md §2, line by line.
import type { AltmapRec, Pfn } from '../api/index.js';

export interface Altmap {
  basePfn: Pfn;
  endPfn: Pfn; // inclusive
  reserve: number;
  free: number;
  align: number;
  alloc: number;
}

export function newAltmap(basePfn: Pfn, pages: number, reserve: number, free: number): Altmap {
  return { basePfn, endPfn: basePfn + pages - 1, reserve, free, align: 0, alloc: 0 };
}

/**
 * altmap_alloc_block_buf(size, altmap), exactly as vmemmap.md §2 writes it:
 *   pfn = base + reserve + alloc + align; nr_free = max(free - (alloc + align), 0);
 *   padding = round_up(pfn, lowest set bit of nr_pfns) - pfn; fail if nr_pfns + padding > nr_free.
 */
export function altmapAlloc(a: Altmap, sizeBytes: bigint, pageSize: bigint): Pfn | null {
  if (sizeBytes % pageSize !== 0n) return null; // size not a page multiple: fail
  const nrPfns = Number(sizeBytes / pageSize);
  const pfn = a.basePfn + a.reserve + a.alloc + a.align;
  const nrFree = a.free > a.alloc + a.align ? a.free - (a.alloc + a.align) : 0;
  let pfnAlign = 1;
  while ((nrPfns / pfnAlign) % 2 === 0) pfnAlign *= 2; // 1 << (ffs(nr_pfns) - 1)
  const nrAlign = Math.ceil(pfn / pfnAlign) * pfnAlign - pfn;
  if (nrPfns + nrAlign > nrFree) return null;
  a.alloc += nrPfns;
  a.align += nrAlign;
  return pfn + nrAlign;
}

/** vmem_altmap_free(altmap, nr_pfns): only `alloc` goes down; padding is never given back. */
export function altmapFree(a: Altmap, nrPfns: number): void {
  a.alloc -= nrPfns;
}

export function altmapRec(a: Altmap): AltmapRec {
  return { basePfn: a.basePfn, endPfn: a.endPfn, reserve: a.reserve, free: a.free, align: a.align, alloc: a.alloc };
}
