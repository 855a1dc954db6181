// harness: run one trace through the commuting square, step by step (checking.md §2).
import type { Call, MachineConfig, Op, Result, SutFactory, Trace } from '../../api/index.js';
import type { Geometry } from './geometry.js';
import { geometryOf } from './geometry.js';
import { stepLabels } from './labels.js';
import { changesHandles, newHandleTable, recordResult, resolveOp } from './resolve.js';
import type { Sides, Snapshot, StepFailure } from './step.js';
import { checkBoot, checkFinal, commutingStep } from './step.js';

/** An implementation and the model it must refine — one line of properties/implementations.ts. */
export interface Pair {
  readonly name: string;
  readonly impl: SutFactory;
  readonly model: SutFactory;
}

export interface TraceStats {
  /** calls executed (ops that resolved) */
  steps: number;
  /** ops whose reference could not resolve */
  skipped: number;
  labels: Set<string>;
}

export interface StepRecord {
  /** 1-based position in the trace */
  readonly step: number;
  readonly op: Op;
  /** null: skipped (the reference did not resolve) */
  readonly call: Call | null;
  readonly modelResult?: Result;
  readonly implResult?: Result;
}

export type TraceOutcome =
  | { readonly ok: true; readonly stats: TraceStats; readonly records?: StepRecord[]; readonly last?: Snapshot }
  | {
      readonly ok: false;
      readonly stats: TraceStats;
      readonly failure: StepFailure;
      readonly records?: StepRecord[];
      /** the states when the trace failed (for the picture), when they could be read */
      readonly last?: Snapshot;
    };

export interface RunOptions {
  /** keep one record per op and the final states (reports, replay) */
  readonly record?: boolean;
  /** called after every executed step (replay prints from here) */
  readonly onStep?: (rec: StepRecord, after: Snapshot, geo: Geometry) => void;
  /** called for every op that was skipped because its reference did not resolve */
  readonly onSkip?: (rec: StepRecord) => void;
}

function bootFailure(step: number, side: 'model' | 'impl', e: unknown): StepFailure {
  const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return {
    step,
    call: null,
    callText: 'boot',
    kind: 'exception',
    where: 'boot',
    side,
    model: side === 'model' ? msg : '',
    impl: side === 'impl' ? msg : '',
    message: `step 0 boot › ${side} threw: ${msg}`,
    signature: `exception:boot@${side}`,
  };
}

function readStates(sides: Sides): Snapshot | undefined {
  try {
    return { model: sides.model.state(), impl: sides.impl.state() };
  } catch {
    return undefined;
  }
}

/** Boot both sides of `pair` on `config` and run `trace` through the square. */
export function runTrace(pair: Pair, config: MachineConfig, trace: Trace, opts: RunOptions = {}): TraceOutcome {
  const geo = geometryOf(config);
  const stats: TraceStats = { steps: 0, skipped: 0, labels: new Set() };
  const records: StepRecord[] | undefined = opts.record ? [] : undefined;
  let model;
  let impl;
  try {
    model = pair.model(config);
  } catch (e) {
    return { ok: false, stats, failure: bootFailure(0, 'model', e) };
  }
  try {
    impl = pair.impl(config);
  } catch (e) {
    return { ok: false, stats, failure: bootFailure(0, 'impl', e) };
  }
  const sides: Sides = { model, impl };
  const boot = checkBoot(sides, geo);
  if (!boot.ok) return { ok: false, stats, failure: boot.failure, records, last: opts.record ? readStates(sides) : undefined };
  let snap = boot.after;
  let lastStep = 0;
  let lastCall: Call | null = null;
  const table = newHandleTable();
  for (let i = 0; i < trace.length; i++) {
    const op = trace[i] as Op;
    const call = resolveOp(op, table, geo);
    if (call === null) {
      stats.skipped++;
      const rec = { step: i + 1, op, call: null };
      records?.push(rec);
      opts.onSkip?.(rec);
      continue;
    }
    stats.steps++;
    const out = commutingStep(sides, snap, call, i + 1, geo, (r) => {
      recordResult(call, r, table, geo);
      return changesHandles(call) ? table : null;
    });
    if (!out.ok) {
      const f = out.failure;
      records?.push({ step: i + 1, op, call, ...(f.modelResult && f.implResult ? { modelResult: f.modelResult, implResult: f.implResult } : {}) });
      return { ok: false, stats, failure: out.failure, records, last: opts.record ? readStates(sides) : undefined };
    }
    stepLabels(call, out.modelResult, snap.model, out.after.model, geo, stats.labels);
    const rec = { step: i + 1, op, call, modelResult: out.modelResult, implResult: out.implResult };
    records?.push(rec);
    opts.onStep?.(rec, out.after, geo);
    snap = out.after;
    lastStep = i + 1;
    lastCall = call;
  }
  if (stats.skipped > 0) stats.labels.add('skipped op');
  const fin = checkFinal(snap, lastStep, lastCall, geo, sides);
  if (!fin.ok) return { ok: false, stats, failure: fin.failure, records, last: opts.record ? snap : undefined };
  return { ok: true, stats, records, last: opts.record ? snap : undefined };
}
