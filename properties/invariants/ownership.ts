// invariant ownership (machine.md §2 and §6): every pfn has exactly one owner — the owner runs
// are sorted, disjoint and cover every boot RAM pfn, so the RAM owners add up to total RAM; RAM
// is never owned 'device' or 'offline' and pfns outside RAM only are (device memory, hot-added
// RAM); and every leaf targets owned pfns, never a free one (a use after free).
import type { AbstractState, LeafRun, OwnerRun } from '../../api/index.js';
import { hex } from '../harness/geometry.js';
import type { InvariantCtx } from './context.js';
import { firstOwnerEndingAfter, h } from './lookup.js';

/** the va at which leaf `l` maps `pfn` (for messages) */
function leafVa(g: InvariantCtx['geo'], l: LeafRun, pfn: number): string {
  return hex(l.va + BigInt(pfn - l.pfn) * g.pageSize, g.w);
}

export function ownership(s: AbstractState, ctx: InvariantCtx): string | null {
  const g = ctx.geo;
  const runs = s.owners;
  for (let i = 0; i < runs.length; i++) {
    const r = runs[i];
    if (!r) continue;
    if (!Number.isInteger(r.count) || r.count < 1) return `owner run at pfn ${h(r.pfn)} has count ${r.count}`;
    const next = runs[i + 1];
    if (next && r.pfn + r.count > next.pfn) {
      return `pfn ${h(next.pfn)} has two owners: '${r.owner}' (run ${h(r.pfn)}+${r.count}) and '${next.owner}'`;
    }
  }
  let ram = 0;
  let owned = 0;
  for (const b of ctx.config.ram.banks) {
    ram += b.count;
    let at = b.start;
    for (let i = firstOwnerEndingAfter(runs, b.start); i < runs.length; i++) {
      const r = runs[i] as OwnerRun;
      if (r.pfn >= b.start + b.count) break;
      if (r.pfn > at) return `RAM pfn ${h(at)} has no owner`;
      if (r.owner === 'device' || r.owner === 'offline') {
        return `boot RAM pfn ${h(Math.max(r.pfn, b.start))} is owned '${r.owner}'`;
      }
      const e = Math.min(r.pfn + r.count, b.start + b.count);
      owned += e - Math.max(r.pfn, b.start);
      at = e;
    }
    if (at < b.start + b.count) return `RAM pfn ${h(at)} has no owner`;
  }
  if (owned !== ram) return `RAM owners add up to ${owned} pages, total RAM is ${ram}`;
  // pfns outside the boot banks: device memory or hot-added (offline) RAM only
  let bi = 0;
  const banks = ctx.config.ram.banks;
  for (const r of runs) {
    if (r.owner === 'device' || r.owner === 'offline') continue;
    while (bi < banks.length && (banks[bi]?.start ?? 0) + (banks[bi]?.count ?? 0) <= r.pfn) bi++;
    const b = banks[bi];
    if (!b || r.pfn < b.start || r.pfn + r.count > b.start + b.count) {
      return `pfn ${h(r.pfn)} outside RAM is owned '${r.owner}'`;
    }
  }
  for (const l of s.leaves) {
    let at = l.pfn;
    for (let i = firstOwnerEndingAfter(runs, l.pfn); i < runs.length; i++) {
      const r = runs[i] as OwnerRun;
      if (r.pfn >= l.pfn + l.pages) break;
      if (r.pfn > at) return `the leaf at ${leafVa(g, l, at)} targets pfn ${h(at)}, which has no owner`;
      if (r.owner === 'free') {
        const pfn = Math.max(r.pfn, l.pfn);
        return `the leaf at ${leafVa(g, l, pfn)} targets pfn ${h(pfn)}, which is free`;
      }
      at = r.pfn + r.count;
    }
    if (at < l.pfn + l.pages) return `the leaf at ${leafVa(g, l, at)} targets pfn ${h(at)}, which has no owner`;
  }
  return null;
}
