// api: kernel virtual layouts (layout.md §1-§2). Types and plain data only.
//
// A layout is a list of labelled regions that tiles the whole address space [0, 2^W):
// sorted, no empty region, no two neighbours with the same label. Both src/ and model/
// compute it from a MachineConfig with their own arithmetic; equal layouts are deep-equal.
import type { Addr, AddrRange } from './addr.js';
import type { PresetName } from './presets.js';

export type RegionLabel = 'lowmem' | 'vmalloc' | 'vmemmap' | 'other';

export interface LayoutRegion {
  readonly label: RegionLabel;
  readonly start: Addr;
  /** exclusive; the last region ends at 2^W */
  readonly end: Addr;
}

export interface KernelLayout {
  /** tiles [0, 2^W): sorted, non-empty, adjacent regions have different labels */
  readonly regions: readonly LayoutRegion[];
  /** every vmalloc range, ascending; the main range [VMALLOC_START, VMALLOC_END) included */
  readonly vmallocRanges: readonly AddrRange[];
  /** the virtual address just past the last lowmem (direct-mapped RAM) byte */
  readonly highMemory: Addr;
  /** start of the main vmalloc range */
  readonly vmallocStart: Addr;
}

/**
 * The fixed direct-map and vmemmap extents the presets do not carry (Linux 6.12:
 * Documentation/arch/x86/x86_64/mm.rst; arch/arm64/include/asm/memory.h with 48-bit VA and
 * 64 KiB pages: PAGE_END = 0xffff800000000000, VMEMMAP_END = -1 GiB). The direct map starts at
 * the preset's pageOffset and the vmemmap at its vmemmapStart. arm32 has none: its lowmem is
 * computed (layout.md §2) and it has no vmemmap. toy24 (machine.md §1, toy presets): a 4 MiB
 * direct map up to its vmalloc range and a 1 MiB vmemmap.
 */
export const FIXED_LAYOUT: Readonly<Record<PresetName, { readonly directMapEnd: Addr; readonly vmemmapEnd: Addr } | null>> = {
  x86_64: { directMapEnd: 0xffffc88000000000n, vmemmapEnd: 0xffffeb0000000000n },
  'x86_64-la57': { directMapEnd: 0xff91000000000000n, vmemmapEnd: 0xffd6000000000000n },
  'arm64-64k': { directMapEnd: 0xffff800000000000n, vmemmapEnd: 0xffffffffc0000000n },
  arm32: null,
  toy24: { directMapEnd: 0x800000n, vmemmapEnd: 0xf00000n },
};

/** arm32 constants (arch/arm/include/asm/pgtable.h, arch/arm/mm/mmu.c; layout.md §2) */
export const ARM32_VMALLOC_OFFSET = 8n << 20n;
/** the default `vmalloc=` (vmalloc_size) */
export const ARM32_VMALLOC_DEFAULT_BYTES = 240 * 2 ** 20;
/** the intermix granule: one arm32 pgd entry */
export const ARM32_HOLE_GRANULE = 2n << 20n;
