// invariant flush-sane (machine.md §4 and §5): no flush was ever issued with start >= end, and
// no warning was recorded (a correct implementation never WARNs).
import type { AbstractState } from '../../api/index.js';
import { hex } from '../harness/geometry.js';
import type { InvariantCtx } from './context.js';

export function flushSane(s: AbstractState, ctx: InvariantCtx): string | null {
  if (s.counters.badFlushes !== 0) return `${s.counters.badFlushes} flush(es) issued with start >= end`;
  const w = s.warnings[0];
  if (w) return `warning '${w.kind}' at ${hex(w.addr, ctx.geo.w)} (step ${w.step})${s.warnings.length > 1 ? ` and ${s.warnings.length - 1} more` : ''}`;
  return null;
}
