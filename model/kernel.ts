// model: the kernel facade — one SystemUnderTest over the reference model. Reference semantics
// (api/sut.ts, api/calls.ts). Clarity over speed.
import { P, match } from 'ts-pattern';
import type { AbstractState, Addr, Call, MachineConfig, Result, SutFactory, SystemUnderTest } from '../api/index.js';
import type { KernelLayout } from '../api/layout.js';
import { modelIsVmallocAddr, vmallocLayout } from './layout.js';
import { Machine } from './machine.js';
import { MachineCalls } from './machine-calls.js';
import { NONE, fail, ok } from './result.js';
import { stableCell } from './stable.js';
import { modelState } from './state.js';
import { Vmalloc } from './vmalloc.js';
import { VmapAreas } from './vmap.js';
import { VmapBlocks } from './vmap-blocks.js';
import { ModelVmemmap, modelVmemmapCall } from './vmemmap.js';

export class ModelKernel implements SystemUnderTest {
  readonly machine: Machine;
  readonly raw: MachineCalls;
  readonly vmap: VmapAreas;
  readonly vmalloc: Vmalloc;
  readonly blocks: VmapBlocks;
  readonly layout: KernelLayout;
  readonly vmemmap: ModelVmemmap;

  constructor(config: MachineConfig) {
    this.machine = new Machine(config);
    // boot RAM's memmap is populated before the first call, before anything else allocates (vmemmap.md §4)
    this.vmemmap = new ModelVmemmap(this.machine);
    this.vmemmap.boot();
    this.raw = new MachineCalls(this.machine);
    // the vmalloc space from model/layout.ts: every range ascending (tried in that order, vmap.md
    // §5) and the main range, where blocks and vm_map_ram live
    const { layout, main, ranges } = vmallocLayout(config);
    this.layout = layout;
    this.vmap = new VmapAreas(this.machine);
    this.vmalloc = new Vmalloc(this.machine, this.vmap, { main, ranges });
    this.blocks = new VmapBlocks(this.machine, this.vmap, main);
  }

  call(c: Call): Result {
    const m = this.machine;
    const result = this.outsideSpace(c) ?? this.dispatch(c);
    this.vmap.drain(); // the lazy drain check at the end of every call (vmap.md §3, calls.ts)
    m.step++;
    return result;
  }

  /**
   * Machine-level calls naming an address outside [0, 2^W] (api/calls.ts, machine level): a
   * range ending past 2^W or a va >= 2^W is EINVAL; a touch there is EFAULT (after the online
   * check), a walk finds nothing. null: the call names no such address.
   */
  private outsideSpace(c: Call): Result | null {
    const top = this.machine.top;
    const out = (start: Addr, end: Addr): boolean => start < 0n || start >= top || end > top;
    const pageSize = this.machine.pageSize;
    return match(c)
      .with({ call: 'map_pages' }, (c) =>
        Number.isSafeInteger(c.pages) && c.pages >= 1 && out(c.va, c.va + BigInt(c.pages) * pageSize) ? fail('EINVAL') : null,
      )
      .with({ call: 'map_device' }, (c) => (out(c.va, c.va + (c.bytes > 0n ? c.bytes : 0n)) ? fail('EINVAL') : null))
      .with({ call: P.union('unmap_range', 'flush', 'free_empty_tables') }, (c) => (c.start < 0n || c.end > top ? fail('EINVAL') : null))
      .with({ call: 'populate' }, (c) => (out(c.va, c.va) ? fail('EINVAL') : null))
      .with({ call: 'walk' }, (c) => (out(c.va, c.va) ? ok({ kind: 'walk', pfn: null, level: null }) : null))
      .with({ call: 'touch' }, (c) => (this.machine.tlb.isOnline(c.cpu) && out(c.va, c.va) ? fail('EFAULT') : null))
      .otherwise(() => null);
  }

  private dispatch(c: Call): Result {
    const m = this.machine;
    return match(c)
      .with({ call: 'map_pages' }, (c) => this.raw.mapPages(c.va, c.pages))
      .with({ call: 'unmap_pages' }, (c) => this.raw.unmapPages(c.va))
      .with({ call: 'map_device' }, (c) => this.raw.mapDevice(c.va, c.phys, c.bytes))
      .with({ call: 'unmap_range' }, (c) => this.raw.unmapRange(c.start, c.end))
      .with({ call: 'walk' }, (c) => this.raw.walk(c.va))
      .with({ call: 'touch' }, (c) => m.touch(c.cpu, c.va))
      .with({ call: 'flush' }, (c) => this.raw.flush(c.start, c.end))
      .with({ call: 'flush_all' }, () => this.raw.flushAll())
      .with({ call: 'populate' }, (c) => this.raw.populate(c.va, c.level))
      .with({ call: 'free_empty_tables' }, (c) => this.raw.freeEmptyTables(c.start, c.end))
      .with({ call: 'fail_alloc' }, (c) => this.raw.failAlloc(c.after))
      .with({ call: 'vmalloc' }, (c) => this.vmalloc.vmalloc(c.bytes))
      .with({ call: 'vfree' }, (c) => this.vmalloc.free(c.addr, 'vmalloc'))
      .with({ call: 'vmap' }, (c) => this.vmalloc.vmapPages(c.pages, c.flags))
      .with({ call: 'vunmap' }, (c) => this.vmalloc.free(c.addr, 'vmap'))
      .with({ call: 'get_vm_area' }, (c) => this.vmalloc.getVmAreaCall(c.bytes, c.flags, c.start, c.end))
      .with({ call: 'free_vm_area' }, (c) => this.vmalloc.free(c.addr, 'vm_area'))
      .with({ call: 'ioremap' }, (c) => this.vmalloc.ioremap(c.phys, c.bytes))
      .with({ call: 'iounmap' }, (c) => this.vmalloc.free(c.addr, 'ioremap'))
      .with({ call: 'find_vm_area' }, (c) => this.vmalloc.findVmArea(c.addr))
      .with({ call: 'vmallocinfo' }, () => this.vmalloc.vmallocinfo())
      .with({ call: 'purge_vmap_area_lazy' }, () => {
        this.vmap.purge();
        return NONE;
      })
      .with({ call: 'reclaim_and_purge' }, () => {
        // fragmented blocks first, then the lazy areas (vmap.md §4)
        this.vmap.reclaimBlocks();
        this.vmap.purge();
        return NONE;
      })
      .with({ call: 'vm_map_ram' }, (c) => this.blocks.vmMapRam(c.pages, c.cpu))
      .with({ call: 'vm_unmap_ram' }, (c) => this.blocks.vmUnmapRam(c.addr, c.count))
      .with({ call: 'vm_unmap_aliases' }, () => this.blocks.vmUnmapAliases())
      .with({ call: P.union('add_memory', 'add_device', 'remove', 'remove_device', 'touch_page') }, (c) => modelVmemmapCall(this.vmemmap, c))
      .exhaustive();
  }

  /** last state()'s parts, reused while their content is the same (stable.ts) */
  private readonly keep = { blocks: stableCell<AbstractState['blocks']>(), vmemmap: stableCell<AbstractState['vmemmap']>() };

  state(): AbstractState {
    const mappings = [...this.raw.records(), ...this.vmalloc.records(), ...this.blocks.records()];
    return {
      ...modelState(this.machine, this.vmap, mappings),
      blocks: this.keep.blocks(this.blocks.state()),
      vmemmap: this.keep.vmemmap(this.vmemmap.state()),
    };
  }

  isVmallocAddr(a: Addr): boolean {
    return modelIsVmallocAddr(this.layout, a);
  }
}

/** Boots a fresh reference machine of this configuration. */
export const createModel: SutFactory = (config) => new ModelKernel(config);
