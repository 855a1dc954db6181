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

export const INVARIANTS: readonly NamedInvariant[] = [
  { name: 'pagetable-shape', check: pagetableShape },
  { name: 'ownership', check: ownership },
  { name: 'flush-sane', check: flushSane },
  { name: 'guard-unmapped', check: guardUnmapped },
  { name: 'no-reuse-before-flush', check: noReuseBeforeFlush },
  { name: 'areas-disjoint', check: areasDisjoint },
  { name: 'lazy-accounting', check: lazyAccounting },
  { name: 'block-accounting', check: blockAccounting },
  { name: 'no-stale-alias-after-unmap-aliases', check: noStaleAliasAfterUnmapAliases },
  { name: 'vmemmap-backed', check: vmemmapBacked },
  { name: 'altmap-accounting', check: altmapAccounting },
];
