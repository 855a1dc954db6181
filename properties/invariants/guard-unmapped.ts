// invariant guard-unmapped (checking.md §4): the guard page after a live mapping is never mapped.
import type { AbstractState } from '../../api/index.js';
import { hex } from '../harness/geometry.js';
import type { InvariantCtx } from './context.js';
import { leavesIn } from './lookup.js';
import { firstLeafEndingAfterVpn, leafView, mappingView } from './numeric.js';

export function guardUnmapped(s: AbstractState, ctx: InvariantCtx): string | null {
  return guardsFine(s, ctx) ? null : guardsCheck(s, ctx);
}

/**
 * The fast path on page numbers (numeric.ts): true only when guardsCheck would find nothing;
 * false (a mapped guard page, or runs the views cannot represent exactly) sends the state to
 * guardsCheck, which names the page.
 */
function guardsFine(s: AbstractState, ctx: InvariantCtx): boolean {
  const lv = leafView(s.leaves, ctx.geo);
  const mv = mappingView(s.mappings, ctx.geo);
  if (!lv.allExact || !mv.allExact) return false;
  for (let i = 0; i < mv.n; i++) {
    const start = mv.end[i] as number;
    const end = mv.guardEnd[i] as number;
    if (end <= start) continue;
    const k = firstLeafEndingAfterVpn(lv, start);
    if (k < lv.n && (lv.vpn[k] as number) < end) return false;
  }
  return true;
}

/** The definition, on the state's own bigints. */
function guardsCheck(s: AbstractState, ctx: InvariantCtx): string | null {
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
