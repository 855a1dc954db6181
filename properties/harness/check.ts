// harness: one property on one configuration and one implementation pair — fast-check generates
// traces and shrinks the first failure (keeping its signature), then the deterministic reducer
// makes it 1-minimal, and the report is written (checking.md §5–6). The configuration is fixed,
// or drawn per trace from an arbitrary (checking.md §5; gen/config.ts): then fast-check draws the
// configuration and the trace together and shrinks both, and the report embeds the failing one.
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import type { MachineConfig, Op } from '../../api/index.js';
import { PRESETS } from '../../api/index.js';
import type { Subsystem } from '../gen/index.js';
import { traceArb } from '../gen/index.js';
import { reduceTrace } from './reduce.js';
import { buildReport, writeReport } from './report.js';
import type { ShrinkReport } from './report-format.js';
import type { Pair, StepRecord } from './runner.js';
import { runTrace } from './runner.js';
import { failsTheSameWay } from './same-failure.js';
import type { Settings } from './settings.js';
import type { Snapshot, StepFailure } from './step.js';

const FC_SHRINK_MAX_MS = 5000;

export interface FoundFailure {
  readonly failure: StepFailure;
  readonly report: ShrinkReport;
  /** where the report was written, if it was */
  readonly reportPath: string | null;
  readonly records: readonly StepRecord[];
  readonly last: Snapshot | undefined;
  /** the signature the failure was found with: shrinking may end on another field (same-failure.ts) */
  readonly foundAs: string;
}

export interface CheckResult {
  readonly traces: number;
  readonly steps: number;
  readonly skipped: number;
  /** label -> number of traces that carried it */
  readonly labels: ReadonlyMap<string, number>;
  readonly elapsedMs: number;
  readonly found: FoundFailure | null;
}

export interface CheckInput {
  readonly property: string;
  readonly subsystem: Subsystem;
  readonly pair: Pair;
  /** the configuration of every trace, or an arbitrary to draw one per trace from */
  readonly config: MachineConfig | Arbitrary<MachineConfig>;
  readonly settings: Settings;
  /** called after every generated trace with its configuration and labels (hunt prints progress from here) */
  readonly onTrace?: (steps: number, trace: { readonly config: MachineConfig; readonly labels: ReadonlySet<string> }) => void;
  /** stop generating new traces after this time (Date.now() ms); the traces left pass unrun */
  readonly deadline?: number;
  /** false: a failure with this signature is already known — report it unshrunk */
  readonly wantShrink?: (signature: string) => boolean;
}

/** Shrink a failing trace to a 1-minimal one with the same signature and build its report. */
export function shrinkAndReport(
  x: Omit<CheckInput, 'onTrace' | 'deadline' | 'wantShrink' | 'config'> & {
    readonly config: MachineConfig;
    readonly trace: readonly Op[];
    readonly from: number;
    readonly signature: string;
    readonly path: string | null;
  },
): FoundFailure {
  const { pair, config, settings } = x;
  const same = failsTheSameWay(pair, config, x.signature);
  const red = reduceTrace(x.trace, same, { deadlineMs: settings.shrinkSeconds * 1000, pageBytes: 2 ** PRESETS[config.preset].pageShift });
  const final = runTrace(pair, config, red.trace, { record: true });
  if (final.ok) throw new Error(`internal: the reduced trace passes (${x.signature})`);
  const report = buildReport({
    property: x.property,
    pair: pair.name,
    config,
    seed: settings.seed,
    path: x.path,
    trace: red.trace,
    failure: final.failure,
    shrink: { from: x.from, to: red.trace.length, oneMinimal: red.oneMinimal, tries: red.tries },
  });
  const records = final.records ?? [];
  const reportPath = settings.writeReports ? writeReport(report, records, final.last) : null;
  return { failure: final.failure, report, reportPath, records, last: final.last, foundAs: x.signature };
}

/** A trace and the configuration it runs on (drawn together when the configuration is drawn). */
interface Case {
  readonly config: MachineConfig;
  readonly trace: Op[];
}

export function checkProperty(x: CheckInput): CheckResult {
  const { pair, settings } = x;
  const t0 = Date.now();
  let traces = 0;
  let steps = 0;
  let skipped = 0;
  const labels = new Map<string, number>();
  let first: { signature: string; length: number } | null = null;
  let shrinkDeadline = 0;
  let unshrunk: { failure: StepFailure; config: MachineConfig; trace: Op[] } | null = null;
  const predicate = (config: MachineConfig, trace: Op[]): boolean => {
    if (first) {
      // fast-check is shrinking: keep only candidates that fail the same way; past the budget,
      // call every candidate good so that fast-check stops with the last failing one
      if (Date.now() > shrinkDeadline) return true;
      return !failsTheSameWay(pair, config, first.signature)(trace);
    }
    if (x.deadline !== undefined && Date.now() > x.deadline) return true;
    const o = runTrace(pair, config, trace);
    traces++;
    steps += o.stats.steps;
    skipped += o.stats.skipped;
    for (const l of o.stats.labels) labels.set(l, (labels.get(l) ?? 0) + 1);
    x.onTrace?.(o.stats.steps, { config, labels: o.stats.labels });
    if (!o.ok) {
      first = { signature: o.failure.signature, length: trace.length };
      const shrink = x.wantShrink?.(o.failure.signature) ?? true;
      // fast-check's own shrinking gets a short slice of the budget: on long traces the
      // reducer (span deletion) gets much further per second, and it has the rest
      shrinkDeadline = shrink ? Date.now() + Math.min(FC_SHRINK_MAX_MS, (settings.shrinkSeconds * 1000) / 4) : 0;
      if (!shrink) unshrunk = { failure: o.failure, config, trace };
      return false;
    }
    return true;
  };
  const traceOpts = { ops: settings.ops };
  const withTrace = (config: MachineConfig): Arbitrary<Case> => traceArb(config, x.subsystem, traceOpts).map((trace) => ({ config, trace }));
  // a fixed configuration: the trace arbitrary, only mapped, so seeds and paths stay as they were
  const cases = x.config instanceof fc.Arbitrary ? x.config.chain(withTrace) : withTrace(x.config);
  const details = fc.check(
    fc.property(cases, (c) => predicate(c.config, c.trace)),
    { seed: settings.seed, numRuns: settings.runs },
  );
  let found: FoundFailure | null = null;
  const known = unshrunk as { failure: StepFailure; config: MachineConfig; trace: Op[] } | null;
  if (details.failed && known) {
    // already reported: no shrinking, no report
    const report = buildReport({
      property: x.property,
      pair: pair.name,
      config: known.config,
      seed: settings.seed,
      path: details.counterexamplePath,
      trace: known.trace,
      failure: known.failure,
      shrink: { from: known.trace.length, to: known.trace.length, oneMinimal: false, tries: 0 },
    });
    found = { failure: known.failure, report, reportPath: null, records: [], last: undefined, foundAs: known.failure.signature };
  } else if (details.failed) {
    const ce = details.counterexample?.[0];
    const f = first as { signature: string; length: number } | null;
    if (!ce || !f) {
      throw details.errorInstance instanceof Error ? details.errorInstance : new Error(`fast-check failed without a counterexample`);
    }
    found = shrinkAndReport({
      property: x.property,
      subsystem: x.subsystem,
      pair,
      config: ce.config,
      settings,
      trace: ce.trace,
      from: f.length,
      signature: f.signature,
      path: details.counterexamplePath,
    });
  }
  return { traces, steps, skipped, labels, elapsedMs: Date.now() - t0, found };
}
