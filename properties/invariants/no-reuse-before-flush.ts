// invariant no-reuse-before-flush (checking.md §4): no CPU's TLB holds, for an address inside a
// live mapping of a vmap-level kind (guard page included), a translation other than that
// mapping's own current leaf. An address range is handed out again only after the flush that
// drops what its previous owner left in the TLBs (vmap.md §4). Machine-level 'pages'/'device'
// mappings are excluded: unmap_pages does not flush, by design (vunmap_page_range).
import type { AbstractState, MappingRec } from '../../api/index.js';
import { hex } from '../harness/geometry.js';
import type { InvariantCtx } from './context.js';
import { h, leavesIn } from './lookup.js';

const VMAP_KINDS: ReadonlySet<string> = new Set(['vmalloc', 'vmap', 'ioremap', 'vm_area', 'vm_map_ram']);

/** Index of the first mapping (sorted by va) starting at or after va. */
function firstMappingFrom(ms: readonly MappingRec[], va: bigint): number {
  let lo = 0;
  let hi = ms.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((ms[mid] as MappingRec).va < va) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function noReuseBeforeFlush(s: AbstractState, ctx: InvariantCtx): string | null {
  const g = ctx.geo;
  const ps = g.pageSize;
  // TLBs hold a few runs, the mappings are many: start from each cached run and visit only the
  // mappings that can meet it — sorted by va, none longer than the longest, so every one that
  // meets the run starts in [run start - longest, run end)
  const ms = s.mappings;
  let longestPages = 0;
  for (const m of ms) if (m.pages + m.guard > longestPages) longestPages = m.pages + m.guard;
  const longest = BigInt(longestPages) * ps;
  for (const cpu of s.tlb) {
    for (const t of cpu.runs) {
      const tEnd = t.va + BigInt(t.pages) * ps;
      for (let i = firstMappingFrom(ms, t.va - longest); i < ms.length; i++) {
        const m = ms[i] as MappingRec;
        if (m.va >= tEnd) break;
        if (!VMAP_KINDS.has(m.kind)) continue;
        const mEnd = m.va + BigInt(m.pages + m.guard) * ps;
        if (mEnd <= t.va) continue;
        // the overlap [a, b) of this cached run with the mapping; both the TLB and a leaf run
        // map va linearly (slope 1 page per page), so one point per leaf segment decides it
        const a = t.va > m.va ? t.va : m.va;
        const b = tEnd < mEnd ? tEnd : mEnd;
        let at = a;
        for (const l of leavesIn(s.leaves, a, b, ps)) {
          if (l.va > at) break; // a hole before this leaf: handled below
          const lEnd = l.va + BigInt(l.pages) * ps;
          const leafPfn = l.pfn + Number((at - l.va) / ps);
          if (leafPfn !== t.pfn + Number((at - t.va) / ps)) {
            return `cpu ${cpu.cpu} caches ${hex(at, g.w)} -> pfn ${h(t.pfn + Number((at - t.va) / ps))}, but the ${m.kind} mapping at ${hex(m.va, g.w)} maps it to pfn ${h(leafPfn)}`;
          }
          at = lEnd < b ? lEnd : b;
        }
        if (at < b) {
          return `cpu ${cpu.cpu} caches ${hex(at, g.w)} -> pfn ${h(t.pfn + Number((at - t.va) / ps))} inside the ${m.kind} mapping at ${hex(m.va, g.w)}, where nothing is mapped (stale TLB entry)`;
        }
      }
    }
  }
  return null;
}
