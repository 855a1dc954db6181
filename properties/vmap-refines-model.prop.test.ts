// Property: the vmap allocator, lazy freeing, the vmalloc API and the per-CPU blocks of the
// implementation refine the model — results, abstract states and every invariant after every
// op of a generated trace (checking.md §2, vmap.md, vmap-blocks.md).
import { refinementSuite } from './harness/suite.js';

refinementSuite({
  property: 'vmap-refines-model',
  subsystem: 'vmap',
  runs: 12,
  ops: 300,
  minimums: () => ({
    'block created': 0.3,
    'explicit purge': 0.2,
  }),
});
