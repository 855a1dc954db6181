// gen: references to earlier results (checking.md §1) — mostly a live handle of the op's own
// kind; sometimes bad input on purpose: a dead handle (double free), a handle of another kind,
// an interior or unaligned address (delta), or a raw address.
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import type { Target } from '../../api/index.js';
import type { Geometry } from '../harness/geometry.js';
import { hexOf, refArb } from './sizes.js';

export function targetArb(g: Geometry, rawAddrs: Arbitrary<bigint>): Arbitrary<Target> {
  const ps = Number(g.pageSize);
  return fc.oneof(
    { arbitrary: refArb.map((ref) => ({ ref })), weight: 20 },
    { arbitrary: refArb.map((ref) => ({ ref, pick: 'dead' as const })), weight: 2 },
    { arbitrary: refArb.map((ref) => ({ ref, pick: 'any' as const })), weight: 2 },
    {
      arbitrary: fc
        .tuple(refArb, fc.constantFrom(ps, 2 * ps, -ps, 1, ps - 1, 8))
        .map(([ref, delta]) => ({ ref, delta })),
      weight: 2,
    },
    { arbitrary: rawAddrs.map((a) => ({ addr: hexOf(a) })), weight: 1 },
  );
}
