// harness: where the vmemmap lies (vmemmap.md §1, machine.md §1) — the harness's own arithmetic
// from the preset, for the coverage labels and the pictures: vmemmap(pfn) = VMEMMAP_START +
// (pfn − base) · sizeof(struct page), base 0 or memstart_pfn (arm64: the first RAM pfn rounded
// down to ARM64_MEMSTART_ALIGN).
import type { Addr } from '../../api/index.js';
import type { AddrSpan, Geometry } from './geometry.js';

/** sizeof(struct page) (machine.md §1) */
export const STRUCT_PAGE = 64n;

/** The pfn whose struct page sits at VMEMMAP_START. */
export function vmemmapBasePfn(g: Geometry): bigint {
  const p = g.preset;
  if (p.vmemmapBase !== 'memstart' || p.memstartAlign === null) return 0n;
  const firstRam = BigInt(Math.min(...g.config.ram.banks.map((b) => b.start)));
  const alignPfns = p.memstartAlign / g.pageSize;
  return (firstRam / alignPfns) * alignPfns;
}

/** vmemmap(pfn); null on a preset without a vmemmap (arm32). */
export function vmemmapOf(g: Geometry, pfn: number): Addr | null {
  const start = g.preset.vmemmapStart;
  return start === null ? null : start + (BigInt(pfn) - vmemmapBasePfn(g)) * STRUCT_PAGE;
}

/** The virtual span that can hold struct pages: every pfn below MAX_PHYSMEM_BITS (clipped to 2^W). */
export function vmemmapSpan(g: Geometry): AddrSpan | null {
  const start = g.preset.vmemmapStart;
  if (start === null) return null;
  const pfns = (1n << BigInt(g.preset.maxPhysmemBits ?? g.w)) / g.pageSize;
  const end = start + pfns * STRUCT_PAGE;
  return { start, end: end > g.top ? g.top : end };
}
