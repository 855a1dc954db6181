// harness: when a shrunk candidate "still fails the same way" (checking.md §6: "the same
// invariant or field"). A failure's signature is kind, invariant or field, and side; the field
// of a state mismatch is the FIRST field (in comparison order) where the two sides differ.
//
// Exact signature: always the same failure. A state mismatch on the same side whose first
// differing field is another one also counts when the original field still differs at the
// failing step: the same field is wrong, and a field compared earlier went wrong as well.
// Without this the reducer is stuck whenever the shorter trace makes an earlier field differ
// too — `counters.flushedPages` wrong in both, but `counters.flushes` (compared first) wrong
// only in the shorter one (the planted bug unmap-aliases-free-list-only: 8 ops kept only to
// keep the flush count equal, against 6 by hand). Every other kind (invariant, result,
// exception, unchanged, handles) keeps its exact signature.
import type { MachineConfig, Op } from '../../api/index.js';
import { deepEqual } from './compare.js';
import type { Pair, TraceOutcome } from './runner.js';
import { runTrace } from './runner.js';

/** `kind:where@side` back into its parts (where may itself contain ':'), or null */
function parse(signature: string): { kind: string; where: string; side: string } | null {
  const m = /^([a-z-]+):(.*)@(model|impl)$/.exec(signature);
  return m ? { kind: m[1] as string, where: m[2] as string, side: m[3] as string } : null;
}

/** the value at a dotted field path (`counters.flushedPages`, `vmap.areas`, `tlb`) */
function at(state: unknown, field: string): unknown {
  let v = state;
  for (const k of field.split('.')) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

/**
 * A predicate on traces: does `t` still fail the way `signature` did? Runs the trace once; a
 * state mismatch on another field runs it again, recording the states at the failing step.
 */
export function failsTheSameWay(pair: Pair, config: MachineConfig, signature: string): (t: readonly Op[]) => boolean {
  return (t) => sameFailure(signature, runTrace(pair, config, t), () => runTrace(pair, config, t, { record: true }));
}

/** The decision itself, on an outcome already run (`rerun` runs it again recording the failing states, when needed). */
export function sameFailure(signature: string, o: TraceOutcome, rerun: () => TraceOutcome): boolean {
  if (o.ok) return false;
  if (o.failure.signature === signature) return true;
  const orig = parse(signature);
  if (!orig || orig.kind !== 'state' || o.failure.kind !== 'state' || o.failure.side !== orig.side) return false;
  const last = (o.last ?? rerun().last) as { model: unknown; impl: unknown } | undefined;
  if (!last) return false;
  return !deepEqual(at(last.model, orig.where), at(last.impl, orig.where));
}
