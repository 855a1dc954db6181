// invariant vmemmap-backed (vmemmap.md §6, checking.md §4): a vmemmap unit (a base page, or a
// huge leaf as a whole) is mapped if and only if it holds the memmap of at least one present
// sub-section; every unit is backed either by RAM owned 'vmemmap' or by pages of a live
// altmap's device (owned 'device'); no backing page backs two units; every RAM 'vmemmap' page
// backs one (nothing leaked); page-table pages are never device pages.
import type { AbstractState, Addr, AltmapRec, LeafRun, OwnerRun, Pfn } from '../../api/index.js';
import { hexAt } from '../harness/geometry.js';
import type { InvariantCtx } from './context.js';
import { firstOwnerEndingAfter, h, leafAt } from './lookup.js';
import type { LeafView } from './numeric.js';
import { leafView, vpnOf } from './numeric.js';

/** The harness's own vmemmap arithmetic (vmemmap.md §1; machine.md §1). */
export interface VmemmapGeo {
  readonly start: Addr; // VMEMMAP_START
  readonly end: Addr; // the end of the vmemmap of every hot-pluggable pfn
  readonly basePfn: Pfn; // 0, or memstart_pfn on arm64
  readonly ssPfns: number; // PAGES_PER_SUBSECTION
  /** start and end as page numbers (numeric.ts), null when an edge is not a page boundary */
  readonly pages: { readonly start: number; readonly end: number } | null;
}

const geoMemo = new WeakMap<InvariantCtx['config'], VmemmapGeo | null>();

export function vmemmapGeo(ctx: InvariantCtx): VmemmapGeo | null {
  if (geoMemo.has(ctx.config)) return geoMemo.get(ctx.config) ?? null;
  const v = computeVmemmapGeo(ctx);
  geoMemo.set(ctx.config, v);
  return v;
}

function computeVmemmapGeo(ctx: InvariantCtx): VmemmapGeo | null {
  const p = ctx.geo.preset;
  if (p.vmemmapStart === null) return null;
  let basePfn = 0;
  if (p.vmemmapBase === 'memstart') {
    const align = Number((p.memstartAlign ?? ctx.geo.pageSize) / ctx.geo.pageSize);
    const first = Math.min(...ctx.config.ram.banks.map((b) => b.start));
    basePfn = first - (first % align);
  }
  // hot-pluggable pfns: below 2^MAX_PHYSMEM_BITS; arm64 also inside the linear map, which is
  // half the virtual address space from memstart; the vmemmap never runs past the top
  let pfns = p.maxPhysmemBits === undefined ? null : 2n ** BigInt(p.maxPhysmemBits - p.pageShift) - BigInt(basePfn);
  if (p.vmemmapBase === 'memstart') {
    const vaBits = p.pageShift + p.levels.reduce((n, l) => n + l.bits, 0);
    const linear = 2n ** BigInt(vaBits - 1 - p.pageShift);
    if (pfns === null || linear < pfns) pfns = linear;
  }
  let end = ctx.geo.top;
  if (pfns !== null && p.vmemmapStart + pfns * 64n < end) end = p.vmemmapStart + pfns * 64n;
  const g = ctx.geo;
  const onPages = BigInt.asUintN(g.pageShift, p.vmemmapStart) === 0n && BigInt.asUintN(g.pageShift, end) === 0n;
  const pages = onPages ? { start: vpnOf(p.vmemmapStart, g), end: vpnOf(end, g) } : null;
  return { start: p.vmemmapStart, end, basePfn, ssPfns: 2 ** (p.subsectionShift - p.pageShift), pages };
}

/** The pfns whose struct pages lie in the vmemmap bytes [va, va + size). */
export function pfnsHeldBy(v: VmemmapGeo, va: Addr, size: Addr): { lo: Pfn; hi: Pfn } {
  return { lo: v.basePfn + Number((va - v.start) / 64n), hi: v.basePfn + Number((va + size - v.start) / 64n) };
}

/** One mapped vmemmap unit: a base page, or a huge leaf as a whole. */
export interface Unit {
  readonly va: Addr;
  readonly pages: number;
  readonly pfn: Pfn;
}

const unitsMemo = new WeakMap<AbstractState['leaves'], Unit[]>();

/** The vmemmap units: the leaves inside the vmemmap region, one per leaf (computed once per state). */
export function vmemmapUnits(s: AbstractState, ctx: InvariantCtx, v: VmemmapGeo): readonly Unit[] {
  const hit = unitsMemo.get(s.leaves);
  if (hit) return hit;
  const units = computeUnits(s, ctx, v);
  unitsMemo.set(s.leaves, units);
  return units;
}

/** The leaves' page numbers when they decide every placeOf exactly (numeric.ts), else null. */
function regionLeaves(s: AbstractState, g: InvariantCtx['geo'], v: VmemmapGeo): LeafView | null {
  const lv = leafView(s.leaves, g);
  return lv.allExact && v.pages !== null ? lv : null;
}

/** Where leaf run i lies against the vmemmap region: on page numbers when `lv` is given, else on the bigints. */
function placeOf(s: AbstractState, i: number, lv: LeafView | null, g: InvariantCtx['geo'], v: VmemmapGeo): 'outside' | 'inside' | 'straddles' {
  if (lv !== null && v.pages !== null) {
    const start = lv.vpn[i] as number;
    const end = lv.end[i] as number;
    if (end <= v.pages.start || start >= v.pages.end) return 'outside';
    return start < v.pages.start || end > v.pages.end ? 'straddles' : 'inside';
  }
  const r = s.leaves[i] as LeafRun;
  const end = r.va + BigInt(r.pages) * g.pageSize;
  if (end <= v.start || r.va >= v.end) return 'outside';
  return r.va < v.start || end > v.end ? 'straddles' : 'inside';
}

function computeUnits(s: AbstractState, ctx: InvariantCtx, v: VmemmapGeo): Unit[] {
  const units: Unit[] = [];
  const ps = ctx.geo.pageSize;
  const lv = regionLeaves(s, ctx.geo, v);
  for (let k = 0; k < s.leaves.length; k++) {
    const r = s.leaves[k] as LeafRun;
    if (placeOf(s, k, lv, ctx.geo, v) === 'outside') continue;
    const per = 2 ** (ctx.geo.entryShift[r.level]! - ctx.geo.pageShift);
    for (let i = 0; i < r.pages; i += per) units.push({ va: r.va + BigInt(i) * ps, pages: per, pfn: r.pfn + i });
  }
  return units;
}

/** the live altmap whose device holds pfn */
export function altmapOf(s: AbstractState, pfn: Pfn): AltmapRec | undefined {
  return s.vmemmap?.altmaps.find((a) => pfn >= a.basePfn && pfn <= a.endPfn);
}

/** Some present run (sorted by pfn, disjoint) meets [lo, hi): binary search, no allocation. */
function presentIn(present: NonNullable<AbstractState['vmemmap']>['present'], lo: Pfn, hi: Pfn): boolean {
  let a = 0;
  let b = present.length;
  while (a < b) {
    const mid = (a + b) >> 1;
    const r = present[mid] as { pfn: Pfn; count: number };
    if (r.pfn + r.count <= lo) a = mid + 1;
    else b = mid;
  }
  const r = present[a];
  return r !== undefined && r.pfn < hi;
}

export function vmemmapBacked(s: AbstractState, ctx: InvariantCtx): string | null {
  const v = vmemmapGeo(ctx);
  if (!v || !s.vmemmap) return null;
  const g = ctx.geo;
  const A = hexAt(g.w);
  const present = s.vmemmap.present;
  // present → mapped: every vmemmap page of a present run's memmap has a translation
  for (const r of present) {
    const first = v.start + BigInt(r.pfn - v.basePfn) * 64n;
    const last = v.start + BigInt(r.pfn + r.count - v.basePfn) * 64n;
    for (let va = first - (first % g.pageSize); va < last; ) {
      const leaf: LeafRun | null = leafAt(s.leaves, va, g.pageSize);
      if (!leaf) return `present ${r.kind} pfns ${h(r.pfn)}+${h(r.count)}: their memmap at ${A(va)} is not mapped`;
      va = leaf.va + BigInt(leaf.pages) * g.pageSize;
    }
  }
  const unitsErr = unitsFine(s, ctx, v) ? null : unitsCheck(s, ctx, v);
  if (unitsErr) return unitsErr;
  for (const t of s.tables) {
    const alt = altmapOf(s, t.pfn);
    if (alt) return `page-table page pfn ${h(t.pfn)} (level ${t.level}, ${A(t.va)}) lies in the device of the altmap at ${h(alt.basePfn)}`;
    const own = s.owners[firstOwnerEndingAfter(s.owners, t.pfn)];
    if (own && own.pfn <= t.pfn && own.owner === 'device') return `page-table page pfn ${h(t.pfn)} (level ${t.level}, ${A(t.va)}) is device memory`;
  }
  return null;
}

/** some whole unit [lo + k·u, lo + (k+1)·u) of a run whose memmap starts at lo fits in [g0, g1) */
function fitsIn(lo: number, u: number, g0: number, g1: number): boolean {
  const k = Math.max(0, Math.ceil((g0 - lo) / u));
  return lo + (k + 1) * u <= g1;
}

/**
 * The fast path of the unit checks: the same conditions decided per leaf run instead of per unit
 * (a base-page vmemmap has thousands of units, a run holds hundreds of them). Sound: true only
 * when unitsCheck would find nothing; false sends the state to unitsCheck, which names the unit.
 */
export function unitsFine(s: AbstractState, ctx: InvariantCtx, v: VmemmapGeo): boolean {
  const g = ctx.geo;
  const pageBytes = Number(g.pageSize);
  const present = s.vmemmap?.present ?? [];
  const altmaps = s.vmemmap?.altmaps ?? [];
  const runs: { pfn: Pfn; pages: number }[] = [];
  let ramPages = 0;
  const lv = regionLeaves(s, g, v);
  for (let i = 0; i < s.leaves.length; i++) {
    const r = s.leaves[i] as LeafRun;
    const place = placeOf(s, i, lv, g, v);
    if (place === 'outside') continue;
    // a run straddling the region's edges is left to the unit check
    if (place === 'straddles') return false;
    const per = 2 ** (ctx.geo.entryShift[r.level]! - ctx.geo.pageShift);
    runs.push({ pfn: r.pfn, pages: r.pages });
    // every unit holds the memmap of some present sub-section: no unit fits in a gap between
    // the present runs meeting the run's memmap [lo, hi)
    const lo = v.basePfn + Number(r.va - v.start) / 64;
    const hi = lo + (r.pages * pageBytes) / 64;
    const u = (per * pageBytes) / 64;
    let c = lo;
    for (const p of present) {
      if (p.pfn + p.count <= lo) continue;
      if (p.pfn >= hi) break;
      if (p.pfn > c && fitsIn(lo, u, c, p.pfn)) return false;
      c = Math.max(c, p.pfn + p.count);
    }
    if (c < hi && fitsIn(lo, u, c, hi)) return false;
    // no unit straddles an altmap's device edge
    for (const a of altmaps) {
      for (const b of [a.basePfn, a.endPfn + 1]) if (b > r.pfn && b < r.pfn + r.pages && (b - r.pfn) % per !== 0) return false;
    }
    // the backing pages: each owner run inside one altmap and 'device', or outside all and 'vmemmap'
    let covered = 0;
    for (let i = firstOwnerEndingAfter(s.owners, r.pfn); i < s.owners.length; i++) {
      const o = s.owners[i] as OwnerRun;
      if (o.pfn >= r.pfn + r.pages) break;
      const x = Math.max(o.pfn, r.pfn);
      const y = Math.min(o.pfn + o.count, r.pfn + r.pages);
      const alt = altmapOf(s, x);
      if (alt) {
        if (o.owner !== 'device' || y - 1 > alt.endPfn) return false;
      } else {
        if (o.owner !== 'vmemmap' || altmaps.some((a) => a.basePfn < y && a.endPfn >= x)) return false;
        ramPages += y - x;
      }
      covered += y - x;
    }
    if (covered !== r.pages) return false;
  }
  // no backing page backs two units (units of one run are disjoint by construction)
  runs.sort((a, b) => a.pfn - b.pfn);
  for (let i = 1; i < runs.length; i++) if ((runs[i] as { pfn: Pfn }).pfn < (runs[i - 1] as { pfn: Pfn; pages: number }).pfn + (runs[i - 1] as { pages: number }).pages) return false;
  let owned = 0;
  for (const o of s.owners) if (o.owner === 'vmemmap') owned += o.count;
  return owned === ramPages;
}

/** The unit checks, unit by unit (the definition; unitsFine is its fast path). */
export function unitsCheck(s: AbstractState, ctx: InvariantCtx, v: VmemmapGeo): string | null {
  const g = ctx.geo;
  const A = hexAt(g.w);
  const present = s.vmemmap?.present ?? [];
  const units = vmemmapUnits(s, ctx, v);
  const pageBytes = Number(g.pageSize);
  // no backing page backs two units: the units' pfn ranges, sorted, must not overlap (an
  // interval check rather than a per-pfn set: a device's vmemmap is thousands of pages)
  const byPfn = [...units].sort((a, b) => a.pfn - b.pfn);
  for (let i = 1; i < byPfn.length; i++) {
    const a = byPfn[i - 1] as Unit;
    const b = byPfn[i] as Unit;
    if (b.pfn < a.pfn + a.pages) {
      const [x, y] = a.va < b.va ? [a, b] : [b, a];
      return `pfn ${h(b.pfn)} backs two vmemmap units, ${A(x.va)} and ${A(y.va)}`;
    }
  }
  let ramPages = 0;
  for (const u of units) {
    // pfnsHeldBy(v, u.va, size) in plain numbers: offsets inside the vmemmap region are far
    // below 2^53, and a unit is whole pages, so the divisions by 64 are exact
    const lo = v.basePfn + Number(u.va - v.start) / 64;
    const hi = lo + (u.pages * pageBytes) / 64;
    if (!presentIn(present, lo, hi)) return `vmemmap unit ${A(u.va)} (${u.pages} pages) is mapped but holds the memmap of no present sub-section (pfns ${h(lo)}..${h(hi)})`;
    const alt = altmapOf(s, u.pfn);
    const want = alt ? 'device' : 'vmemmap';
    if (altmapOf(s, u.pfn + u.pages - 1) !== alt) return `vmemmap unit ${A(u.va)} is backed by pfns ${h(u.pfn)}+${u.pages} that straddle an altmap's device`;
    let covered = 0;
    for (let i = firstOwnerEndingAfter(s.owners, u.pfn); i < s.owners.length; i++) {
      const o = s.owners[i] as OwnerRun;
      if (o.pfn >= u.pfn + u.pages) break;
      if (o.owner !== want) return `vmemmap unit ${A(u.va)} is backed by pfn ${h(Math.max(o.pfn, u.pfn))} owned '${o.owner}', not '${want}'${alt ? ` (altmap of ${h(alt.basePfn)})` : ' (RAM)'}`;
      covered += Math.min(o.pfn + o.count, u.pfn + u.pages) - Math.max(o.pfn, u.pfn);
    }
    if (covered !== u.pages) {
      return `vmemmap unit ${A(u.va)} is backed by pfns ${h(u.pfn)}+${u.pages} that are not all memory`;
    }
    if (!alt) ramPages += u.pages;
  }
  // nothing leaked: every RAM page owned 'vmemmap' backs a unit
  const owned = s.owners.filter((o) => o.owner === 'vmemmap').reduce((n, o) => n + o.count, 0);
  if (owned !== ramPages) return `${owned} RAM pages are owned 'vmemmap' but ${ramPages} back vmemmap units`;
  return null;
}
