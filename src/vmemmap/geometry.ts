// src: vmemmap geometry of a preset (vmemmap.md §1) — sections, sub-sections, where the
// `struct page` of a pfn lives, and the pfns one may hot-plug. Everything is in pfns and vpns
// (numbers, exact: a pfn is below 2^40 and a vpn below 2^52 on every preset).
import type { MachineConfig } from '../../api/index.js';
import type { Geometry } from '../machine/index.js';

/** sizeof(struct page) */
export const STRUCT_PAGE_SIZE = 64;

export interface VmemmapGeometry {
  readonly g: Geometry;
  /** PAGES_PER_SECTION */
  readonly pfnsPerSection: number;
  /** PAGES_PER_SUBSECTION */
  readonly pfnsPerSubsection: number;
  readonly subsectionsPerSection: number;
  /** struct pages per vmemmap base page: pfns whose memmap one vmemmap page holds */
  readonly pfnsPerVmemmapPage: number;
  /** VMEMMAP_START as a vpn */
  readonly startVpn: number;
  /** the pfn whose struct page sits at VMEMMAP_START: 0, or memstart_pfn on arm64 */
  readonly basePfn: number;
  /** hot-pluggable pfns are [minPfn, maxPfn) (mhp_range_allowed; arm64: inside_linear_region) */
  readonly minPfn: number;
  readonly maxPfn: number;
  /** table level of PMD leaves (the level above the ptes), and of base pages */
  readonly pmdLevel: number;
  readonly pteLevel: number;
}

/** null on presets without a vmemmap (arm32) */
export function vmemmapGeometry(g: Geometry, config: MachineConfig): VmemmapGeometry | null {
  const p = g.preset;
  if (p.vmemmapStart === null || p.vmemmapBase === null) return null;
  const pageShift = p.pageShift;
  const startVpn = Number(p.vmemmapStart >> BigInt(pageShift));
  let basePfn = 0;
  if (p.vmemmapBase === 'memstart') {
    // memstart_pfn: the first RAM pfn rounded down to ARM64_MEMSTART_ALIGN (machine.md §1)
    const alignPfns = Number((p.memstartAlign ?? 1n) >> BigInt(pageShift));
    const first = Math.min(...config.ram.banks.map((b) => b.start));
    basePfn = Math.floor(first / alignPfns) * alignPfns;
  }
  const pfnsPerVmemmapPage = g.pageSize / STRUCT_PAGE_SIZE;
  // The vmemmap may not run past the top of the address space.
  const vmemmapRoomPfns = (g.vpnLimit - startVpn) * pfnsPerVmemmapPage;
  let maxPfn = basePfn + vmemmapRoomPfns;
  if (p.maxPhysmemBits !== undefined) maxPfn = Math.min(maxPfn, 2 ** (p.maxPhysmemBits - pageShift));
  if (p.vmemmapBase === 'memstart') {
    // arm64 arch_add_memory: the range must sit inside the linear map, [memstart, memstart + 2^(VA_BITS-1))
    const vaBits = g.bits.reduce((s, b) => s + b, 0) + pageShift;
    maxPfn = Math.min(maxPfn, basePfn + 2 ** (vaBits - 1 - pageShift));
  }
  return {
    g,
    pfnsPerSection: 2 ** (p.sectionSizeBits - pageShift),
    pfnsPerSubsection: 2 ** (p.subsectionShift - pageShift),
    subsectionsPerSection: 2 ** (p.sectionSizeBits - p.subsectionShift),
    pfnsPerVmemmapPage,
    startVpn,
    basePfn,
    minPfn: basePfn,
    maxPfn,
    pmdLevel: g.levels - 2,
    pteLevel: g.levels - 1,
  };
}

/** The vpn of the vmemmap page holding pfn's struct page: vmemmap(pfn) >> PAGE_SHIFT. */
export function pfnToVmemmapVpn(v: VmemmapGeometry, pfn: number): number {
  return v.startVpn + Math.floor((pfn - v.basePfn) / v.pfnsPerVmemmapPage);
}

/**
 * The vmemmap pages holding the memmap of [startPfn, endPfn): [vmemmap(start), vmemmap(end))
 * rounded out to whole pages (a sub-section's memmap may be smaller than a page).
 */
export function memmapSpan(v: VmemmapGeometry, startPfn: number, endPfn: number): { startVpn: number; endVpn: number } {
  return {
    startVpn: pfnToVmemmapVpn(v, startPfn),
    endVpn: v.startVpn + Math.ceil((endPfn - v.basePfn) / v.pfnsPerVmemmapPage),
  };
}

/** The pfns whose struct pages lie in the vmemmap pages [startVpn, endVpn). */
export function pfnsOfVmemmap(v: VmemmapGeometry, startVpn: number, endVpn: number): { startPfn: number; endPfn: number } {
  return {
    startPfn: v.basePfn + (startVpn - v.startVpn) * v.pfnsPerVmemmapPage,
    endPfn: v.basePfn + (endVpn - v.startVpn) * v.pfnsPerVmemmapPage,
  };
}

/** Cut [startPfn, endPfn) at section boundaries, ascending (__add_pages / __remove_pages). */
export function sectionPieces(v: VmemmapGeometry, startPfn: number, endPfn: number): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  for (let pfn = startPfn; pfn < endPfn; ) {
    const next = Math.min(endPfn, (Math.floor(pfn / v.pfnsPerSection) + 1) * v.pfnsPerSection);
    out.push({ start: pfn, end: next });
    pfn = next;
  }
  return out;
}
