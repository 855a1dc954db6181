// api: resolved kernel calls — what the system under test executes. Types only.
//
// The harness turns each trace op (ops.ts) into one Call by resolving references to exact
// addresses; both sides, and any plugged-in implementation, execute Calls. Reports print
// Calls kernel-style: `vm_unmap_ram(0xffffc90000104000, 4)`.
//
// Semantics are in ../shared/spec; the choices the spec leaves open are fixed here, once,
// so that every side makes the same one. Error order for frees: checking.md §3.
//
// Every count a call takes as a number (pages, count, after, level) must be a safe integer
// (Number.isSafeInteger): past 2^53 a number no longer holds one exact count, and such a call is
// malformed — EINVAL with nothing changed, before any other check (choice fixed here; review
// found the model taking vmap(2^53) to ENOMEM and fail_alloc(2^53) as armed, src EINVAL).
import type { Addr, Pfn } from './addr.js';
import type { Errno } from './errors.js';

export type VmFlag = 'VM_NO_GUARD' | 'VM_IOREMAP';

export type Call =
  // ---------------- machine level ----------------
  //
  // Addresses outside the space (machine.md §1: addresses live in [0, 2^W]; choice fixed here):
  // map_pages, map_device, unmap_range, populate, free_empty_tables and flush given a range that
  // ends past 2^W, or a va (start) >= 2^W or < 0, are EINVAL with nothing changed or recorded,
  // whatever the windows say. touch of such an address is EFAULT (an offline cpu is still EINVAL
  // first); walk of one finds no translation (pfn and level null).
  /**
   * Allocate `pages` caller pages (ascending, lowest free each, never fault-injected; not
   * enough RAM: ENOMEM, nothing changed), then vmap_page_range(va, va + pages·PAGE_SIZE).
   * EINVAL: va not page aligned, pages < 1, range not inside one configured window.
   * On EBUSY/ENOMEM from vmap_page_range: the pages mapped before the stop are unmapped
   * again (vunmap_page_range over exactly them, no flush), the caller pages are freed; page-table
   * pages allocated meanwhile stay. Result: addr (= va). Creates a live mapping of kind 'pages'.
   */
  | { readonly call: 'map_pages'; readonly va: Addr; readonly pages: number }
  /**
   * Unmap a live 'pages' or 'device' mapping that starts at va (vunmap_page_range over it,
   * no flush) and free its caller pages. EINVAL unaligned / outside the windows / interior
   * of a live mapping; ENOENT no live mapping contains va.
   */
  | { readonly call: 'unmap_pages'; readonly va: Addr }
  /**
   * vmap_range(va, va + bytes, phys, max_page_shift = the preset's largest leaf shift).
   * EINVAL: va, phys or bytes not page aligned, bytes = 0, range outside one window, or
   * [phys, phys + bytes) not inside one device range. On EBUSY/ENOMEM the leaves mapped before
   * the stop are cleared again (no flush); tables freed for a huge leaf stay freed, and their
   * flush stays counted. Result: addr (= va). Creates a live mapping of kind 'device'.
   */
  | { readonly call: 'map_device'; readonly va: Addr; readonly phys: Addr; readonly bytes: Addr }
  /** vunmap_page_range(start, end) raw. EINVAL: unaligned, start >= end, a huge leaf only partly inside. */
  | { readonly call: 'unmap_range'; readonly start: Addr; readonly end: Addr }
  /** walk / vmalloc_to_page: result 'walk' (pfn of the base page containing va and the leaf level, or null). */
  | { readonly call: 'walk'; readonly va: Addr }
  /** touch(cpu, va): result 'touch' or EFAULT; EINVAL when cpu is not online. */
  | { readonly call: 'touch'; readonly cpu: number; readonly va: Addr }
  /** flush_tlb_kernel_range(start, end); start >= end is EINVAL with nothing recorded. */
  | { readonly call: 'flush'; readonly start: Addr; readonly end: Addr }
  | { readonly call: 'flush_all' }
  /**
   * Make sure the tables down to `level` exist on the path of va (level 1 .. levels-1; the
   * table AT that level exists afterwards). EINVAL bad level; EBUSY a leaf on the path above
   * that level; ENOMEM a table allocation failed (tables allocated before it stay).
   */
  | { readonly call: 'populate'; readonly va: Addr; readonly level: number }
  /** free_empty_tables(start, end); EINVAL unaligned or start >= end. */
  | { readonly call: 'free_empty_tables'; readonly start: Addr; readonly end: Addr }
  /** arm fault injection: the (after+1)-th counted allocation from now fails. */
  | { readonly call: 'fail_alloc'; readonly after: number }
  // ---------------- vmap / vmalloc (vmap.md) ----------------
  //
  // Choices fixed here (the spec is silent; follow Linux 6.12):
  // - "The vmalloc space" = the layout's vmalloc ranges (64-bit: [VMALLOC_START, VMALLOC_END)).
  //   Frees of an address outside it: EINVAL. `__get_vm_area` ranges must lie inside the main range.
  // - A free "contains" test uses the whole area, guard page included. A busy area that is not
  //   a vm_struct of the call's kind (another kind, a per-CPU block, a large vm_map_ram) and
  //   contains the address: EINVAL. Lazy areas and free space: ENOENT.
  // - find_vm_area sees vm_structs only (vmalloc, vmap, ioremap, vm_area), never vm_map_ram.
  //   nrPages is the number of pages the area owns: vmalloc only (0 for the others).
  // - vmap: any flag (VM_NO_GUARD or VM_IOREMAP) is EINVAL.
  // - ioremap: the mapping covers [round_down(phys), round_up(phys + bytes)); area size before
  //   the guard is that span, VM_IOREMAP alignment on it, vmap_range with max_page_shift =
  //   IOREMAP_MAX_ORDER. vmallocinfo prints `phys=` of the page-aligned physical start.
  // - vmallocinfo hex is lowercase, zero-padded to W/4 digits (16 on 64-bit, 8 on arm32, 6 on
  //   toy24), `phys=` too.
  // - The lazy drain check (vmap_lazy_nr > lazy_max_pages()) runs at the end of every call.
  | { readonly call: 'vmalloc'; readonly bytes: Addr }
  | { readonly call: 'vfree'; readonly addr: Addr }
  | { readonly call: 'vmap'; readonly pages: number; readonly flags: readonly VmFlag[] }
  | { readonly call: 'vunmap'; readonly addr: Addr }
  | {
      readonly call: 'get_vm_area';
      readonly bytes: Addr;
      readonly flags: readonly VmFlag[];
      readonly start?: Addr;
      readonly end?: Addr;
    }
  | { readonly call: 'free_vm_area'; readonly addr: Addr }
  | { readonly call: 'ioremap'; readonly phys: Addr; readonly bytes: Addr }
  | { readonly call: 'iounmap'; readonly addr: Addr }
  | { readonly call: 'find_vm_area'; readonly addr: Addr }
  | { readonly call: 'vmallocinfo' }
  | { readonly call: 'purge_vmap_area_lazy' }
  | { readonly call: 'reclaim_and_purge' }
  // ---------------- per-CPU vmap blocks (vmap-blocks.md) ----------------
  //
  // Choices fixed here (the spec is silent; follow Linux 6.12):
  // - vm_map_ram: `pages` must be a safe integer >= 1 and `cpu` online (an impossible CPU too):
  //   else EINVAL. A block area that cannot be had is EBUSY; a large request's alloc_vmap_area
  //   error is passed through (its early-reject EINVAL cannot be reached: caller pages run out first).
  // - vm_unmap_ram "contains" tests: a small mapping covers its whole 2^order sub-allocation (the
  //   unused rounded-up pages count like a guard page: EINVAL); a block's dirty or never-used pages
  //   are mapped by nothing live: ENOENT. A large mapping covers exactly its count pages.
  // - The live handle of a vm_map_ram is { kind: 'vm_map_ram', va, pages: count, guard: 0 }.
  | { readonly call: 'vm_map_ram'; readonly pages: number; readonly cpu: number }
  | { readonly call: 'vm_unmap_ram'; readonly addr: Addr; readonly count: number }
  | { readonly call: 'vm_unmap_aliases' }
  // ---------------- sparse vmemmap, memory hot-plug (vmemmap.md) ----------------
  // Ranges in pfns, sub-section aligned (else EINVAL). add_* : EEXIST when any sub-section
  // is present; ENOMEM when population failed (everything populated by the call is torn down).
  | { readonly call: 'add_memory'; readonly pfn: number; readonly pages: number }
  | {
      readonly call: 'add_device';
      readonly pfn: number;
      readonly pages: number;
      readonly reserve: number;
      readonly free: number;
    }
  | { readonly call: 'remove'; readonly pfn: number; readonly pages: number }
  | { readonly call: 'remove_device'; readonly pfn: number }
  /** touch(cpu, vmemmap(pfn)): result 'touch' or EFAULT; EINVAL offline cpu or no vmemmap on the preset */
  | { readonly call: 'touch_page'; readonly pfn: number; readonly cpu: number };

export type CallName = Call['call'];

export type VmKind = 'vmalloc' | 'vmap' | 'ioremap' | 'vm_area' | 'vm_map_ram';

export interface VmAreaInfo {
  readonly addr: Addr;
  /** bytes, guard page included */
  readonly size: Addr;
  readonly kind: VmKind;
  readonly nrPages: number;
}

export type Value =
  | { readonly kind: 'none' }
  | { readonly kind: 'addr'; readonly addr: Addr }
  | { readonly kind: 'walk'; readonly pfn: Pfn | null; readonly level: number | null }
  | { readonly kind: 'touch'; readonly pfn: Pfn; readonly fromTlb: boolean }
  | { readonly kind: 'rows'; readonly rows: readonly string[] }
  | { readonly kind: 'vm'; readonly vm: VmAreaInfo | null };

export type Result = { readonly ok: true; readonly value: Value } | { readonly ok: false; readonly err: Errno };
