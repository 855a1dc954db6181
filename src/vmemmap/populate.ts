// src: vmemmap_populate and its two strategies (mm/sparse-vmemmap.c, arch/x86/mm/init_64.c,
// arch/arm64/mm/mmu.c; vmemmap.md §3-§4). Page-table pages always come from RAM (the Machine's
// table allocator); data blocks from vmemmap_alloc_block_buf.
import type { Pfn } from '../../api/index.js';
import type { Machine } from '../machine/index.js';
import { altmapAllocBlockBuf, type VmemAltmap } from './altmap.js';
import { memmapSpan, type VmemmapGeometry } from './geometry.js';
import { slotAt } from './slot.js';

export interface PopulateCtx {
  readonly machine: Machine;
  readonly v: VmemmapGeometry;
  /** the powerpc policy: a failed altmap block falls back to RAM (vmemmap.md §3) */
  readonly fallback: boolean;
}

/**
 * vmemmap_alloc_block_buf(size, node, altmap): with an altmap the block comes from it or not at
 * all; without one, a naturally aligned run of RAM pages (a counted allocation, owner
 * 'vmemmap'). Under the fallback policy a failed altmap block is retried from RAM.
 */
export function vmemmapAllocBlockBuf(ctx: PopulateCtx, nrPages: number, altmap: VmemAltmap | null): Pfn | null {
  if (altmap) {
    const pfn = altmapAllocBlockBuf(altmap, nrPages * ctx.v.g.pageSize, ctx.v.g.pageSize);
    if (pfn !== null || !ctx.fallback) return pfn;
  }
  return ctx.machine.allocPages(Math.log2(nrPages), 'vmemmap', true);
}

/**
 * vmemmap_populate_basepages: for every vmemmap page of [startVpn, endVpn), tables down to the
 * ptes, then a page if the entry is none. A present translation is kept — on arm64-64k one page
 * holds the memmap of 32 sub-sections, so a neighbour may have populated it already. choice: a
 * huge leaf covering the page also counts as present (the kernel would walk into it as a table).
 */
export function vmemmapPopulateBasepages(ctx: PopulateCtx, startVpn: number, endVpn: number, altmap: VmemAltmap | null): 'ENOMEM' | null {
  const m = ctx.machine;
  const pte = ctx.v.pteLevel;
  for (let vpn = startVpn; vpn < endVpn; vpn++) {
    if (m.walk(vpn) !== null) continue;
    if (m.populate(vpn, pte) !== null) return 'ENOMEM';
    const pfn = vmemmapAllocBlockBuf(ctx, 1, altmap);
    if (pfn === null) return 'ENOMEM';
    m.setLeaf(vpn, pte, pfn);
  }
  return null;
}

/**
 * vmemmap_populate_hugepages: per PMD chunk, tables down to the PMD table; a none PMD gets a
 * PMD-sized block mapped by a huge leaf. No block: with an altmap stop with ENOMEM (no
 * fallback in the generic code), without one fill the chunk with base pages from RAM. Under the
 * fallback policy the block already fell back to a RAM PMD, then base pages from RAM. A chunk
 * mapped huge is kept; a chunk holding a table gets base pages (with the altmap, as the kernel).
 */
export function vmemmapPopulateHugepages(ctx: PopulateCtx, startVpn: number, endVpn: number, altmap: VmemAltmap | null): 'ENOMEM' | null {
  const m = ctx.machine;
  const pmd = ctx.v.pmdLevel;
  const chunk = m.geometry.entryPages[pmd]!;
  for (let vpn = startVpn; vpn < endVpn; ) {
    const next = Math.min(endVpn, (Math.floor(vpn / chunk) + 1) * chunk);
    const err = m.populate(vpn, pmd);
    if (err === 'ENOMEM') return 'ENOMEM';
    // EBUSY: a larger leaf already covers the chunk — present, kept
    const slot = err === 'EBUSY' ? 'leaf' : slotAt(m, vpn, pmd);
    let base = altmap;
    if (slot === 'none') {
      const pfn = vmemmapAllocBlockBuf(ctx, chunk, altmap);
      if (pfn !== null) {
        m.setLeaf(Math.floor(vpn / chunk) * chunk, pmd, pfn);
        vpn = next;
        continue;
      }
      if (altmap && !ctx.fallback) return 'ENOMEM';
      base = null;
    } else if (slot === 'leaf') {
      vpn = next;
      continue;
    }
    if (vmemmapPopulateBasepages(ctx, vpn, next, base)) return 'ENOMEM';
    vpn = next;
  }
  return null;
}

/**
 * vmemmap_populate(start, end, node, altmap) for the memmap of one section piece
 * [startPfn, endPfn), by the preset's policy (vmemmap.md §4):
 * - x86: a piece smaller than a section's memmap gets base pages from RAM, ignoring the altmap
 *   (`vmemmap_populate_basepages(start, end, node, NULL)`); a whole section gets huge pages.
 * - arm64 (64 KiB pages) and the toy presets: base pages with the altmap.
 */
export function vmemmapPopulate(ctx: PopulateCtx, startPfn: Pfn, endPfn: Pfn, altmap: VmemAltmap | null): 'ENOMEM' | null {
  const { startVpn, endVpn } = memmapSpan(ctx.v, startPfn, endPfn);
  if (ctx.v.g.preset.vmemmapPolicy === 'x86') {
    if (endPfn - startPfn < ctx.v.pfnsPerSection) return vmemmapPopulateBasepages(ctx, startVpn, endVpn, null);
    return vmemmapPopulateHugepages(ctx, startVpn, endVpn, altmap);
  }
  return vmemmapPopulateBasepages(ctx, startVpn, endVpn, altmap);
}
