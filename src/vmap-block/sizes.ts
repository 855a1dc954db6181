// src: the per-CPU vmap block sizes of a preset (vmap-blocks.md §1, mm/vmalloc.c):
//   VMAP_MAX_ALLOC       = BITS_PER_LONG pages (requests up to this use blocks)
//   VMAP_BBMAP_BITS      = min(1024, max(2 * VMAP_MAX_ALLOC, VMALLOC_PAGES / roundup_pow_of_two(NR_CPUS) / 16))
//   VMAP_BLOCK_SIZE      = VMAP_BBMAP_BITS pages
//   VMAP_PURGE_THRESHOLD = VMAP_BBMAP_BITS / 4
// with VMALLOC_PAGES = VMALLOC_SPACE / PAGE_SIZE (the kernel's sizing constant, not the real range).
// Toy presets state VMAP_MAX_ALLOC and VMAP_BBMAP_BITS explicitly; their values win.
import type { Preset } from '../../api/index.js';

export interface BlockSizes {
  /** VMAP_MAX_ALLOC, in pages */
  readonly vmapMaxAlloc: number;
  /** VMAP_BBMAP_BITS: pages per block (VMAP_BLOCK_SIZE in pages) */
  readonly bbmapBits: number;
  /** VMAP_PURGE_THRESHOLD, in pages */
  readonly purgeThreshold: number;
}

function roundupPowOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

export function blockSizes(preset: Preset): BlockSizes {
  const vmapMaxAlloc = preset.vmapMaxAlloc ?? preset.bitsPerLong;
  // VMALLOC_SPACE / PAGE_SIZE: exact as a bigint shift, small enough for a number afterwards
  const vmallocPages = Number(preset.vmallocSpace >> BigInt(preset.pageShift));
  const bbmapBits =
    preset.vmapBbmapBits ??
    Math.min(1024, Math.max(2 * vmapMaxAlloc, Math.floor(Math.floor(vmallocPages / roundupPowOfTwo(preset.nrCpus)) / 16)));
  // new_vmap_block's BUG_ON(VMAP_BBMAP_BITS <= (1UL << order)): a fresh block always keeps a free page
  if (bbmapBits <= roundupPowOfTwo(vmapMaxAlloc)) {
    throw new Error(`preset ${preset.name}: VMAP_BBMAP_BITS ${bbmapBits} must exceed 2^ceil(log2(VMAP_MAX_ALLOC))`);
  }
  return { vmapMaxAlloc, bbmapBits, purgeThreshold: Math.floor(bbmapBits / 4) };
}

/** get_count_order(count): ceil(log2(count)) for count >= 1 — a request consumes 2^order pages. */
export function countOrder(count: number): number {
  let order = 0;
  while (2 ** order < count) order++;
  return order;
}
