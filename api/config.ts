// api: the configuration of one simulated machine (plain JSON data; addresses as kernel hex).
// Configurations are listed once, in properties/configs.ts; every property runs over them.
import type { Hex, PfnRange } from './addr.js';
import type { PresetName } from './presets.js';

export interface RamLayout {
  /** RAM banks, ascending, disjoint */
  readonly banks: readonly PfnRange[];
  /** the kernel image (reserved at boot) */
  readonly kernel: PfnRange;
  /** pfn of the root page table: a reserved page inside RAM, never from the allocator */
  readonly rootPt: number;
  /** no-map ranges inside banks (arm32 carve-outs, layout.md §2): not RAM the kernel may use */
  readonly noMap?: readonly PfnRange[];
}

export interface MachineConfig {
  /** short name used in test titles and reports */
  readonly name: string;
  readonly preset: PresetName;
  readonly ram: RamLayout;
  /** device ranges (ioremap targets, altmap-backed devices present at boot); owner 'device' */
  readonly devices: readonly PfnRange[];
  readonly cpus: {
    /** possible CPUs, ascending; may have gaps */
    readonly possible: readonly number[];
    /** online subset, ascending, non-empty; fixed for a trace */
    readonly online: readonly number[];
  };
  /**
   * bytes standing for the kernel's 32 MiB in lazy_max_pages() = fls(online) * unit / PAGE_SIZE;
   * 0 is the eager configuration (purge at the end of every operation that lazy-freed an area).
   */
  readonly lazyUnitBytes: number;
  /** windows where the machine-level ops (map_pages, map_device) may place mappings */
  readonly windows: readonly { readonly start: Hex; readonly end: Hex }[];
  /** arm32 `vmalloc=` in bytes (layout.md §2); default 240 MiB */
  readonly vmallocBytes?: number;
  /** vmemmap fallback policy (vmemmap.md §3): 'kernel' (default) or powerpc-style 'fallback' */
  readonly vmemmapFallback?: boolean;
}
