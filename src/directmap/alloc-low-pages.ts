// src: alloc_low_pages() during init_mem_mapping (arch/x86/mm/init.c): page-table pages come from
// the BRK buffer (pgt_buf) while it has pages left and the range being mapped does not overlap
// its unused part (can_use_brk_pgt, computed once per RAM range); otherwise from memblock inside
// [min_pfn_mapped, max_pfn_mapped) — the highest free page top-down, the lowest bottom-up — so a
// page-table page is always reachable through the direct map built so far. None: the boot panics.
// Every call is logged with its context (the step, the range, min/max_pfn_mapped).
import type { Pfn, PfnRange } from '../../api/index.js';
import type { DirectMapOrder, PtAlloc } from '../../api/directmap.js';
import type { Machine } from '../machine/index.js';
import type { Memblock } from './memblock.js';

/** Called with each allocation as it happens, before the page becomes a table (for checks that need the machine then). */
export type AllocObserver = (a: PtAlloc, machine: Machine) => void;

export class LowPageAllocator {
  /** pgt_buf_end - pgt_buf_start: pages of the buffer handed out */
  private bufUsed = 0;
  canUseBrkPgt = true;
  minPfnMapped = 0;
  maxPfnMapped = 0;
  /** the step being mapped and its current RAM range */
  step = 0;
  rangeStart = 0;
  rangeEnd = 0;
  readonly log: PtAlloc[] = [];

  constructor(
    private readonly machine: Machine,
    private readonly memblock: Memblock,
    private readonly pgtBuf: PfnRange,
    private readonly order: DirectMapOrder,
    private readonly observe?: AllocObserver,
  ) {}

  /** Start mapping the RAM range [start, end): can_use_brk_pgt = the range misses [pgt_buf_end, pgt_buf_top). */
  beginRange(start: Pfn, end: Pfn): void {
    this.rangeStart = start;
    this.rangeEnd = end;
    const bufEnd = this.pgtBuf.start + this.bufUsed;
    const bufTop = this.pgtBuf.start + this.pgtBuf.count;
    this.canUseBrkPgt = Math.max(start, bufEnd) >= Math.min(end, bufTop);
  }

  endRange(): void {
    this.canUseBrkPgt = true;
  }

  /** alloc_low_pages(num): the first pfn of `num` pages, or null (the caller panics) */
  allocLowPages(num: number): Pfn | null {
    let pfn: Pfn | null;
    let source: PtAlloc['source'];
    if (this.bufUsed + num > this.pgtBuf.count || !this.canUseBrkPgt) {
      pfn = null;
      if (this.minPfnMapped < this.maxPfnMapped) {
        pfn = this.memblock.findFree(this.minPfnMapped, this.maxPfnMapped, num, 1, this.order === 'top-down');
      }
      source = pfn === null ? 'none' : 'memblock';
    } else {
      pfn = this.pgtBuf.start + this.bufUsed;
      this.bufUsed += num;
      source = 'pgt_buf';
    }
    const rec: PtAlloc = {
      pfn,
      source,
      step: this.step,
      rangeStartPfn: this.rangeStart,
      rangeEndPfn: this.rangeEnd,
      minPfnMapped: this.minPfnMapped,
      maxPfnMapped: this.maxPfnMapped,
    };
    this.log.push(rec);
    this.observe?.(rec, this.machine);
    // memblock pages become reserved page-table pages; pgt_buf pages stay part of the reserved image
    if (source === 'memblock') this.machine.setOwner(pfn!, num, 'pagetable');
    return pfn;
  }
}
