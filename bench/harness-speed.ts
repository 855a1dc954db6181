// bench: the harness's own speed (checking.md §9: "traces and operations checked per second by
// the harness itself"), per configuration and subsystem. For each cell, the same generated
// traces run three times through properties/harness/runner.ts `runTrace` — the very function
// every property calls, so the loop, the `before` snapshots, checkFinal with the sides, labels
// and handle resolution are exactly what `npm test` pays:
//   1. recorded (not timed): both sides run behind bench/tape.ts recorders;
//   2. end-to-end (timed): both sides run, nothing recorded;
//   3. harness only (timed): both sides replayed from the recording — results, states (the
//      same objects, so the harness's identity short-cuts behave as in 2), is_vmalloc_addr
//      answers and selfCheck lines cost an array read. Left: the comparisons, every invariant,
//      the is_vmalloc_addr probes, the handle table, the labels.
// The replay must end as the recording did (same outcome, same steps, every answer asked for);
// otherwise measureHarness throws rather than report a figure for different work.
// Rates are per CPU-second of this process (process.cpuUsage): the machine is shared.
import fc from 'fast-check';
import type { MachineConfig, Op } from '../api/index.js';
import type { Subsystem } from '../properties/gen/index.js';
import { traceArb } from '../properties/gen/index.js';
import type { Pair, TraceOutcome } from '../properties/harness/runner.js';
import { runTrace } from '../properties/harness/runner.js';
import { IMPLEMENTATIONS } from '../properties/implementations.js';
import { collectGarbage, cpuMs } from './env.js';
import { newTape, playingPair, recordingPair } from './tape.js';
import type { Tape } from './tape.js';

export interface HarnessRow {
  readonly config: string;
  readonly subsystem: Subsystem;
  readonly traces: number;
  /** checked steps (calls executed; ops whose reference did not resolve are not counted) */
  readonly ops: number;
  /** the commuting square re-checked on recorded results and states: the harness alone */
  readonly harnessOpsPerCpuSec: number;
  /** both sides executing and checked, as in `npm test` */
  readonly endToEndOpsPerCpuSec: number;
  readonly harnessCpuMs: number;
  readonly endToEndCpuMs: number;
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
  /** called after each measured cell (progress) */
  readonly onRow?: (row: HarnessRow) => void;
}

const rate = (ops: number, ms: number): number => (ms > 0 ? (1000 * ops) / ms : Infinity);

function outcomeText(o: TraceOutcome): string {
  return o.ok ? `ok after ${o.stats.steps} steps` : `${o.failure.message} (after ${o.stats.steps} steps)`;
}

function measureCell(pair: Pair, config: MachineConfig, subsystem: Subsystem, nTraces: number, ops: number, seed: number): HarnessRow {
  const c0 = cpuMs();
  const traces: Op[][] = fc.sample(traceArb(config, subsystem, { ops }), { seed, numRuns: nTraces });

  // 1. the recording
  const tapes: { model: Tape; impl: Tape }[] = [];
  const recorded: TraceOutcome[] = [];
  for (const trace of traces) {
    const t = { model: newTape(), impl: newTape() };
    tapes.push(t);
    recorded.push(runTrace(recordingPair(pair, t), config, trace));
  }

  // 2. end to end
  collectGarbage();
  const e0 = cpuMs();
  let steps = 0;
  const failures: string[] = [];
  for (const trace of traces) {
    const o = runTrace(pair, config, trace);
    steps += o.stats.steps;
    if (!o.ok) failures.push(o.failure.message);
  }
  const endToEndCpuMs = cpuMs() - e0;

  // 3. harness only
  const players = tapes.map((t) => playingPair(pair.name, t));
  collectGarbage();
  const h0 = cpuMs();
  const replayed: TraceOutcome[] = [];
  for (let i = 0; i < traces.length; i++) replayed.push(runTrace(players[i]!.pair, config, traces[i]!));
  const harnessCpuMs = cpuMs() - h0;

  let replayedSteps = 0;
  for (let i = 0; i < traces.length; i++) {
    const r = replayed[i]!;
    const o = recorded[i]!;
    replayedSteps += r.stats.steps;
    const why = outcomeText(r) !== outcomeText(o) ? `recorded: ${outcomeText(o)}; replayed: ${outcomeText(r)}` : players[i]!.rest();
    if (why) throw new Error(`bench/harness-speed: ${config.name}/${subsystem} trace ${i + 1}: the replay is not the recorded run — ${why}`);
  }
  if (replayedSteps !== steps) throw new Error(`bench/harness-speed: ${config.name}/${subsystem}: ${steps} steps end to end, ${replayedSteps} replayed`);

  return {
    config: config.name,
    subsystem,
    traces: traces.length,
    ops: steps,
    harnessOpsPerCpuSec: rate(steps, harnessCpuMs),
    endToEndOpsPerCpuSec: rate(steps, endToEndCpuMs),
    harnessCpuMs,
    endToEndCpuMs,
    cpuMs: cpuMs() - c0,
    failures,
  };
}

/**
 * Harness speed for every configuration × subsystem, in that order. One round on the first
 * configuration (two traces per subsystem) warms the JIT up first and is not reported.
 */
export function measureHarness(opts: HarnessOptions): HarnessRow[] {
  const pair = opts.pair ?? IMPLEMENTATIONS[0];
  if (!pair) throw new Error('bench/harness-speed: no implementation pair');
  const seed = opts.seed ?? 1;
  const first = opts.configs[0];
  if (first) for (const s of opts.subsystems) measureCell(pair, first, s, Math.min(2, opts.traces), opts.ops, seed);
  const rows: HarnessRow[] = [];
  for (const config of opts.configs) {
    for (const s of opts.subsystems) {
      const row = measureCell(pair, config, s, opts.traces, opts.ops, seed);
      rows.push(row);
      opts.onRow?.(row);
    }
  }
  return rows;
}

export interface HarnessTotals {
  readonly traces: number;
  readonly ops: number;
  readonly harnessCpuMs: number;
  readonly endToEndCpuMs: number;
  /** all checked steps over all harness-only CPU time: cells weighted by their steps */
  readonly harnessOpsPerCpuSec: number;
  readonly endToEndOpsPerCpuSec: number;
  readonly harnessTracesPerCpuSec: number;
  readonly endToEndTracesPerCpuSec: number;
}

export function harnessTotals(rows: readonly HarnessRow[]): HarnessTotals {
  let traces = 0;
  let ops = 0;
  let h = 0;
  let e = 0;
  for (const r of rows) {
    traces += r.traces;
    ops += r.ops;
    h += r.harnessCpuMs;
    e += r.endToEndCpuMs;
  }
  return {
    traces,
    ops,
    harnessCpuMs: h,
    endToEndCpuMs: e,
    harnessOpsPerCpuSec: rate(ops, h),
    endToEndOpsPerCpuSec: rate(ops, e),
    harnessTracesPerCpuSec: rate(traces, h),
    endToEndTracesPerCpuSec: rate(traces, e),
  };
}
