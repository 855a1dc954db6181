// invariants: public surface.
export { INVARIANTS } from './all.js';
export type { Invariant, InvariantCtx, NamedInvariant } from './context.js';
export { areasDisjoint } from './areas-disjoint.js';
export { blockAccounting } from './block-accounting.js';
export { flushSane } from './flush-sane.js';
export { guardUnmapped } from './guard-unmapped.js';
export { lazyAccounting } from './lazy-accounting.js';
export { noReuseBeforeFlush } from './no-reuse-before-flush.js';
export { noStaleAliasAfterUnmapAliases } from './no-stale-alias-after-unmap-aliases.js';
export { ownership } from './ownership.js';
export { pagetableShape } from './pagetable-shape.js';
