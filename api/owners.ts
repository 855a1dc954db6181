// api: who owns a page frame (machine.md §2). Data only.
// Every pfn of RAM or of a device range has exactly one owner at all times.

export const OWNERS = [
  'free', // allocatable RAM
  'reserved', // first 1 MiB (x86), the kernel image, the root page table
  'pagetable', // a page-table page taken from the page allocator
  'vmalloc', // a data page of a vmalloc area
  'vmemmap', // a RAM page backing the vmemmap
  'caller', // a page owned by the caller of vmap / vm_map_ram / map_pages
  'device', // device memory (ioremap target, altmap pages)
  'offline', // hot-added RAM, not given to the page allocator
] as const;
export type Owner = (typeof OWNERS)[number];
