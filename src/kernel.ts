// src: the optimized system under test — one Machine plus the kernel calls of api/calls.ts, with
// the live handles (mappings) a caller holds. Bad input is a Result with an error, never a throw.
import { match } from 'ts-pattern';
import type {
  AbstractState,
  Addr,
  Call,
  Errno,
  MachineConfig,
  MappingRec,
  Pfn,
  Result,
  SystemUnderTest,
  Value,
} from '../api/index.js';
import { vmallocLayout, type VmallocLayout } from './layout/index.js';
import { Machine } from './machine/index.js';
import { Vmalloc, type FreeSpaceFactory } from './vmap/index.js';
import { VmMapRam } from './vmap-block/index.js';
import { Vmemmap, vmemmapCall } from './vmemmap/index.js';

const NONE: Result = { ok: true, value: { kind: 'none' } };
const ok = (value: Value): Result => ({ ok: true, value });
const fail = (err: Errno): Result => ({ ok: false, err });

/** A live machine-level mapping (map_pages / map_device handle). */
interface Mapping {
  readonly kind: 'pages' | 'device';
  readonly startVpn: number;
  readonly pages: number;
  /** the caller pages map_pages allocated, freed by unmap_pages */
  readonly callerPfns: readonly Pfn[];
  readonly rec: MappingRec;
}

/** Parts of the kernel another implementation can stand in for (README "plug-in implementations"). */
export interface KernelDeps {
  /** the vmap free-space index (src/vmap/free-space.ts); default: the augmented tree, FreeTree */
  readonly freeSpace?: FreeSpaceFactory;
}

export class Kernel implements SystemUnderTest {
  readonly machine: Machine;
  /** the vmalloc ranges and is_vmalloc_addr, from src/layout (layout.md §1-§3) */
  readonly layout: VmallocLayout;
  /** the vmap area allocator and the vmalloc API (src/vmap) */
  readonly vmalloc: Vmalloc;
  /** vm_map_ram over the per-CPU vmap blocks (src/vmap-block) */
  readonly vmMapRam: VmMapRam;
  /** the sparse vmemmap and memory hot-plug (src/vmemmap) */
  readonly vmemmap: Vmemmap;
  /** 2^W: one past the last byte address */
  private readonly top: Addr;
  private readonly pageMask: Addr;
  private readonly pageShift: bigint;
  private readonly windows: readonly { readonly start: Addr; readonly end: Addr }[];
  /** live machine-level mappings, sorted by start */
  private readonly live: Mapping[] = [];
  private mappingsView: readonly MappingRec[] = [];
  private mergeCache: { raw: readonly MappingRec[]; vm: readonly MappingRec[]; ram: readonly MappingRec[]; merged: readonly MappingRec[] } | null = null;

  constructor(
    readonly config: MachineConfig,
    deps: KernelDeps = {},
  ) {
    this.machine = new Machine(config);
    // vmemmap.md §4: boot RAM's memmap is populated at boot, before anything else allocates
    this.vmemmap = new Vmemmap(this.machine);
    this.vmemmap.boot();
    this.layout = vmallocLayout(config);
    this.vmalloc = new Vmalloc(this.machine, this.layout, deps.freeSpace);
    // installs "release fragmented blocks" into the allocator's purge-and-retry and reclaim_and_purge
    this.vmMapRam = new VmMapRam(this.machine, this.vmalloc.allocator, this.machine.geometry.preset, config.cpus.possible, this.layout.main);
    const g = this.machine.geometry;
    this.top = 1n << BigInt(g.W);
    this.pageShift = BigInt(g.pageShift);
    this.pageMask = (1n << this.pageShift) - 1n;
    this.windows = config.windows.map((w) => ({ start: BigInt(w.start), end: BigInt(w.end) }));
  }

  call(c: Call): Result {
    const r = this.dispatch(c);
    // vmap.md §3: the lazy drain the kernel queues runs when the call returns
    this.vmalloc.endOfCall();
    this.machine.step++;
    return r;
  }

  private dispatch(c: Call): Result {
    return match(c)
      .with({ call: 'map_pages' }, (c) => this.mapPages(c.va, c.pages))
      .with({ call: 'unmap_pages' }, (c) => this.unmapPages(c.va))
      .with({ call: 'map_device' }, (c) => this.mapDevice(c.va, c.phys, c.bytes))
      .with({ call: 'unmap_range' }, (c) => this.unmapRange(c.start, c.end))
      .with({ call: 'walk' }, (c) => this.walk(c.va))
      .with({ call: 'touch' }, (c) => this.touch(c.cpu, c.va))
      .with({ call: 'flush' }, (c) => this.flush(c.start, c.end))
      .with({ call: 'flush_all' }, () => {
        this.machine.flushTlbAll();
        return NONE;
      })
      .with({ call: 'populate' }, (c) => this.populate(c.va, c.level))
      .with({ call: 'free_empty_tables' }, (c) => this.freeEmptyTables(c.start, c.end))
      .with({ call: 'fail_alloc' }, (c) => {
        if (!Number.isSafeInteger(c.after) || c.after < 0) return fail('EINVAL');
        this.machine.failAlloc(c.after);
        return NONE;
      })
      // ---- vmap / vmalloc (src/vmap)
      .with({ call: 'vmalloc' }, (c) => this.vmalloc.vmalloc(c.bytes))
      .with({ call: 'vfree' }, (c) => this.vmalloc.vfree(c.addr))
      .with({ call: 'vmap' }, (c) => this.vmalloc.vmap(c.pages, c.flags))
      .with({ call: 'vunmap' }, (c) => this.vmalloc.vunmap(c.addr))
      .with({ call: 'get_vm_area' }, (c) => this.vmalloc.getVmAreaCall(c.bytes, c.flags, c.start, c.end))
      .with({ call: 'free_vm_area' }, (c) => this.vmalloc.freeVmArea(c.addr))
      .with({ call: 'ioremap' }, (c) => this.vmalloc.ioremap(c.phys, c.bytes))
      .with({ call: 'iounmap' }, (c) => this.vmalloc.iounmap(c.addr))
      .with({ call: 'find_vm_area' }, (c) => this.vmalloc.findVmArea(c.addr))
      .with({ call: 'vmallocinfo' }, () => this.vmalloc.vmallocinfo())
      .with({ call: 'purge_vmap_area_lazy' }, () => this.vmalloc.purgeVmapAreaLazy())
      .with({ call: 'reclaim_and_purge' }, () => this.vmalloc.reclaimAndPurge())
      // ---- per-CPU vmap blocks (src/vmap-block)
      .with({ call: 'vm_map_ram' }, (c) => this.vmMapRam.vmMapRam(c.pages, c.cpu))
      .with({ call: 'vm_unmap_ram' }, (c) => this.vmMapRam.vmUnmapRam(c.addr, c.count))
      .with({ call: 'vm_unmap_aliases' }, () => this.vmMapRam.vmUnmapAliases())
      // ---- sparse vmemmap, memory hot-plug (src/vmemmap)
      .with({ call: 'add_memory' }, { call: 'add_device' }, { call: 'remove' }, { call: 'remove_device' }, { call: 'touch_page' }, (c) =>
        vmemmapCall(this.vmemmap, c),
      )
      .exhaustive();
  }

  // ---------------------------------------------------------------- argument checks

  private aligned(a: Addr): boolean {
    return (a & this.pageMask) === 0n;
  }

  /** a byte address the machine can name: [0, 2^W) */
  private inSpace(a: Addr): boolean {
    return a >= 0n && a < this.top;
  }

  private vpn(a: Addr): number {
    return Number(a >> this.pageShift);
  }

  /** [start, end) lies inside one configured window */
  private inOneWindow(start: Addr, end: Addr): boolean {
    return this.windows.some((w) => start >= w.start && end <= w.end);
  }

  // ---------------------------------------------------------------- live mappings

  private addMapping(m: Omit<Mapping, 'rec'>, va: Addr): void {
    const rec: MappingRec = { kind: m.kind, va, pages: m.pages, guard: 0 };
    let i = this.live.length;
    while (i > 0 && this.live[i - 1]!.startVpn > m.startVpn) i--;
    this.live.splice(i, 0, { ...m, rec });
    this.mappingsView = this.live.map((x) => x.rec);
  }

  private removeMapping(m: Mapping): void {
    this.live.splice(this.live.indexOf(m), 1);
    this.mappingsView = this.live.map((x) => x.rec);
  }

  // ---------------------------------------------------------------- machine-level calls

  /** map_pages: caller pages (ascending, lowest each, never fault-injected), then vmap_page_range; undo on a stop. */
  private mapPages(va: Addr, pages: number): Result {
    const m = this.machine;
    if (!this.aligned(va) || !Number.isSafeInteger(pages) || pages < 1) return fail('EINVAL');
    const end = va + BigInt(pages) * (this.pageMask + 1n);
    // a range past 2^W is EINVAL whatever the windows say (api/calls.ts, machine level)
    if (va < 0n || end > this.top || !this.inOneWindow(va, end)) return fail('EINVAL');
    const pfns: Pfn[] = [];
    for (let i = 0; i < pages; i++) {
      const p = m.allocPages(0, 'caller', false);
      if (p === null) {
        for (const q of pfns) m.freePages(q, 1);
        return fail('ENOMEM');
      }
      pfns.push(p);
    }
    const startVpn = this.vpn(va);
    const { err, mapped } = m.vmapPageRange(startVpn, pfns);
    if (err) {
      // the kernel contract: the caller undoes what was mapped (no flush: nothing was ever
      // reachable through a live mapping), frees its pages; page-table pages allocated stay.
      if (mapped > 0) m.vunmapPageRange(startVpn, startVpn + mapped);
      for (const q of pfns) m.freePages(q, 1);
      return fail(err);
    }
    this.addMapping({ kind: 'pages', startVpn, pages, callerPfns: pfns }, va);
    return ok({ kind: 'addr', addr: va });
  }

  /** unmap_pages: EINVAL unaligned / outside the windows / interior or other kind; ENOENT nothing live contains va. */
  private unmapPages(va: Addr): Result {
    if (!this.aligned(va) || !this.windows.some((w) => va >= w.start && va < w.end)) return fail('EINVAL');
    const vpn = this.vpn(va);
    // Live mappings overlap only after a raw unmap_range; then (the model's choice, kept in
    // step) the oldest one starting exactly at va is unmapped, and EINVAL needs a mapping that
    // contains va while none starts there. `live` is sorted by start, stable: oldest first.
    const found = this.live.find((x) => x.startVpn === vpn);
    if (!found) return fail(this.live.some((x) => vpn > x.startVpn && vpn < x.startVpn + x.pages) ? 'EINVAL' : 'ENOENT');
    const m = this.machine;
    if (m.vunmapPageRange(found.startVpn, found.startVpn + found.pages) === 'EINVAL') return fail('EINVAL');
    for (const q of found.callerPfns) m.freePages(q, 1);
    this.removeMapping(found);
    return NONE;
  }

  /** map_device: vmap_range with max_page_shift = the preset's largest leaf; undo the leaves on a stop. */
  private mapDevice(va: Addr, phys: Addr, bytes: Addr): Result {
    const m = this.machine;
    if (!this.aligned(va) || !this.aligned(phys) || !this.aligned(bytes) || bytes <= 0n || phys < 0n) return fail('EINVAL');
    const end = va + bytes;
    if (va < 0n || end > this.top || !this.inOneWindow(va, end)) return fail('EINVAL');
    const pfn = Number(phys >> this.pageShift);
    const pages = Number(bytes >> this.pageShift);
    if (!m.physmem.inDevice(pfn, pages)) return fail('EINVAL');
    const startVpn = this.vpn(va);
    const { err, mappedEndVpn } = m.vmapRange(startVpn, startVpn + pages, pfn, m.geometry.maxLeafShift);
    if (err) {
      // leaves mapped before the stop are cleared (no flush); tables freed for a huge leaf stay freed
      if (mappedEndVpn > startVpn) m.vunmapPageRange(startVpn, mappedEndVpn);
      return fail(err);
    }
    this.addMapping({ kind: 'device', startVpn, pages, callerPfns: [] }, va);
    return ok({ kind: 'addr', addr: va });
  }

  private unmapRange(start: Addr, end: Addr): Result {
    if (!this.aligned(start) || !this.aligned(end) || start >= end || start < 0n || end > this.top) return fail('EINVAL');
    if (this.machine.vunmapPageRange(this.vpn(start), this.vpn(end)) === 'EINVAL') return fail('EINVAL');
    return NONE;
  }

  /** an address outside [0, 2^W) has no translation (walk: not mapped, touch: EFAULT) */
  private walk(va: Addr): Result {
    if (!this.inSpace(va)) return ok({ kind: 'walk', pfn: null, level: null });
    const w = this.machine.walk(this.vpn(va));
    return ok({ kind: 'walk', pfn: w ? w.pfn : null, level: w ? w.level : null });
  }

  private touch(cpu: number, va: Addr): Result {
    if (!this.machine.isOnline(cpu)) return fail('EINVAL');
    if (!this.inSpace(va)) return fail('EFAULT');
    const t = this.machine.touch(cpu, this.vpn(va));
    return t ? ok({ kind: 'touch', pfn: t.pfn, fromTlb: t.fromTlb }) : fail('EFAULT');
  }

  /** flush_tlb_kernel_range: the pages [start & PAGE_MASK, PAGE_ALIGN(end)), as x86 iterates them */
  private flush(start: Addr, end: Addr): Result {
    if (start >= end || start < 0n || end > this.top) return fail('EINVAL');
    this.machine.flushTlbKernelRange(this.vpn(start), this.vpn(end + this.pageMask));
    return NONE;
  }

  private populate(va: Addr, level: number): Result {
    if (!Number.isInteger(level) || level < 1 || level >= this.machine.geometry.levels || !this.inSpace(va)) return fail('EINVAL');
    const err = this.machine.populate(this.vpn(va), level);
    return err ? fail(err) : NONE;
  }

  private freeEmptyTables(start: Addr, end: Addr): Result {
    if (!this.aligned(start) || !this.aligned(end) || start >= end || start < 0n || end > this.top) return fail('EINVAL');
    this.machine.freeEmptyTables(this.vpn(start), this.vpn(end));
    return NONE;
  }

  // ---------------------------------------------------------------- abstraction

  state(): AbstractState {
    return {
      ...this.machine.toModel(),
      mappings: this.mergedMappings(),
      vmap: this.vmalloc.toModel(),
      blocks: this.vmMapRam.blocks.toModel(this.machine.geometry.pageShift),
      vmemmap: this.vmemmap.toModel(),
    };
  }

  /** the three sources' mappings merged by va; the same array again while none of them changed */
  private mergedMappings(): readonly MappingRec[] {
    const raw = this.mappingsView;
    const vm = this.vmalloc.mappings();
    const ram = this.vmMapRam.mappings();
    const c = this.mergeCache;
    if (c && c.raw === raw && c.vm === vm && c.ram === ram) return c.merged;
    const merged = mergeByVa(mergeByVa(raw, vm), ram);
    this.mergeCache = { raw, vm, ram, merged };
    return merged;
  }

  isVmallocAddr(a: Addr): boolean {
    return this.layout.isVmallocAddr(a);
  }

  /** the implementation's structural checks: the vmap trees (red-black, augmentation, exact cover) */
  selfCheck(): string[] {
    return [...this.vmalloc.selfCheck(), ...this.vmMapRam.check()];
  }
}

/**
 * Merge two lists of mappings, each sorted by va; on an equal va, `a`'s first (api/state.ts: the
 * machine-level mappings, then the vmalloc API's, then vm_map_ram's). Equal va across lists
 * happens only when a configured window overlaps the vmalloc space: a raw map_pages handle
 * outlives unmap_range of its pages, and vmalloc may then place an area at the same va.
 */
function mergeByVa(a: readonly MappingRec[], b: readonly MappingRec[]): readonly MappingRec[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const out: MappingRec[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]!.va <= b[j]!.va)) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}

/** A SutFactory; `deps` swaps in other parts (variants/ builds its SutFactories this way). */
export const createKernel = (config: MachineConfig, deps: KernelDeps = {}): SystemUnderTest => new Kernel(config, deps);
