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
  ignorePatterns: ['reports', 'coverage', 'bench', 'bugs', '.ci'],
  coverageAnalysis: 'perTest',
  concurrency: 2,
  // a mutant that makes a walk or a search loop spin is caught by Stryker's hit limit or by this
  // timeout: 1.5x the covering tests' measured time plus 20 s. The constant is large on purpose:
  // after a timeout the worker restarts and the next run pays vitest's cold start; with 5 s the
  // first measured run (free-tree.ts + pagetable.ts, machine under load) saw false timeouts in
  // cascade (a changed error-message literal 'timed out'), which would inflate the score
  timeoutFactor: 1.5,
  timeoutMS: 20_000,
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
