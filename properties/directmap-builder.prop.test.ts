// Property: the x86-64 direct-map builder (init_mem_mapping, layout.md §4), top-down and
// bottom-up, on generated RAM layouts, against model/directmap; the check and the rules it
// checks by name are in directmap-builder.checks.ts.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { DIRECTMAP_CHECKS } from './directmap-builder.checks.js';

const SEED = Number(process.env.VMCHECK_SEED ?? 424242);
const RUNS = Number(process.env.VMCHECK_RUNS ?? 200);

describe(`x86-64 direct-map builder, init_mem_mapping (seed ${SEED})`, () => {
  for (const check of DIRECTMAP_CHECKS) {
    it(check.name, () => {
      fc.assert(check.property(), { seed: SEED, numRuns: check.numRuns(RUNS) });
    });
  }
});
