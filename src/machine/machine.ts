// src: the simulated machine — physical memory, the kernel page tables, per-CPU TLBs, cost
// counters and the warning list, behind one object the subsystems (vmap, blocks, vmemmap) call.
//
// Units: every virtual position is a virtual page number (vpn, a `number`, exact on every preset:
// vpn < 2^52). Range ends are UNWRAPPED: `endVpn` may equal `geometry.vpnLimit` (2^W bytes, the top
// of the address space); the walkers wrap it internally like the kernel's unsigned long. Physical
// positions are pfns. Convert at the boundary with `vpnToAddr` / `addrToVpn` (geometry.ts).
import type { AbstractState, Addr, MachineConfig, Owner, Pfn, Warning } from '../../api/index.js';
import { PRESETS } from '../../api/index.js';
import { makeGeometry, type Geometry } from './geometry.js';
import { PhysMem } from './physmem.js';
import { PageTable, type PtErr, type WalkResult, type TableAllocator } from './pagetable.js';
import { Tlb, type TouchResult } from './tlb.js';

/** The machine's part of the abstract state (api/state.ts). */
export type MachineState = Pick<
  AbstractState,
  'step' | 'failAfter' | 'owners' | 'leaves' | 'tables' | 'tlb' | 'counters' | 'warnings'
>;

export class Machine {
  readonly config: MachineConfig;
  readonly geometry: Geometry;
  readonly physmem: PhysMem;
  readonly pt: PageTable;
  readonly tlb: Tlb;
  /** calls executed so far (the Kernel advances it after every call) */
  step = 0;
  private readonly warningList: Warning[] = [];
  private warningsView: readonly Warning[] = [];

  constructor(config: MachineConfig) {
    this.config = config;
    this.geometry = makeGeometry(PRESETS[config.preset]);
    this.physmem = new PhysMem(this.geometry, config);
    this.tlb = new Tlb(this.geometry, config.cpus.online);
    this.pt = new PageTable(this.geometry, this.physmem, config.ram.rootPt, (s, e) => this.tlb.flushRange(s, e));
  }

  // ---------------------------------------------------------------- physical memory

  /**
   * alloc_pages(order): the lowest free naturally aligned run of 2^order RAM pages, now owned by
   * `owner`; null when none fits or fault injection fires. `counted` allocations (everything but
   * caller pages) are subject to fault injection (machine.md §2).
   */
  allocPages(order: number, owner: Owner, counted = true): Pfn | null {
    return this.physmem.allocPages(order, owner, counted);
  }

  /** Give `count` pages from `pfn` back to the page allocator (owner 'free'). */
  freePages(pfn: Pfn, count = 1): void {
    this.physmem.freePages(pfn, count);
  }

  /** The owner of a pfn; null when the pfn is neither RAM nor a device range. */
  owner(pfn: Pfn): Owner | null {
    return this.physmem.owner(pfn);
  }

  /** Re-own `count` pages from `pfn` (they must all be RAM or device pages). */
  setOwner(pfn: Pfn, count: number, owner: Owner): void {
    this.physmem.setOwner(pfn, count, owner);
  }

  /** Arm fault injection: the (after+1)-th counted allocation from now fails; re-arming replaces. */
  failAlloc(after: number): void {
    this.physmem.failAlloc(after);
  }

  /** counted allocations still to succeed before one fails, or null when disarmed */
  get failAfter(): number | null {
    return this.physmem.failAfter;
  }

  /** Memory hot-plug: a new RAM ('offline') or device ('device') pfn range appears. */
  addRegion(start: Pfn, count: number, owner: 'offline' | 'device'): void {
    this.physmem.addRegion(start, count, owner);
  }

  /** Memory hot-remove: the region that starts exactly at `start` with `count` pages disappears. */
  removeRegion(start: Pfn, count: number): void {
    this.physmem.removeRegion(start, count);
  }

  // ---------------------------------------------------------------- page tables

  /**
   * vmap_page_range(start, start + pfns.length): map pfns[i] at startVpn + i with base pages,
   * allocating missing tables. Stops at the first present leaf (EBUSY) or failed table
   * allocation (ENOMEM); `mapped` pages (from startVpn) stay mapped — the caller undoes them.
   */
  vmapPageRange(startVpn: number, pfns: readonly Pfn[]): { err: 'EBUSY' | 'ENOMEM' | null; mapped: number } {
    return this.pt.vmapPageRange(startVpn, pfns);
  }

  /**
   * vmap_range(start, end, phys, max_page_shift): map the physically contiguous range from
   * `pfn`, with huge leaves where allowed (machine.md §3). On a stop, [startVpn, mappedEndVpn)
   * is what this call left mapped (the caller clears it); tables freed for huge leaves stay freed.
   */
  vmapRange(
    startVpn: number,
    endVpn: number,
    pfn: Pfn,
    maxPageShift: number,
  ): { err: 'EBUSY' | 'ENOMEM' | null; mappedEndVpn: number } {
    return this.pt.vmapRange(startVpn, endVpn, pfn, maxPageShift);
  }

  /** vunmap_page_range: clear every leaf in range; EINVAL (nothing cleared) if a huge leaf is only partly inside. No flush. */
  vunmapPageRange(startVpn: number, endVpn: number): 'EINVAL' | null {
    return this.pt.vunmapPageRange(startVpn, endVpn);
  }

  /** vmalloc_to_page: the pfn of the base page at vpn (offset added inside a huge leaf) and the leaf level, or null. */
  walk(vpn: number): WalkResult | null {
    return this.pt.walk(vpn);
  }

  /** Make sure tables exist down to `level` on the path of vpn (the table AT that level exists afterwards). */
  populate(vpn: number, level: number): PtErr | null {
    return this.pt.populate(vpn, level);
  }

  /** Install one leaf at `level` for vpn (aligned); the tables above must exist (populate first). EBUSY if the slot is not none. */
  setLeaf(vpn: number, level: number, pfn: Pfn): 'EBUSY' | 'ENOENT' | null {
    return this.pt.setLeaf(vpn, level, pfn);
  }

  /** free_empty_tables(start, end): free, bottom-up, every non-root table left empty (cascades upward). */
  freeEmptyTables(startVpn: number, endVpn: number): void {
    this.pt.freeEmptyTables(startVpn, endVpn);
  }

  /**
   * Replace the page-table page allocator (the direct-map builder's alloc_low_pages); null
   * restores the default alloc_pages(0) as 'pagetable', counted.
   */
  setTableAllocator(alloc: TableAllocator | null): void {
    this.pt.setTableAllocator(alloc);
  }

  // ---------------------------------------------------------------- TLBs

  isOnline(cpu: number): boolean {
    return this.tlb.isOnline(cpu);
  }

  /** touch(cpu, va): a TLB hit (possibly stale) or a walk that fills the TLB; null is EFAULT. The cpu must be online. */
  touch(cpu: number, vpn: number): TouchResult | null {
    return this.tlb.touch(cpu, vpn, this.pt);
  }

  /** flush_tlb_kernel_range over [startVpn, endVpn) on every online CPU; start >= end is counted as a bad flush. */
  flushTlbKernelRange(startVpn: number, endVpn: number): void {
    this.tlb.flushRange(startVpn, endVpn);
  }

  /** flush_tlb_all(): drop every cached translation on every online CPU. */
  flushTlbAll(): void {
    this.tlb.flushAll();
  }

  // ---------------------------------------------------------------- warnings

  /** WARN(): record an inconsistency the kernel would report and carry on. */
  warn(kind: string, addr: Addr): void {
    this.warningList.push({ kind, addr, step: this.step });
    this.warningsView = this.warningList.slice();
  }

  get warnings(): readonly Warning[] {
    return this.warningsView;
  }

  // ---------------------------------------------------------------- abstraction

  /** toModel: the machine's part of the abstract state; canonical, O(live state), cached per component. */
  toModel(): MachineState {
    const { leaves, tables } = this.pt.toModel();
    return {
      step: this.step,
      failAfter: this.physmem.failAfter,
      owners: this.physmem.toModel(),
      leaves,
      tables,
      tlb: this.tlb.toModel(),
      counters: {
        flushes: this.tlb.flushes,
        ipis: this.tlb.ipis,
        flushedPages: this.tlb.flushedPages,
        ptAllocs: this.pt.ptAllocs,
        ptFrees: this.pt.ptFrees,
        badFlushes: this.tlb.badFlushes,
      },
      warnings: this.warningsView,
    };
  }
}
