// invariants: binary searches over the sorted runs of the abstract state (leaves by va, owners
// by pfn), so that every invariant stays O(n log n) per step.
import type { Addr, LeafRun, OwnerRun, Pfn } from '../../api/index.js';

const endsMemo = new WeakMap<readonly LeafRun[], bigint[]>();

/** The end address of every leaf run, computed once per state (states are fresh values). */
function leafEnds(leaves: readonly LeafRun[], pageSize: Addr): bigint[] {
  let ends = endsMemo.get(leaves);
  if (!ends) {
    ends = leaves.map((r) => r.va + BigInt(r.pages) * pageSize);
    endsMemo.set(leaves, ends);
  }
  return ends;
}

/** Index of the first leaf run whose end is above `va` (the run containing va, or the next one). */
export function firstLeafEndingAfter(leaves: readonly LeafRun[], va: Addr, pageSize: Addr): number {
  const ends = leafEnds(leaves, pageSize);
  let lo = 0;
  let hi = ends.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((ends[mid] as bigint) <= va) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The leaf runs overlapping [start, end), in order. */
export function leavesIn(leaves: readonly LeafRun[], start: Addr, end: Addr, pageSize: Addr): LeafRun[] {
  const out: LeafRun[] = [];
  for (let i = firstLeafEndingAfter(leaves, start, pageSize); i < leaves.length; i++) {
    const r = leaves[i] as LeafRun;
    if (r.va >= end) break;
    out.push(r);
  }
  return out;
}

/** The leaf run containing va, or null. */
export function leafAt(leaves: readonly LeafRun[], va: Addr, pageSize: Addr): LeafRun | null {
  const r = leaves[firstLeafEndingAfter(leaves, va, pageSize)];
  return r && r.va <= va ? r : null;
}

/** Index of the first owner run whose end is above pfn. */
export function firstOwnerEndingAfter(owners: readonly OwnerRun[], pfn: Pfn): number {
  let lo = 0;
  let hi = owners.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const r = owners[mid] as OwnerRun;
    if (r.pfn + r.count <= pfn) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The owner runs overlapping [pfn, pfn + count), in order. */
export function ownersIn(owners: readonly OwnerRun[], pfn: Pfn, count: number): OwnerRun[] {
  const out: OwnerRun[] = [];
  for (let i = firstOwnerEndingAfter(owners, pfn); i < owners.length; i++) {
    const r = owners[i] as OwnerRun;
    if (r.pfn >= pfn + count) break;
    out.push(r);
  }
  return out;
}

/** Kernel hex of a pfn or small number, unpadded. */
export function h(n: number | bigint): string {
  return '0x' + n.toString(16);
}
