// The deterministic mutation profile (checking.md §8, issue 8): what `npm run mutation` runs
// against every mutant of src/. Unit tests, the invariant tests and the replay of
// shrink-reports/ run as they are; the refinement properties run as FIXED traces — drawn once
// from a fixed seed when the test file loads, one vitest `it` per trace — so that Stryker's
// perTest coverage runs, for each mutant, only the few traces that execute it, and stops at the
// first red one. No shrinking and no reports: Stryker only needs a red test. One table, read by
// the profile's test files (properties/mutation/*.mut.test.ts) and printed by run.ts.
import type { MachineConfig } from '../../api/index.js';
import { PRESETS } from '../../api/index.js';
import { CONFIGS, EXTRA_CONFIGS } from '../configs.js';
import type { Subsystem } from '../gen/index.js';

export interface TraceProfile {
  /** the property whose generator the traces come from */
  readonly property: string;
  readonly subsystem: Subsystem;
  readonly seed: number;
  /** traces per configuration, each its own `it` */
  readonly traces: number;
  /** longest trace (the generator's shortest is half of it) */
  readonly ops: number;
  readonly configs: readonly MachineConfig[];
}

export interface EnvProfile {
  /** the property file under properties/ that is run unchanged with these settings */
  readonly file: string;
  readonly seed: number;
  /** VMCHECK_RUNS for that file */
  readonly runs: number;
}

const withVmemmap = [...CONFIGS, ...EXTRA_CONFIGS].filter((c) => PRESETS[c.preset].vmemmapStart !== null);

/**
 * Refinement traces: every configuration, one fixed seed per property, short traces. The
 * numbers are the smallest that kill what longer runs kill on src/ (measured per directory,
 * properties/mutation/equivalent/); a trace costs ~10–100 ms, a mutant runs only its own.
 */
export const TRACE_PROFILE: readonly TraceProfile[] = [
  { property: 'pagetable-refines-model', subsystem: 'pagetable', seed: 20241117, traces: 4, ops: 60, configs: CONFIGS },
  { property: 'vmap-refines-model', subsystem: 'vmap', seed: 20241117, traces: 4, ops: 60, configs: CONFIGS },
  { property: 'vmemmap-refines-model', subsystem: 'vmemmap', seed: 20241117, traces: 3, ops: 60, configs: withVmemmap },
];

/** Properties that read VMCHECK_SEED / VMCHECK_RUNS themselves, run unchanged. */
export const ENV_PROFILE: readonly EnvProfile[] = [
  { file: 'layout-is-vmalloc-addr.prop.test.ts', seed: 424242, runs: 64 },
  { file: 'directmap-builder.prop.test.ts', seed: 424242, runs: 24 },
  { file: 'unit/vmemmap-refines.test.ts', seed: 20261122, runs: 8 },
];

const PINNED = ['VMCHECK_REPORTS', 'VMCHECK_SHRINK_SECONDS', 'VMCHECK_SEED', 'VMCHECK_RUNS', 'VMCHECK_OPS'] as const;

/**
 * Load a property with the profile's settings pinned, then put the environment back: the test
 * files may share a worker, and the other files read VMCHECK_SEED / VMCHECK_RUNS when they
 * load. Pinned for the property: no shrink reports written (a killed mutant is not a bug of
 * the tree) and no shrinking (Stryker only needs a red test; shrinking would cost up to a
 * minute per killed mutant). The properties read their settings when they load, not when
 * their tests run, so restoring right after loading is safe.
 */
export async function withMutationEnv(seed: number, runs: number, ops: number | undefined, load: () => unknown): Promise<void> {
  const saved = PINNED.map((k) => [k, process.env[k]] as const);
  process.env['VMCHECK_REPORTS'] = '0';
  process.env['VMCHECK_SHRINK_SECONDS'] = '0';
  process.env['VMCHECK_SEED'] = String(seed);
  process.env['VMCHECK_RUNS'] = String(runs);
  if (ops === undefined) delete process.env['VMCHECK_OPS'];
  else process.env['VMCHECK_OPS'] = String(ops);
  try {
    await load();
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
