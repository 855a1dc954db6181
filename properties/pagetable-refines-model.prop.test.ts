// Property: at the machine level (page tables, walker, TLBs, fault injection), the
// implementation refines the model — after every op of a generated trace the results agree, the
// abstract states are equal, and every invariant holds (checking.md §2, machine.md).
import { expect } from 'vitest';
import { minimumsFor } from './coverage.js';
import { refinementSuite } from './harness/suite.js';

refinementSuite({
  property: 'pagetable-refines-model',
  subsystem: 'pagetable',
  // the toy presets are cheap and reach table ends, full blocks and the top of the space soonest
  // a million checked operations across npm test (issue 8): the cheap page-table traces carry most
  runs: (c) => (c.preset === 'toy24' ? 320 : 96),
  ops: 500,
  // what the generator must reach, per configuration (checking.md §5): coverage.ts
  minimums: (c) => minimumsFor('pagetable', c),
  // every step of every trace commutes and keeps every invariant; the generator reached what it must
  verdict: (run) => {
    expect(run.failure, run.failure ?? undefined).toBeNull();
    expect(run.belowMinimum, run.belowMinimum.join('; ')).toEqual([]);
  },
});
