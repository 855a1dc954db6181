// src: the vmalloc view of a configuration's layout — what the vmap allocator, the vmalloc API
// and vm_map_ram need (vmap.md §5, layout.md §2-§3): every vmalloc range ascending, the main range
// [VMALLOC_START, VMALLOC_END) where blocks and vm_map_ram live, and the optimized
// is_vmalloc_addr. Computed once from kernelLayout (layout.ts); no arithmetic of its own.
import type { Addr, AddrRange, MachineConfig } from '../../api/index.js';
import { VmallocAddrMap } from './is-vmalloc-addr.js';
import { kernelLayout } from './layout.js';

export interface VmallocLayout {
  /** [VMALLOC_START, VMALLOC_END) */
  readonly main: AddrRange;
  /** every vmalloc range, ascending: arm32 hole ranges below the main range (vmap.md §5 tries them in this order) */
  readonly ranges: readonly AddrRange[];
  isVmallocAddr(a: Addr): boolean;
}

export function vmallocLayout(config: MachineConfig): VmallocLayout {
  const layout = kernelLayout(config);
  // ascending by KernelLayout's contract (api/layout.ts): holes below, the main range last
  const ranges = layout.vmallocRanges;
  const main = ranges.find((r) => r.start === layout.vmallocStart);
  if (!main) throw new Error(`${config.name}: no vmalloc range starts at VMALLOC_START`);
  const map = new VmallocAddrMap(config, layout);
  return { main, ranges, isVmallocAddr: (a) => map.isVmallocAddr(a) };
}
