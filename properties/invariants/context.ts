// invariants: the shape of a named invariant (checking.md §4, STYLE.md 5). Each invariant is a
// predicate over one abstract state; it returns a violation message, or null when it holds.
import type { AbstractState, Call, MachineConfig, Result } from '../../api/index.js';
import type { Geometry } from '../harness/geometry.js';

export interface InvariantCtx {
  readonly config: MachineConfig;
  /** derived by the harness's own arithmetic (harness/geometry.ts) */
  readonly geo: Geometry;
  /** the call that produced this state and its result; null for the boot state */
  readonly call: Call | null;
  readonly result: Result | null;
}

export type Invariant = (state: AbstractState, ctx: InvariantCtx) => string | null;

export interface NamedInvariant {
  /** kebab-case, as in checking.md §4 and in reports */
  readonly name: string;
  readonly check: Invariant;
  /**
   * Every part of the state the check reads (besides ctx.config and what derives from it). The
   * harness skips re-checking when each part is the very object it held the last time the
   * invariant held: the parts are immutable, so the verdict is the same (harness/step.ts).
   * Absent: checked every step (an invariant that also reads ctx.call or ctx.result).
   */
  readonly reads?: (s: AbstractState) => readonly unknown[];
}
