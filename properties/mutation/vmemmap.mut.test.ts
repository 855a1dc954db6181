// Mutation profile: vmemmap refines the model (a property kept under unit/), its checks as they
// are, with the profile's seed and run count (profile.ts) instead of the property file's.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { VMEMMAP_REFINES_CHECKS } from '../unit/vmemmap-refines.checks.js';
import { SEEDED_PROFILE } from './profile.js';

const p = SEEDED_PROFILE.find((x) => x.file === 'unit/vmemmap-refines.test.ts')!;

describe(`vmemmap refines the model (mutation profile, seed ${p.seed})`, () => {
  for (const check of VMEMMAP_REFINES_CHECKS) {
    it(check.name, () => {
      // endOnFailure: no shrinking — Stryker only needs the test red
      fc.assert(check.property(), { seed: p.seed, numRuns: check.numRuns(p.runs), endOnFailure: true });
    });
  }
});
