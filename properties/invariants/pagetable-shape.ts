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
import { leafView, memo, multipleOf, tableView } from './numeric.js';

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

/** What depends on the tables alone, computed once per tables array (they rarely change). */
interface TablesFacts {
  /** levelStart[l] .. levelStart[l + 1] are level l's tables */
  readonly levelStart: readonly number[];
  /** the first violation among the tables alone, or null */
  readonly err: string | null;
  /** table indices ordered by pfn */
  readonly byPfn: Uint32Array;
}

const factsMemo = new WeakMap<readonly TableRec[], TablesFacts>();

function tablesFacts(tables: readonly TableRec[], g: InvariantCtx['geo']): TablesFacts {
  const hit = factsMemo.get(tables);
  if (hit) return hit;
  const f = computeTablesFacts(tables, g);
  factsMemo.set(tables, f);
  return f;
}

const perLevelMemo = new WeakMap<InvariantCtx['geo'], { spanPages: readonly number[]; entryPages: readonly number[] }>();

/** pages per table span / per leaf entry, by level (once per geometry) */
function pagesPerLevel(g: InvariantCtx['geo']): { spanPages: readonly number[]; entryPages: readonly number[] } {
  return memo(perLevelMemo, g, () => ({ spanPages: g.spanShift.map((x) => 2 ** (x - g.pageShift)), entryPages: g.entryShift.map((x) => 2 ** (x - g.pageShift)) }));
}

/** a page number as the kernel hex address of its first byte (for messages) */
function vpnHex(g: InvariantCtx['geo'], vpn: number): string {
  return hex(BigInt(vpn) << BigInt(g.pageShift), g.w);
}

function computeTablesFacts(tables: readonly TableRec[], g: InvariantCtx['geo']): TablesFacts {
  const tv = tableView(tables, g);
  const { spanPages } = pagesPerLevel(g);
  const levelStart: number[] = new Array<number>(g.levels + 1).fill(tables.length);
  const byPfn = Uint32Array.from(tables.keys()).sort((a, b) => (tables[a] as TableRec).pfn - (tables[b] as TableRec).pfn);
  for (let i = tables.length - 1; i >= 0; i--) {
    const t = tables[i] as TableRec;
    if (!Number.isInteger(t.level) || t.level < 1 || t.level >= g.levels) {
      return { levelStart, byPfn, err: `table at ${hex(t.va, g.w)} (pfn ${h(t.pfn)}) has level ${t.level}: non-root tables are levels 1..${g.levels - 1}` };
    }
    for (let l = 0; l <= t.level; l++) levelStart[l] = i;
  }
  for (let i = 0; i < tables.length; i++) {
    const t = tables[i] as TableRec;
    const vpn = tv.vpn[i] as number;
    if (tv.exact[i] === 0 || !multipleOf(vpn, spanPages[t.level] ?? 1)) {
      return { levelStart, byPfn, err: `level-${t.level} table ${hex(t.va, g.w)} is not aligned to its span ${h(g.spanSize[t.level] ?? 1n)}` };
    }
    const prev = i > 0 ? (tables[i - 1] as TableRec) : null;
    if (prev && (prev.level > t.level || (prev.level === t.level && (tv.vpn[i - 1] as number) >= vpn))) {
      return { levelStart, byPfn, err: `tables not sorted by (level, va) or (level ${t.level}, ${vpnHex(g, vpn)}) listed twice` };
    }
    if (t.level > 1) {
      const pspan = spanPages[t.level - 1] ?? 1;
      const pvpn = Math.floor(vpn / pspan) * pspan;
      if (!hasTable(tv, levelStart[t.level - 1] as number, levelStart[t.level] as number, pvpn)) {
        return { levelStart, byPfn, err: `level-${t.level} table ${vpnHex(g, vpn)} (pfn ${h(t.pfn)}) has no parent: no level-${t.level - 1} table at ${vpnHex(g, pvpn)}` };
      }
    }
  }
  // each table page is referenced once: no pfn twice among the tables
  for (let k = 1; k < byPfn.length; k++) {
    const pfn = (tables[byPfn[k] as number] as TableRec).pfn;
    if (pfn === (tables[byPfn[k - 1] as number] as TableRec).pfn) return { levelStart, byPfn, err: `table page pfn ${h(pfn)} is referenced by more than one entry` };
  }
  return { levelStart, byPfn, err: null };
}

// The arithmetic is on page numbers (numeric.ts: exact doubles); addresses are formatted from
// them only for a message.
export function pagetableShape(s: AbstractState, ctx: InvariantCtx): string | null {
  const g = ctx.geo;
  const tables = s.tables;
  const facts = tablesFacts(tables, g);
  if (facts.err) return facts.err;
  const { levelStart, byPfn } = facts;
  const tv = tableView(tables, g);
  const lv = leafView(s.leaves, g);
  const topVpn = 2 ** (g.w - g.pageShift);
  const { spanPages, entryPages } = pagesPerLevel(g);
  // no table lies under a leaf of a higher level: for each huge leaf run, the tables of the
  // levels below it that start inside it (binary search per level)
  for (let i = 0; i < lv.n; i++) {
    const r = s.leaves[i] as LeafRun;
    if (!(r.level < g.levels - 1)) continue;
    for (let l = r.level + 1; l < g.levels; l++) {
      const lo = levelStart[l] as number;
      const hi = levelStart[l + 1] as number;
      let a = lo;
      let b = hi;
      while (a < b) {
        const mid = (a + b) >> 1;
        if ((tv.vpn[mid] as number) < (lv.vpn[i] as number)) a = mid + 1;
        else b = mid;
      }
      if (a < hi && (tv.vpn[a] as number) < (lv.end[i] as number)) {
        const t = tables[a] as TableRec;
        return `level-${t.level} table ${vpnHex(g, tv.vpn[a] as number)} (pfn ${h(t.pfn)}) lies under a level-${r.level} leaf at ${hex(r.va, g.w)}`;
      }
    }
  }
  // every table page is owned 'pagetable': one walk of the tables by pfn along the owner runs
  let k = 0;
  for (let j = 0; j < byPfn.length; j++) {
    const t = tables[byPfn[j] as number] as TableRec;
    while (k < s.owners.length && (s.owners[k] as OwnerRun).pfn + (s.owners[k] as OwnerRun).count <= t.pfn) k++;
    const own = s.owners[k];
    if (!own || own.pfn > t.pfn || own.owner !== 'pagetable') {
      return `table page pfn ${h(t.pfn)} (level ${t.level}, ${vpnHex(g, tv.vpn[byPfn[j] as number] as number)}) is owned by '${own && own.pfn <= t.pfn ? own.owner : 'nobody'}', not 'pagetable'`;
    }
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
    if (r.pages < 1 || lv.exact[i] === 0 || !multipleOf(vpn, per) || !multipleOf(r.pages, per) || !multipleOf(r.pfn, per)) {
      return `level-${r.level} leaf run ${hex(r.va, g.w)}+${r.pages} pages -> pfn ${h(r.pfn)} is not aligned to its leaf size ${h(g.entrySize[r.level] ?? 1n)}`;
    }
    if (end > topVpn) return `leaf run ${vpnHex(g, vpn)}+${r.pages} pages runs past the top of the address space`;
    if (lastEnd > vpn) return `leaf runs overlap or are unsorted at ${vpnHex(g, vpn)}`;
    lastEnd = end;
    if (r.level > 0) {
      // the leaf is an entry of a level-r.level table: one per table span it crosses
      const tspan = spanPages[r.level] ?? 1;
      for (let t = Math.floor(vpn / tspan) * tspan; t < end; t += tspan) {
        if (!(r.level === 0 || hasTable(tv, levelStart[r.level] as number, levelStart[r.level + 1] as number, t))) {
          return `level-${r.level} leaf at ${vpnHex(g, t < vpn ? vpn : t)} has no level-${r.level} table at ${vpnHex(g, t)} to live in`;
        }
      }
    }
    // no table page is also a leaf's target (every table page is owned 'pagetable', see above)
    for (let k = firstOwnerEndingAfter(s.owners, r.pfn); k < s.owners.length; k++) {
      const o = s.owners[k] as OwnerRun;
      if (o.pfn >= r.pfn + r.pages) break;
      if (o.owner === 'pagetable') {
        const pfn = Math.max(o.pfn, r.pfn);
        return `table page pfn ${h(pfn)} is also the target of the leaf at ${vpnHex(g, vpn + pfn - r.pfn)}`;
      }
    }
  }
  return null;
}
