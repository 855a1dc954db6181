// invariant pagetable-shape (machine.md §6, "tree shape"), stated on the abstract form: every
// non-root table is referenced exactly once — (level, va) unique, pfns unique, its parent entry
// is a table (the parent table exists, or the parent is the root) and not a leaf; tables are
// pages owned 'pagetable', and every page owned 'pagetable' is a table (none leaked); every leaf
// sits at a level that allows leaves, in an existing table, aligned to its size virtually and
// physically; no table page is also a leaf's target.
import type { AbstractState, LeafRun, OwnerRun, TableRec } from '../../api/index.js';
import { hex } from '../harness/geometry.js';
import type { InvariantCtx } from './context.js';
import { firstOwnerEndingAfter, h } from './lookup.js';
import type { TableView } from './numeric.js';
import { firstLeafEndingAfterVpn, leafView, tableView } from './numeric.js';

/** True when the sorted tables [lo, hi) of one level hold one at page `vpn` (binary search). */
function hasTable(tv: TableView, lo: number, hi: number, vpn: number): boolean {
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const t = tv.vpn[mid] as number;
    if (t === vpn) return true;
    if (t < vpn) lo = mid + 1;
    else hi = mid;
  }
  return false;
}

// The arithmetic is on page numbers (numeric.ts: exact doubles); addresses are formatted from
// them only for a message.
export function pagetableShape(s: AbstractState, ctx: InvariantCtx): string | null {
  const g = ctx.geo;
  const shift = BigInt(g.pageShift);
  const A = (vpn: number): string => hex(BigInt(vpn) << shift, g.w);
  const tables = s.tables;
  const tv = tableView(tables, g);
  const lv = leafView(s.leaves, g);
  const topVpn = 2 ** (g.w - g.pageShift);
  // pages per table span / per leaf entry, by level
  const spanPages = g.spanShift.map((x) => 2 ** (x - g.pageShift));
  const entryPages = g.entryShift.map((x) => 2 ** (x - g.pageShift));
  // tables are sorted by (level, va): levelStart[l] .. levelStart[l + 1] are level l's
  const levelStart: number[] = new Array<number>(g.levels + 1).fill(tables.length);
  for (let i = tables.length - 1; i >= 0; i--) {
    const t = tables[i] as TableRec;
    if (!Number.isInteger(t.level) || t.level < 1 || t.level >= g.levels) {
      return `table at ${hex(t.va, g.w)} (pfn ${h(t.pfn)}) has level ${t.level}: non-root tables are levels 1..${g.levels - 1}`;
    }
    for (let l = 0; l <= t.level; l++) levelStart[l] = i;
  }
  const has = (level: number, vpn: number): boolean => level === 0 || hasTable(tv, levelStart[level] as number, levelStart[level + 1] as number, vpn);
  for (let i = 0; i < tables.length; i++) {
    const t = tables[i] as TableRec;
    const vpn = tv.vpn[i] as number;
    const span = spanPages[t.level] ?? 1;
    if (tv.exact[i] === 0 || vpn % span !== 0) {
      return `level-${t.level} table ${hex(t.va, g.w)} is not aligned to its span ${h(g.spanSize[t.level] ?? 1n)}`;
    }
    const prev = i > 0 ? (tables[i - 1] as TableRec) : null;
    if (prev && (prev.level > t.level || (prev.level === t.level && (tv.vpn[i - 1] as number) >= vpn))) {
      return `tables not sorted by (level, va) or (level ${t.level}, ${A(vpn)}) listed twice`;
    }
    if (t.level > 1) {
      const pspan = spanPages[t.level - 1] ?? 1;
      const pvpn = vpn - (vpn % pspan);
      if (!has(t.level - 1, pvpn)) {
        return `level-${t.level} table ${A(vpn)} (pfn ${h(t.pfn)}) has no parent: no level-${t.level - 1} table at ${A(pvpn)}`;
      }
    }
    const li = firstLeafEndingAfterVpn(lv, vpn);
    const over = s.leaves[li];
    if (over && (lv.vpn[li] as number) <= vpn && over.level < t.level) {
      return `level-${t.level} table ${A(vpn)} (pfn ${h(t.pfn)}) lies under a level-${over.level} leaf at ${hex(over.va, g.w)}`;
    }
    const own = s.owners[firstOwnerEndingAfter(s.owners, t.pfn)];
    if (!own || own.pfn > t.pfn || own.owner !== 'pagetable') {
      return `table page pfn ${h(t.pfn)} (level ${t.level}, ${A(vpn)}) is owned by '${own && own.pfn <= t.pfn ? own.owner : 'nobody'}', not 'pagetable'`;
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
  let lastEnd = -1;
  for (let i = 0; i < lv.n; i++) {
    const r = s.leaves[i] as LeafRun;
    const vpn = lv.vpn[i] as number;
    const end = lv.end[i] as number;
    if (!Number.isInteger(r.level) || r.level < 0 || r.level >= g.levels || !g.leafOk[r.level]) {
      return `leaf run at ${hex(r.va, g.w)} has level ${r.level}, where the preset allows no leaf`;
    }
    const per = entryPages[r.level] ?? 1;
    if (r.pages < 1 || lv.exact[i] === 0 || vpn % per !== 0 || r.pages % per !== 0 || r.pfn % per !== 0) {
      return `level-${r.level} leaf run ${hex(r.va, g.w)}+${r.pages} pages -> pfn ${h(r.pfn)} is not aligned to its leaf size ${h(g.entrySize[r.level] ?? 1n)}`;
    }
    if (end > topVpn) return `leaf run ${A(vpn)}+${r.pages} pages runs past the top of the address space`;
    if (lastEnd > vpn) return `leaf runs overlap or are unsorted at ${A(vpn)}`;
    lastEnd = end;
    if (r.level > 0) {
      // the leaf is an entry of a level-r.level table: one per table span it crosses
      const tspan = spanPages[r.level] ?? 1;
      for (let t = vpn - (vpn % tspan); t < end; t += tspan) {
        if (!has(r.level, t)) {
          return `level-${r.level} leaf at ${A(t < vpn ? vpn : t)} has no level-${r.level} table at ${A(t)} to live in`;
        }
      }
    }
    // no table page is also a leaf's target (every table page is owned 'pagetable', see above)
    for (let k = firstOwnerEndingAfter(s.owners, r.pfn); k < s.owners.length; k++) {
      const o = s.owners[k] as OwnerRun;
      if (o.pfn >= r.pfn + r.pages) break;
      if (o.owner === 'pagetable') {
        const pfn = Math.max(o.pfn, r.pfn);
        return `table page pfn ${h(pfn)} is also the target of the leaf at ${A(vpn + pfn - r.pfn)}`;
      }
    }
  }
  return null;
}
