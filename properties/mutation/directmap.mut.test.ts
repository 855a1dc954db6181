// Mutation profile: the direct-map builder property, its checks as they are, with the profile's seed and run
// count (profile.ts) instead of the property file's.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { DIRECTMAP_CHECKS } from '../directmap-builder.checks.js';
import { SEEDED_PROFILE } from './profile.js';

const p = SEEDED_PROFILE.find((x) => x.file === 'directmap-builder.prop.test.ts')!;

describe(`x86-64 direct-map builder, init_mem_mapping (mutation profile, seed ${p.seed})`, () => {
  for (const check of DIRECTMAP_CHECKS) {
    it(check.name, () => {
      // endOnFailure: no shrinking — Stryker only needs the test red
      fc.assert(check.property(), { seed: p.seed, numRuns: check.numRuns(p.runs), endOnFailure: true });
    });
  }
});
