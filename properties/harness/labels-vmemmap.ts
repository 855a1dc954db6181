// harness: coverage labels of memory hot-plug — did an add_device's altmap run out, and did the
// powerpc fallback policy take RAM in its place (vmemmap.md §2-§4)? The harness's own
// arithmetic from the preset (never the model's or the implementation's): the altmap requests
// the device's memmap makes, replayed through altmap_alloc_block_buf. Only add_device steps get
// here, so the work is a few numbers per hot-add, never a walk of the whole state.
import type { AbstractState, Call } from '../../api/index.js';
import type { Geometry } from './geometry.js';
import { STRUCT_PAGE, vmemmapBasePfn } from './vmemmap-geo.js';

interface HotplugNumbers {
  /** PAGES_PER_SECTION */
  readonly section: number;
  /** x86: a whole section's memmap is one PMD block from the altmap; else base pages from it */
  readonly huge: boolean;
  /** pages of one PMD block of memmap (x86) */
  readonly pmdPages: number;
  /** pfn whose struct page sits at VMEMMAP_START (0, or memstart_pfn on arm64) */
  readonly basePfn: bigint;
  /** bytes a last-level table maps: tables the memmap of a range can need are bounded by it */
  readonly tableSpan: bigint;
}

const cache = new WeakMap<Geometry, HotplugNumbers>();

function numbersOf(g: Geometry): HotplugNumbers {
  const hit = cache.get(g);
  if (hit) return hit;
  const p = g.preset;
  const n: HotplugNumbers = {
    section: 2 ** (p.sectionSizeBits - p.pageShift),
    huge: p.vmemmapPolicy === 'x86',
    pmdPages: 2 ** ((g.entryShift[g.levels - 2] ?? p.pageShift) - p.pageShift),
    basePfn: vmemmapBasePfn(g),
    tableSpan: g.spanSize[g.levels - 1] ?? g.pageSize,
  };
  cache.set(g, n);
  return n;
}

/** vmem_altmap as add_device sets it up, and altmap_alloc_block_buf over it (vmemmap.md §2). */
class AltmapReplay {
  private alloc = 0;
  private align = 0;
  constructor(
    private readonly base: number,
    private readonly reserve: number,
    private readonly free: number,
  ) {}
  /** false: the request fails (nr_pfns + nr_align > nr_free), nothing changes */
  take(nrPfns: number): boolean {
    const pfn = this.base + this.reserve + this.alloc + this.align;
    const nrFree = this.free > this.alloc + this.align ? this.free - (this.alloc + this.align) : 0;
    const pfnAlign = nrPfns & -nrPfns; // lowest set bit
    const nrAlign = Math.ceil(pfn / pfnAlign) * pfnAlign - pfn;
    if (nrPfns + nrAlign > nrFree) return false;
    this.alloc += nrPfns;
    this.align += nrAlign;
    return true;
  }
}

type AddDevice = Extract<Call, { call: 'add_device' }>;

/**
 * Does some altmap request of this add_device fail? x86: one PMD request per whole section (a
 * sub-section piece takes RAM and never asks the altmap). Base-page presets: one page per
 * vmemmap page of the device's memmap — counting only the pages wholly its own, which cannot be
 * mapped already (a neighbour's memmap sharing the first or last page may have mapped it), so
 * the count is a lower bound and "fails" is certain.
 */
function altmapRunsShort(c: AddDevice, g: Geometry, n: HotplugNumbers): boolean {
  const a = new AltmapReplay(c.pfn, c.reserve, c.free);
  const end = c.pfn + c.pages;
  if (n.huge) {
    for (let s = Math.ceil(c.pfn / n.section) * n.section; s + n.section <= end; s += n.section) {
      if (!a.take(n.pmdPages)) return true;
    }
    return false;
  }
  const lo = (BigInt(c.pfn) - n.basePfn) * STRUCT_PAGE;
  const hi = (BigInt(end) - n.basePfn) * STRUCT_PAGE;
  const first = (lo + g.pageSize - 1n) / g.pageSize;
  const last = hi / g.pageSize;
  const own = last > first ? Number(last - first) : 0;
  for (let i = 0; i < own; i++) if (!a.take(1)) return true;
  return false;
}

/** RAM pages an add_device can need besides the altmap: x86 sub-section pieces' base pages, and page tables. */
function ramBound(c: AddDevice, g: Geometry, n: HotplugNumbers): number {
  const memmapBytes = BigInt(c.pages) * STRUCT_PAGE;
  const tables = (g.levels - 1) * (2 + Number(memmapBytes / n.tableSpan));
  const pieces = n.huge ? Number((memmapBytes + g.pageSize - 1n) / g.pageSize) : 0;
  return tables + pieces;
}

function freeRam(s: AbstractState): number {
  let free = 0;
  for (const o of s.owners) if (o.owner === 'free') free += o.count;
  return free;
}

/**
 * 'altmap exhausted': an add_device whose altmap could not back every block its memmap asked
 * for — under the generic policy the call failed with ENOMEM for that reason (no injected
 * failure fired and RAM had room for everything else); under the fallback policy it succeeded.
 * 'vmemmap fallback taken': the latter — RAM backed what the altmap could not.
 */
export function hotplugLabels(c: AddDevice, ok: boolean, err: string | null, before: AbstractState, after: AbstractState, g: Geometry, out: Set<string>): void {
  if (!ok && err !== 'ENOMEM') return;
  const n = numbersOf(g);
  if (!altmapRunsShort(c, g, n)) return;
  if (ok) {
    if (g.config.vmemmapFallback === true) out.add('altmap exhausted').add('vmemmap fallback taken');
    return;
  }
  const injected = before.failAfter !== null && after.failAfter === null;
  if (!injected && freeRam(before) >= ramBound(c, g, n)) out.add('altmap exhausted');
}
