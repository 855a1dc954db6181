// api: the shape of the abstract state (checking.md §2). Types only.
//
// The model's state IS this shape (or produces it trivially); src/ maps its structures onto
// it with one abstraction function, `toModel`. Everything is canonical — sorted, runs merged —
// so that two equal states are deep-equal. Runs keep it compact: page tables as runs of
// consecutive leaves, ownership as runs of pfns, TLBs as runs.
import type { Addr, Pfn } from './addr.js';
import type { VmKind } from './calls.js';
import type { Owner } from './owners.js';

/** `count` consecutive pfns starting at `pfn` with one owner. Sorted, adjacent equal owners merged. */
export interface OwnerRun {
  readonly pfn: Pfn;
  readonly count: number;
  readonly owner: Owner;
}

/**
 * `pages` consecutive base pages from `va`, mapped to consecutive pfns from `pfn` by leaves of
 * table level `level` (levels.length - 1 = base pages). Sorted by va; a run is merged with the
 * next when va, pfn and level all continue. A huge leaf appears as (part of) a run of its level.
 */
export interface LeafRun {
  readonly va: Addr;
  readonly pages: number;
  readonly pfn: Pfn;
  readonly level: number;
}

/** A table page other than the root: the table at `level` covering the span that starts at `va`. */
export interface TableRec {
  readonly level: number;
  readonly va: Addr;
  readonly pfn: Pfn;
}

/** Cached translations of one CPU, as runs (va and pfn continuing). */
export interface TlbRun {
  readonly va: Addr;
  readonly pages: number;
  readonly pfn: Pfn;
}

export interface Counters {
  /** flush_tlb_kernel_range and flush_tlb_all calls that were issued */
  readonly flushes: number;
  /** (online - 1) per flush */
  readonly ipis: number;
  /** base pages covered by ranged flushes (flush_tlb_all covers none) */
  readonly flushedPages: number;
  readonly ptAllocs: number;
  readonly ptFrees: number;
  /** flushes issued with start >= end (flush-sane) */
  readonly badFlushes: number;
}

export interface Warning {
  readonly kind: string;
  readonly addr: Addr;
  /** the number of calls executed before the one that warned */
  readonly step: number;
}

/** A live mapping a caller holds (a handle): machine-level 'pages'/'device', or a vmap-level kind. */
export interface MappingRec {
  readonly kind: 'pages' | 'device' | VmKind;
  /** start of the mapping's area (page aligned) */
  readonly va: Addr;
  /** pages the mapping covers, guard excluded */
  readonly pages: number;
  /** guard pages after it (0 or 1) */
  readonly guard: number;
}

export interface AreaRec {
  readonly start: Addr;
  readonly end: Addr;
  readonly lazy: boolean;
}

export interface VmapState {
  /** busy and lazy areas, sorted by start */
  readonly areas: readonly AreaRec[];
  /** vmap_lazy_nr, in pages */
  readonly lazyNr: number;
}

export interface BlockRec {
  readonly cpu: number;
  readonly start: Addr;
  readonly free: number;
  readonly dirty: number;
  readonly dirtyMin: number;
  readonly dirtyMax: number;
  /** on its CPU's free list */
  readonly onFreeList: boolean;
  /** live sub-allocations: page offset in the block and order */
  readonly subs: readonly { readonly offset: number; readonly order: number }[];
}

export interface BlocksState {
  /** every live block, sorted by start */
  readonly blocks: readonly BlockRec[];
  /** per possible CPU, its free list (block starts, oldest first) */
  readonly freeLists: readonly { readonly cpu: number; readonly starts: readonly Addr[] }[];
}

/** struct vmem_altmap, in pages (vmemmap.md §2) */
export interface AltmapRec {
  readonly basePfn: Pfn;
  readonly endPfn: Pfn; // inclusive
  readonly reserve: number;
  readonly free: number;
  readonly align: number;
  readonly alloc: number;
}

export interface VmemmapState {
  /** present sub-sections as merged pfn runs, by what put them there */
  readonly present: readonly { readonly pfn: Pfn; readonly count: number; readonly kind: 'boot' | 'ram' | 'device' }[];
  /** altmaps of live devices, sorted by basePfn */
  readonly altmaps: readonly AltmapRec[];
}

export interface AbstractState {
  /** calls executed so far */
  readonly step: number;
  /** fault injection: counted allocations still to succeed before one fails, or null */
  readonly failAfter: number | null;
  readonly owners: readonly OwnerRun[];
  readonly leaves: readonly LeafRun[];
  /** non-root table pages, sorted by (level, va) */
  readonly tables: readonly TableRec[];
  /** per online CPU, ascending */
  readonly tlb: readonly { readonly cpu: number; readonly runs: readonly TlbRun[] }[];
  readonly counters: Counters;
  readonly warnings: readonly Warning[];
  /**
   * live mappings (handles), sorted by va; at one va (only when a configured window overlaps the
   * vmalloc space: a raw map_pages handle outlives unmap_range of its pages) the machine-level
   * ones first, older first, then the vmalloc API's, then vm_map_ram's
   */
  readonly mappings: readonly MappingRec[];
  readonly vmap: VmapState;
  readonly blocks: BlocksState;
  /** absent until the vmemmap subsystem is wired in (presets without vmemmap: empty) */
  readonly vmemmap?: VmemmapState;
}
