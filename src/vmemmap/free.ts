// src: vmemmap_free — tearing down the memmap of a removed range (vmemmap.md §5). The caller
// has already cleared the range's sub-sections; what is unmapped is every vmemmap unit (a base
// page, or a huge chunk as a whole) meeting the range's memmap that no longer covers the memmap
// of any present sub-section. Units shared with a neighbour stay, so removing one range leaves
// every vmemmap address outside it mapped as before.
import type { Pfn } from '../../api/index.js';
import type { Machine } from '../machine/index.js';
import { memmapSpan, sectionPieces, type VmemmapGeometry } from './geometry.js';

export interface FreeCtx {
  readonly machine: Machine;
  readonly v: VmemmapGeometry;
  /** whether the vmemmap pages [startVpn, endVpn) hold the memmap of a present sub-section */
  readonly needed: (startVpn: number, endVpn: number) => boolean;
  /** give an unmapped block back where it came from (RAM or its altmap) */
  readonly returnBlock: (pfn: Pfn, pages: number) => void;
}

/**
 * vmemmap_free over [startPfn, endPfn): per section piece, unmap the units that are no longer
 * needed and return their blocks; then free_empty_tables and one flush_tlb_kernel_range over the
 * removed vmemmap span. choice: the span is the memmap of the range rounded out to pages,
 * widened to whole units unmapped (a huge chunk may reach past a sub-section's memmap), so no
 * TLB entry of an unmapped unit survives the flush.
 */
export function vmemmapFree(ctx: FreeCtx, startPfn: Pfn, endPfn: Pfn): void {
  const m = ctx.machine;
  const g = m.geometry;
  const span = memmapSpan(ctx.v, startPfn, endPfn);
  let lo = span.startVpn;
  let hi = span.endVpn;
  for (const piece of sectionPieces(ctx.v, startPfn, endPfn)) {
    const { startVpn, endVpn } = memmapSpan(ctx.v, piece.start, piece.end);
    for (let vpn = startVpn; vpn < endVpn; ) {
      const w = m.walk(vpn);
      if (w === null) {
        vpn++;
        continue;
      }
      const unit = g.entryPages[w.level]!;
      const unitStart = Math.floor(vpn / unit) * unit;
      const unitEnd = unitStart + unit;
      if (!ctx.needed(unitStart, unitEnd)) {
        m.vunmapPageRange(unitStart, unitEnd);
        ctx.returnBlock(w.pfn - (vpn - unitStart), unit);
        lo = Math.min(lo, unitStart);
        hi = Math.max(hi, unitEnd);
      }
      vpn = unitEnd;
    }
  }
  m.freeEmptyTables(lo, hi);
  m.flushTlbKernelRange(lo, hi);
}

