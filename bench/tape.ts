// bench: record what a system under test hands the harness, and play it back — so the harness
// can be timed alone (checking.md §9, "operations checked per second by the harness itself").
//
// The recorder stands between the harness and a side and keeps, in order, every answer the side
// gave: call results, state() values, is_vmalloc_addr answers, selfCheck lines (and anything it
// threw). It keeps the very objects the side returned, never copies: the harness skips work on
// state parts that are the same object as at the previous step (step.ts `firstViolation`,
// state-equal.ts `verified`, the `same` test in `finish`), so a copy would make the replay check
// more than the properties do, and an object shared where the side made a fresh one less.
// The player answers the same questions from the recording at the cost of an array read. It
// checks that the questions are the same (call name, probe address); a replay that drifts from
// its recording throws, and `rest()` says what the replay left unasked.
import type { Addr, AbstractState, Call, MachineConfig, Result, SystemUnderTest } from '../api/index.js';
import type { Pair } from '../properties/harness/runner.js';

/** something a side threw; thrown again on replay */
class Thrown {
  constructor(readonly error: unknown) {}
}

/** One side's answers, in the order the harness asked for them. */
export interface Tape {
  /** the side's factory threw this (the harness reports a boot failure) */
  boot: Thrown | null;
  calls: string[];
  results: (Result | Thrown)[];
  states: (AbstractState | Thrown)[];
  probes: Addr[];
  answers: (boolean | Thrown)[];
  selfChecks: (string[] | Thrown)[];
}

export function newTape(): Tape {
  return { boot: null, calls: [], results: [], states: [], probes: [], answers: [], selfChecks: [] };
}

function keep<T>(out: (T | Thrown)[], f: () => T): T {
  try {
    const v = f();
    out.push(v);
    return v;
  } catch (e) {
    out.push(new Thrown(e));
    throw e;
  }
}

function recorder(inner: SystemUnderTest, t: Tape): SystemUnderTest {
  return {
    call: (c: Call) => {
      t.calls.push(c.call);
      return keep(t.results, () => inner.call(c));
    },
    state: () => keep(t.states, () => inner.state()),
    isVmallocAddr: (a: Addr) => {
      t.probes.push(a);
      return keep(t.answers, () => inner.isVmallocAddr(a));
    },
    // a side without selfCheck is asked through `selfCheck?.() ?? []`: answer [] the same way
    selfCheck: () => keep(t.selfChecks, () => inner.selfCheck?.() ?? []),
  };
}

/** `pair` with both sides recorded into `tapes` (one fresh pair of tapes per trace). */
export function recordingPair(pair: Pair, tapes: { readonly model: Tape; readonly impl: Tape }): Pair {
  const side = (f: Pair['model'], t: Tape) => (config: MachineConfig) => {
    let inner: SystemUnderTest;
    try {
      inner = f(config);
    } catch (e) {
      t.boot = new Thrown(e);
      throw e;
    }
    return recorder(inner, t);
  };
  return { name: `${pair.name} (recorded)`, model: side(pair.model, tapes.model), impl: side(pair.impl, tapes.impl) };
}

function drift(what: string): Error {
  return new Error(`bench/tape: the replay drifted from its recording (${what})`);
}

function next<T>(xs: readonly (T | Thrown)[], i: number, what: string): T {
  if (i >= xs.length) throw drift(`asked for ${what} #${i + 1}, ${xs.length} recorded`);
  const v = xs[i] as T | Thrown;
  if (v instanceof Thrown) throw v.error;
  return v;
}

/** A side that answers from a recording; `rest` counts what was recorded but not asked for. */
export interface Player {
  readonly sut: SystemUnderTest;
  rest(): string | null;
}

export function player(t: Tape): Player {
  let c = 0;
  let s = 0;
  let p = 0;
  let k = 0;
  const sut: SystemUnderTest = {
    call: (x: Call) => {
      if (t.calls[c] !== x.call) throw drift(`call #${c + 1} is ${x.call}, recorded ${t.calls[c] ?? 'nothing'}`);
      return next(t.results, c++, 'a call result');
    },
    state: () => next(t.states, s++, 'a state'),
    isVmallocAddr: (a: Addr) => {
      if (t.probes[p] !== a) throw drift(`is_vmalloc_addr probe #${p + 1} differs`);
      return next(t.answers, p++, 'an is_vmalloc_addr answer');
    },
    selfCheck: () => next(t.selfChecks, k++, 'a selfCheck'),
  };
  const rest = (): string | null => {
    const left = [
      [t.results.length - c, 'call results'],
      [t.states.length - s, 'states'],
      [t.answers.length - p, 'is_vmalloc_addr answers'],
      [t.selfChecks.length - k, 'selfChecks'],
    ] as const;
    const l = left.filter(([n]) => n !== 0).map(([n, w]) => `${n} ${w}`);
    return l.length > 0 ? `not asked for: ${l.join(', ')}` : null;
  };
  return { sut, rest };
}

/** A pair whose sides replay `tapes`, and what each left unasked once the trace has run. */
export function playingPair(name: string, tapes: { readonly model: Tape; readonly impl: Tape }): { pair: Pair; rest(): string | null } {
  const m = player(tapes.model);
  const i = player(tapes.impl);
  const side = (t: Tape, pl: Player) => (): SystemUnderTest => {
    if (t.boot) throw t.boot.error;
    return pl.sut;
  };
  return {
    pair: { name: `${name} (replayed)`, model: side(tapes.model, m), impl: side(tapes.impl, i) },
    rest: () => {
      const a = m.rest();
      const b = i.rest();
      return a || b ? `model ${a ?? 'all asked'}; impl ${b ?? 'all asked'}` : null;
    },
  };
}
