// Property: the vmap allocator, lazy freeing, the vmalloc API and the per-CPU blocks of the
// implementation refine the model — results, abstract states and every invariant after every
// op of a generated trace (checking.md §2, vmap.md, vmap-blocks.md).
import { expect } from 'vitest';
import { minimumsFor } from './coverage.js';
import { refinementSuite } from './harness/suite.js';

refinementSuite({
  property: 'vmap-refines-model',
  subsystem: 'vmap',
  // the toy presets are cheap and reach table ends, full blocks and the top of the space soonest
  runs: (c) => (c.preset === 'toy24' ? 50 : 24),
  ops: 300,
  // what the generator must reach, per configuration (checking.md §5): coverage.ts
  minimums: (c) => minimumsFor('vmap', c),
  // every step of every trace commutes and keeps every invariant; the generator reached what it must
  verdict: (run) => {
    expect(run.failure, run.failure ?? undefined).toBeNull();
    expect(run.belowMinimum, run.belowMinimum.join('; ')).toEqual([]);
  },
});
