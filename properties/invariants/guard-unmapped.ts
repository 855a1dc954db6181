// invariant guard-unmapped (checking.md §4): the guard page after a live mapping is never mapped.
import type { AbstractState } from '../../api/index.js';
import { hex } from '../harness/geometry.js';
import type { InvariantCtx } from './context.js';
import { leavesIn } from './lookup.js';

export function guardUnmapped(s: AbstractState, ctx: InvariantCtx): string | null {
  const g = ctx.geo;
  for (const m of s.mappings) {
    if (m.guard <= 0) continue;
    const start = m.va + BigInt(m.pages) * g.pageSize;
    const end = start + BigInt(m.guard) * g.pageSize;
    const hit = leavesIn(s.leaves, start, end, g.pageSize)[0];
    if (hit) {
      const at = hit.va > start ? hit.va : start;
      return `guard page ${hex(at, g.w)} of the ${m.kind} mapping at ${hex(m.va, g.w)} (${m.pages} pages) is mapped`;
    }
  }
  return null;
}
