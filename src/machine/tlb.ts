// src: per-CPU TLBs (a Map from vpn to the cached pfn per online CPU, never evicted on its own —
// the worst-case TLB of machine.md §4) and the flush cost counters.
import type { TlbRun } from '../../api/index.js';
import { vpnToAddr, type Geometry } from './geometry.js';
import type { PageTable } from './pagetable.js';

export interface TouchResult {
  readonly pfn: number;
  readonly fromTlb: boolean;
}

interface CpuTlb {
  readonly cpu: number;
  readonly map: Map<number, number>;
  /** runs cached for toModel; null after a change */
  runs: readonly TlbRun[] | null;
}

export class Tlb {
  flushes = 0;
  ipis = 0;
  flushedPages = 0;
  badFlushes = 0;
  private readonly cpus: CpuTlb[];
  private readonly byCpu = new Map<number, CpuTlb>();
  private view: readonly { readonly cpu: number; readonly runs: readonly TlbRun[] }[] | null = null;

  constructor(
    private readonly g: Geometry,
    online: readonly number[],
  ) {
    this.cpus = [...online].sort((a, b) => a - b).map((cpu) => ({ cpu, map: new Map<number, number>(), runs: null }));
    for (const c of this.cpus) this.byCpu.set(c.cpu, c);
  }

  isOnline(cpu: number): boolean {
    return this.byCpu.has(cpu);
  }

  /** A hit returns the cached frame even if the page table changed (a stale entry); a miss walks and caches that base page only. */
  touch(cpu: number, vpn: number, pt: PageTable): TouchResult | null {
    const c = this.byCpu.get(cpu);
    if (!c) throw new Error(`touch: cpu ${cpu} is not online`);
    const hit = c.map.get(vpn);
    if (hit !== undefined) return { pfn: hit, fromTlb: true };
    const w = pt.walk(vpn);
    if (!w) return null;
    c.map.set(vpn, w.pfn);
    c.runs = null;
    this.view = null;
    return { pfn: w.pfn, fromTlb: false };
  }

  /**
   * flush_tlb_kernel_range(start, end) on every online CPU: one flush, online - 1 IPIs, end - start
   * pages. start >= end is a caller bug: counted (flush-sane), flushes nothing.
   */
  flushRange(start: number, endU: number): void {
    this.flushes++;
    this.ipis += this.cpus.length - 1;
    if (start >= endU) {
      this.badFlushes++;
      return;
    }
    const pages = endU - start;
    this.flushedPages += pages;
    for (const c of this.cpus) {
      const m = c.map;
      if (m.size === 0) continue;
      let dropped = false;
      // Iterate the smaller side: the cached entries, or the pages of the range.
      if (m.size <= pages) {
        for (const vpn of m.keys()) {
          if (vpn >= start && vpn < endU) {
            m.delete(vpn); // deleting the current key during Map iteration is safe
            dropped = true;
          }
        }
      } else {
        for (let v = start; v < endU; v++) if (m.delete(v)) dropped = true;
      }
      if (dropped) {
        c.runs = null;
        this.view = null;
      }
    }
  }

  /** flush_tlb_all(): one flush, online - 1 IPIs, no pages counted */
  flushAll(): void {
    this.flushes++;
    this.ipis += this.cpus.length - 1;
    for (const c of this.cpus) {
      if (c.map.size === 0) continue;
      c.map.clear();
      c.runs = null;
      this.view = null;
    }
  }

  /** per online CPU, ascending: runs where va and pfn continue */
  toModel(): readonly { readonly cpu: number; readonly runs: readonly TlbRun[] }[] {
    if (this.view) return this.view;
    const g = this.g;
    this.view = this.cpus.map((c) => {
      if (!c.runs) {
        const keys = [...c.map.keys()].sort((a, b) => a - b);
        const runs: { vpn: number; pages: number; pfn: number }[] = [];
        for (const vpn of keys) {
          const pfn = c.map.get(vpn)!;
          const prev = runs[runs.length - 1];
          if (prev && prev.vpn + prev.pages === vpn && prev.pfn + prev.pages === pfn) prev.pages++;
          else runs.push({ vpn, pages: 1, pfn });
        }
        c.runs = runs.map((r) => ({ va: vpnToAddr(g, r.vpn), pages: r.pages, pfn: r.pfn }));
      }
      return { cpu: c.cpu, runs: c.runs };
    });
    return this.view;
  }
}
