// harness: one step = the commuting square (checking.md §2, STYLE.md 3), stated once.
//
//            call
//   model ─────────► model'        results agree;  state(impl') == state(model');
//     ║                ║           every invariant holds on that state;
//   impl  ─────────► impl'         impl.selfCheck() is clean; a rejected call changed nothing.
//
// The first broken clause is reported, model value first:
//   step 7 vm_unmap_ram(0xffffc90000104000, count=4) › vmap.lazyNr: model=16 impl=12
import type { AbstractState, Call, MappingRec, Result, SystemUnderTest } from '../../api/index.js';
import { REJECTING_ERRNOS } from '../../api/index.js';
import { INVARIANTS } from '../invariants/index.js';
import type { InvariantCtx } from '../invariants/index.js';
import { IS_VMALLOC_ADDR_CORRECT, isVmallocAddrCorrect } from '../invariants/is-vmalloc-addr-correct.js';
import { deepEqual, fieldOf, firstDiff } from './compare.js';
import { formatCall, formatResult, formatValue } from './format.js';
import type { Geometry } from './geometry.js';
import type { HandleTable } from './resolve.js';
import { compareByVa } from './resolve.js';
import { FULL_EVERY, stateEqual } from './state-equal.js';

export interface Sides {
  readonly model: SystemUnderTest;
  readonly impl: SystemUnderTest;
}

export interface Snapshot {
  readonly model: AbstractState;
  readonly impl: AbstractState;
}

export type FailureKind = 'result' | 'state' | 'invariant' | 'unchanged' | 'handles' | 'self-check' | 'exception';

export interface StepFailure {
  /** 1-based position of the op in the trace (0: the boot state) */
  readonly step: number;
  readonly call: Call | null;
  readonly callText: string;
  readonly kind: FailureKind;
  /** the state path, invariant name, or check that broke */
  readonly where: string;
  /** who is at fault: the implementation, or the model (an invariant the model breaks is a model or spec bug) */
  readonly side: 'model' | 'impl';
  readonly model: string;
  readonly impl: string;
  /** one line: `step 7 vm_unmap_ram(…) › vmap.lazyNr: model=16 impl=12` */
  readonly message: string;
  /** what must stay the same while shrinking: kind, invariant name or field, side */
  readonly signature: string;
  /** the results of the failing call, when both sides returned one */
  readonly modelResult?: Result;
  readonly implResult?: Result;
}

export interface StepOk {
  readonly ok: true;
  readonly after: Snapshot;
  readonly modelResult: Result;
  readonly implResult: Result;
}

export type StepOutcome = StepOk | { readonly ok: false; readonly failure: StepFailure };

const SKIP_STEP: ReadonlySet<string> = new Set(['step']);
const NONE: Result = { ok: true, value: { kind: 'none' } };

function fail(
  step: number,
  call: Call | null,
  w: number,
  kind: FailureKind,
  where: string,
  side: 'model' | 'impl',
  model: string,
  impl: string,
  what: string,
): { ok: false; failure: StepFailure } {
  const callText = call ? formatCall(call, w) : 'boot';
  const sigWhere = kind === 'state' || kind === 'unchanged' || kind === 'handles' ? fieldOf(where) : where;
  return {
    ok: false,
    failure: {
      step,
      call,
      callText,
      kind,
      where,
      side,
      model,
      impl,
      message: `step ${step} ${callText} › ${what}`,
      signature: `${kind}:${sigWhere}@${side}`,
    },
  };
}

function run<T>(f: () => T): { ok: true; v: T } | { ok: false; e: string } {
  try {
    return { ok: true, v: f() };
  } catch (e) {
    return { ok: false, e: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
}

/**
 * Per invariant, the configuration and the state parts it last held on. The parts are immutable
 * values, so the same objects again (both sides reuse the parts a call did not change) give the
 * same verdict: re-checking them would check nothing new (checking.md §2, "at least as strict
 * in effect"). Only a held verdict is remembered; a violation is always recomputed.
 */
const held: ({ config: InvariantCtx['config']; parts: readonly unknown[] } | undefined)[] = INVARIANTS.map(() => undefined);

function sameParts(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Invariants on one state; the first violation as [name, message], or null. */
export function firstViolation(s: AbstractState, ctx: InvariantCtx, all = false): [string, string] | null {
  for (let i = 0; i < INVARIANTS.length; i++) {
    const inv = INVARIANTS[i] as (typeof INVARIANTS)[number];
    const parts = inv.reads?.(s);
    const last = held[i];
    if (!all && parts && last && last.config === ctx.config && sameParts(last.parts, parts)) continue;
    const msg = inv.check(s, ctx);
    if (msg !== null) {
      held[i] = undefined;
      return [inv.name, msg];
    }
    if (!parts) continue;
    if (last) {
      last.config = ctx.config;
      last.parts = parts;
    } else held[i] = { config: ctx.config, parts };
  }
  return null;
}

function handleKey(m: MappingRec): MappingRec {
  return { kind: m.kind, va: m.va, pages: m.pages, guard: m.guard };
}


/**
 * The harness's handle table (its own arithmetic) against the model's live mappings: a third
 * opinion on what a call created or freed. Returns the first difference as [path, harness, model].
 */
export function handlesVsMappings(table: HandleTable, s: AbstractState, w: number): [string, string, string] | null {
  // the common case without allocating records: same length, and the harness's handles in va
  // order field-equal to the model's mappings (sorted by va); anything else takes the careful
  // path below, which also orders ties the same way on both sides
  const ms = s.mappings;
  if (table.live.length === ms.length) {
    const sorted = table.byVa;
    let i = 0;
    for (; i < sorted.length; i++) {
      const x = sorted[i] as MappingRec;
      const y = ms[i] as MappingRec;
      if (x.va !== y.va || x.kind !== y.kind || x.pages !== y.pages || x.guard !== y.guard) break;
    }
    if (i === sorted.length) return null;
  }
  const mine = table.live.map(handleKey).sort(compareByVa);
  const theirs = s.mappings.map(handleKey).sort(compareByVa);
  const d = firstDiff(mine, theirs, 'mappings');
  return d ? [d.path, formatValue(d.left, w), formatValue(d.right, w)] : null;
}

/**
 * The generic, field-agnostic comparison of the final states of a trace (the per-step one is
 * specialised to the api shape, see state-equal.ts).
 */
export function checkFinal(snap: Snapshot, step: number, call: Call | null, geo: Geometry, sides?: Sides): StepOutcome {
  const d = firstDiff(snap.model, snap.impl);
  if (!d) return sides ? selfChecks(step, call, sides, geo.w, snap, null) : { ok: true, after: snap, modelResult: NONE, implResult: NONE };
  const m = formatValue(d.left, geo.w);
  const i = formatValue(d.right, geo.w);
  return fail(step, call, geo.w, 'state', d.path, 'impl', m, i, `${d.path}: model=${m} impl=${i}`);
}

/** Check the boot state: both sides boot to the same state, and it satisfies every invariant. */
export function checkBoot(sides: Sides, geo: Geometry): StepOutcome {
  const w = geo.w;
  const ms = run(() => sides.model.state());
  if (!ms.ok) return fail(0, null, w, 'exception', 'state', 'model', ms.e, '', `model threw: ${ms.e}`);
  const is = run(() => sides.impl.state());
  if (!is.ok) return fail(0, null, w, 'exception', 'state', 'impl', '', is.e, `impl threw: ${is.e}`);
  return finish(0, null, sides, { model: ms.v, impl: is.v }, null, null, geo, null);
}

/**
 * Run `call` on both sides and check the square. `before` is the previous step's snapshot (the
 * states are fresh values each time, so keeping them costs nothing); `handles` is the harness's
 * table after recording this call's result, or null to skip that check.
 */
export function commutingStep(
  sides: Sides,
  before: Snapshot,
  call: Call,
  step: number,
  geo: Geometry,
  handles: (r: Result) => HandleTable | null,
): StepOutcome {
  const w = geo.w;
  const mr = run(() => sides.model.call(call));
  if (!mr.ok) return fail(step, call, w, 'exception', 'call', 'model', mr.e, '', `model threw: ${mr.e}`);
  const ir = run(() => sides.impl.call(call));
  if (!ir.ok) return fail(step, call, w, 'exception', 'call', 'impl', formatResult(mr.v, w), ir.e, `impl threw: ${ir.e}`);
  const rd = firstDiff(mr.v, ir.v, 'result');
  if (rd) {
    // the printed results when they differ (EINVAL vs ok), else the first differing value inside
    // (a row of vmallocinfo, the fromTlb flag of a touch)
    let m = formatResult(mr.v, w);
    let i = formatResult(ir.v, w);
    let where = 'result';
    if (m === i) {
      where = rd.path;
      m = formatValue(rd.left, w);
      i = formatValue(rd.right, w);
    }
    const f = fail(step, call, w, 'result', 'result', 'impl', m, i, `${where}: model=${m} impl=${i}`);
    return { ok: false, failure: { ...f.failure, modelResult: mr.v, implResult: ir.v } };
  }
  const ms = run(() => sides.model.state());
  if (!ms.ok) return fail(step, call, w, 'exception', 'state', 'model', ms.e, '', `model threw: ${ms.e}`);
  const is = run(() => sides.impl.state());
  if (!is.ok) return fail(step, call, w, 'exception', 'state', 'impl', '', is.e, `impl threw: ${is.e}`);
  const out = finish(step, call, sides, { model: ms.v, impl: is.v }, before, mr.v, geo, handles(mr.v), ir.v);
  return out.ok ? out : { ok: false, failure: { ...out.failure, modelResult: mr.v, implResult: ir.v } };
}

function finish(
  step: number,
  call: Call | null,
  sides: Sides,
  after: Snapshot,
  before: Snapshot | null,
  result: Result | null,
  geo: Geometry,
  handles: HandleTable | null,
  implResult?: Result,
  final = false,
): StepOutcome {
  const w = geo.w;
  // both sides handing back the very same state objects as before changed nothing: the
  // comparisons would repeat the last step's verdicts (the invariants still run: some depend
  // on the call, e.g. no-stale-alias-after-unmap-aliases)
  const same = before !== null && after.model === before.model && after.impl === before.impl;
  // the specialised comparison every step; the generic one every FULL_EVERY steps (and the
  // runner's at the end of the trace); the path of the first difference only on a mismatch
  const full = step % FULL_EVERY === 0;
  const verified = before && !full ? { a: before.model, b: before.impl } : undefined;
  // (fields beyond api/state.ts only in that generic comparison: every FULL_EVERY steps and at
  // the end of the trace, like the sides' self-checks)
  const equal = same || (stateEqual(after.model, after.impl, false, verified, false) && (!full || deepEqual(after.model, after.impl)));
  const d = equal ? null : firstDiff(after.model, after.impl);
  if (d) {
    const m = formatValue(d.left, w);
    const i = formatValue(d.right, w);
    return fail(step, call, w, 'state', d.path, 'impl', m, i, `${d.path}: model=${m} impl=${i}`);
  }
  // A rejected call (EINVAL, ENOENT, EEXIST) leaves the state exactly unchanged (checking.md §3);
  // only the count of executed calls moves. The impl state equals the model's here, and so did
  // the states before, so checking the model's pair decides the impl's too — but say whose.
  if (!same && before && result && !result.ok && REJECTING_ERRNOS.includes(result.err)) {
    for (const side of ['model', 'impl'] as const) {
      const u = stateEqual(before[side], after[side], true) ? null : firstDiff(before[side], after[side], '', SKIP_STEP);
      if (u) {
        const b = formatValue(u.left, w);
        const a = formatValue(u.right, w);
        return fail(
          step,
          call,
          w,
          'unchanged',
          u.path,
          side,
          side === 'model' ? a : '',
          side === 'impl' ? a : '',
          `rejected with ${result.err}, but the ${side} state changed at ${u.path}: before=${b} after=${a}`,
        );
      }
    }
  }
  // Invariants are pure functions of (state, ctx) and the two states are deep-equal here, so one
  // evaluation gives both sides' verdicts; a violation is the model's (and the impl agrees with it).
  const ctx: InvariantCtx = { config: geo.config, geo, call, result };
  const v = firstViolation(after.model, ctx, step % FULL_EVERY === 0 || final);
  if (v) {
    return fail(step, call, w, 'invariant', v[0], 'model', v[1], v[1], `${v[0]} broken by the model (and the impl agrees): ${v[1]}`);
  }
  // is-vmalloc-addr-correct asks both sides, not one state (invariants/is-vmalloc-addr-correct.ts)
  const iv = isVmallocAddrCorrect(sides, after.model, ctx, step, step % FULL_EVERY === 0 || final ? null : (before?.model ?? null));
  if (iv) return fail(step, call, w, 'invariant', IS_VMALLOC_ADDR_CORRECT, 'impl', String(iv.model), String(iv.impl), `${IS_VMALLOC_ADDR_CORRECT}: ${iv.message}`);
  if (handles) {
    const hd = handlesVsMappings(handles, after.model, w);
    if (hd) {
      return fail(step, call, w, 'handles', hd[0], 'model', hd[2], `harness: ${hd[1]}`, `${hd[0]}: harness=${hd[1]} model=${hd[2]} (the handle table the harness computed disagrees)`);
    }
  }
  // the sides' own structural checks (red-black colours, augmented maxima: O(tree) each) run
  // with the full comparison — at boot, every FULL_EVERY steps and at the end of the trace —
  // so a broken tree is still caught within FULL_EVERY steps and the reducer shrinks to it
  if (step % FULL_EVERY === 0 || final) return selfChecks(step, call, sides, w, after, result, implResult);
  return { ok: true, after, modelResult: result ?? NONE, implResult: implResult ?? result ?? NONE };
}

function selfChecks(step: number, call: Call | null, sides: Sides, w: number, after: Snapshot, result: Result | null, implResult?: Result): StepOutcome {
  for (const side of ['impl', 'model'] as const) {
    const sc = run(() => sides[side].selfCheck?.() ?? []);
    if (!sc.ok) return fail(step, call, w, 'exception', 'selfCheck', side, side === 'model' ? sc.e : '', side === 'impl' ? sc.e : '', `${side}.selfCheck threw: ${sc.e}`);
    const first = sc.v[0];
    if (first !== undefined) {
      const more = sc.v.length > 1 ? ` (+${sc.v.length - 1} more)` : '';
      return fail(step, call, w, 'self-check', 'selfCheck', side, side === 'model' ? first : '', side === 'impl' ? first : '', `${side}.selfCheck: ${first}${more}`);
    }
  }
  return { ok: true, after, modelResult: result ?? NONE, implResult: implResult ?? result ?? NONE };
}
