// model: the vmalloc API (get_vm_area, vmalloc/vfree, vmap/vunmap, ioremap/iounmap,
// find_vm_area, vmallocinfo) — reference semantics (vmap.md §5, api/calls.ts). Clarity over speed.
import type { Addr, AddrRange, Errno, MappingRec, Result, VmFlag } from '../api/index.js';
import { alignDown, alignUp, ceilLog2, hexW } from './arith.js';
import type { Machine } from './machine.js';
import { NONE, fail, ok, okAddr } from './result.js';
import type { VmapArea, VmapAreas, VmStruct } from './vmap.js';

/** "The vmalloc space" (vmap.md §5): every vmalloc range of the layout, and the main one. */
export interface VmallocSpace {
  /** [VMALLOC_START, VMALLOC_END): __get_vm_area ranges and blocks live here */
  readonly main: AddrRange;
  /** every vmalloc range, ascending (arm32: hole ranges below the main one) */
  readonly ranges: readonly AddrRange[];
}

export class Vmalloc {
  constructor(
    private readonly m: Machine,
    private readonly vmap: VmapAreas,
    private readonly space: VmallocSpace,
  ) {}

  private get page(): Addr {
    return this.m.pageSize;
  }

  /**
   * __get_vm_area_node: round up to pages (0 is EINVAL), align PAGE_SIZE or, with VM_IOREMAP,
   * 1 << clamp(ceil(log2(size)), PAGE_SHIFT, IOREMAP_MAX_ORDER) on the size before the guard;
   * one guard page unless VM_NO_GUARD; in the vmalloc space unless a range is given.
   */
  private getVmArea(kind: VmStruct['kind'], bytes: Addr, flags: readonly VmFlag[], range?: AddrRange): VmapArea | Errno {
    const size = alignUp(bytes, this.page);
    if (size <= 0n) return 'EINVAL';
    const { pageShift, ioremapMaxOrder } = this.m.preset;
    const order = Math.min(Math.max(ceilLog2(size), pageShift), ioremapMaxOrder);
    const align = flags.includes('VM_IOREMAP') ? 1n << BigInt(order) : this.page;
    const guard = flags.includes('VM_NO_GUARD') ? 0 : 1;
    const area = this.vmap.alloc(size + BigInt(guard) * this.page, align, range ? [range] : this.space.ranges, null);
    if (typeof area === 'string') return area;
    area.vm = { kind, addr: area.start, guard, pages: [], phys: null };
    return area;
  }

  /**
   * get_vm_area / __get_vm_area. choice: when only one of start/end is given, the other is the
   * main range's; an explicit range must lie inside [VMALLOC_START, VMALLOC_END) (calls.ts).
   */
  getVmAreaCall(bytes: Addr, flags: readonly VmFlag[], start?: Addr, end?: Addr): Result {
    const main = this.space.main;
    let range: AddrRange | undefined;
    if (start !== undefined || end !== undefined) {
      range = { start: start ?? main.start, end: end ?? main.end };
      if (range.start < main.start || range.end > main.end) return fail('EINVAL');
    }
    const area = this.getVmArea('vm_area', bytes, flags, range);
    return typeof area === 'string' ? fail(area) : okAddr(area.start);
  }

  /** vmalloc: area, then one counted order-0 page per page in ascending order, then map. */
  vmalloc(bytes: Addr): Result {
    const area = this.getVmArea('vmalloc', bytes, []);
    if (typeof area === 'string') return fail(area);
    const vm = area.vm as VmStruct;
    const n = Number((area.end - area.start) / this.page) - vm.guard;
    let err: Errno | null = null;
    for (let i = 0; i < n && err === null; i++) {
      const pfn = this.m.pm.allocPages(0, 'vmalloc', true);
      if (pfn === null) err = 'ENOMEM';
      else vm.pages.push(pfn);
    }
    err ??= this.m.pt.vmapPageRange(area.start, vm.pages).err;
    if (err === null) return okAddr(area.start);
    // undo exactly as vfree: lazy-free the area (guard counted), free the pages so far;
    // page-table pages allocated meanwhile stay with the page table
    this.vmap.lazyFree(area);
    for (const p of vm.pages) this.m.pm.freePages(p, 0);
    return fail(err);
  }

  /**
   * The live vm_struct of `kind` that a free names (checking.md §3 order): EINVAL unaligned
   * (iounmap: no alignment — it wants exactly the returned address) or outside the vmalloc space;
   * EINVAL when the busy area containing addr (guard included) is another kind, a block, or was
   * not returned as addr; ENOENT when no busy area contains it (free space or lazy).
   */
  private findForFree(addr: Addr, kind: VmStruct['kind']): VmapArea | Errno {
    if (kind !== 'ioremap' && addr % this.page !== 0n) return 'EINVAL';
    if (!this.space.ranges.some((r) => addr >= r.start && addr < r.end)) return 'EINVAL';
    const area = this.vmap.busyContaining(addr);
    if (!area) return 'ENOENT';
    if (!area.vm || area.vm.kind !== kind || area.vm.addr !== addr) return 'EINVAL';
    return area;
  }

  /** vfree / vunmap / free_vm_area / iounmap: lazy-free the area, then free the pages it held at once. */
  free(addr: Addr, kind: VmStruct['kind']): Result {
    // vfree(NULL) and vunmap(NULL) do nothing (kernel: `if (!addr) return;`)
    if (addr === 0n && (kind === 'vmalloc' || kind === 'vmap')) return NONE;
    const area = this.findForFree(addr, kind);
    if (typeof area === 'string') return fail(area);
    const pages = (area.vm as VmStruct).pages;
    if (this.vmap.lazyFree(area)) return fail('EINVAL');
    for (const p of pages) this.m.pm.freePages(p, 0);
    return NONE;
  }

  /** vmap: caller pages first (ENOMEM, nothing changed), area, map; any flag is EINVAL (calls.ts). */
  vmapPages(count: number, flags: readonly VmFlag[]): Result {
    if (flags.length > 0 || !Number.isSafeInteger(count) || count < 1) return fail('EINVAL');
    const pfns = this.m.pm.allocCallerPages(count);
    if (pfns === null) return fail('ENOMEM');
    const area = this.getVmArea('vmap', BigInt(count) * this.page, []);
    let err: Errno | null = typeof area === 'string' ? area : null;
    if (typeof area !== 'string') {
      (area.vm as VmStruct).pages = pfns;
      err = this.m.pt.vmapPageRange(area.start, pfns).err;
      if (err === null) return okAddr(area.start);
      this.vmap.lazyFree(area);
    }
    for (const p of pfns) this.m.pm.freePages(p, 0);
    return fail(err as Errno);
  }

  /**
   * ioremap: [round_down(phys), round_up(phys + bytes)) inside one device range, a VM_IOREMAP
   * area, vmap_range with huge leaves up to IOREMAP_MAX_ORDER; a failure lazy-frees the area.
   * choice: bytes = 0 is EINVAL (kernel: `if (!size) return NULL`), even for an unaligned phys.
   */
  ioremap(phys: Addr, bytes: Addr): Result {
    // phys_addr_t is unsigned: a negative phys is bad input (EINVAL), never rounded onto pfn 0
    if (bytes <= 0n || phys < 0n) return fail('EINVAL');
    const spanStart = alignDown(phys, this.page);
    const spanEnd = alignUp(phys + bytes, this.page);
    const [first, end] = [spanStart / this.page, spanEnd / this.page];
    if (!this.m.pm.inOneDevice(first, end)) return fail('EINVAL');
    const area = this.getVmArea('ioremap', spanEnd - spanStart, ['VM_IOREMAP']);
    if (typeof area === 'string') return fail(area);
    const addr = area.start + (phys - spanStart);
    area.vm = { kind: 'ioremap', addr, guard: 1, pages: [], phys: spanStart };
    const { err } = this.m.pt.vmapRange(area.start, area.start + (spanEnd - spanStart), spanStart, this.m.preset.ioremapMaxOrder);
    if (err === null) return okAddr(addr);
    this.vmap.lazyFree(area);
    return fail(err);
  }

  /** find_vm_area: the live vm_struct whose area (guard included) contains addr. */
  findVmArea(addr: Addr): Result {
    const area = this.vmap.busyContaining(addr);
    const vm = area?.vm;
    if (!area || !vm) return ok({ kind: 'vm', vm: null });
    const nrPages = vm.kind === 'vmalloc' ? vm.pages.length : 0;
    return ok({ kind: 'vm', vm: { addr: area.start, size: area.end - area.start, kind: vm.kind, nrPages } });
  }

  /** /proc/vmallocinfo as vmap.md §5 fixes it: busy areas in address order, then lazy ones. */
  vmallocinfo(): Result {
    const hex = (a: Addr) => hexW(a, this.m.preset.bitsPerLong);
    const span = (a: VmapArea) => `${hex(a.start)}-${hex(a.end)} ${a.end - a.start}`;
    const busy = this.vmap.areas.filter((a) => !a.lazy);
    const rows = busy.map((a) => {
      const vm = a.vm;
      const pages = vm?.kind === 'vmalloc' ? ` pages=${vm.pages.length}` : '';
      const phys = vm?.phys != null ? ` phys=${hex(vm.phys)}` : '';
      return `${span(a)} ${vm?.kind ?? 'vm_map_ram'}${pages}${phys}`;
    });
    for (const a of this.vmap.areas.filter((x) => x.lazy)) rows.push(`${span(a)} unpurged vm_area`);
    return ok({ kind: 'rows', rows });
  }

  /** Live vm_structs as handles (api/state.ts MappingRec). */
  records(): MappingRec[] {
    return this.vmap.areas
      .filter((a) => !a.lazy && a.vm)
      .map((a) => {
        const vm = a.vm as VmStruct;
        return { kind: vm.kind, va: a.start, pages: Number((a.end - a.start) / this.page) - vm.guard, guard: vm.guard };
      });
  }
}
