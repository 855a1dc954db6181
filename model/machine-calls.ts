// model: the machine-level calls (map_pages, unmap_pages, map_device, unmap_range, walk, flush,
// populate, free_empty_tables, fail_alloc) — reference semantics (api/calls.ts, checking.md §1).
// Clarity over speed.
import type { Addr, AddrRange, MappingRec, Pfn, Result } from '../api/index.js';
import { isAligned } from './arith.js';
import type { Machine } from './machine.js';
import { NONE, fail, ok, okAddr } from './result.js';

/** A live machine-level mapping (a handle): caller pages (map_pages) or device memory (map_device). */
interface RawMapping {
  readonly kind: 'pages' | 'device';
  readonly va: Addr;
  readonly pages: number;
  readonly callerPfns: readonly Pfn[];
}

export class MachineCalls {
  /** live mappings, oldest first */
  readonly live: RawMapping[] = [];
  private readonly windows: AddrRange[];

  constructor(private readonly m: Machine) {
    this.windows = m.config.windows.map((w) => ({ start: BigInt(w.start), end: BigInt(w.end) }));
  }

  private bytes(pages: number): Addr {
    return BigInt(pages) * this.m.pageSize;
  }

  private insideOneWindow(start: Addr, end: Addr): boolean {
    return this.windows.some((w) => start >= w.start && end <= w.end);
  }

  private end(r: RawMapping): Addr {
    return r.va + this.bytes(r.pages);
  }

  /** map_pages: caller pages first (all or nothing, ENOMEM), then vmap_page_range; undo on a stop. */
  mapPages(va: Addr, pages: number): Result {
    if (!isAligned(va, this.m.pageSize) || !Number.isSafeInteger(pages) || pages < 1) return fail('EINVAL');
    if (!this.insideOneWindow(va, va + this.bytes(pages))) return fail('EINVAL');
    const pfns = this.m.pm.allocCallerPages(pages);
    if (pfns === null) return fail('ENOMEM');
    const { err, mapped } = this.m.pt.vmapPageRange(va, pfns);
    if (err) {
      // undo exactly the pages mapped before the stop (no flush); page-table pages stay
      this.m.pt.vunmapPageRange(va, va + this.bytes(mapped));
      for (const p of pfns) this.m.pm.freePages(p, 0);
      return fail(err);
    }
    this.live.push({ kind: 'pages', va, pages, callerPfns: pfns });
    return okAddr(va);
  }

  /**
   * unmap_pages (checking.md §3 order). choice: when live mappings overlap (possible only after
   * a raw unmap_range), the oldest one starting exactly at va is unmapped; EINVAL only when no
   * live mapping starts at va but one contains it.
   */
  unmapPages(va: Addr): Result {
    if (!isAligned(va, this.m.pageSize)) return fail('EINVAL');
    if (!this.windows.some((w) => va >= w.start && va < w.end)) return fail('EINVAL');
    const r = this.live.find((x) => x.va === va);
    if (!r) return fail(this.live.some((x) => va >= x.va && va < this.end(x)) ? 'EINVAL' : 'ENOENT');
    if (this.m.pt.vunmapPageRange(r.va, this.end(r))) return fail('EINVAL');
    for (const p of r.callerPfns) this.m.pm.freePages(p, 0);
    this.live.splice(this.live.indexOf(r), 1);
    return NONE;
  }

  /** map_device: vmap_range with max_page_shift = the preset's largest leaf shift; undo on a stop. */
  mapDevice(va: Addr, phys: Addr, bytes: Addr): Result {
    const page = this.m.pageSize;
    if (!isAligned(va, page) || !isAligned(phys, page) || !isAligned(bytes, page) || bytes <= 0n) return fail('EINVAL');
    if (!this.insideOneWindow(va, va + bytes)) return fail('EINVAL');
    const first = phys / page;
    const end = (phys + bytes) / page;
    if (!this.m.pm.inOneDevice(first, end)) return fail('EINVAL');
    const { err, mapped } = this.m.pt.vmapRange(va, va + bytes, phys, Math.max(...this.m.preset.leafShifts));
    if (err) {
      // clear the leaves set before the stop (no flush); tables freed for a huge leaf stay freed
      for (const base of mapped) this.m.pt.leaves.delete(base);
      return fail(err);
    }
    this.live.push({ kind: 'device', va, pages: Number(bytes / page), callerPfns: [] });
    return okAddr(va);
  }

  /** unmap_range: raw vunmap_page_range; the live mappings stay as they are. */
  unmapRange(start: Addr, end: Addr): Result {
    const page = this.m.pageSize;
    if (!isAligned(start, page) || !isAligned(end, page) || start >= end) return fail('EINVAL');
    return this.m.pt.vunmapPageRange(start, end) ? fail('EINVAL') : NONE;
  }

  walk(va: Addr): Result {
    const w = this.m.pt.walk(va);
    return ok({ kind: 'walk', pfn: w ? w.pfn : null, level: w ? w.level : null });
  }

  flush(start: Addr, end: Addr): Result {
    if (start >= end) return fail('EINVAL');
    this.m.tlb.flushKernelRange(start, end);
    return NONE;
  }

  flushAll(): Result {
    this.m.tlb.flushAll();
    return NONE;
  }

  populate(va: Addr, level: number): Result {
    if (!Number.isSafeInteger(level) || level < 1 || level > this.m.pt.last) return fail('EINVAL');
    const err = this.m.pt.populate(va, level);
    return err ? fail(err) : NONE;
  }

  freeEmptyTables(start: Addr, end: Addr): Result {
    const page = this.m.pageSize;
    if (!isAligned(start, page) || !isAligned(end, page) || start >= end) return fail('EINVAL');
    this.m.pt.freeEmptyTables(start, end);
    return NONE;
  }

  failAlloc(after: number): Result {
    if (!Number.isSafeInteger(after) || after < 0) return fail('EINVAL');
    this.m.pm.failAlloc(after);
    return NONE;
  }

  records(): MappingRec[] {
    return this.live.map((r) => ({ kind: r.kind, va: r.va, pages: r.pages, guard: 0 }));
  }
}
