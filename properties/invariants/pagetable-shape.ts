// invariant pagetable-shape (machine.md §6, "tree shape"), stated on the abstract form: every
// non-root table is referenced exactly once — (level, va) unique, pfns unique, its parent entry
// is a table (the parent table exists, or the parent is the root) and not a leaf; tables are
// pages owned 'pagetable'; every leaf sits at a level that allows leaves, in an existing table,
// aligned to its size virtually and physically; no table page is also a leaf's target.
import type { AbstractState, LeafRun, TableRec } from '../../api/index.js';
import { hex } from '../harness/geometry.js';
import type { InvariantCtx } from './context.js';
import { h, leafAt, ownersIn } from './lookup.js';

export function pagetableShape(s: AbstractState, ctx: InvariantCtx): string | null {
  const g = ctx.geo;
  const A = (a: bigint): string => hex(a, g.w);
  // tables by level: a Set of span starts (bigints compare by value in a Set)
  const keys: Set<bigint>[] = Array.from({ length: g.levels }, () => new Set<bigint>());
  const has = (level: number, va: bigint): boolean => keys[level]?.has(va) ?? false;
  const pfns = new Set<number>();
  let prev: TableRec | null = null;
  for (const t of s.tables) {
    if (!Number.isInteger(t.level) || t.level < 1 || t.level >= g.levels) {
      return `table at ${A(t.va)} (pfn ${h(t.pfn)}) has level ${t.level}: non-root tables are levels 1..${g.levels - 1}`;
    }
    const span = 1n << BigInt(g.spanShift[t.level] ?? 0);
    if (t.va % span !== 0n || t.va < 0n || t.va >= g.top) {
      return `level-${t.level} table ${A(t.va)} is not aligned to its span ${h(span)}`;
    }
    if (prev && (prev.level > t.level || (prev.level === t.level && prev.va >= t.va))) {
      return `tables not sorted by (level, va) or (level ${t.level}, ${A(t.va)}) listed twice`;
    }
    prev = t;
    keys[t.level]?.add(t.va);
    if (pfns.has(t.pfn)) return `table page pfn ${h(t.pfn)} is referenced by more than one entry`;
    pfns.add(t.pfn);
  }
  for (const t of s.tables) {
    if (t.level > 1) {
      const pspan = 1n << BigInt(g.spanShift[t.level - 1] ?? 0);
      const pva = t.va - (t.va % pspan);
      if (!has(t.level - 1, pva)) {
        return `level-${t.level} table ${A(t.va)} (pfn ${h(t.pfn)}) has no parent: no level-${t.level - 1} table at ${A(pva)}`;
      }
    }
    const over = leafAt(s.leaves, t.va, g.pageSize);
    if (over && over.level < t.level) {
      return `level-${t.level} table ${A(t.va)} (pfn ${h(t.pfn)}) lies under a level-${over.level} leaf at ${A(over.va)}`;
    }
    const own = ownersIn(s.owners, t.pfn, 1)[0];
    if (!own || own.pfn > t.pfn || own.owner !== 'pagetable') {
      return `table page pfn ${h(t.pfn)} (level ${t.level}, ${A(t.va)}) is owned by '${own && own.pfn <= t.pfn ? own.owner : 'nobody'}', not 'pagetable'`;
    }
  }
  const tablePfns = [...pfns].sort((a, b) => a - b);
  let last: LeafRun | null = null;
  for (const r of s.leaves) {
    if (!Number.isInteger(r.level) || r.level < 0 || r.level >= g.levels || !g.leafOk[r.level]) {
      return `leaf run at ${A(r.va)} has level ${r.level}, where the preset allows no leaf`;
    }
    const size = 1n << BigInt(g.entryShift[r.level] ?? 0);
    const entryPages = Number(size / g.pageSize);
    const end = r.va + BigInt(r.pages) * g.pageSize;
    if (r.pages < 1 || r.va % size !== 0n || r.pages % entryPages !== 0 || r.pfn % entryPages !== 0) {
      return `level-${r.level} leaf run ${A(r.va)}+${r.pages} pages -> pfn ${h(r.pfn)} is not aligned to its leaf size ${h(size)}`;
    }
    if (end > g.top) return `leaf run ${A(r.va)}+${r.pages} pages runs past the top of the address space`;
    if (last && last.va + BigInt(last.pages) * g.pageSize > r.va) {
      return `leaf runs overlap or are unsorted: ${A(last.va)}+${last.pages} pages and ${A(r.va)}`;
    }
    last = r;
    if (r.level > 0) {
      // the leaf is an entry of a level-r.level table: one per table span it crosses
      const tspan = 1n << BigInt(g.spanShift[r.level] ?? 0);
      for (let t = r.va - (r.va % tspan); t < end; t += tspan) {
        if (!has(r.level, t)) {
          return `level-${r.level} leaf at ${A(t < r.va ? r.va : t)} has no level-${r.level} table at ${A(t)} to live in`;
        }
      }
    }
    // no table page is also a leaf's target
    let lo = 0;
    let hi = tablePfns.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((tablePfns[mid] as number) < r.pfn) lo = mid + 1;
      else hi = mid;
    }
    const tp = tablePfns[lo];
    if (tp !== undefined && tp < r.pfn + r.pages) {
      return `table page pfn ${h(tp)} is also the target of the leaf at ${A(r.va + BigInt(tp - r.pfn) * g.pageSize)}`;
    }
  }
  return null;
}
