// src: init_mem_mapping() on x86-64 (arch/x86/mm/init.c, layout.md §4): map the ISA range, then
// all RAM at PAGE_OFFSET + p, top-down (memory_map_top_down) or bottom-up (memory_map_bottom_up,
// movable_node) in steps that grow by << 8 once the RAM mapped so far reaches the step, so that
// the page tables for each step fit in memory the earlier steps mapped.
//
// Spec choices (layout.md §4 where it is explicit; Linux 6.12 otherwise):
// - max_pfn_mapped grows to the end of each RAM range mapped (the spec), not to the end of a
//   promoted leaf past it (the kernel's paddr_last);
// - no extend_brk() fallback: pgt_buf, then memblock, then the panic;
// - can_use_brk_pgt is the kernel's: the range misses the buffer's unused part.
import type { Pfn } from '../../api/index.js';
import type { DirectMapLog, DirectMapPhase, DirectMapSetup, DirectMapStep } from '../../api/directmap.js';
import { ALLOC_LOW_PAGES_PANIC, ISA_END_PFN } from '../../api/directmap.js';
import type { Machine } from '../machine/index.js';
import { LowPageAllocator, type AllocObserver } from './alloc-low-pages.js';
import { Memblock } from './memblock.js';
import { kernelPhysicalMappingInit, OutOfPageTables } from './phys-map.js';
import { PMD_PAGES, splitMemRange } from './split.js';

/** PMD_SHIFT - PAGE_SHIFT - 1: get_new_step_size() */
const STEP_GROWTH = 256;

export interface InitMemMappingOptions {
  /** sees each alloc_low_pages() call as it happens */
  readonly onAlloc?: AllocObserver;
}

class DirectMapBuilder {
  readonly memblock: Memblock;
  readonly alloc: LowPageAllocator;
  readonly steps: DirectMapStep[] = [];

  constructor(
    private readonly machine: Machine,
    private readonly setup: DirectMapSetup,
    opts: InitMemMappingOptions,
  ) {
    this.memblock = new Memblock(machine, setup.config.ram.banks);
    this.alloc = new LowPageAllocator(machine, this.memblock, setup.pgtBuf, setup.order, opts.onAlloc);
  }

  private beginStep(phase: DirectMapPhase, start: Pfn, end: Pfn, stepPages: number): number {
    this.steps.push({ phase, startPfn: start, endPfn: end, stepPages, mappedPages: 0 });
    this.alloc.step = this.steps.length - 1;
    return this.alloc.step;
  }

  private endStep(i: number, mappedPages: number): void {
    this.steps[i] = { ...this.steps[i]!, mappedPages };
  }

  /** init_memory_mapping(start, end): split, map each piece, then add_pfn_range_mapped() */
  private initMemoryMapping(start: Pfn, end: Pfn): void {
    for (const mr of splitMemRange(start, end, (s, e) => this.memblock.isRegionMemory(s, e))) {
      kernelPhysicalMappingInit(this.machine, mr);
    }
    this.alloc.maxPfnMapped = Math.max(this.alloc.maxPfnMapped, end);
  }

  /** init_range_memory_mapping(r_start, r_end): every RAM region clamped to the range; returns the pages mapped */
  private initRangeMemoryMapping(rStart: Pfn, rEnd: Pfn): number {
    let mapped = 0;
    for (const m of this.memblock.memory) {
      const start = Math.min(Math.max(m.start, rStart), rEnd);
      const end = Math.min(Math.max(m.end, rStart), rEnd);
      if (start >= end) continue;
      this.alloc.beginRange(start, end);
      this.initMemoryMapping(start, end);
      mapped += end - start;
      this.alloc.endRange();
    }
    return mapped;
  }

  run(): void {
    const isa = this.beginStep('isa', 0, ISA_END_PFN, 0);
    this.alloc.beginRange(0, ISA_END_PFN);
    this.alloc.endRange(); // the ISA call is not init_range_memory_mapping: can_use_brk_pgt stays true
    this.initMemoryMapping(0, ISA_END_PFN);
    this.endStep(isa, 0);
    const end = this.memblock.maxPfn;
    if (this.setup.order === 'bottom-up') {
      const kernel = this.setup.config.ram.kernel;
      const kernelEnd = kernel.start + kernel.count;
      // page tables for [ISA_END, kernel_end) then come from memory above the kernel
      this.memoryMapBottomUp('bottom-up-high', kernelEnd, end);
      this.memoryMapBottomUp('bottom-up-low', ISA_END_PFN, kernelEnd);
    } else {
      this.memoryMapTopDown(ISA_END_PFN, end);
    }
  }

  realEndPfn: Pfn | null = null;

  private memoryMapTopDown(mapStart: Pfn, mapEnd: Pfn): void {
    // the top-most free 2 MiB block first: enough mapped memory to allocate from at once
    const top = this.memblock.findFree(mapStart, mapEnd, PMD_PAGES, PMD_PAGES, true);
    const realEnd = top !== null ? top + PMD_PAGES : Math.max(mapStart, Math.floor(mapEnd / PMD_PAGES) * PMD_PAGES);
    this.realEndPfn = realEnd;
    let step = PMD_PAGES;
    let mapped = 0;
    this.alloc.maxPfnMapped = 0;
    this.alloc.minPfnMapped = realEnd;
    let last = realEnd;
    while (last > mapStart) {
      const start = last > step ? Math.max(Math.floor((last - 1) / step) * step, mapStart) : mapStart;
      const i = this.beginStep('top-down', start, last, step);
      mapped += this.initRangeMemoryMapping(start, last);
      this.endStep(i, mapped);
      last = start;
      this.alloc.minPfnMapped = last;
      if (mapped >= step) step *= STEP_GROWTH;
    }
    if (realEnd < mapEnd) {
      const i = this.beginStep('top-down-rest', realEnd, mapEnd, 0);
      this.initRangeMemoryMapping(realEnd, mapEnd);
      this.endStep(i, 0);
    }
  }

  private memoryMapBottomUp(phase: DirectMapPhase, mapStart: Pfn, mapEnd: Pfn): void {
    let step = PMD_PAGES;
    let mapped = 0;
    let start = mapStart;
    this.alloc.minPfnMapped = start;
    while (start < mapEnd) {
      const next = mapEnd - start > step ? Math.min(Math.ceil((start + 1) / step) * step, mapEnd) : mapEnd;
      const i = this.beginStep(phase, start, next, step);
      mapped += this.initRangeMemoryMapping(start, next);
      this.endStep(i, mapped);
      start = next;
      if (mapped >= step) step *= STEP_GROWTH;
    }
  }
}

/**
 * init_mem_mapping() on a fresh x86_64 machine: builds the direct map in `machine`'s page tables
 * with page-table pages from alloc_low_pages(). The machine's table allocator is swapped for the
 * builder's while it runs and restored afterwards. Returns the step and allocation log.
 */
export function initMemMapping(machine: Machine, setup: DirectMapSetup, opts: InitMemMappingOptions = {}): DirectMapLog {
  if (setup.config.preset !== 'x86_64') throw new Error(`init_mem_mapping: x86_64 only, not ${setup.config.preset}`);
  const b = new DirectMapBuilder(machine, setup, opts);
  machine.setTableAllocator(() => b.alloc.allocLowPages(1));
  let panic: string | null = null;
  try {
    b.run();
  } catch (e) {
    if (!(e instanceof OutOfPageTables)) throw e;
    panic = ALLOC_LOW_PAGES_PANIC;
  } finally {
    machine.setTableAllocator(null);
  }
  return { realEndPfn: b.realEndPfn, steps: b.steps, allocs: b.alloc.log, panic };
}
