// harness: replaying a shrink report from its JSON alone (checking.md §6) — no fast-check state,
// no path: the trace, the configuration it carries and the implementation pair it names.
import { readFileSync } from 'node:fs';
import { pairByName } from '../implementations.js';
import type { ShrinkReport } from './report-format.js';
import { parseReport } from './report-format.js';
import type { RunOptions, TraceOutcome } from './runner.js';
import { runTrace } from './runner.js';

export interface ReplayVerdict {
  readonly report: ShrinkReport;
  readonly outcome: TraceOutcome;
  /** the trace fails with the report's signature */
  readonly reproduces: boolean;
  /** what the report's status expects: 'open' reports still fail the same way, 'fixed' ones pass */
  readonly asExpected: boolean;
  /** one line saying what happened */
  readonly summary: string;
}

export function readReport(file: string): ShrinkReport {
  return parseReport(readFileSync(file, 'utf8'), file);
}

export function replayReport(report: ShrinkReport, opts: RunOptions = {}): ReplayVerdict {
  const outcome = runTrace(pairByName(report.pair), report.config, report.trace, opts);
  const reproduces = !outcome.ok && outcome.failure.signature === report.signature;
  const asExpected = report.status === 'open' ? reproduces : outcome.ok;
  const now = outcome.ok ? 'passes' : `fails with ${outcome.failure.signature}: ${outcome.failure.message}`;
  const summary =
    report.status === 'open'
      ? reproduces
        ? `open, still fails the same way (${report.signature})`
        : `open (${report.signature}), but now ${now}${outcome.ok ? ' — mark it "fixed" and turn it into an example test' : ''}`
      : outcome.ok
        ? 'fixed, passes'
        : `fixed, but ${now} — a regression`;
  return { report, outcome, reproduces, asExpected, summary };
}
