// harness: the one runner every refinement property uses (STYLE.md 12): describe.each over the
// configurations, one test per implementation pair, fast-check with a fixed seed printed in
// the suite title; the coverage-label table is printed after each configuration, and the counts
// go to the test's meta for the combined table that closes the run (label-reporter.ts).
import { describe, it } from 'vitest';
import type { MachineConfig } from '../../api/index.js';
import { CONFIGS } from '../configs.js';
import type { Subsystem } from '../gen/index.js';
import { IMPLEMENTATIONS } from '../implementations.js';
import type { CheckResult } from './check.js';
import { checkProperty } from './check.js';
import type { LabelRecord } from './label-summary.js';
import { shownPath } from './report.js';
import { settingsFromEnv } from './settings.js';

export interface PropertySpec {
  /** file and report name, e.g. 'pagetable-refines-model' */
  readonly property: string;
  readonly subsystem: Subsystem;
  /** default traces per configuration (a number, or per configuration) and longest trace; VMCHECK_RUNS / VMCHECK_OPS override */
  readonly runs: number | ((config: MachineConfig) => number);
  readonly ops: number;
  /** declared minimum share of traces (0..1) carrying a label, per configuration */
  readonly minimums?: (config: MachineConfig) => Readonly<Record<string, number>>;
  /** configurations to run on (default: all) */
  readonly configs?: readonly MachineConfig[];
  /**
   * What a run must show, asserted by the property file itself (so each file states its own
   * claim): called once per configuration and pair with what the run found.
   */
  readonly verdict: (run: RefinementRun) => void;
}

/** What one configuration × pair of a refinement property found. */
export interface RefinementRun {
  /** the first failure — its message, the shrunk trace's length and its report — or null */
  readonly failure: string | null;
  /** the coverage labels whose share of traces stayed below their declared minimum, one line each */
  readonly belowMinimum: readonly string[];
}

export function labelTable(r: CheckResult, minimums: Readonly<Record<string, number>> = {}): string {
  const rows = [...new Set([...r.labels.keys(), ...Object.keys(minimums)])].sort();
  const width = Math.max(10, ...rows.map((l) => l.length));
  return rows
    .map((l) => {
      const share = r.traces === 0 ? 0 : (r.labels.get(l) ?? 0) / r.traces;
      const min = minimums[l];
      const flag = min !== undefined ? (share >= min ? `  (min ${(100 * min).toFixed(0)}%)` : `  BELOW min ${(100 * min).toFixed(0)}%`) : '';
      return `  ${l.padEnd(width)} ${(100 * share).toFixed(0).padStart(3)}%${flag}`;
    })
    .join('\n');
}

export function refinementSuite(spec: PropertySpec): void {
  const configs = spec.configs ?? CONFIGS;
  const runsOf = (c: MachineConfig): number => (typeof spec.runs === 'number' ? spec.runs : spec.runs(c));
  const cases = configs.map((config) => ({ config, name: config.name, s: settingsFromEnv({ runs: runsOf(config), ops: spec.ops }) }));
  describe.each(cases)(`${spec.property} · $name · seed $s.seed, $s.runs runs × ≤$s.ops ops`, ({ config, s }) => {
    for (const pair of IMPLEMENTATIONS) {
      it(`${pair.name}: every step commutes and every invariant holds`, ({ task }) => {
        const r = checkProperty({ property: spec.property, subsystem: spec.subsystem, pair, config, settings: s });
        const minimums = spec.minimums?.(config) ?? {};
        // for the combined table at the end of the run (label-reporter.ts)
        const rec: LabelRecord = { property: spec.property, config: config.name, pair: pair.name, traces: r.traces, counts: Object.fromEntries(r.labels), minimums };
        task.meta.vmcheckLabels = rec;
        task.meta.vmcheckSteps = r.steps;
        const rate = r.elapsedMs > 0 ? Math.round((1000 * r.steps) / r.elapsedMs) : 0;
        console.log(
          `${spec.property} · ${config.name} · ${pair.name}: ${r.traces} traces, ${r.steps} steps (${r.skipped} skipped), ` +
            `${(r.elapsedMs / 1000).toFixed(1)} s, ${rate} steps/s\n${labelTable(r, minimums)}`,
        );
        let failure: string | null = null;
        if (r.found) {
          const where = r.found.reportPath ? `\nreport: ${shownPath(r.found.reportPath)} (and .md)` : '';
          const n = r.found.report.trace.length;
          failure = `${r.found.failure.message}\nminimal trace: ${n} op${n === 1 ? '' : 's'}${where}`;
        }
        const belowMinimum: string[] = [];
        for (const [label, min] of Object.entries(minimums)) {
          const share = r.traces === 0 ? 0 : (r.labels.get(label) ?? 0) / r.traces;
          if (share < min) belowMinimum.push(`coverage label '${label}' on ${config.name}: ${(100 * share).toFixed(1)}% of ${r.traces} traces, declared minimum ${(100 * min).toFixed(0)}%`);
        }
        spec.verdict({ failure, belowMinimum });
      });
    }
  });
}
