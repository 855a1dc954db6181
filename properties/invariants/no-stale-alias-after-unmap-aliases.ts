// invariant no-stale-alias-after-unmap-aliases (checking.md §4, vmap-blocks.md §7): right after
// vm_unmap_aliases, no stale virtual alias of any page remains in vmalloc space —
//   1. every page-table entry there lies inside a live mapping and maps a page that mapping
//      owns (by owner: vmalloc or caller pages; device memory is not checked — it may be
//      ioremapped twice), and no RAM page is mapped at two addresses there;
//   2. every TLB entry there lies inside a live mapping and caches that mapping's current page;
//   3. a second vm_unmap_aliases in a row would flush nothing: no lazy area is left, no block
//      keeps an unflushed dirty range, no fragmented block is left under VMAP_PURGE_THRESHOLD
//      (it would be released and purged).
// Other steps: holds vacuously (stale TLB entries are legal between flushes).
import type { AbstractState, Addr, LeafRun, MappingRec, Owner } from '../../api/index.js';
import { hexAt } from '../harness/geometry.js';
import type { InvariantCtx } from './context.js';
import { h, leafAt, leavesIn, ownersIn } from './lookup.js';

/**
 * The owner a mapping's pages have; null: not checked (device memory may be mapped by several
 * ioremaps; get_vm_area maps nothing itself).
 */
const PAGE_OWNER: Readonly<Record<MappingRec['kind'], Owner | null>> = {
  vmalloc: 'vmalloc',
  vmap: 'caller',
  vm_map_ram: 'caller',
  pages: 'caller',
  ioremap: null,
  device: null,
  vm_area: null,
};

/**
 * The live mapping whose pages (guard excluded) contain va, or null. Mappings are sorted by va;
 * in vmalloc space they are disjoint (their areas are), so only the last one starting at or
 * below va can contain it.
 */
function mappingAt(ms: readonly MappingRec[], va: Addr, ps: Addr): MappingRec | null {
  let lo = 0;
  let hi = ms.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((ms[mid] as MappingRec).va <= va) lo = mid + 1;
    else hi = mid;
  }
  const m = ms[lo - 1];
  return m && va < m.va + BigInt(m.pages) * ps ? m : null;
}

const end = (m: MappingRec, ps: Addr): Addr => m.va + BigInt(m.pages) * ps;

export function noStaleAliasAfterUnmapAliases(s: AbstractState, ctx: InvariantCtx): string | null {
  if (ctx.call?.call !== 'vm_unmap_aliases') return null;
  const g = ctx.geo;
  const ps = g.pageSize;
  const A = hexAt(g.w);
  /** RAM pfn runs mapped in vmalloc space, with the address of their first page */
  const mapped: { pfn: number; n: number; va: Addr }[] = [];
  for (const r of g.vmallocRanges) {
    // 1. page-table entries
    for (const l of leavesIn(s.leaves, r.start, r.end, ps)) {
      let at = l.va > r.start ? l.va : r.start;
      const lEnd = l.va + BigInt(l.pages) * ps;
      const stop = lEnd < r.end ? lEnd : r.end;
      while (at < stop) {
        const pfn = l.pfn + Number((at - l.va) / ps);
        const m = mappingAt(s.mappings, at, ps);
        if (!m) return `page-table entry ${A(at)} -> pfn ${h(pfn)} belongs to no live mapping (stale alias)`;
        const segEnd = end(m, ps) < stop ? end(m, ps) : stop;
        const want = PAGE_OWNER[m.kind];
        if (want) {
          const n = Number((segEnd - at) / ps);
          const runs = ownersIn(s.owners, pfn, n);
          const covered = runs.reduce((k, o) => k + Math.min(o.pfn + o.count, pfn + n) - Math.max(o.pfn, pfn), 0);
          const bad = runs.find((o) => o.owner !== want);
          if (bad || covered !== n) {
            return `page-table entry ${A(at)} of the ${m.kind} mapping at ${A(m.va)} maps pfn ${h(pfn)}.., owned by ${bad?.owner ?? 'nobody'}, not ${want}`;
          }
          mapped.push({ pfn, n, va: at });
        }
        at = segEnd;
      }
    }
    // 2. TLB entries
    for (const cpu of s.tlb) {
      for (const t of cpu.runs) {
        const tEnd = t.va + BigInt(t.pages) * ps;
        let at = t.va > r.start ? t.va : r.start;
        const stop = tEnd < r.end ? tEnd : r.end;
        // segment by segment: inside one mapping and one leaf run, the TLB run and the leaf both
        // map va linearly (one page per page), so they agree everywhere if they agree at `at`
        while (at < stop) {
          const cached = t.pfn + Number((at - t.va) / ps);
          const m = mappingAt(s.mappings, at, ps);
          if (!m) return `cpu ${cpu.cpu} caches ${A(at)} -> pfn ${h(cached)}, which no live mapping covers (stale alias)`;
          const leaf: LeafRun | null = leafAt(s.leaves, at, ps);
          const now = leaf ? leaf.pfn + Number((at - leaf.va) / ps) : null;
          if (now !== cached || leaf === null) {
            return `cpu ${cpu.cpu} caches ${A(at)} -> pfn ${h(cached)}, but the ${m.kind} mapping at ${A(m.va)} maps ${now === null ? 'nothing' : `pfn ${h(now)}`} there`;
          }
          const lEnd = leaf.va + BigInt(leaf.pages) * ps;
          const mEnd = end(m, ps);
          at = stop < mEnd ? (stop < lEnd ? stop : lEnd) : mEnd < lEnd ? mEnd : lEnd;
        }
      }
    }
  }
  // no RAM page is mapped at two addresses: the runs by pfn, each starting after the last ended
  mapped.sort((x, y) => x.pfn - y.pfn || (x.va < y.va ? -1 : x.va > y.va ? 1 : 0));
  let reach: { pfn: number; n: number; va: Addr } | null = null;
  for (const q of mapped) {
    if (reach && q.pfn < reach.pfn + reach.n) return `pfn ${h(q.pfn)} is mapped at both ${A(reach.va + BigInt(q.pfn - reach.pfn) * ps)} and ${A(q.va)}`;
    if (!reach || q.pfn + q.n > reach.pfn + reach.n) reach = q;
  }
  // 3. a second call in a row would flush nothing
  const lazy = s.vmap.areas.find((a) => a.lazy);
  if (lazy) return `lazy area [${A(lazy.start)}, ${A(lazy.end)}) survived vm_unmap_aliases: a second call would flush it`;
  const bits = g.vmapBbmapBits;
  for (const b of s.blocks.blocks) {
    const what = `cpu ${b.cpu}'s block ${A(b.start)}`;
    const rangeEmpty = b.dirtyMin === bits && b.dirtyMax === 0;
    if (!rangeEmpty && b.dirty !== bits) return `${what} keeps the unflushed dirty range [${b.dirtyMin}, ${b.dirtyMax}) after vm_unmap_aliases`;
    if (b.subs.length === 0 && b.dirty < bits && b.free < Math.floor(bits / 4)) {
      return `${what} is fragmented with ${b.free} free pages (< VMAP_PURGE_THRESHOLD ${Math.floor(bits / 4)}): a second vm_unmap_aliases would release and flush it`;
    }
  }
  return null;
}
