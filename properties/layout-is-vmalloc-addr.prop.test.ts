// Property: layouts and is_vmalloc_addr, src/layout against model/layout, on generated arm32
// RAM layouts and on the 64-bit and toy presets (layout.md §1-§3, checking.md §4); the checks
// and what each one compares are in layout-is-vmalloc-addr.checks.ts.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { LAYOUT_CHECKS } from './layout-is-vmalloc-addr.checks.js';

const SEED = Number(process.env.VMCHECK_SEED ?? 424242);
const RUNS = Number(process.env.VMCHECK_RUNS ?? 400);

describe(`layouts and is_vmalloc_addr, src against model (seed ${SEED})`, () => {
  for (const check of LAYOUT_CHECKS) {
    it(check.name, () => {
      fc.assert(check.property(), { seed: SEED, numRuns: check.numRuns(RUNS) });
    });
  }
});
