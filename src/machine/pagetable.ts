// src: the kernel page tables — a real radix tree of one-page tables, walked the way
// mm/vmalloc.c walks them (do { next = p?d_addr_end(addr, end); ... } while (addr = next, addr != end)).
// Positions are vpns; range ends are wrapped to W bits inside the walkers (0 = top of the space).
import type { LeafRun, Pfn, TableRec } from '../../api/index.js';
import { addrEnd, canonicalVpn, indexAt, isCanonicalVpn, vpnToAddr, wrapVpn, type Geometry } from './geometry.js';
import type { PhysMem } from './physmem.js';
import { Table, type Entry } from './table.js';

export type PtErr = 'EBUSY' | 'ENOMEM';
export interface WalkResult {
  /** pfn of the base page containing the address (huge-leaf offset added) */
  readonly pfn: Pfn;
  /** table level of the leaf (levels - 1 = base page) */
  readonly level: number;
}
/** Hands out one page-table page (already owned as 'pagetable'), or null. */
export type TableAllocator = () => Pfn | null;

export class PageTable {
  readonly root: Table;
  ptAllocs = 0;
  ptFrees = 0;
  private readonly last: number;
  private alloc: TableAllocator;
  private readonly defaultAlloc: TableAllocator;
  /** pages mapped so far by the running vmapPageRange */
  private nr = 0;
  /** unwrapped end of what the running vmapRange has mapped */
  private mappedEnd = 0;
  private version = 0;
  /** bumped when a table enters or leaves the tree (a subset of `version`'s changes) */
  private tablesVersion = 0;
  private cache: { version: number; tablesVersion: number; leaves: readonly LeafRun[]; tables: readonly TableRec[] } | null = null;

  constructor(
    private readonly g: Geometry,
    private readonly mem: PhysMem,
    rootPfn: Pfn,
    /** flush_tlb_kernel_range(start, end) with an unwrapped end */
    private readonly flush: (startVpn: number, endVpn: number) => void,
  ) {
    this.last = g.levels - 1;
    this.root = this.newTable(rootPfn, 0, 0);
    this.defaultAlloc = () => mem.allocPages(0, 'pagetable', true);
    this.alloc = this.defaultAlloc;
  }

  setTableAllocator(a: TableAllocator | null): void {
    this.alloc = a ?? this.defaultAlloc;
  }

  // ---------------------------------------------------------------- entry helpers

  private setEntry(t: Table, idx: number, e: Table | number): void {
    if (e instanceof Table || t.get(idx) instanceof Table) this.tablesVersion++;
    t.set(idx, e);
    this.version++;
  }

  private clearEntry(t: Table, idx: number): void {
    const was = t.get(idx);
    if (!t.clear(idx)) return;
    this.version++;
    if (was instanceof Table) this.tablesVersion++;
  }

  /** pte_alloc / pmd_alloc: a new empty table for entry idx of t, or null (ENOMEM). */
  private allocTable(t: Table, idx: number): Table | null {
    const pfn = this.alloc();
    if (pfn === null) return null;
    this.ptAllocs++;
    const level = t.level + 1;
    const child = this.newTable(pfn, level, t.treeVpn + idx * this.g.entryPages[t.level]!);
    this.setEntry(t, idx, child);
    return child;
  }

  private newTable(pfn: Pfn, level: number, treeVpn: number): Table {
    const g = this.g;
    return new Table(pfn, level, treeVpn, g.entries[level]!, g.entryPages[level]!, level === g.levels - 1);
  }

  /** free a table page (its entry must be cleared by the caller) */
  private freeTable(t: Table): void {
    this.mem.freePages(t.pfn, 1);
    this.ptFrees++;
  }

  /** unwrapped distance from addr to next (next may be 0 = the top) */
  private span(addr: number, next: number): number {
    return (next === 0 ? this.g.vpnLimit : next) - addr;
  }

  // ---------------------------------------------------------------- vmap_page_range

  vmapPageRange(start: number, pfns: readonly Pfn[]): { err: PtErr | null; mapped: number } {
    this.nr = 0;
    if (pfns.length === 0) return { err: null, mapped: 0 };
    const err = this.vmapPages(this.root, start, wrapVpn(this.g, start + pfns.length), pfns);
    return { err, mapped: this.nr };
  }

  private vmapPages(t: Table, addr: number, end: number, pfns: readonly Pfn[]): PtErr | null {
    const g = this.g;
    const level = t.level;
    if (level === this.last) {
      do {
        const idx = indexAt(g, level, addr);
        // vmap_pages_pte_range: WARN_ON(!pte_none(...)) return -EBUSY
        if (!t.isNone(idx)) return 'EBUSY';
        this.setEntry(t, idx, pfns[this.nr]!);
        this.nr++;
        addr = wrapVpn(g, addr + 1);
      } while (addr !== end);
      return null;
    }
    do {
      const next = addrEnd(g, level, addr, end);
      const idx = indexAt(g, level, addr);
      let e: Entry = t.get(idx);
      // A leaf on the way: the kernel BUGs (p?d_alloc on a huge entry); machine.md §3 says EBUSY.
      if (typeof e === 'number') return 'EBUSY';
      if (e === undefined) {
        e = this.allocTable(t, idx) ?? undefined;
        if (e === undefined) return 'ENOMEM';
      }
      const err = this.vmapPages(e, addr, next, pfns);
      if (err) return err;
      addr = next;
    } while (addr !== end);
    return null;
  }

  // ---------------------------------------------------------------- vmap_range (ioremap)

  vmapRange(start: number, endU: number, pfn: Pfn, maxPageShift: number): { err: PtErr | null; mappedEndVpn: number } {
    this.mappedEnd = start;
    if (endU <= start) return { err: null, mappedEndVpn: start };
    const err = this.vmapRangeLevel(this.root, start, wrapVpn(this.g, endU), pfn, maxPageShift);
    return { err, mappedEndVpn: this.mappedEnd };
  }

  /** vmap_try_huge_p?d: allowed size, max_page_shift reaches it, the whole entry inside the range, va and pa aligned */
  private hugeFits(level: number, addr: number, next: number, pfn: Pfn, maxPageShift: number): boolean {
    const g = this.g;
    const pages = g.entryPages[level]!;
    return (
      g.leafAllowed[level]! &&
      maxPageShift >= g.pageShift + g.entryShift[level]! &&
      this.span(addr, next) === pages &&
      addr % pages === 0 &&
      pfn % pages === 0
    );
  }

  private vmapRangeLevel(t: Table, addr: number, end: number, pfn: Pfn, maxPageShift: number): PtErr | null {
    const g = this.g;
    const level = t.level;
    if (level === this.last) {
      do {
        const idx = indexAt(g, level, addr);
        if (!t.isNone(idx)) return 'EBUSY'; // vmap_pte_range: BUG_ON(!pte_none) — EBUSY here
        this.setEntry(t, idx, pfn);
        pfn++;
        this.mappedEnd = addr + 1;
        addr = wrapVpn(g, addr + 1);
      } while (addr !== end);
      return null;
    }
    do {
      const next = addrEnd(g, level, addr, end);
      const idx = indexAt(g, level, addr);
      let e: Entry = t.get(idx);
      if (typeof e === 'number') return 'EBUSY';
      if (this.hugeFits(level, addr, next, pfn, maxPageShift)) {
        if (e !== undefined) {
          // p?d_free_p?d_page: the table must map nothing; it and its (empty) sub-tables are
          // freed and the entry's span is flushed once, before the huge leaf goes in.
          if (mapsSomething(e)) return 'EBUSY';
          this.clearEntry(t, idx);
          this.freeSubtree(e);
          this.flush(addr, addr + g.entryPages[level]!);
        }
        this.setEntry(t, idx, pfn);
        this.mappedEnd = addr + g.entryPages[level]!;
      } else {
        if (e === undefined) {
          e = this.allocTable(t, idx) ?? undefined;
          if (e === undefined) return 'ENOMEM';
        }
        const err = this.vmapRangeLevel(e, addr, next, pfn, maxPageShift);
        if (err) return err;
      }
      pfn += this.span(addr, next);
      addr = next;
    } while (addr !== end);
    return null;
  }

  /** free a table and every table below it, bottom-up (they map nothing) */
  private freeSubtree(t: Table): void {
    if (t.used > 0) {
      for (let i = t.lo; i <= t.hi; i++) {
        const e = t.get(i);
        if (e instanceof Table) this.freeSubtree(e);
      }
    }
    this.freeTable(t);
  }

  // ---------------------------------------------------------------- vunmap_page_range

  vunmapPageRange(start: number, endU: number): 'EINVAL' | null {
    if (endU <= start) return null;
    // A huge leaf only partly inside can only be the one holding the first or the last page.
    if (this.partialHuge(start, start, endU) || this.partialHuge(endU - 1, start, endU)) return 'EINVAL';
    this.vunmapLevel(this.root, start, wrapVpn(this.g, endU));
    return null;
  }

  private partialHuge(vpn: number, start: number, endU: number): boolean {
    const w = this.walk(vpn);
    if (!w || w.level === this.last) return false;
    const pages = this.g.entryPages[w.level]!;
    const ls = Math.floor(vpn / pages) * pages;
    return ls < start || ls + pages > endU;
  }

  private vunmapLevel(t: Table, addr: number, end: number): void {
    const g = this.g;
    const level = t.level;
    if (level === this.last) {
      do {
        this.clearEntry(t, indexAt(g, level, addr));
        addr = wrapVpn(g, addr + 1);
      } while (addr !== end);
      return;
    }
    do {
      const next = addrEnd(g, level, addr, end);
      const idx = indexAt(g, level, addr);
      const e = t.get(idx);
      if (typeof e === 'number') this.clearEntry(t, idx); // p?d_clear_huge (wholly inside: checked above)
      else if (e !== undefined) this.vunmapLevel(e, addr, next);
      addr = next;
    } while (addr !== end);
  }

  // ---------------------------------------------------------------- walk, populate, setLeaf

  walk(vpn: number): WalkResult | null {
    const g = this.g;
    if (!isCanonicalVpn(g, vpn)) return null;
    let t = this.root;
    for (;;) {
      const e = t.get(indexAt(g, t.level, vpn));
      if (e === undefined) return null;
      if (typeof e === 'number') return { pfn: e + (vpn % g.entryPages[t.level]!), level: t.level };
      t = e;
    }
  }

  populate(vpn: number, level: number): PtErr | null {
    let t = this.root;
    while (t.level < level) {
      const idx = indexAt(this.g, t.level, vpn);
      const e = t.get(idx);
      if (typeof e === 'number') return 'EBUSY';
      if (e === undefined) {
        const c = this.allocTable(t, idx);
        if (!c) return 'ENOMEM';
        t = c;
      } else t = e;
    }
    return null;
  }

  setLeaf(vpn: number, level: number, pfn: Pfn): 'EBUSY' | 'ENOENT' | null {
    let t = this.root;
    while (t.level < level) {
      const e = t.get(indexAt(this.g, t.level, vpn));
      if (typeof e === 'number') return 'EBUSY';
      if (e === undefined) return 'ENOENT';
      t = e;
    }
    const idx = indexAt(this.g, level, vpn);
    if (!t.isNone(idx)) return 'EBUSY';
    this.setEntry(t, idx, pfn);
    return null;
  }

  // ---------------------------------------------------------------- free_empty_tables

  freeEmptyTables(start: number, endU: number): void {
    if (endU <= start) return;
    this.freeEmptyLevel(this.root, start, wrapVpn(this.g, endU));
  }

  /** bottom-up: children first, then free each child left with only none entries (never the root) */
  private freeEmptyLevel(t: Table, addr: number, end: number): void {
    const g = this.g;
    do {
      const next = addrEnd(g, t.level, addr, end);
      const idx = indexAt(g, t.level, addr);
      const e = t.get(idx);
      if (e instanceof Table) {
        if (e.level < this.last) this.freeEmptyLevel(e, addr, next);
        if (e.used === 0) {
          this.clearEntry(t, idx);
          this.freeTable(e);
        }
      }
      addr = next;
    } while (addr !== end);
  }

  // ---------------------------------------------------------------- abstraction

  /**
   * Leaves as merged runs and non-root tables sorted by (level, va); each rebuilt only after a
   * change to it (most calls map or unmap pages under existing tables: the same tables array
   * then goes back, and the harness need not compare or re-check it).
   */
  toModel(): { leaves: readonly LeafRun[]; tables: readonly TableRec[] } {
    if (this.cache && this.cache.version === this.version) return this.cache;
    const g = this.g;
    const runs: { vpn: number; pages: number; pfn: number; level: number }[] = [];
    const perLevel: Table[][] = Array.from({ length: g.levels }, () => []);
    const visit = (t: Table): void => {
      for (const s of t.segments()) {
        if (s instanceof Table) {
          perLevel[s.level]!.push(s);
          visit(s);
          continue;
        }
        // merge in canonical space: the tree's midpoint is not contiguous with the upper half
        const vpn = canonicalVpn(g, s.vpn);
        const prev = runs[runs.length - 1];
        if (prev && prev.level === s.level && prev.vpn + prev.pages === vpn && prev.pfn + prev.pages === s.pfn) prev.pages += s.pages;
        else runs.push({ vpn, pages: s.pages, pfn: s.pfn, level: s.level });
      }
    };
    visit(this.root);
    const leaves: LeafRun[] = runs.map((r) => ({ va: vpnToAddr(g, r.vpn), pages: r.pages, pfn: r.pfn, level: r.level }));
    let tables = this.cache?.tablesVersion === this.tablesVersion ? this.cache.tables : null;
    if (tables === null) {
      const recs: TableRec[] = [];
      for (const lv of perLevel) for (const t of lv) recs.push({ level: t.level, va: vpnToAddr(g, canonicalVpn(g, t.treeVpn)), pfn: t.pfn });
      tables = recs;
    }
    this.cache = { version: this.version, tablesVersion: this.tablesVersion, leaves, tables };
    return this.cache;
  }
}

/** whether any leaf exists in the subtree of t */
function mapsSomething(t: Table): boolean {
  if (t.used === 0) return false;
  for (let i = t.lo; i <= t.hi; i++) {
    const e = t.get(i);
    if (typeof e === 'number') return true;
    if (e instanceof Table && mapsSomething(e)) return true;
  }
  return false;
}
