// model: per-CPU TLBs, flush_tlb_kernel_range and the cost counters — reference semantics
// (machine.md §4). Clarity over speed.
import type { Addr, Counters, Pfn, TlbRun } from '../api/index.js';
import { alignDown, alignUp } from './arith.js';
import { VersionedMap } from './versioned-map.js';

export class Tlbs {
  /** per online CPU: virtual base page → the frame it cached. Never evicted on its own. */
  private readonly cached = new Map<number, VersionedMap<Addr, Pfn>>();
  /** bumps whenever any CPU's TLB changes */
  get version(): number {
    let v = 0;
    for (const m of this.cached.values()) v += m.version;
    return v;
  }
  counters: Counters = { flushes: 0, ipis: 0, flushedPages: 0, ptAllocs: 0, ptFrees: 0, badFlushes: 0 };

  constructor(
    readonly online: readonly number[],
    private readonly pageSize: Addr,
  ) {
    for (const cpu of online) this.cached.set(cpu, new VersionedMap());
  }

  isOnline(cpu: number): boolean {
    return this.cached.has(cpu);
  }

  lookup(cpu: number, va: Addr): Pfn | undefined {
    return this.cached.get(cpu)?.get(alignDown(va, this.pageSize));
  }

  /** Cache a translation for the base page containing va only (also inside a huge leaf). */
  fill(cpu: number, va: Addr, pfn: Pfn): void {
    this.cached.get(cpu)?.set(alignDown(va, this.pageSize), pfn);
  }

  private count(patch: Partial<Counters>): void {
    const c = this.counters;
    this.counters = {
      flushes: c.flushes + (patch.flushes ?? 0),
      ipis: c.ipis + (patch.ipis ?? 0),
      flushedPages: c.flushedPages + (patch.flushedPages ?? 0),
      ptAllocs: c.ptAllocs + (patch.ptAllocs ?? 0),
      ptFrees: c.ptFrees + (patch.ptFrees ?? 0),
      badFlushes: c.badFlushes + (patch.badFlushes ?? 0),
    };
  }

  countPtAlloc(): void {
    this.count({ ptAllocs: 1 });
  }

  countPtFree(): void {
    this.count({ ptFrees: 1 });
  }

  /**
   * flush_tlb_kernel_range(start, end) on every online CPU, costing online - 1 IPIs.
   * choice: the pages covered are the base pages overlapping [start, end) — the kernel loops
   * `for (addr = start & PAGE_MASK; addr < end; addr += PAGE_SIZE)`; they are what is dropped
   * and what `flushedPages` counts. A flush with start >= end is recorded as bad (flush-sane).
   */
  flushKernelRange(start: Addr, end: Addr): void {
    if (start >= end) {
      this.count({ flushes: 1, ipis: this.online.length - 1, badFlushes: 1 });
      return;
    }
    const first = alignDown(start, this.pageSize);
    const last = alignUp(end, this.pageSize);
    for (const tlb of this.cached.values()) {
      for (const va of [...tlb.keys()]) if (va >= first && va < last) tlb.delete(va);
    }
    this.count({ flushes: 1, ipis: this.online.length - 1, flushedPages: Number((last - first) / this.pageSize) });
  }

  /** flush_tlb_all(): drops everything; covers no pages in the ranged count. */
  flushAll(): void {
    for (const tlb of this.cached.values()) tlb.clear();
    this.count({ flushes: 1, ipis: this.online.length - 1 });
  }

  /** Per online CPU, ascending: cached translations as runs (va and pfn continuing). */
  runs(): { cpu: number; runs: TlbRun[] }[] {
    return [...this.online].sort((a, b) => a - b).map((cpu) => {
      const entries = [...(this.cached.get(cpu) ?? new Map<Addr, Pfn>()).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const runs: TlbRun[] = [];
      for (const [va, pfn] of entries) {
        const last = runs[runs.length - 1];
        if (last && last.va + BigInt(last.pages) * this.pageSize === va && last.pfn + last.pages === pfn) {
          runs[runs.length - 1] = { ...last, pages: last.pages + 1 };
        } else {
          runs.push({ va, pages: 1, pfn });
        }
      }
      return { cpu, runs };
    });
  }
}
