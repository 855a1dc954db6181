// src: the vmalloc-level API on top of the area allocator (vmap.md §5, api/calls.ts): get_vm_area,
// vmalloc/vfree, vmap/vunmap, ioremap/iounmap, free_vm_area, find_vm_area, vmallocinfo, the
// purges and the end-of-call lazy drain. Addresses are bigint bytes at this interface only;
// below it everything is vpn and pages.
import type { Addr, Errno, Pfn, Result, VmFlag, VmapState, MappingRec } from '../../api/index.js';
import type { VmallocLayout } from '../layout/index.js';
import type { Machine } from '../machine/index.js';
import { VmapAllocator, type VpnRange } from './allocator.js';
import type { FreeSpaceFactory } from './free-space.js';
import type { VmapArea, VmStruct, VmStructKind } from './area.js';
import { vmallocinfoRows, vmMappings } from './info.js';
import { lazyMaxPages } from './lazy.js';

const NONE: Result = { ok: true, value: { kind: 'none' } };
const fail = (err: Errno): Result => ({ ok: false, err });
const addrResult = (addr: Addr): Result => ({ ok: true, value: { kind: 'addr', addr } });

/** a vm_struct under construction (its pages are filled in as they are allocated) */
interface MutableVm extends VmStruct {
  pages: Pfn[];
}

export class Vmalloc {
  readonly allocator: VmapAllocator;
  private readonly shift: bigint;
  private readonly mask: bigint;
  /** every vmalloc range of the layout, ascending (vpn) */
  readonly ranges: readonly VpnRange[];
  /** [VMALLOC_START, VMALLOC_END) (vpn): blocks, vm_map_ram and __get_vm_area live here */
  readonly main: VpnRange;
  private readonly ioremapMaxOrder: number;
  private mappingsCache: { version: number; recs: readonly MappingRec[] } | null = null;
  private stateCache: { version: number; state: VmapState } | null = null;

  constructor(
    private readonly machine: Machine,
    private readonly layout: VmallocLayout,
    /** the free-space index (default: FreeTree) */
    freeSpace?: FreeSpaceFactory,
  ) {
    const g = machine.geometry;
    this.shift = BigInt(g.pageShift);
    this.mask = (1n << this.shift) - 1n;
    const vpn = (a: Addr) => Number(a >> this.shift);
    this.ranges = layout.ranges.map((r) => [vpn(r.start), vpn(r.end)] as const); // ascending (VmallocLayout)
    this.main = [vpn(layout.main.start), vpn(layout.main.end)];
    this.ioremapMaxOrder = g.preset.ioremapMaxOrder;
    const host = {
      vunmapPageRange: (s: number, e: number) => machine.vunmapPageRange(s, e),
      flushTlbKernelRange: (s: number, e: number) => machine.flushTlbKernelRange(s, e),
      warn: (kind: string, v: number) => machine.warn(kind, this.addr(v)),
    };
    const config = machine.config;
    this.allocator = new VmapAllocator(host, this.ranges, lazyMaxPages(config.cpus.online.length, config.lazyUnitBytes, g.pageSize), freeSpace);
  }

  private addr(vpn: number): Addr {
    return BigInt(vpn) << this.shift;
  }

  private vpnOf(a: Addr): number {
    return Number(a >> this.shift);
  }

  // ---------------------------------------------------------------- get_vm_area

  /**
   * __get_vm_area_node: round up, VM_IOREMAP alignment on the rounded size, add the guard unless
   * VM_NO_GUARD, allocate in [start, end) or in the vmalloc space (every range, ascending, one
   * purge between the passes). EINVAL: size 0; an explicit range that is empty or not inside the
   * main range; a size (guard included) larger than the explicit range or than every range.
   */
  private getVmArea(bytes: Addr, flags: readonly VmFlag[], kind: VmStructKind, phys: Pfn | null, offset: bigint, range?: readonly [Addr, Addr]): VmapArea | Errno {
    if (bytes <= 0n) return 'EINVAL';
    const pagesBig = (bytes + this.mask) >> this.shift;
    const guard = flags.includes('VM_NO_GUARD') ? 0 : 1;
    let align = 1;
    if (flags.includes('VM_IOREMAP')) {
      // 1 << clamp(get_count_order(size), PAGE_SHIFT, IOREMAP_MAX_ORDER), in pages
      const pageShift = Number(this.shift);
      const order = pageShift + ceilLog2(pagesBig);
      align = 2 ** (Math.min(Math.max(order, pageShift), this.ioremapMaxOrder) - pageShift);
    }
    const totalBig = pagesBig + BigInt(guard);
    let ranges: readonly VpnRange[];
    if (range) {
      const [start, end] = range;
      const main = this.layout.main;
      if (!(start < end) || start < main.start || end > main.end) return 'EINVAL';
      if (totalBig << this.shift > end - start) return 'EINVAL';
      // page-aligned areas inside [start, end): round the bounds inward (exact for any byte bounds)
      ranges = [[Number((start + this.mask) >> this.shift), Number(end >> this.shift)]];
    } else {
      if (!this.ranges.some(([s, e]) => totalBig <= BigInt(e - s))) return 'EINVAL';
      ranges = this.ranges;
    }
    const total = Number(totalBig);
    const vm: MutableVm = { kind, guard, pages: [], phys, offset };
    return this.allocator.allocInRanges(total, align, ranges, { type: 'vm', vm });
  }

  getVmAreaCall(bytes: Addr, flags: readonly VmFlag[], start?: Addr, end?: Addr): Result {
    const explicit = start !== undefined || end !== undefined;
    const range = explicit ? ([start ?? this.layout.main.start, end ?? this.layout.main.end] as const) : undefined;
    const a = this.getVmArea(bytes, flags, 'vm_area', null, 0n, range);
    return typeof a === 'string' ? fail(a) : addrResult(this.addr(a.start));
  }

  // ---------------------------------------------------------------- frees: lookup and error order

  /**
   * checking.md §3, in order: EINVAL unaligned or outside the vmalloc space; EINVAL when the busy
   * area containing it (guard included) is not a vm_struct of `kind` or does not start here;
   * ENOENT when no busy area contains it (free space, or a lazy area: already freed).
   */
  private lookupForFree(a: Addr, kind: VmStructKind): VmapArea | Errno {
    if ((a & this.mask) !== 0n || !this.layout.isVmallocAddr(a)) return 'EINVAL';
    const vpn = this.vpnOf(a);
    const area = this.allocator.busy.containing(vpn);
    if (!area) return 'ENOENT';
    if (area.vm?.kind !== kind || area.start !== vpn) return 'EINVAL';
    return area;
  }

  /** remove_vm_area + the lazy free: clear the area's page-table entries, area → lazy. */
  private release(area: VmapArea): void {
    this.allocator.freeUnmapVmapArea(area);
  }

  // ---------------------------------------------------------------- vmalloc / vfree

  vmalloc(bytes: Addr): Result {
    const m = this.machine;
    const area = this.getVmArea(bytes, [], 'vmalloc', null, 0n);
    if (typeof area === 'string') return fail(area);
    const vm = area.vm as MutableVm;
    const n = area.pages - vm.guard;
    // __vmalloc_area_node: one order-0 page per page, ascending, counted (fault injection applies)
    for (let i = 0; i < n; i++) {
      const pfn = m.allocPages(0, 'vmalloc', true);
      if (pfn === null) {
        this.undoVmalloc(area, vm);
        return fail('ENOMEM');
      }
      vm.pages.push(pfn);
    }
    const { err } = m.vmapPageRange(area.start, vm.pages);
    if (err) {
      // vfree() of the half-built area: the unmap covers whatever was mapped before the stop;
      // page-table pages allocated meanwhile belong to the page table and stay
      this.undoVmalloc(area, vm);
      return fail(err);
    }
    return addrResult(this.addr(area.start));
  }

  private undoVmalloc(area: VmapArea, vm: MutableVm): void {
    this.release(area);
    for (const p of vm.pages) this.machine.freePages(p, 1);
  }

  /** vfree: lazy-free the area, then give its pages back at once (stale TLB entries may still reach them). */
  vfree(a: Addr): Result {
    if (a === 0n) return NONE;
    const area = this.lookupForFree(a, 'vmalloc');
    if (typeof area === 'string') return fail(area);
    this.release(area);
    for (const p of area.vm!.pages) this.machine.freePages(p, 1);
    return NONE;
  }

  // ---------------------------------------------------------------- vmap / vunmap

  /**
   * vmap(pages, count, flags): the caller's pages are allocated first (ascending, never fault-
   * injected; not enough RAM: ENOMEM, nothing else changes), then get_vm_area with a guard page and
   * vmap_page_range. Any flag is EINVAL (calls.ts). On a later failure the area is lazy-freed as
   * vunmap would and the caller pages are freed again.
   */
  vmap(count: number, flags: readonly VmFlag[]): Result {
    const m = this.machine;
    if (flags.length > 0 || !Number.isSafeInteger(count) || count < 1) return fail('EINVAL');
    const pfns: Pfn[] = [];
    for (let i = 0; i < count; i++) {
      const p = m.allocPages(0, 'caller', false);
      if (p === null) {
        for (const q of pfns) m.freePages(q, 1);
        return fail('ENOMEM');
      }
      pfns.push(p);
    }
    const area = this.getVmArea(BigInt(count) << this.shift, [], 'vmap', null, 0n);
    if (typeof area === 'string') {
      for (const q of pfns) m.freePages(q, 1);
      return fail(area);
    }
    const owned = (area.vm as MutableVm).pages;
    for (const q of pfns) owned.push(q);
    const { err } = m.vmapPageRange(area.start, pfns);
    if (err) {
      this.release(area);
      for (const q of pfns) m.freePages(q, 1);
      return fail(err);
    }
    return addrResult(this.addr(area.start));
  }

  /** vunmap: lazy-free the area, then the caller frees its pages. */
  vunmap(a: Addr): Result {
    const area = this.lookupForFree(a, 'vmap');
    if (typeof area === 'string') return fail(area);
    this.release(area);
    for (const p of area.vm!.pages) this.machine.freePages(p, 1);
    return NONE;
  }

  // ---------------------------------------------------------------- ioremap / iounmap

  /**
   * ioremap(phys, size): every pfn of [round_down(phys), round_up(phys + size)) inside one device
   * range, else EINVAL; VM_IOREMAP area (guard included) and vmap_range with max_page_shift =
   * IOREMAP_MAX_ORDER; the result keeps phys's offset in its page. A failure lazy-frees the area.
   */
  ioremap(phys: Addr, bytes: Addr): Result {
    if (bytes <= 0n || phys < 0n) return fail('EINVAL');
    const startPfnBig = phys >> this.shift;
    const endPfnBig = (phys + bytes + this.mask) >> this.shift;
    if (endPfnBig > BigInt(Number.MAX_SAFE_INTEGER)) return fail('EINVAL');
    const startPfn = Number(startPfnBig);
    const count = Number(endPfnBig) - startPfn;
    if (!this.machine.physmem.inDevice(startPfn, count)) return fail('EINVAL');
    const offset = phys & this.mask;
    const area = this.getVmArea(BigInt(count) << this.shift, ['VM_IOREMAP'], 'ioremap', startPfn, offset);
    if (typeof area === 'string') return fail(area);
    const { err } = this.machine.vmapRange(area.start, area.start + count, startPfn, this.ioremapMaxOrder);
    if (err) {
      this.release(area);
      return fail(err);
    }
    return addrResult(this.addr(area.start) + offset);
  }

  /**
   * iounmap takes exactly the address ioremap returned. EINVAL outside the vmalloc space, or when
   * the busy area containing it is not an ioremap area starting in this page, or the in-page
   * offset differs from the one ioremap returned; ENOENT when no busy area contains it.
   */
  iounmap(a: Addr): Result {
    if (!this.layout.isVmallocAddr(a)) return fail('EINVAL');
    const vpn = this.vpnOf(a);
    const area = this.allocator.busy.containing(vpn);
    if (!area) return fail('ENOENT');
    const vm = area.vm;
    if (vm?.kind !== 'ioremap' || area.start !== vpn || vm.offset !== (a & this.mask)) return fail('EINVAL');
    this.release(area);
    return NONE;
  }

  // ---------------------------------------------------------------- free_vm_area, find_vm_area

  /** free_vm_area: unmap whatever is mapped in a get_vm_area area and lazy-free it. */
  freeVmArea(a: Addr): Result {
    const area = this.lookupForFree(a, 'vm_area');
    if (typeof area === 'string') return fail(area);
    this.release(area);
    return NONE;
  }

  /** find_vm_area: the live vm_struct whose area (guard included) contains addr; never vm_map_ram. */
  findVmArea(a: Addr): Result {
    const none: Result = { ok: true, value: { kind: 'vm', vm: null } };
    if (!this.layout.isVmallocAddr(a)) return none;
    const area = this.allocator.busy.containing(this.vpnOf(a));
    const vm = area?.vm;
    if (!area || !vm) return none;
    const info = {
      addr: this.addr(area.start),
      size: BigInt(area.pages) << this.shift,
      kind: vm.kind,
      nrPages: vm.kind === 'vmalloc' ? vm.pages.length : 0,
    };
    return { ok: true, value: { kind: 'vm', vm: info } };
  }

  // ---------------------------------------------------------------- listing, purges, drain

  vmallocinfo(): Result {
    const g = this.machine.geometry;
    return { ok: true, value: { kind: 'rows', rows: vmallocinfoRows(this.allocator, g.pageShift, g.W / 4) } };
  }

  purgeVmapAreaLazy(): Result {
    this.allocator.purgeVmapAreaLazy(null, 'explicit');
    return NONE;
  }

  reclaimAndPurge(): Result {
    this.allocator.reclaimAndPurge('explicit');
    return NONE;
  }

  /** The end-of-call drain (vmap.md §3): the kernel queues it; we run it when the call returns. */
  endOfCall(): void {
    this.allocator.drainIfNeeded();
  }

  // ---------------------------------------------------------------- abstraction

  /** toModel: busy and lazy areas with vmap_lazy_nr (api VmapState). */
  toModel(): VmapState {
    const version = this.allocator.version;
    if (this.stateCache?.version !== version) {
      this.stateCache = { version, state: this.allocator.toModel(this.machine.geometry.pageShift) };
    }
    return this.stateCache.state;
  }

  /** the live vm_struct mappings (handles) in address order, for AbstractState.mappings */
  mappings(): readonly MappingRec[] {
    const version = this.allocator.version;
    if (this.mappingsCache?.version !== version) {
      this.mappingsCache = { version, recs: vmMappings(this.allocator, this.machine.geometry.pageShift) };
    }
    return this.mappingsCache.recs;
  }

  /**
   * The trees' invariants and the exact cover of the vmalloc space, plus each live vm_struct's
   * pages: a vmalloc area holds one page per page (guard excluded), owned 'vmalloc'; a vmap area
   * the caller's pages, owned 'caller'.
   */
  selfCheck(): string[] {
    const out = this.allocator.check();
    for (const a of this.allocator.busy.list()) {
      const vm = a.vm;
      if (!vm || (vm.kind !== 'vmalloc' && vm.kind !== 'vmap')) continue;
      const where = `${vm.kind} area at 0x${this.addr(a.start).toString(16)}`;
      if (vm.pages.length !== a.pages - vm.guard) out.push(`${where}: holds ${vm.pages.length} pages for ${a.pages - vm.guard}`);
      const want = vm.kind === 'vmalloc' ? 'vmalloc' : 'caller';
      const bad = vm.pages.find((p) => this.machine.owner(p) !== want);
      if (bad !== undefined) out.push(`${where}: pfn 0x${bad.toString(16)} is owned by ${this.machine.owner(bad)}, not ${want}`);
    }
    return out;
  }
}

/** ceil(log2(n)) for n >= 1 (get_count_order), exact on bigints */
function ceilLog2(n: bigint): number {
  return n <= 1n ? 0 : (n - 1n).toString(2).length;
}
