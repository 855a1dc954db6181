// bench: the harness's own speed (checking.md §9: "traces and operations checked per second by
// the harness itself"), per configuration and subsystem. The generated traces of every cell run
// through properties/harness/runner.ts `runTrace` — the very function every property calls, so
// the loop, the `before` snapshots, checkFinal with the sides, labels and handle resolution are
// exactly what `npm test` pays.
// Each trace in turn:
//   1. recorded (not timed): both sides run behind bench/tape.ts recorders;
//   2. harness only (timed), at once: both sides replayed from that recording — results, states
//      (the same objects, so the harness's identity short-cuts behave as in 3), is_vmalloc_addr
//      answers and selfCheck lines cost an array read. Left: the comparisons, every invariant,
//      the is_vmalloc_addr probes, the handle table, the labels. The recording is then dropped;
//   3. end to end (timed): both sides run, nothing recorded.
// The replay must end as the recording did (same outcome, same steps, every answer asked for);
// otherwise measureHarness throws rather than report a figure for different work.
// Why one trace at a time, replayed right after its recording: in npm test the harness reads
// states the sides have just built, and only the current ones are alive. Recording a whole cell
// (20 traces) first and replaying it after an end-to-end pass had the harness read every state
// from memory the pass had long evicted, with the whole recording alive for the collector to
// mark: the same traces on the same commit ran at 9.4k ops/s that way and at 29-32k replayed
// right after their recording (vmap traces, AMD EPYC, session 5). Steady state, as `npm test`
// and a hunt run: one untimed warm-up round over ALL cells first (so no cell pays for the JIT
// compiling code another cell then uses), then each cell `rounds` times; a cell's rate is its
// steps over its CPU time summed over the timed runs.
// Rates are per CPU-second of this process (process.cpuUsage): the machine is shared.
import fc from 'fast-check';
import type { MachineConfig, Op, SystemUnderTest } from '../api/index.js';
import type { Subsystem } from '../properties/gen/index.js';
import { traceArb } from '../properties/gen/index.js';
import type { Pair, TraceOutcome } from '../properties/harness/runner.js';
import { runTrace } from '../properties/harness/runner.js';
import { IMPLEMENTATIONS } from '../properties/implementations.js';
import { collectGarbage, cpuMs } from './env.js';
import { newTape, playingPair, recordingPair } from './tape.js';

export interface HarnessRow {
  readonly config: string;
  readonly subsystem: Subsystem;
  readonly traces: number;
  /** trace runs timed: traces × rounds */
  readonly runs: number;
  /** checked steps over the timed rounds (calls executed; ops whose reference did not resolve
   *  are not counted): the cell's steps × rounds */
  readonly ops: number;
  /** the commuting square re-checked on recorded results and states: the harness alone */
  readonly harnessOpsPerCpuSec: number;
  /** both sides executing and checked, as in `npm test` */
  readonly endToEndOpsPerCpuSec: number;
  /**
   * The cross-check, in situ: the end-to-end run's wall time minus the wall time spent inside
   * the sides (every call, state, is_vmalloc_addr and selfCheck, each between two
   * performance.now() reads): the harness's share of a real run, with the sides' cache
   * footprint and garbage around it. Wall clock, so only meaningful on an idle machine.
   */
  readonly inSituOpsPerSec: number;
  readonly harnessCpuMs: number;
  readonly endToEndCpuMs: number;
  /** end-to-end wall ms outside the sides (see inSituOpsPerSec) */
  readonly inSituMs: number;
  /** all CPU time of the cell: generation, recording, both timed runs */
  readonly cpuMs: number;
  /** the failure of each trace that failed (none expected: the real pair refines the model) */
  readonly failures: readonly string[];
}

export interface HarnessOptions {
  readonly configs: readonly MachineConfig[];
  readonly subsystems: readonly Subsystem[];
  /** traces per configuration and subsystem */
  readonly traces: number;
  /** at most this many ops per trace */
  readonly ops: number;
  /** fast-check seed of the traces (default 1) */
  readonly seed?: number;
  /** the implementation pair (default: the first of properties/implementations.ts) */
  readonly pair?: Pair;
  /** timed rounds over all cells after the warm-up round (default 2) */
  readonly rounds?: number;
  /** called after each measured cell (progress) */
  readonly onRow?: (row: HarnessRow) => void;
}

const rate = (ops: number, ms: number): number => (ms > 0 ? (1000 * ops) / ms : Infinity);

function outcomeText(o: TraceOutcome): string {
  return o.ok ? `ok after ${o.stats.steps} steps` : `${o.failure.message} (after ${o.stats.steps} steps)`;
}

interface Cell {
  readonly config: MachineConfig;
  readonly subsystem: Subsystem;
  readonly traces: readonly Op[][];
  endToEndCpuMs: number;
  harnessCpuMs: number;
  inSituMs: number;
  cpuMs: number;
}

/** Wraps a side so that the wall time spent inside it adds up in `clock.ms`. */
function timedSide(inner: SystemUnderTest, clock: { ms: number }): SystemUnderTest {
  const time = <T>(f: () => T): T => {
    const t0 = performance.now();
    try {
      return f();
    } finally {
      clock.ms += performance.now() - t0;
    }
  };
  return {
    call: (c) => time(() => inner.call(c)),
    state: () => time(() => inner.state()),
    isVmallocAddr: (a) => time(() => inner.isVmallocAddr(a)),
    selfCheck: () => time(() => inner.selfCheck?.() ?? []),
  };
}

/** One trace measured once: its checked steps, its outcome, and the CPU ms of each timed run. */
interface TraceRun {
  readonly steps: number;
  readonly failure: string | null;
  readonly harnessMs: number;
  readonly endToEndMs: number;
  readonly inSituMs: number;
}

function newCell(config: MachineConfig, subsystem: Subsystem, nTraces: number, ops: number, seed: number): Cell {
  const c0 = cpuMs();
  const traces: Op[][] = fc.sample(traceArb(config, subsystem, { ops }), { seed, numRuns: nTraces });
  return { config, subsystem, traces, endToEndCpuMs: 0, harnessCpuMs: 0, inSituMs: 0, cpuMs: cpuMs() - c0 };
}

/**
 * One trace: recorded (untimed), replayed at once through the harness alone (timed: the states
 * are as fresh as in npm test, where the harness reads what the sides just built), its
 * recording dropped, then run end to end (timed). The replay must end as the recording did.
 */
function measureTrace(pair: Pair, cell: Cell, i: number): TraceRun {
  const trace = cell.traces[i]!;
  const tapes = { model: newTape(), impl: newTape() };
  const recorded = runTrace(recordingPair(pair, tapes), cell.config, trace);
  const player = playingPair(pair.name, tapes);
  const h0 = cpuMs();
  const replayed = runTrace(player.pair, cell.config, trace);
  const harnessMs = cpuMs() - h0;
  const why = outcomeText(replayed) !== outcomeText(recorded) ? `recorded: ${outcomeText(recorded)}; replayed: ${outcomeText(replayed)}` : player.rest();
  if (why) throw new Error(`bench/harness-speed: ${cell.config.name}/${cell.subsystem} trace ${i + 1}: the replay is not the recorded run — ${why}`);
  const inSides = { ms: 0 };
  const timed: Pair = { name: pair.name, model: (c) => timedSide(pair.model(c), inSides), impl: (c) => timedSide(pair.impl(c), inSides) };
  const e0 = cpuMs();
  const w0 = performance.now();
  const direct = runTrace(timed, cell.config, trace);
  const wall = performance.now() - w0;
  const endToEndMs = cpuMs() - e0;
  if (direct.stats.steps !== recorded.stats.steps) {
    throw new Error(`bench/harness-speed: ${cell.config.name}/${cell.subsystem} trace ${i + 1}: ${recorded.stats.steps} steps recorded, ${direct.stats.steps} end to end`);
  }
  return { steps: recorded.stats.steps, failure: recorded.ok ? null : recorded.failure.message, harnessMs, endToEndMs, inSituMs: wall - inSides.ms };
}

/**
 * Harness speed for every configuration × subsystem, in that order: one untimed warm-up round
 * over all cells, then each cell measured `rounds` times (see the file comment).
 */
export function measureHarness(opts: HarnessOptions): HarnessRow[] {
  const pair = opts.pair ?? IMPLEMENTATIONS[0];
  if (!pair) throw new Error('bench/harness-speed: no implementation pair');
  const seed = opts.seed ?? 1;
  const rounds = opts.rounds ?? 2;
  const cells: Cell[] = [];
  for (const config of opts.configs) for (const s of opts.subsystems) cells.push(newCell(config, s, opts.traces, opts.ops, seed));
  for (const cell of cells) {
    const c0 = cpuMs();
    for (let i = 0; i < cell.traces.length; i++) measureTrace(pair, cell, i);
    cell.cpuMs += cpuMs() - c0;
  }
  const rows: HarnessRow[] = [];
  for (const cell of cells) {
    collectGarbage();
    const c0 = cpuMs();
    let steps = 0;
    let failures: string[] = [];
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < cell.traces.length; i++) {
        const t = measureTrace(pair, cell, i);
        cell.harnessCpuMs += t.harnessMs;
        cell.endToEndCpuMs += t.endToEndMs;
        cell.inSituMs += t.inSituMs;
        steps += t.steps;
        if (r === 0 && t.failure !== null) failures = [...failures, t.failure];
      }
    }
    cell.cpuMs += cpuMs() - c0;
    const row: HarnessRow = {
      config: cell.config.name,
      subsystem: cell.subsystem,
      traces: cell.traces.length,
      runs: cell.traces.length * rounds,
      ops: steps,
      harnessOpsPerCpuSec: rate(steps, cell.harnessCpuMs),
      endToEndOpsPerCpuSec: rate(steps, cell.endToEndCpuMs),
      inSituOpsPerSec: rate(steps, cell.inSituMs),
      harnessCpuMs: cell.harnessCpuMs,
      endToEndCpuMs: cell.endToEndCpuMs,
      inSituMs: cell.inSituMs,
      cpuMs: cell.cpuMs,
      failures,
    };
    rows.push(row);
    opts.onRow?.(row);
  }
  return rows;
}

export interface HarnessTotals {
  /** trace runs timed (traces × rounds) */
  readonly traces: number;
  readonly ops: number;
  readonly harnessCpuMs: number;
  readonly endToEndCpuMs: number;
  readonly inSituMs: number;
  /** all checked steps over all harness-only CPU time: cells weighted by their steps */
  readonly harnessOpsPerCpuSec: number;
  readonly endToEndOpsPerCpuSec: number;
  readonly inSituOpsPerSec: number;
  readonly harnessTracesPerCpuSec: number;
  readonly endToEndTracesPerCpuSec: number;
}

export function harnessTotals(rows: readonly HarnessRow[]): HarnessTotals {
  let traces = 0;
  let ops = 0;
  let h = 0;
  let e = 0;
  let w = 0;
  for (const r of rows) {
    traces += r.runs;
    ops += r.ops;
    h += r.harnessCpuMs;
    e += r.endToEndCpuMs;
    w += r.inSituMs;
  }
  return {
    traces,
    ops,
    harnessCpuMs: h,
    endToEndCpuMs: e,
    inSituMs: w,
    harnessOpsPerCpuSec: rate(ops, h),
    endToEndOpsPerCpuSec: rate(ops, e),
    inSituOpsPerSec: rate(ops, w),
    harnessTracesPerCpuSec: rate(traces, h),
    endToEndTracesPerCpuSec: rate(traces, e),
  };
}
