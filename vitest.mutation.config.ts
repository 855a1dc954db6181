// vitest for mutation testing (`npm run mutation`, stryker.config.mjs): the deterministic
// mutation profile (checking.md §8). Unit tests, invariant tests and the replay of
// shrink-reports/ as they are; the refinement properties as fixed short traces, one `it` per
// trace (properties/mutation/*.mut.test.ts, profile.ts). No shrink reports, no shrinking:
// Stryker only needs a red test. The harness's own self-tests are left out: they test the
// harness on a fixture machine, not src/.
import { relative } from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Stryker runs, per mutant, only the files of the tests that cover it and stops at the first
 * red test (bail). So run first the file that failed last time (a neighbouring mutant is often
 * killed by the same test), then the cheapest files: a kill found in a 50 ms unit test saves
 * the seconds of the trace files. (vitest's default runs the longest files first.)
 */
class CheapFirst extends BaseSequencer {
  override sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const cache = this.ctx.cache;
    const root = this.ctx.config.root;
    const info = (f: TestSpecification): { failed: boolean; cost: number } => {
      const key = `${f.project.name}:${relative(root, f.moduleId)}`;
      const r = cache.getFileTestResults(key);
      // unknown duration: the file size stands in (the trace files are small but slow: last)
      const isTrace = f.moduleId.endsWith('.mut.test.ts');
      return { failed: r?.failed ?? false, cost: r ? r.duration : (isTrace ? 1e6 : 0) + (cache.getFileStats(key)?.size ?? 0) };
    };
    const sorted = [...files].map((f) => ({ f, ...info(f) }));
    sorted.sort((a, b) => (a.failed !== b.failed ? (a.failed ? -1 : 1) : a.cost - b.cost));
    return Promise.resolve(sorted.map((x) => x.f));
  }
}

export default defineConfig({
  test: {
    include: ['properties/unit/**/*.test.ts', 'properties/invariants.test.ts', 'properties/replay-reports.test.ts', 'properties/mutation/**/*.mut.test.ts'],
    // a property kept under unit/: run through properties/mutation/vmemmap.mut.test.ts instead
    exclude: ['properties/unit/vmemmap-refines.test.ts', '**/node_modules/**'],
    env: { VMCHECK_REPORTS: '0', VMCHECK_SHRINK_SECONDS: '0' },
    // one module graph per run instead of one per file (Stryker starts a fresh worker per mutant
    // run, so no state leaks from one mutant to the next): a mutant run costs its tests plus ONE
    // import of src/, model/ and the harness, not one per test file
    isolate: false,
    sequence: { sequencer: CheapFirst },
    testTimeout: 120_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
