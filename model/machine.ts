// model: the simulated machine — physical memory, page tables, TLBs, warnings. Reference
// semantics (machine.md). Clarity over speed.
import type { Addr, MachineConfig, Preset, Result, Warning } from '../api/index.js';
import { PRESETS } from '../api/index.js';
import { PageTables } from './pagetable.js';
import { PhysMem } from './physmem.js';
import { fail, ok } from './result.js';
import { Tlbs } from './tlb.js';

export class Machine {
  readonly preset: Preset;
  readonly pageSize: Addr;
  readonly pm: PhysMem;
  readonly tlb: Tlbs;
  readonly pt: PageTables;
  /** WARNs the kernel would print (machine.md §5); stays empty in a correct run */
  readonly warnings: Warning[] = [];
  /** calls executed so far (warnings record it) */
  step = 0;

  constructor(readonly config: MachineConfig) {
    this.preset = PRESETS[config.preset];
    this.pageSize = 1n << BigInt(this.preset.pageShift);
    this.pm = new PhysMem(config, this.preset);
    this.tlb = new Tlbs(config.cpus.online, this.pageSize);
    this.pt = new PageTables(this.preset, this.pm, this.tlb);
  }

  /** 2^W: the first address past the top of the address space */
  get top(): Addr {
    return 1n << BigInt(this.preset.bitsPerLong);
  }

  /**
   * touch(cpu, va) (machine.md §4): a TLB hit returns the cached frame, even if the page table
   * changed since; a miss walks, caches the base page's frame and returns it; no translation
   * is EFAULT. An offline CPU is EINVAL.
   */
  touch(cpu: number, va: Addr): Result {
    if (!this.tlb.isOnline(cpu)) return fail('EINVAL');
    const hit = this.tlb.lookup(cpu, va);
    if (hit !== undefined) return ok({ kind: 'touch', pfn: hit, fromTlb: true });
    const w = this.pt.walk(va);
    if (w === null) return fail('EFAULT');
    this.tlb.fill(cpu, va, w.pfn);
    return ok({ kind: 'touch', pfn: w.pfn, fromTlb: false });
  }
}
