// api: the x86-64 direct-map builder, init_mem_mapping (layout.md §4). Types and plain data only.
//
// Both src/directmap (which builds real page tables on a Machine) and model/directmap (which
// states the expected mapping and the allocation discipline) produce a DirectMapLog; the
// property compares them. Physical positions are pfns (x86-64 physical addresses are far
// below 2^53 bytes, and pfns are exact numbers); step sizes and mapped sizes are in pages.
import type { Pfn, PfnRange } from './addr.js';
import type { MachineConfig } from './config.js';

export type DirectMapOrder = 'top-down' | 'bottom-up';

/** INIT_PGT_BUF_SIZE / PAGE_SIZE on x86-64: the BRK page-table buffer */
export const INIT_PGT_BUF_PAGES = 6;
/** ISA_END_ADDRESS / PAGE_SIZE (1 MiB) */
export const ISA_END_PFN = 0x100;
/** the panic of alloc_low_pages() when no page is left (arch/x86/mm/init.c) */
export const ALLOC_LOW_PAGES_PANIC = 'alloc_low_pages: can not alloc memory';

export interface DirectMapSetup {
  /** an x86_64 configuration on a fresh machine: banks, the kernel image above 1 MiB, the root table */
  readonly config: MachineConfig;
  readonly order: DirectMapOrder;
  /** pgt_buf: INIT_PGT_BUF_PAGES pages inside the kernel image */
  readonly pgtBuf: PfnRange;
}

/**
 * Which loop a step belongs to: the ISA mapping, memory_map_top_down's loop and its final
 * [real_end, end) call, or one of the two memory_map_bottom_up calls ([kernel_end, end) first,
 * then [ISA_END, kernel_end)).
 */
export type DirectMapPhase = 'isa' | 'top-down' | 'top-down-rest' | 'bottom-up-high' | 'bottom-up-low';

/** One init_range_memory_mapping(start, end) call (for 'isa': init_memory_mapping(0, ISA_END)). */
export interface DirectMapStep {
  readonly phase: DirectMapPhase;
  readonly startPfn: Pfn;
  readonly endPfn: Pfn;
  /** step_size in pages when this step was cut; 0 for 'isa' and 'top-down-rest' */
  readonly stepPages: number;
  /** the phase's mapped_ram_size after this step, in pages (RAM only; 0 for 'isa') */
  readonly mappedPages: number;
}

/** One alloc_low_pages(1) call made while mapping, in call order. */
export interface PtAlloc {
  /** the page taken; null when none was left (the boot panics) */
  readonly pfn: Pfn | null;
  readonly source: 'pgt_buf' | 'memblock' | 'none';
  /** index into DirectMapLog.steps of the step being mapped */
  readonly step: number;
  /** the RAM range init_memory_mapping was mapping, [start, end) */
  readonly rangeStartPfn: Pfn;
  readonly rangeEndPfn: Pfn;
  /** min_pfn_mapped, max_pfn_mapped at the time of the call */
  readonly minPfnMapped: Pfn;
  readonly maxPfnMapped: Pfn;
}

export interface DirectMapLog {
  /** memory_map_top_down's real_end in pfns; null when bottom-up */
  readonly realEndPfn: Pfn | null;
  readonly steps: readonly DirectMapStep[];
  readonly allocs: readonly PtAlloc[];
  /** null: the direct map is complete; otherwise the panic message (ALLOC_LOW_PAGES_PANIC) */
  readonly panic: string | null;
}
