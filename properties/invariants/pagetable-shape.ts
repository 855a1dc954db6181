// invariant pagetable-shape (machine.md §6, "tree shape"), stated on the abstract form: every
// non-root table is referenced exactly once — (level, va) unique, pfns unique, its parent entry
// is a table (the parent table exists, or the parent is the root) and not a leaf; tables are
// pages owned 'pagetable', and every page owned 'pagetable' is a table (none leaked); every leaf
// sits at a level that allows leaves, in an existing table, aligned to its size virtually and
// physically; no table page is also a leaf's target.
import type { AbstractState, OwnerRun, TableRec } from '../../api/index.js';
import { hex } from '../harness/geometry.js';
import type { InvariantCtx } from './context.js';
import { firstOwnerEndingAfter, h, leafAt } from './lookup.js';

/** True when the sorted tables [lo, hi) of one level hold one at `va` (binary search, no allocation). */
function hasTable(tables: readonly TableRec[], lo: number, hi: number, va: bigint): boolean {
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const t = tables[mid] as TableRec;
    if (t.va === va) return true;
    if (t.va < va) lo = mid + 1;
    else hi = mid;
  }
  return false;
}

export function pagetableShape(s: AbstractState, ctx: InvariantCtx): string | null {
  const g = ctx.geo;
  const A = (a: bigint): string => hex(a, g.w);
  const tables = s.tables;
  // tables are sorted by (level, va): levelStart[l] .. levelStart[l + 1] are level l's
  const levelStart: number[] = new Array<number>(g.levels + 1).fill(tables.length);
  for (let i = tables.length - 1; i >= 0; i--) {
    const t = tables[i] as TableRec;
    if (!Number.isInteger(t.level) || t.level < 1 || t.level >= g.levels) {
      return `table at ${A(t.va)} (pfn ${h(t.pfn)}) has level ${t.level}: non-root tables are levels 1..${g.levels - 1}`;
    }
    for (let l = 0; l <= t.level; l++) levelStart[l] = i;
  }
  const has = (level: number, va: bigint): boolean =>
    level === 0 || hasTable(tables, levelStart[level] as number, levelStart[level + 1] as number, va);
  let prev: TableRec | null = null;
  for (const t of tables) {
    const span = g.spanSize[t.level] ?? 1n;
    if (t.va % span !== 0n || t.va < 0n || t.va >= g.top) {
      return `level-${t.level} table ${A(t.va)} is not aligned to its span ${h(span)}`;
    }
    if (prev && (prev.level > t.level || (prev.level === t.level && prev.va >= t.va))) {
      return `tables not sorted by (level, va) or (level ${t.level}, ${A(t.va)}) listed twice`;
    }
    prev = t;
    if (t.level > 1) {
      const pspan = g.spanSize[t.level - 1] ?? 1n;
      const pva = t.va - (t.va % pspan);
      if (!has(t.level - 1, pva)) {
        return `level-${t.level} table ${A(t.va)} (pfn ${h(t.pfn)}) has no parent: no level-${t.level - 1} table at ${A(pva)}`;
      }
    }
    const over = leafAt(s.leaves, t.va, g.pageSize);
    if (over && over.level < t.level) {
      return `level-${t.level} table ${A(t.va)} (pfn ${h(t.pfn)}) lies under a level-${over.level} leaf at ${A(over.va)}`;
    }
    const own = s.owners[firstOwnerEndingAfter(s.owners, t.pfn)];
    if (!own || own.pfn > t.pfn || own.owner !== 'pagetable') {
      return `table page pfn ${h(t.pfn)} (level ${t.level}, ${A(t.va)}) is owned by '${own && own.pfn <= t.pfn ? own.owner : 'nobody'}', not 'pagetable'`;
    }
  }
  // each table page is referenced once: no pfn twice among the tables
  const pfns = Float64Array.from(tables, (t) => t.pfn).sort();
  for (let i = 1; i < pfns.length; i++) {
    if (pfns[i] === pfns[i - 1]) return `table page pfn ${h(pfns[i] as number)} is referenced by more than one entry`;
  }
  let ptPages = 0;
  for (const o of s.owners) if (o.owner === 'pagetable') ptPages += o.count;
  if (ptPages !== tables.length) {
    return `${ptPages} pages are owned 'pagetable' but ${tables.length} tables exist besides the root (a table page leaked or was never accounted)`;
  }
  let lastEnd = -1n;
  for (const r of s.leaves) {
    if (!Number.isInteger(r.level) || r.level < 0 || r.level >= g.levels || !g.leafOk[r.level]) {
      return `leaf run at ${A(r.va)} has level ${r.level}, where the preset allows no leaf`;
    }
    const size = g.entrySize[r.level] ?? 1n;
    const entryPages = Number(size / g.pageSize);
    const end = r.va + BigInt(r.pages) * g.pageSize;
    if (r.pages < 1 || r.va % size !== 0n || r.pages % entryPages !== 0 || r.pfn % entryPages !== 0) {
      return `level-${r.level} leaf run ${A(r.va)}+${r.pages} pages -> pfn ${h(r.pfn)} is not aligned to its leaf size ${h(size)}`;
    }
    if (end > g.top) return `leaf run ${A(r.va)}+${r.pages} pages runs past the top of the address space`;
    if (lastEnd > r.va) return `leaf runs overlap or are unsorted at ${A(r.va)}`;
    lastEnd = end;
    if (r.level > 0) {
      // the leaf is an entry of a level-r.level table: one per table span it crosses
      const tspan = g.spanSize[r.level] ?? 1n;
      for (let t = r.va - (r.va % tspan); t < end; t += tspan) {
        if (!has(r.level, t)) {
          return `level-${r.level} leaf at ${A(t < r.va ? r.va : t)} has no level-${r.level} table at ${A(t)} to live in`;
        }
      }
    }
    // no table page is also a leaf's target (every table page is owned 'pagetable', see above)
    for (let i = firstOwnerEndingAfter(s.owners, r.pfn); i < s.owners.length; i++) {
      const o = s.owners[i] as OwnerRun;
      if (o.pfn >= r.pfn + r.pages) break;
      if (o.owner === 'pagetable') {
        const pfn = Math.max(o.pfn, r.pfn);
        return `table page pfn ${h(pfn)} is also the target of the leaf at ${A(r.va + BigInt(pfn - r.pfn) * g.pageSize)}`;
      }
    }
  }
  return null;
}
