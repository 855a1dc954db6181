// gen: addresses biased to table-span boundaries of every level, region starts and ends (a range
// can end exactly at the top of the address space, 2^W, where `end` wraps to 0 in W bits).
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import type { AddrSpan, Geometry } from '../harness/geometry.js';

/** Page-aligned boundaries of every table span (and every leaf size) inside [r.start, r.end). */
export function boundariesIn(g: Geometry, r: AddrSpan): bigint[] {
  const out = new Set<bigint>([r.start]);
  const shifts = new Set<number>([...g.spanShift.slice(1), ...g.preset.leafShifts]);
  for (const sh of shifts) {
    const span = 1n << BigInt(sh);
    let b = ((r.start + span - 1n) / span) * span;
    for (let k = 0; k < 3 && b < r.end; k++, b += span) out.add(b);
    // the last boundaries below the end
    let e = ((r.end - 1n) / span) * span;
    for (let k = 0; k < 2 && e >= r.start; k++, e -= span) out.add(e);
  }
  return [...out].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * A page-aligned address inside one of `regions` such that `[va, va + pages)` can fit: near a
 * boundary (± a few pages), at the start, ending exactly at the end, or anywhere.
 */
export function vaArb(g: Geometry, regions: readonly AddrSpan[], pages: number): Arbitrary<bigint> {
  const ps = g.pageSize;
  const per = regions.map((r) => {
    const last = r.end - ps; // highest page-aligned va
    const clamp = (a: bigint): bigint => (a < r.start ? r.start : a > last ? last : a);
    const bounds = boundariesIn(g, r);
    const span = (r.end - r.start) / ps;
    return fc.oneof(
      {
        arbitrary: fc
          .tuple(fc.constantFrom(...bounds), fc.integer({ min: -3, max: 3 }))
          .map(([b, d]) => clamp(b + BigInt(d) * ps)),
        weight: 6,
      },
      // ending exactly at the end of the region (for a top window: at 2^W)
      { arbitrary: fc.constant(clamp(r.end - BigInt(pages) * ps)), weight: 2 },
      { arbitrary: fc.bigInt({ min: 0n, max: span - 1n }).map((k) => r.start + k * ps), weight: 2 },
    );
  });
  return fc.oneof(...per);
}

/** An address aligned to 2^shift inside a region (its first few such), or null when none exists. */
export function alignedIn(r: AddrSpan, shift: number): bigint[] {
  const a = 1n << BigInt(shift);
  const out: bigint[] = [];
  for (let b = ((r.start + a - 1n) / a) * a; b + a <= r.end && out.length < 3; b += a) out.push(b);
  return out;
}
