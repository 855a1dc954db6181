// invariants: page-number views of the state's runs, so the hot checks do plain double arithmetic
// instead of allocating bigints. Exact: a virtual page number is below 2^(W - pageShift) <= 2^52,
// and every sum the checks form (vpn + pages) stays below 2^53, where doubles are exact integers
// (the view refuses a geometry where that would not hold). One view per runs array, memoized on
// its identity (the arrays are immutable values).
import type { LeafRun, TableRec } from '../../api/index.js';
import type { Geometry } from '../harness/geometry.js';

export interface LeafView {
  readonly n: number;
  readonly vpn: Float64Array;
  /** vpn + pages */
  readonly end: Float64Array;
  /** 1: va is page aligned and in [0, 2^W) — vpn is exactly va's page */
  readonly exact: Uint8Array;
}

export interface TableView {
  readonly n: number;
  readonly vpn: Float64Array;
  /** 1: va is page aligned and in [0, 2^W) */
  readonly exact: Uint8Array;
}

function exactAddr(va: bigint, g: Geometry): number {
  return va >= 0n && va < g.top && va % g.pageSize === 0n ? 1 : 0;
}

const leafViews = new WeakMap<readonly LeafRun[], LeafView>();
const tableViews = new WeakMap<readonly TableRec[], TableView>();

function exact(g: Geometry): void {
  if (g.w - g.pageShift > 52) throw new Error(`page numbers of a ${g.w}-bit space with ${g.pageShift}-bit pages are not exact doubles`);
}

/** The virtual page number of a page-aligned address (exact, see above). */
export function vpnOf(va: bigint, g: Geometry): number {
  return Number(va >> BigInt(g.pageShift));
}

export function leafView(leaves: readonly LeafRun[], g: Geometry): LeafView {
  let v = leafViews.get(leaves);
  if (!v) {
    exact(g);
    const shift = BigInt(g.pageShift);
    const vpn = new Float64Array(leaves.length);
    const end = new Float64Array(leaves.length);
    const ex = new Uint8Array(leaves.length);
    for (let i = 0; i < leaves.length; i++) {
      const r = leaves[i] as LeafRun;
      vpn[i] = Number(r.va >> shift);
      end[i] = (vpn[i] as number) + r.pages;
      ex[i] = exactAddr(r.va, g);
    }
    v = { n: leaves.length, vpn, end, exact: ex };
    leafViews.set(leaves, v);
  }
  return v;
}

export function tableView(tables: readonly TableRec[], g: Geometry): TableView {
  let v = tableViews.get(tables);
  if (!v) {
    exact(g);
    const shift = BigInt(g.pageShift);
    const vpn = new Float64Array(tables.length);
    const ex = new Uint8Array(tables.length);
    for (let i = 0; i < tables.length; i++) {
      const va = (tables[i] as TableRec).va;
      vpn[i] = Number(va >> shift);
      ex[i] = exactAddr(va, g);
    }
    v = { n: tables.length, vpn, exact: ex };
    tableViews.set(tables, v);
  }
  return v;
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
