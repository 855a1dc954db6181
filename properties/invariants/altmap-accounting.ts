// invariant altmap-accounting (vmemmap.md §2 and §6, checking.md §4): for every live altmap,
// `alloc + align <= free` and `reserve + free` fits the device; the blocks that back vmemmap
// units from its device lie inside [base + reserve, base + reserve + alloc + align) (so inside
// the free area), are aligned to the lowest set bit of their size, never overlap, and add up to
// exactly `alloc` (altmap pages are never consumed without being mapped); the device's pages
// are all owned 'device' (never given to the RAM allocator) and hold no boot RAM; devices never
// overlap; and no device went away with its altmap not back to alloc == 0 (the kernel's
// "failed to free all reserved pages").
import type { AbstractState } from '../../api/index.js';
import { hexAt } from '../harness/geometry.js';
import type { InvariantCtx } from './context.js';
import { h, ownersIn } from './lookup.js';
import { vmemmapGeo, vmemmapUnits } from './vmemmap-backed.js';

export const ALTMAP_LEAK = 'failed to free all reserved pages';

function lowestSetBit(n: number): number {
  let b = 1;
  while (n % (b * 2) === 0) b *= 2;
  return b;
}

export function altmapAccounting(s: AbstractState, ctx: InvariantCtx): string | null {
  const v = vmemmapGeo(ctx);
  if (!v || !s.vmemmap) return null;
  const A = hexAt(ctx.geo.w);
  const leak = s.warnings.find((w) => w.kind === ALTMAP_LEAK);
  if (leak) return `a device at ${A(leak.addr)} was removed with its altmap not back to alloc == 0 (step ${leak.step})`;
  const altmaps = s.vmemmap.altmaps;
  // the units only when some altmap's blocks are to be found among them
  const units = altmaps.length > 0 ? vmemmapUnits(s, ctx, v) : [];
  for (let i = 0; i < altmaps.length; i++) {
    const a = altmaps[i]!;
    const name = `altmap ${h(a.basePfn)}..${h(a.endPfn)}`;
    const pages = a.endPfn - a.basePfn + 1;
    const next = altmaps[i + 1];
    if (next && next.basePfn <= a.endPfn) return `${name} overlaps the altmap at ${h(next.basePfn)}`;
    if ([a.reserve, a.free, a.align, a.alloc].some((n) => !Number.isInteger(n) || n < 0)) return `${name} has a negative counter (reserve ${a.reserve}, free ${a.free}, align ${a.align}, alloc ${a.alloc})`;
    if (a.reserve + a.free > pages) return `${name}: reserve ${a.reserve} + free ${a.free} exceeds the device's ${pages} pages`;
    if (a.alloc + a.align > a.free) return `${name}: alloc ${a.alloc} + align ${a.align} > free ${a.free}`;
    for (const b of ctx.config.ram.banks) {
      if (b.start <= a.endPfn && a.basePfn < b.start + b.count) return `${name} overlaps boot RAM ${h(b.start)}+${h(b.count)}`;
    }
    let seen = 0;
    for (const o of ownersIn(s.owners, a.basePfn, pages)) {
      if (o.owner !== 'device') return `${name}: pfn ${h(Math.max(o.pfn, a.basePfn))} is owned '${o.owner}', not 'device'`;
      seen += Math.min(o.pfn + o.count, a.endPfn + 1) - Math.max(o.pfn, a.basePfn);
    }
    if (seen !== pages) return `${name}: some of its pages are not memory`;
    const lo = a.basePfn + a.reserve;
    const hi = lo + a.alloc + a.align;
    const blocks = units.filter((u) => u.pfn >= a.basePfn && u.pfn <= a.endPfn).sort((x, y) => x.pfn - y.pfn);
    let charged = 0;
    for (let k = 0; k < blocks.length; k++) {
      const b = blocks[k]!;
      const where = `block ${h(b.pfn)}+${b.pages} (vmemmap ${A(b.va)})`;
      if (b.pfn < lo || b.pfn + b.pages > hi) return `${name}: ${where} lies outside its handed-out area ${h(lo)}..${h(hi)}`;
      if (b.pfn % lowestSetBit(b.pages) !== 0) return `${name}: ${where} is not aligned to ${lowestSetBit(b.pages)} pages`;
      const after = blocks[k + 1];
      if (after && after.pfn < b.pfn + b.pages) return `${name}: ${where} overlaps block ${h(after.pfn)}+${after.pages}`;
      charged += b.pages;
    }
    if (charged !== a.alloc) return `${name}: alloc is ${a.alloc} but ${charged} of its pages back vmemmap units`;
  }
  return null;
}
