// invariants: the list the harness checks after every step, on both sides (checking.md §4).
// The names are the reported ones (kebab-case).
import { areasDisjoint } from './areas-disjoint.js';
import { blockAccounting } from './block-accounting.js';
import type { NamedInvariant } from './context.js';
import { flushSane } from './flush-sane.js';
import { guardUnmapped } from './guard-unmapped.js';
import { lazyAccounting } from './lazy-accounting.js';
import { noReuseBeforeFlush } from './no-reuse-before-flush.js';
import { noStaleAliasAfterUnmapAliases } from './no-stale-alias-after-unmap-aliases.js';
import { altmapAccounting } from './altmap-accounting.js';
import { ownership } from './ownership.js';
import { pagetableShape } from './pagetable-shape.js';
import { vmemmapBacked } from './vmemmap-backed.js';

// `reads` lists what each check looks at (context.ts): the harness re-checks an invariant only
// when one of those parts is a new object. Keep it in step with the check — a part missing here
// would let a change go unchecked, so invariants.test.ts breaks each part alone and expects a
// violation from a state that reuses every other part.
export const INVARIANTS: readonly NamedInvariant[] = [
  { name: 'pagetable-shape', check: pagetableShape, reads: (s) => [s.leaves, s.tables, s.owners] },
  { name: 'ownership', check: ownership, reads: (s) => [s.leaves, s.owners] },
  { name: 'flush-sane', check: flushSane, reads: (s) => [s.counters.badFlushes, s.warnings] },
  { name: 'guard-unmapped', check: guardUnmapped, reads: (s) => [s.leaves, s.mappings] },
  { name: 'no-reuse-before-flush', check: noReuseBeforeFlush, reads: (s) => [s.leaves, s.mappings, s.tlb] },
  { name: 'areas-disjoint', check: areasDisjoint, reads: (s) => [s.vmap.areas, s.blocks.blocks, s.mappings] },
  { name: 'lazy-accounting', check: lazyAccounting, reads: (s) => [s.vmap.areas, s.vmap.lazyNr] },
  { name: 'block-accounting', check: blockAccounting, reads: (s) => [s.blocks.blocks, s.blocks.freeLists] },
  { name: 'no-stale-alias-after-unmap-aliases', check: noStaleAliasAfterUnmapAliases },
  { name: 'vmemmap-backed', check: vmemmapBacked, reads: (s) => [s.leaves, s.owners, s.tables, s.vmemmap] },
  { name: 'altmap-accounting', check: altmapAccounting, reads: (s) => [s.leaves, s.owners, s.vmemmap, s.warnings] },
];
