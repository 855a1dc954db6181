// invariants: page-number views of the state's runs, so the hot checks do plain double arithmetic
// instead of allocating bigints. Exact: a virtual page number is below 2^(W - pageShift) <= 2^52,
// and every sum the checks form (vpn + pages) stays below 2^53, where doubles are exact integers
// (the view refuses a geometry where that would not hold). One view per runs array, memoized on
// its identity (the arrays are immutable values).
import type { AreaRec, LeafRun, MappingRec, TableRec } from '../../api/index.js';
import type { Geometry } from '../harness/geometry.js';

export interface LeafView {
  readonly n: number;
  readonly vpn: Float64Array;
  /** vpn + pages */
  readonly end: Float64Array;
  /** 1: va is page aligned and in [0, 2^W) — vpn is exactly va's page */
  readonly exact: Uint8Array;
  /** every run exact, with a safe-integer page count: the view alone decides every comparison */
  readonly allExact: boolean;
}

export interface TableView {
  readonly n: number;
  readonly vpn: Float64Array;
  /** 1: va is page aligned and in [0, 2^W) */
  readonly exact: Uint8Array;
}

function exactAddr(va: bigint, g: Geometry): number {
  return va >= 0n && va < g.top && BigInt.asUintN(g.pageShift, va) === 0n ? 1 : 0;
}

/**
 * va's page number, va >> pageShift: for a page-aligned va, Number(va) / pageSize — exact, as
 * va = vpn * 2^pageShift with vpn < 2^52 is a double with a 52-bit mantissa, and the division
 * by a power of two only moves the exponent — three times cheaper than the bigint shift (which
 * allocates); the shift otherwise.
 */
function pageNumber(va: bigint, g: Geometry): number {
  return BigInt.asUintN(g.pageShift, va) === 0n ? Number(va) / pow2(g.pageShift) : Number(va >> BigInt(g.pageShift));
}

/** `cache`'s value for `key`, made by `make` the first time (the keys are immutable values). */
export function memo<K extends object, V>(cache: WeakMap<K, V>, key: K, make: () => V): V {
  let v = cache.get(key);
  if (v === undefined) {
    v = make();
    cache.set(key, v);
  }
  return v;
}

const leafViews = new WeakMap<readonly LeafRun[], LeafView>();
const tableViews = new WeakMap<readonly TableRec[], TableView>();

function exact(g: Geometry): void {
  if (g.w - g.pageShift > 52) throw new Error(`page numbers of a ${g.w}-bit space with ${g.pageShift}-bit pages are not exact doubles`);
}

/** The virtual page number of a page-aligned address (exact, see above). */
export function vpnOf(va: bigint, g: Geometry): number {
  return pageNumber(va, g);
}

export function leafView(leaves: readonly LeafRun[], g: Geometry): LeafView {
  return memo(leafViews, leaves, () => {
    exact(g);
    const vpn = new Float64Array(leaves.length);
    const end = new Float64Array(leaves.length);
    const ex = new Uint8Array(leaves.length);
    let all = true;
    for (let i = 0; i < leaves.length; i++) {
      const r = leaves[i] as LeafRun;
      vpn[i] = pageNumber(r.va, g);
      end[i] = (vpn[i] as number) + r.pages;
      ex[i] = exactAddr(r.va, g);
      if (ex[i] === 0 || !Number.isSafeInteger(r.pages)) all = false;
    }
    return { n: leaves.length, vpn, end, exact: ex, allExact: all };
  });
}

export function tableView(tables: readonly TableRec[], g: Geometry): TableView {
  return memo(tableViews, tables, () => {
    exact(g);
    const vpn = new Float64Array(tables.length);
    const ex = new Uint8Array(tables.length);
    for (let i = 0; i < tables.length; i++) {
      const va = (tables[i] as TableRec).va;
      vpn[i] = pageNumber(va, g);
      ex[i] = exactAddr(va, g);
    }
    return { n: tables.length, vpn, exact: ex };
  });
}

/** Index of the first leaf run ending above page `vpn` (the run holding it, or the next one). */
export function firstLeafEndingAfterVpn(v: LeafView, vpn: number): number {
  let lo = 0;
  let hi = v.n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((v.end[mid] as number) <= vpn) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * v is a multiple of p, a power of two: what `v % p === 0` says, without the floating-point
 * remainder (a libm call, ~15x slower than this). Exact for integers below 2^53: v / p is then
 * exact, and so are the floor and the product. NaN and ±Infinity are no multiple (as with %).
 */
export function multipleOf(v: number, p: number): boolean {
  return Math.floor(v / p) * p === v && v - v === 0;
}

/** 2 ** n for the small exponents of orders and levels, from a table; 2 ** n otherwise. */
const POW2 = Array.from({ length: 53 }, (_, n) => 2 ** n);
export function pow2(n: number): number {
  return POW2[n] ?? 2 ** n;
}

export interface MappingView {
  readonly n: number;
  /** the first page */
  readonly vpn: Float64Array;
  /** vpn + pages: the guard's first page */
  readonly end: Float64Array;
  /** vpn + pages + guard */
  readonly guardEnd: Float64Array;
  /** every mapping page aligned in [0, 2^W), with safe-integer pages and guard, ends below 2^53 */
  readonly allExact: boolean;
}

const mappingViews = new WeakMap<readonly MappingRec[], MappingView>();

export function mappingView(ms: readonly MappingRec[], g: Geometry): MappingView {
  return memo(mappingViews, ms, () => {
    exact(g);
    const vpn = new Float64Array(ms.length);
    const end = new Float64Array(ms.length);
    const guardEnd = new Float64Array(ms.length);
    let all = true;
    for (let i = 0; i < ms.length; i++) {
      const m = ms[i] as MappingRec;
      vpn[i] = pageNumber(m.va, g);
      end[i] = (vpn[i] as number) + m.pages;
      guardEnd[i] = (end[i] as number) + m.guard;
      if (exactAddr(m.va, g) === 0 || !Number.isSafeInteger(m.pages) || !Number.isSafeInteger(m.guard) || !Number.isSafeInteger(guardEnd[i])) all = false;
    }
    return { n: ms.length, vpn, end, guardEnd, allExact: all };
  });
}

export interface AreaView {
  readonly n: number;
  readonly start: Float64Array;
  readonly end: Float64Array;
  /** every area's start and end page aligned in [0, 2^W]: the view alone decides every comparison */
  readonly allExact: boolean;
}

const areaViews = new WeakMap<readonly AreaRec[], AreaView>();

export function areaView(areas: readonly AreaRec[], g: Geometry): AreaView {
  return memo(areaViews, areas, () => {
    exact(g);
    const start = new Float64Array(areas.length);
    const end = new Float64Array(areas.length);
    let all = true;
    for (let i = 0; i < areas.length; i++) {
      const a = areas[i] as AreaRec;
      start[i] = pageNumber(a.start, g);
      end[i] = pageNumber(a.end, g);
      // an end may be the top of the space itself (2^W): still exact
      if (exactAddr(a.start, g) === 0 || !(a.end >= 0n && a.end <= g.top && BigInt.asUintN(g.pageShift, a.end) === 0n)) all = false;
    }
    return { n: areas.length, start, end, allExact: all };
  });
}

/** How many of the ascending xs[0..n) are <= x (binary search): the index after the last one. */
export function countAtOrBelow(xs: Float64Array, n: number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((xs[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
