// invariant block-accounting (vmap-blocks.md §2, §4-§5): for every block, free + live + dirty =
// VMAP_BBMAP_BITS, where live counts each live sub-allocation at its rounded size 2^order; the
// unflushed dirty range is empty (dirty_min = VMAP_BBMAP_BITS, dirty_max = 0) or inside the block;
// a fully dirty block does not survive (it is released at once). The per-CPU free lists agree
// with the blocks: a block is on its own CPU's free list exactly when it still has never-used
// pages (free > 0; a block leaves the list when free reaches 0 and never returns), once.
import type { AbstractState } from '../../api/index.js';
import { hexAt } from '../harness/geometry.js';
import type { InvariantCtx } from './context.js';
import { pow2 } from './numeric.js';

export function blockAccounting(s: AbstractState, ctx: InvariantCtx): string | null {
  const bits = ctx.geo.vmapBbmapBits;
  const A = hexAt(ctx.geo.w);
  for (const b of s.blocks.blocks) {
    let live = 0;
    for (const x of b.subs) live += pow2(x.order);
    if (b.free < 0 || b.dirty < 0) return `block ${A(b.start)} (cpu ${b.cpu}): free = ${b.free}, dirty = ${b.dirty}`;
    if (b.free + live + b.dirty !== bits) {
      return `block ${A(b.start)} (cpu ${b.cpu}): free ${b.free} + live ${live} + dirty ${b.dirty} = ${b.free + live + b.dirty}, VMAP_BBMAP_BITS = ${bits}`;
    }
    const empty = b.dirtyMin === bits && b.dirtyMax === 0;
    if (!empty && !(0 <= b.dirtyMin && b.dirtyMin < b.dirtyMax && b.dirtyMax <= bits)) {
      return `block ${A(b.start)} (cpu ${b.cpu}): dirty range [${b.dirtyMin}, ${b.dirtyMax}) is neither empty nor inside the block`;
    }
    if (b.dirty === bits) return `block ${A(b.start)} (cpu ${b.cpu}) is fully dirty but was not released`;
    if (b.onFreeList !== b.free > 0) return `block ${A(b.start)} (cpu ${b.cpu}): free = ${b.free} but on the free list = ${b.onFreeList}`;
    // listed once, on its own CPU's list, exactly when onFreeList (counted first: no allocation)
    let times = 0;
    let own = 0;
    for (const l of s.blocks.freeLists) {
      for (const x of l.starts) {
        if (x !== b.start) continue;
        times++;
        if (l.cpu === b.cpu) own++;
      }
    }
    if (b.onFreeList ? times === 1 && own === 1 : times === 0) continue;
    const listed = s.blocks.freeLists.flatMap((l) => l.starts.filter((x) => x === b.start).map(() => l.cpu));
    const want = b.onFreeList ? [b.cpu] : [];
    return `block ${A(b.start)} (cpu ${b.cpu}): listed on the free lists of cpus [${listed.join(', ')}], expected [${want.join(', ')}]`;
  }
  for (const l of s.blocks.freeLists) {
    for (const start of l.starts) {
      let live = false;
      for (const b of s.blocks.blocks) if (b.start === start) live = true;
      if (!live) return `cpu ${l.cpu}'s free list names ${A(start)}, which is no live block`;
    }
  }
  return null;
}
