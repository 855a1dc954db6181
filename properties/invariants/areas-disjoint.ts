// invariant areas-disjoint (checking.md §4, vmap.md §1, vmap-blocks.md §2): busy and lazy areas
// are sorted, page aligned, non-empty, inside the vmalloc space and never overlap; every live
// mapping of a vmap-level kind lies inside a busy area; every block is a busy area of exactly
// VMAP_BLOCK_SIZE, aligned to it, in the main range; its sub-allocations lie inside it, below
// the bump pointer, without overlapping; a small vm_map_ram mapping starts a sub-allocation.
import type { AbstractState, AreaRec, BlockRec, MappingRec } from '../../api/index.js';
import { hex, hexAt } from '../harness/geometry.js';
import type { InvariantCtx } from './context.js';
import { areaView, countAtOrBelow, mappingView, memo, pow2, vpnOf } from './numeric.js';

const VMAP_KINDS: ReadonlySet<string> = new Set(['vmalloc', 'vmap', 'ioremap', 'vm_area', 'vm_map_ram']);

/** Index of the last area with start <= va, or -1. */
function areaIndexAt(areas: readonly AreaRec[], va: bigint): number {
  let lo = 0;
  let hi = areas.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((areas[mid] as AreaRec).start <= va) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

function blockAt(blocks: readonly BlockRec[], va: bigint, size: bigint): BlockRec | null {
  let lo = 0;
  let hi = blocks.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((blocks[mid] as BlockRec).start <= va) lo = mid + 1;
    else hi = mid;
  }
  const b = blocks[lo - 1];
  return b && va < b.start + size ? b : null;
}

function inOffsetOrder(subs: BlockRec['subs']): boolean {
  for (let i = 1; i < subs.length; i++) if ((subs[i - 1] as BlockRec['subs'][number]).offset > (subs[i] as BlockRec['subs'][number]).offset) return false;
  return true;
}

function areaText(a: AreaRec, w: number): string {
  return `${a.lazy ? 'lazy' : 'busy'} area [${hex(a.start, w)}, ${hex(a.end, w)})`;
}

function blockText(b: BlockRec, w: number): string {
  return `cpu ${b.cpu}'s block ${hex(b.start, w)}`;
}

function inVmallocSpace(g: InvariantCtx['geo'], start: bigint, end: bigint): boolean {
  for (const r of g.vmallocRanges) if (r.start <= start && end <= r.end) return true;
  return false;
}

export function areasDisjoint(s: AbstractState, ctx: InvariantCtx): string | null {
  return areasFine(s, ctx) ? null : areasCheck(s, ctx);
}

/** the vmalloc ranges as page numbers [start0, end0, start1, ...], once per geometry; null when
 *  some range edge is not a page boundary (then page numbers cannot decide containment) */
const rangeVpns = new WeakMap<InvariantCtx['geo'], Float64Array | null>();

function vmallocVpns(g: InvariantCtx['geo']): Float64Array | null {
  return memo(rangeVpns, g, () => {
    const edges = g.vmallocRanges.flatMap((x) => [x.start, x.end]);
    return edges.every((e) => BigInt.asUintN(g.pageShift, e) === 0n) ? Float64Array.from(edges, (e) => vpnOf(e, g)) : null;
  });
}

/**
 * The fast path: the same conditions on page numbers (numeric.ts: exact doubles) instead of
 * bigints. Sound: true only when areasCheck (the definition) would find nothing; false — a
 * violation, or a state the page-number views cannot represent exactly — sends the state to
 * areasCheck, which names the violation.
 */
function areasFine(s: AbstractState, ctx: InvariantCtx): boolean {
  const g = ctx.geo;
  const av = areaView(s.vmap.areas, g);
  const mv = mappingView(s.mappings, g);
  const ranges = vmallocVpns(g);
  if (!av.allExact || !mv.allExact || ranges === null) return false;
  const areas = s.vmap.areas;
  for (let i = 0; i < av.n; i++) {
    const st = av.start[i] as number;
    const en = av.end[i] as number;
    if (st >= en) return false;
    let inside = false;
    for (let k = 0; k < ranges.length; k += 2) if ((ranges[k] as number) <= st && en <= (ranges[k + 1] as number)) inside = true;
    if (!inside) return false;
    if (i + 1 < av.n && en > (av.start[i + 1] as number)) return false;
  }
  let j = -1;
  let lastVpn = -1;
  const ms = s.mappings;
  for (let i = 0; i < mv.n; i++) {
    if (!VMAP_KINDS.has((ms[i] as MappingRec).kind)) continue;
    const vpn = mv.vpn[i] as number;
    if (vpn < lastVpn) j = -1;
    lastVpn = vpn;
    while (j + 1 < av.n && (av.start[j + 1] as number) <= vpn) j++;
    if (j < 0 || (areas[j] as AreaRec).lazy || (mv.guardEnd[i] as number) > (av.end[j] as number)) return false;
  }
  const bits = g.vmapBbmapBits;
  const blocks = s.blocks.blocks;
  const blockPages = vpnOf(g.blockSize, g);
  const blockVpn = new Float64Array(blocks.length);
  for (let bi = 0; bi < blocks.length; bi++) {
    const b = blocks[bi] as BlockRec;
    const end = b.start + g.blockSize;
    if (b.start % g.blockSize !== 0n || b.start < g.mainVmalloc.start || end > g.mainVmalloc.end) return false;
    const a = areas[areaIndexAt(areas, b.start)];
    if (!a || a.start !== b.start || a.end !== end || a.lazy) return false;
    blockVpn[bi] = vpnOf(b.start, g);
    const bump = bits - b.free;
    let prevEnd = 0;
    let lastOffset = -Infinity;
    for (const sub of b.subs) {
      // out of offset order: left to areasCheck, which sorts
      if (sub.offset < lastOffset) return false;
      lastOffset = sub.offset;
      const subEnd = sub.offset + pow2(sub.order);
      if (sub.offset < prevEnd || sub.offset < 0 || subEnd > bump) return false;
      prevEnd = subEnd;
    }
  }
  for (let i = 0; i < mv.n; i++) {
    const m = ms[i] as MappingRec;
    if (m.kind !== 'vm_map_ram' || m.pages > g.vmapMaxAlloc) continue;
    const vpn = mv.vpn[i] as number;
    // blockAt on page numbers: the last block starting at or below vpn
    const lo = countAtOrBelow(blockVpn, blocks.length, vpn);
    const b = blocks[lo - 1];
    if (!b || vpn >= (blockVpn[lo - 1] as number) + blockPages) return false;
    const off = vpn - (blockVpn[lo - 1] as number);
    let found = false;
    for (const x of b.subs) {
      if (x.offset === off) {
        if (pow2(x.order) < m.pages) return false;
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

/** The definition, on the state's own bigints; names the first violation. */
function areasCheck(s: AbstractState, ctx: InvariantCtx): string | null {
  const g = ctx.geo;
  const A = hexAt(g.w);
  const ps = g.pageSize;
  const areas = s.vmap.areas;
  for (let i = 0; i < areas.length; i++) {
    const a = areas[i] as AreaRec;
    if (a.start >= a.end) return `${areaText(a, g.w)} is empty`;
    if (a.start % ps !== 0n || a.end % ps !== 0n) return `${areaText(a, g.w)} is not page aligned`;
    if (!inVmallocSpace(g, a.start, a.end)) return `${areaText(a, g.w)} lies outside the vmalloc space`;
    const next = areas[i + 1];
    if (next && a.end > next.start) {
      return `${areaText(a, g.w)} overlaps (or is listed after) [${A(next.start)}, ${A(next.end)})`;
    }
  }
  // the areas are sorted and disjoint from here on; mappings come sorted by va, so the area at
  // each one is found by walking forward (a mapping out of order restarts the walk)
  let j = -1;
  let lastVa = -1n;
  for (const m of s.mappings) {
    if (!VMAP_KINDS.has(m.kind)) continue;
    if (m.va < lastVa) j = -1;
    lastVa = m.va;
    while (j + 1 < areas.length && (areas[j + 1] as AreaRec).start <= m.va) j++;
    const end = m.va + BigInt(m.pages + m.guard) * ps;
    const a = areas[j];
    if (!a || a.lazy || end > a.end) {
      return `the live ${m.kind} mapping [${A(m.va)}, ${A(end)}) is not inside a busy area`;
    }
  }
  const bits = g.vmapBbmapBits;
  for (const b of s.blocks.blocks) {
    const end = b.start + g.blockSize;
    if (b.start % g.blockSize !== 0n) return `${blockText(b, g.w)} is not aligned to VMAP_BLOCK_SIZE ${A(g.blockSize)}`;
    if (b.start < g.mainVmalloc.start || end > g.mainVmalloc.end) return `${blockText(b, g.w)} lies outside the main vmalloc range`;
    const a = areas[areaIndexAt(areas, b.start)];
    if (!a || a.start !== b.start || a.end !== end || a.lazy) return `${blockText(b, g.w)} is not a busy area of exactly VMAP_BLOCK_SIZE`;
    const bump = bits - b.free;
    // sub-allocations are made at the bump pointer, so they usually come in offset order
    const subs = inOffsetOrder(b.subs) ? b.subs : [...b.subs].sort((x, y) => x.offset - y.offset);
    let prevEnd = 0;
    for (const sub of subs) {
      const subEnd = sub.offset + 2 ** sub.order;
      if (sub.offset < prevEnd) return `${blockText(b, g.w)}: sub-allocations at page ${sub.offset} overlap`;
      if (sub.offset < 0 || subEnd > bump) {
        return `${blockText(b, g.w)}: sub-allocation pages [${sub.offset}, ${subEnd}) lie beyond the bump pointer ${bump}`;
      }
      prevEnd = subEnd;
    }
  }
  for (const m of s.mappings) {
    if (m.kind !== 'vm_map_ram' || m.pages > g.vmapMaxAlloc) continue;
    const b = blockAt(s.blocks.blocks, m.va, g.blockSize);
    if (!b) return `the small vm_map_ram mapping at ${A(m.va)} (${m.pages} pages) is in no block`;
    const off = Number((m.va - b.start) / ps);
    const sub = b.subs.find((x) => x.offset === off);
    if (!sub || 2 ** sub.order < m.pages) {
      return `the small vm_map_ram mapping at ${A(m.va)} (${m.pages} pages) is no sub-allocation of block ${A(b.start)}`;
    }
  }
  return null;
}
