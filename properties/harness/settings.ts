// harness: run settings — fixed, printed defaults; environment variables override them
// (STYLE.md 13): VMCHECK_SEED, VMCHECK_RUNS, VMCHECK_OPS, VMCHECK_SHRINK_SECONDS,
// VMCHECK_REPORTS=0 (do not write shrink reports), VMCHECK_REPORT_DIR.
import type { IRawProperty } from 'fast-check';

export interface Settings {
  readonly seed: number;
  /** traces per property and configuration */
  readonly runs: number;
  /** longest trace */
  readonly ops: number;
  /** budget for shrinking one failure (fast-check's shrink, then the reducer) */
  readonly shrinkSeconds: number;
  readonly writeReports: boolean;
}

export const DEFAULT_SEED = 20241117;

function envInt(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`${name}=${v}: expected an integer`);
  return n;
}

export function settingsFromEnv(defaults: { readonly runs: number; readonly ops: number }): Settings {
  return {
    seed: envInt('VMCHECK_SEED', DEFAULT_SEED),
    runs: envInt('VMCHECK_RUNS', defaults.runs),
    ops: envInt('VMCHECK_OPS', defaults.ops),
    shrinkSeconds: envInt('VMCHECK_SHRINK_SECONDS', 60),
    writeReports: process.env['VMCHECK_REPORTS'] !== '0',
  };
}

/**
 * A fast-check property whose seed and run budget the test file chooses (the layout, direct-map
 * and vmemmap properties: their inputs are generated setups, not traces). The test file asserts
 * it (`fc.assert(check.property(), { seed, numRuns: check.numRuns(runs) })`), the full property
 * with its own defaults and the mutation profile with the profile's. The property is built when
 * its test runs, not when the file loads.
 */
export interface SeededCheck {
  /** the test's name */
  readonly name: string;
  /** this check's runs out of the file's budget */
  readonly numRuns: (runs: number) => number;
  readonly property: () => IRawProperty<[unknown]>;
}
