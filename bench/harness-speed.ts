// bench: the harness's own speed (checking.md §9: "traces and operations checked per second by
// the harness itself"), per configuration and subsystem. The generated traces of every cell run
// through properties/harness/runner.ts `runTrace` — the very function every property calls, so
// the loop, the `before` snapshots, checkFinal with the sides, labels and handle resolution are
// exactly what `npm test` pays:
//   1. recorded (not timed): both sides run behind bench/tape.ts recorders;
//   2. end-to-end (timed): both sides run, nothing recorded;
//   3. harness only (timed): both sides replayed from the recording — results, states (the
//      same objects, so the harness's identity short-cuts behave as in 2), is_vmalloc_addr
//      answers and selfCheck lines cost an array read. Left: the comparisons, every invariant,
//      the is_vmalloc_addr probes, the handle table, the labels.
// Steady state, as `npm test` and a hunt run (thousands of traces through the same code): one
// untimed warm-up round over ALL cells first (so no cell pays for the JIT compiling code another
// cell then uses), then each cell in turn: recorded, `rounds` timed rounds, its recording
// dropped; a cell's rate is its steps over its CPU time summed over the timed rounds. Each round
// re-runs the same traces from scratch (fresh sides, fresh handle tables; the replay reads the
// same recording). Only one cell's recording is alive at a time: a recording keeps every state
// of every step, and with all 27 cells' recordings alive each major GC marked them all — a
// third of the CPU went to the garbage collector, a cost `npm test` (no recordings) never pays.
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
  /** checked steps over the timed rounds (calls executed; ops whose reference did not resolve
   *  are not counted): the cell's steps × rounds */
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
  cpuMs: number;
}

/** One cell's recording: alive only while the cell is measured. */
interface Recording {
  readonly tapes: readonly { readonly model: Tape; readonly impl: Tape }[];
  readonly recorded: readonly TraceOutcome[];
  /** checked steps of one pass over the traces */
  readonly steps: number;
  readonly failures: readonly string[];
}

function newCell(config: MachineConfig, subsystem: Subsystem, nTraces: number, ops: number, seed: number): Cell {
  const c0 = cpuMs();
  const traces: Op[][] = fc.sample(traceArb(config, subsystem, { ops }), { seed, numRuns: nTraces });
  return { config, subsystem, traces, endToEndCpuMs: 0, harnessCpuMs: 0, cpuMs: cpuMs() - c0 };
}

function record(pair: Pair, cell: Cell): Recording {
  const tapes: { model: Tape; impl: Tape }[] = [];
  const recorded: TraceOutcome[] = [];
  for (const trace of cell.traces) {
    const t = { model: newTape(), impl: newTape() };
    tapes.push(t);
    recorded.push(runTrace(recordingPair(pair, t), cell.config, trace));
  }
  const steps = recorded.reduce((n, o) => n + o.stats.steps, 0);
  const failures = recorded.flatMap((o) => (o.ok ? [] : [o.failure.message]));
  return { tapes, recorded, steps, failures };
}

/** One end-to-end pass over the cell's traces; returns its CPU ms. */
function endToEnd(pair: Pair, cell: Cell, rec: Recording): number {
  const e0 = cpuMs();
  let steps = 0;
  for (const trace of cell.traces) steps += runTrace(pair, cell.config, trace).stats.steps;
  const ms = cpuMs() - e0;
  if (steps !== rec.steps) throw new Error(`bench/harness-speed: ${cell.config.name}/${cell.subsystem}: ${rec.steps} steps recorded, ${steps} end to end`);
  return ms;
}

/** One harness-only pass (replayed sides) over the cell's traces; returns its CPU ms. */
function harnessOnly(pair: Pair, cell: Cell, rec: Recording): number {
  const players = rec.tapes.map((t) => playingPair(pair.name, t));
  const h0 = cpuMs();
  const replayed: TraceOutcome[] = [];
  for (let i = 0; i < cell.traces.length; i++) replayed.push(runTrace(players[i]!.pair, cell.config, cell.traces[i]!));
  const ms = cpuMs() - h0;
  for (let i = 0; i < cell.traces.length; i++) {
    const r = replayed[i]!;
    const o = rec.recorded[i]!;
    const why = outcomeText(r) !== outcomeText(o) ? `recorded: ${outcomeText(o)}; replayed: ${outcomeText(r)}` : players[i]!.rest();
    if (why) throw new Error(`bench/harness-speed: ${cell.config.name}/${cell.subsystem} trace ${i + 1}: the replay is not the recorded run — ${why}`);
  }
  return ms;
}

/**
 * Harness speed for every configuration × subsystem, in that order: one untimed warm-up round
 * over all cells, then each cell recorded and timed `rounds` times (see the file comment).
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
    const rec = record(pair, cell);
    endToEnd(pair, cell, rec);
    harnessOnly(pair, cell, rec);
    cell.cpuMs += cpuMs() - c0;
  }
  const rows: HarnessRow[] = [];
  for (const cell of cells) {
    collectGarbage();
    const c0 = cpuMs();
    const rec = record(pair, cell);
    for (let r = 0; r < rounds; r++) {
      collectGarbage();
      cell.endToEndCpuMs += endToEnd(pair, cell, rec);
      collectGarbage();
      cell.harnessCpuMs += harnessOnly(pair, cell, rec);
    }
    cell.cpuMs += cpuMs() - c0;
    const ops = rec.steps * rounds;
    const row: HarnessRow = {
      config: cell.config.name,
      subsystem: cell.subsystem,
      traces: cell.traces.length,
      ops,
      harnessOpsPerCpuSec: rate(ops, cell.harnessCpuMs),
      endToEndOpsPerCpuSec: rate(ops, cell.endToEndCpuMs),
      harnessCpuMs: cell.harnessCpuMs,
      endToEndCpuMs: cell.endToEndCpuMs,
      cpuMs: cell.cpuMs,
      failures: rec.failures,
    };
    rows.push(row);
    opts.onRow?.(row);
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
