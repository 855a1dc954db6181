// Mutation profile: the layout / is_vmalloc_addr property, its checks as they are, with the profile's seed and run
// count (profile.ts) instead of the property file's.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { LAYOUT_CHECKS } from '../layout-is-vmalloc-addr.checks.js';
import { SEEDED_PROFILE } from './profile.js';

const p = SEEDED_PROFILE.find((x) => x.file === 'layout-is-vmalloc-addr.prop.test.ts')!;

describe(`layouts and is_vmalloc_addr, src against model (mutation profile, seed ${p.seed})`, () => {
  for (const check of LAYOUT_CHECKS) {
    it(check.name, () => {
      // endOnFailure: no shrinking — Stryker only needs the test red
      fc.assert(check.property(), { seed: p.seed, numRuns: check.numRuns(p.runs), endOnFailure: true });
    });
  }
});
