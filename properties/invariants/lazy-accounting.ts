// invariant lazy-accounting (vmap.md §3): vmap_lazy_nr equals the pages of the lazy areas (guard
// pages included), and at the end of each call it is at most lazy_max_pages().
import type { AbstractState } from '../../api/index.js';
import type { InvariantCtx } from './context.js';

export function lazyAccounting(s: AbstractState, ctx: InvariantCtx): string | null {
  const g = ctx.geo;
  let pages = 0n;
  for (const a of s.vmap.areas) if (a.lazy) pages += (a.end - a.start) / g.pageSize;
  if (BigInt(s.vmap.lazyNr) !== pages) return `vmap_lazy_nr = ${s.vmap.lazyNr}, but the lazy areas hold ${pages} pages`;
  if (s.vmap.lazyNr > g.lazyMaxPages) {
    return `vmap_lazy_nr = ${s.vmap.lazyNr} > lazy_max_pages() = ${g.lazyMaxPages} at the end of the call (no drain)`;
  }
  return null;
}
