// Property: on random hot-plug traces (with fault injection), the optimized vmemmap (src) and
// the model agree call by call and both states keep vmemmap-backed and altmap-accounting; the
// checks, one per configuration, are in vmemmap-refines.checks.ts.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { VMEMMAP_REFINES_CHECKS } from './vmemmap-refines.checks.js';

const SEED = Number(process.env.VMCHECK_SEED ?? 20261122);
const RUNS = Number(process.env.VMCHECK_RUNS ?? 40);

describe(`vmemmap refines the model (seed ${SEED})`, () => {
  for (const check of VMEMMAP_REFINES_CHECKS) {
    it(check.name, () => {
      fc.assert(check.property(), { seed: SEED, numRuns: check.numRuns(RUNS) });
    });
  }
});
