// vitest for mutation testing (`npm run mutation`, stryker.config.json): the deterministic
// mutation profile (checking.md §8). Unit tests, invariant tests and the replay of
// shrink-reports/ as they are; the properties through properties/mutation/*.mut.test.ts, which
// pin fixed seeds and short traces (properties/mutation/profile.ts). No shrink reports, no
// shrinking: Stryker only needs a red test. The harness's own self-tests are left out: they
// test the harness on a fixture machine, not src/.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['properties/unit/**/*.test.ts', 'properties/invariants.test.ts', 'properties/replay-reports.test.ts', 'properties/mutation/**/*.mut.test.ts'],
    // a property kept under unit/: run through properties/mutation/vmemmap.mut.test.ts instead
    exclude: ['properties/unit/vmemmap-refines.test.ts', '**/node_modules/**'],
    env: { VMCHECK_REPORTS: '0', VMCHECK_SHRINK_SECONDS: '0' },
    testTimeout: 120_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
