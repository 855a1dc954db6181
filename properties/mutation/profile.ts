// The deterministic mutation profile (checking.md §8, issue 8): what `npm run mutation` runs
// against every mutant of src/. Unit tests, the invariant tests and the replay of
// shrink-reports/ run as they are; the properties run with fixed seeds and short traces so
// that a full Stryker run over src/ fits in about an hour on 2 cores. One table, read by the
// profile's test files (properties/mutation/*.mut.test.ts) and printed by run.ts.

export interface RefinementProfile {
  readonly property: string;
  readonly subsystem: 'pagetable' | 'vmap';
  readonly seed: number;
  /** traces per configuration */
  readonly runs: number;
  /** longest trace */
  readonly ops: number;
}

export interface EnvProfile {
  /** the property file under properties/ that is run unchanged with these settings */
  readonly file: string;
  readonly seed: number;
  /** VMCHECK_RUNS for that file (it divides it by 4 and 8: keep a multiple of 8) */
  readonly runs: number;
}

/** Refinement properties: every configuration, one fixed seed, short traces. */
export const REFINEMENT_PROFILE: readonly RefinementProfile[] = [
  { property: 'pagetable-refines-model', subsystem: 'pagetable', seed: 20241117, runs: 4, ops: 60 },
  { property: 'vmap-refines-model', subsystem: 'vmap', seed: 20241117, runs: 4, ops: 60 },
];

/** Properties that read VMCHECK_SEED / VMCHECK_RUNS themselves. */
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
