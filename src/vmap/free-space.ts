// src: the seam between the vmap area allocator and its free-space index. The kernel keeps free
// vmalloc space in one structure (free_vmap_area_root, an augmented red-black tree); the allocator
// only needs the four operations below, so another index — a sorted array, a bitmap, a port of an
// older kernel's list walk — can stand in for FreeTree (README "plug-in implementations").
// Units: vpn and pages.

/** A fit found by `findLowestFit`: the free block that holds it and its vpn. */
export interface FreeSpaceFit<B> {
  /** the index's own handle for the block; only ever given back to `carve` */
  readonly block: B;
  readonly addr: number;
}

/**
 * Free vmalloc space as address-sorted, non-overlapping, coalesced [start, end) vpn blocks.
 * Every implementation must give the same answers as FreeTree (src/vmap/free-tree.ts): the
 * observable state and results depend on them, its internals never show.
 */
export interface FreeSpace<B = unknown> {
  /**
   * The EXACT lowest vpn addr with addr % align == 0 (align: a power of two, in pages),
   * addr >= vstart, addr + size <= vend and [addr, addr + size) inside one free block; null when none.
   */
  findLowestFit(size: number, align: number, vstart: number, vend: number): FreeSpaceFit<B> | null;
  /** adjust_va_to_fit_type: take [addr, addr + size) out of `block`, which contains it */
  carve(block: B, addr: number, size: number): void;
  /**
   * merge_or_add_vmap_area: give [start, end) back, coalescing with a free neighbour on either
   * side. Returns null, or the vpn where it overlaps free space (the kernel WARNs and drops the
   * insertion: the index is left unchanged). "Where" is `start` when the block at or below
   * `start` reaches past it, else the start of the next block below `end`.
   */
  release(start: number, end: number): number | null;
  /** the free blocks in address order */
  blocks(): readonly { readonly start: number; readonly end: number }[];
  /** structural self-check, one line per violation; [] when sound */
  check(): string[];
  /** index nodes visited so far (benchmarks take deltas per operation) */
  readonly visited: number;
}

/** Builds the free-space index over the initial free space: disjoint [start, end) vpn ranges, ascending. */
export type FreeSpaceFactory = (ranges: readonly (readonly [number, number])[]) => FreeSpace;
