// api: the operation language of traces (checking.md §1). JSON only: addresses are kernel hex
// strings, byte sizes are safe integers (or hex strings), counts are numbers.
//
// Ops that need an earlier result name it by reference: `ref` is an index into the live
// handles of the op's own kind, taken modulo their number (the harness resolves it; an op
// whose reference cannot resolve is skipped and counted). A `Target` may instead pick among
// every live handle ('any': wrong kind on purpose), among dead handles ('dead': double free,
// stale handle), add a byte `delta` (interior or unaligned address), or name a raw address.
import type { Hex } from './addr.js';
import type { VmFlag } from './calls.js';

export type Bytes = number | Hex;

export type Target =
  | { readonly ref: number; readonly pick?: 'own' | 'any' | 'dead'; readonly delta?: number }
  | { readonly addr: Hex };

/** Where to read: page `page mod (pages + guard pages)` of a live mapping, or a raw address. */
export type Op =
  // ---- machine level (machine.md, checking.md §1) ----
  | { readonly op: 'map_pages'; readonly va: Hex; readonly pages: number }
  | ({ readonly op: 'unmap_pages' } & Target)
  | { readonly op: 'map_device'; readonly va: Hex; readonly phys: Hex; readonly bytes: Bytes }
  | { readonly op: 'unmap_range'; readonly start: Hex; readonly end: Hex }
  | { readonly op: 'walk'; readonly ref: number; readonly page: number }
  | { readonly op: 'walk_addr'; readonly addr: Hex }
  | { readonly op: 'touch'; readonly ref: number; readonly page: number; readonly cpu: number }
  | { readonly op: 'touch_addr'; readonly addr: Hex; readonly cpu: number }
  | { readonly op: 'flush'; readonly start: Hex; readonly end: Hex }
  | { readonly op: 'flush_all' }
  | { readonly op: 'populate'; readonly va: Hex; readonly level: number }
  | { readonly op: 'free_empty_tables'; readonly start: Hex; readonly end: Hex }
  | { readonly op: 'fail_alloc'; readonly after: number }
  // ---- vmap allocator and the vmalloc API (vmap.md) ----
  | { readonly op: 'vmalloc'; readonly bytes: Bytes }
  | ({ readonly op: 'vfree' } & Target)
  | { readonly op: 'vmap'; readonly pages: number; readonly flags?: readonly VmFlag[] }
  | ({ readonly op: 'vunmap' } & Target)
  | {
      readonly op: 'get_vm_area';
      readonly bytes: Bytes;
      readonly flags?: readonly VmFlag[];
      /** __get_vm_area: an explicit [start, end) */
      readonly start?: Hex;
      readonly end?: Hex;
    }
  | ({ readonly op: 'free_vm_area' } & Target)
  | { readonly op: 'ioremap'; readonly phys: Hex; readonly bytes: Bytes }
  | ({ readonly op: 'iounmap' } & Target)
  | { readonly op: 'find_vm_area'; readonly ref: number; readonly page: number }
  | { readonly op: 'find_vm_area_addr'; readonly addr: Hex }
  | { readonly op: 'vmallocinfo' }
  | { readonly op: 'purge_vmap_area_lazy' }
  | { readonly op: 'reclaim_and_purge' }
  // ---- per-CPU vmap blocks (vmap-blocks.md) ----
  | { readonly op: 'vm_map_ram'; readonly pages: number; readonly cpu: number }
  | ({ readonly op: 'vm_unmap_ram'; readonly count?: number } & Target)
  | { readonly op: 'vm_unmap_aliases' }
  // ---- sparse vmemmap and memory hot-plug (vmemmap.md); ranges in pfns ----
  | { readonly op: 'add_memory'; readonly pfn: number; readonly pages: number }
  | {
      readonly op: 'add_device';
      readonly pfn: number;
      readonly pages: number;
      readonly reserve: number;
      readonly free: number;
    }
  | { readonly op: 'remove'; readonly pfn: number; readonly pages: number }
  | { readonly op: 'remove_device'; readonly pfn: number }
  /** touch the `struct page` of a pfn: touch(cpu, vmemmap(pfn)) */
  | { readonly op: 'touch_page'; readonly pfn: number; readonly cpu: number };

export type OpName = Op['op'];
export type Trace = readonly Op[];
