// model: kernel page tables as flat maps — reference semantics (machine.md §3). Clarity over speed.
//
// No radix tree: a map of leaves keyed by the virtual address where the leaf starts, and per
// level a map of the table pages that exist, keyed by the base address of the span the table
// covers. Level 0 is the root (never listed, never freed). The slot of level l for an address
// va is the entry covering alignDown(va, entrySize(l)); it holds
//   a leaf   when leaves.get(base).level === l,
//   a table  when tables[l + 1] has base,
//   nothing  otherwise.
// Addresses are exact bigints: a range may end at 2^W and nothing wraps. choice: an address is
// never aliased by the bits above the root's span (no "pgd_index masks the top bits").
import type { Addr, Pfn, Preset } from '../api/index.js';
import { alignDown, overlaps } from './arith.js';
import type { PhysMem } from './physmem.js';
import type { Tlbs } from './tlb.js';
import { VersionedMap } from './versioned-map.js';

export interface Leaf {
  readonly pfn: Pfn;
  readonly level: number;
}

export type MapError = 'EBUSY' | 'ENOMEM';

export class PageTables {
  readonly leaves = new VersionedMap<Addr, Leaf>();
  readonly tables: VersionedMap<Addr, Pfn>[];
  readonly last: number;
  private readonly pageShift: bigint;

  constructor(
    private readonly preset: Preset,
    private readonly pm: PhysMem,
    private readonly tlb: Tlbs,
  ) {
    this.last = preset.levels.length - 1;
    this.pageShift = BigInt(preset.pageShift);
    this.tables = preset.levels.map(() => new VersionedMap<Addr, Pfn>());
    this.sizes = preset.levels.map((_, l) => 1n << BigInt(this.entryShift(l)));
  }

  /** log2 of the bytes one entry of level l maps: pageShift + the index bits of the levels below */
  entryShift(l: number): number {
    return this.preset.pageShift + this.preset.levels.slice(l + 1).reduce((s, lv) => s + lv.bits, 0);
  }

  /** the bytes one entry of level l maps (looked up: the walks ask for it on every entry) */
  entrySize(l: number): Addr {
    return this.sizes[l] as Addr;
  }
  private readonly sizes: readonly Addr[];

  private slot(l: number, va: Addr): 'leaf' | 'table' | 'none' {
    const base = alignDown(va, this.entrySize(l));
    if (this.leaves.get(base)?.level === l) return 'leaf';
    if (l < this.last && this.tables[l + 1]?.has(base)) return 'table';
    return 'none';
  }

  /** Allocate the table of level l+1 under the slot (l, va): a counted order-0 allocation. */
  private allocTable(l: number, va: Addr): boolean {
    const pfn = this.pm.allocPages(0, 'pagetable', true);
    if (pfn === null) return false;
    this.tables[l + 1]?.set(alignDown(va, this.entrySize(l)), pfn);
    this.tlb.countPtAlloc();
    return true;
  }

  private freeTable(level: number, base: Addr): void {
    const pfn = this.tables[level]?.get(base);
    if (pfn === undefined) return;
    this.tables[level]?.delete(base);
    this.pm.freePages(pfn, 0);
    this.tlb.countPtFree();
  }

  /** Does some leaf start inside [base, end)? */
  private mapsAnything(base: Addr, end: Addr): boolean {
    for (const va of this.leaves.keys()) if (va >= base && va < end) return true;
    return false;
  }

  /** Does some table of a level below `level` cover a span starting inside [base, end)? */
  private hasTablesBelow(level: number, base: Addr, end: Addr): boolean {
    for (let m = level + 1; m <= this.last; m++) for (const va of this.tables[m]?.keys() ?? []) if (va >= base && va < end) return true;
    return false;
  }

  /**
   * vmap_page_range(start, start + pfns.length pages, pfns), base pages only. Page by page in
   * ascending order, the missing tables of the page's path are allocated top-down — exactly the
   * order of the kernel's depth-first p?d_alloc walk. A leaf on the path or a present pte: EBUSY
   * (the kernel BUGs/WARNs; spec deviation). A failed table allocation: ENOMEM. Pages mapped
   * before the stop stay mapped; `mapped` says how many.
   */
  vmapPageRange(start: Addr, pfns: readonly Pfn[]): { err: MapError | null; mapped: number } {
    for (let i = 0; i < pfns.length; i++) {
      const va = start + (BigInt(i) << this.pageShift);
      for (let l = 0; l < this.last; l++) {
        const s = this.slot(l, va);
        if (s === 'leaf') return { err: 'EBUSY', mapped: i };
        if (s === 'none' && !this.allocTable(l, va)) return { err: 'ENOMEM', mapped: i };
      }
      if (this.slot(this.last, va) === 'leaf') return { err: 'EBUSY', mapped: i };
      this.leaves.set(va, { pfn: pfns[i] as Pfn, level: this.last });
    }
    return { err: null, mapped: pfns.length };
  }

  /**
   * vmap_range(start, end, phys, maxPageShift) (ioremap). For each entry span of each level, from
   * the top: a huge leaf when the preset allows that leaf size, maxPageShift reaches it, the whole
   * span lies in [start, end) and va and phys are aligned to it (vmap_try_huge_p?d). A huge slot
   * holding a table that maps nothing: free it with its empty sub-tables and flush the entry's
   * span once (p?d_free_p?d_page); a table mapping something, or a present leaf: EBUSY. Otherwise
   * descend, allocating the missing table (ENOMEM). `mapped` lists the leaves set, for undo.
   */
  vmapRange(start: Addr, end: Addr, phys: Addr, maxPageShift: number): { err: MapError | null; mapped: Addr[] } {
    const mapped: Addr[] = [];
    const mapLevel = (l: number, from: Addr, to: Addr): MapError | null => {
      const size = this.entrySize(l);
      for (let addr = from; addr < to; ) {
        const base = alignDown(addr, size);
        const next = base + size < to ? base + size : to;
        const pa = phys + (addr - start);
        const shift = this.entryShift(l);
        const huge = this.preset.leafShifts.includes(shift) && shift <= maxPageShift && addr === base && next === base + size && pa % size === 0n;
        const s = this.slot(l, addr);
        if (s === 'leaf') return 'EBUSY';
        if (l === this.last || huge) {
          if (s === 'table') {
            if (this.mapsAnything(base, base + size)) return 'EBUSY';
            for (let m = this.last; m > l; m--) for (const va of [...(this.tables[m]?.keys() ?? [])]) if (va >= base && va < base + size) this.freeTable(m, va);
            this.tlb.flushKernelRange(base, base + size);
          }
          this.leaves.set(base, { pfn: Number(pa >> this.pageShift), level: l });
          mapped.push(base);
        } else {
          if (s === 'none' && !this.allocTable(l, addr)) return 'ENOMEM';
          const err = mapLevel(l + 1, addr, next);
          if (err) return err;
        }
        addr = next;
      }
      return null;
    };
    return { err: mapLevel(0, start, end), mapped };
  }

  /**
   * vunmap_page_range(start, end): clear every leaf in the range, no TLB flush, tables stay.
   * A huge leaf only partly inside is EINVAL, found before anything is cleared (spec deviation:
   * the kernel WARNs and clears it).
   */
  vunmapPageRange(start: Addr, end: Addr): 'EINVAL' | null {
    // the leaves meeting the range: found from the range's pages when it has fewer pages than
    // there are leaves (each page's leaf is at one of the aligned bases above it), else by
    // looking at every leaf — the same set either way
    const hit = new Set<Addr>();
    if ((end - start) >> this.pageShift < BigInt(this.leaves.size)) {
      for (let va = start; va < end; va += 1n << this.pageShift) {
        for (let l = 0; l <= this.last; l++) {
          const base = alignDown(va, this.entrySize(l));
          if (this.leaves.get(base)?.level === l) hit.add(base);
        }
      }
    } else {
      for (const [va, leaf] of this.leaves) if (overlaps(va, va + this.entrySize(leaf.level), start, end)) hit.add(va);
    }
    for (const va of hit) {
      const leaf = this.leaves.get(va) as Leaf;
      if (va < start || va + this.entrySize(leaf.level) > end) return 'EINVAL';
    }
    for (const va of hit) this.leaves.delete(va);
    return null;
  }

  /** walk / vmalloc_to_page: the pfn of the base page containing va and the leaf's level. */
  walk(va: Addr): { pfn: Pfn; level: number } | null {
    for (let l = 0; l <= this.last; l++) {
      const s = this.slot(l, va);
      if (s === 'none') return null;
      if (s === 'leaf') {
        const base = alignDown(va, this.entrySize(l));
        const leaf = this.leaves.get(base) as Leaf;
        return { pfn: leaf.pfn + Number((va - base) >> this.pageShift), level: l };
      }
    }
    return null;
  }

  /** populate(va, level): tables down to `level` exist on va's path afterwards (calls.ts). */
  populate(va: Addr, level: number): MapError | null {
    for (let l = 0; l < level; l++) {
      const s = this.slot(l, va);
      if (s === 'leaf') return 'EBUSY';
      if (s === 'none' && !this.allocTable(l, va)) return 'ENOMEM';
    }
    return null;
  }

  /**
   * free_empty_tables(start, end): bottom-up, every table (never the root) whose span meets
   * [start, end) and that is left with only none entries is freed and its parent entry cleared;
   * freeing a deeper table first lets the emptiness cascade upward. choice: no TLB flush.
   */
  freeEmptyTables(start: Addr, end: Addr): void {
    for (let level = this.last; level >= 1; level--) {
      const span = this.entrySize(level - 1);
      for (const base of [...(this.tables[level]?.keys() ?? [])]) {
        if (overlaps(base, base + span, start, end) && !this.mapsAnything(base, base + span) && !this.hasTablesBelow(level, base, base + span)) this.freeTable(level, base);
      }
    }
  }
}
