// Mutation testing of src/ (checking.md §8, issue 8). `npm run mutation` runs Stryker through
// properties/mutation/run.ts and then summarises reports/mutation/mutation.json (score overall
// and per folder, survivors by file:line). The tests are the deterministic mutation profile:
// vitest.mutation.config.ts and properties/mutation/profile.ts (fixed seeds, short traces,
// the replayed shrink-reports, the unit tests).
// Stryker has no mutator for `& | ^ << >>`: the planted bugs (npm run bugs) cover those.

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  plugins: ['@stryker-mutator/vitest-runner'],
  testRunner: 'vitest',
  // related: false — every test file of the profile is a candidate; perTest coverage then
  // picks, per mutant, only the tests that executed it
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  // index.ts files only re-export (STYLE): nothing to mutate there
  mutate: ['src/**/*.ts', '!src/**/index.ts'],
  ignorePatterns: ['reports', 'coverage', 'bench', 'bugs', '.ci', '/.stryker-tmp*'],
  coverageAnalysis: 'perTest',
  // 1 while other work shares the 2 cores; on an idle 2-core machine use `-- --concurrency 2`
  concurrency: 1,
  // a mutant that makes a walk or a search loop spin is caught by Stryker's hit limit (100x its
  // dry-run hits) or, when the spinning loop holds no mutant switch, by this timeout: the
  // covering tests' dry-run time plus 10 s (plus the measured per-run overhead). The dry run
  // counts coverage on every instrumented statement, so its times are 1.5-3x a mutant run's:
  // factor 1 still leaves that margin. Each such timeout costs its full wait plus a worker
  // restart (a mutant in boot code waits for the whole profile's dry-run time), so factor 1.5
  // cost ~1 min per spinning boot-code mutant. 10 s covers the first run after a restart (cold
  // module transforms, ~1-2 s here); session 1 saw false timeouts in cascade at 5 s, back when
  // every test file imported src/ and the harness anew (before isolate: false)
  timeoutFactor: 1.0,
  timeoutMS: 10_000,
  dryRunTimeoutMinutes: 15,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true, reportMutants: false },
  // repeat runs re-test only mutants whose code or covering tests changed
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
