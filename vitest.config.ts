// vitest: every test under properties/ (unit tests, invariant tests, harness tests, the
// properties over every configuration, the replay of shrink-reports/). Properties are long
// CPU-bound loops, hence the generous timeouts. Results also go to reports/vitest.json (for
// .ci/run's closing count), and the combined coverage-label table to reports/labels.json.
// properties/mutation/ holds the mutation profile's copies of the properties (short, pinned
// traces); they run under vitest.mutation.config.ts only.
import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['properties/**/*.test.ts'],
    exclude: [...configDefaults.exclude, 'properties/mutation/**'],
    // one worker per core: the default leaves a core to the main process, which only reports —
    // on the 2-core CI machine that halves the throughput of the CPU-bound properties
    maxWorkers: availableParallelism(),
    testTimeout: 600_000,
    hookTimeout: 60_000,
    // the last one prints the combined coverage-label table of the refinement properties
    reporters: ['default', ['json', { outputFile: 'reports/vitest.json' }], './properties/harness/label-reporter.ts'],
  },
});
