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

export interface SeededProfile {
  /** the property file under properties/ whose checks (a SeededCheck list) run with these settings */
  readonly file: string;
  readonly seed: number;
  /** the run budget in place of the file's own (its VMCHECK_RUNS) */
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

/** Properties over generated setups (not traces): their checks as they are, with this seed and budget. */
export const SEEDED_PROFILE: readonly SeededProfile[] = [
  { file: 'layout-is-vmalloc-addr.prop.test.ts', seed: 424242, runs: 64 },
  { file: 'directmap-builder.prop.test.ts', seed: 424242, runs: 24 },
  { file: 'unit/vmemmap-refines.test.ts', seed: 20261122, runs: 8 },
];
