// model: kernel virtual layouts and is_vmalloc_addr — reference semantics. Clarity over speed.
//
// Stated the plain way (layout.md §1-§3): cut the address space at every address where
// something could change (bank and no-map images, window ends, granule boundaries), then ask of
// the first byte of each piece "is this vmalloc? is this usable lowmem?". A 2 MiB granule of
// the lowmem window is a hole range exactly when it lies inside the window and holds no usable
// lowmem byte (that is "a hole's image rounded inward to the granule").
import type { Addr, AddrRange, MachineConfig } from '../api/index.js';
import { PRESETS } from '../api/index.js';
import type { KernelLayout, LayoutRegion, RegionLabel } from '../api/layout.js';
import { FIXED_LAYOUT } from '../api/layout.js';

const MiB = 1n << 20n;
const GRANULE = 2n * MiB; // one arm32 pgd entry
const VMALLOC_OFFSET = 8n * MiB; // arch/arm/include/asm/pgtable.h

const inside = (a: Addr, r: AddrRange): boolean => r.start <= a && a < r.end;

/** sorted distinct cut points, each piece [cuts[i], cuts[i+1]) labelled by its first byte, equal neighbours merged */
function labelPieces(cuts: Addr[], label: (a: Addr) => RegionLabel): LayoutRegion[] {
  const pts = [...new Set(cuts)].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  const out: LayoutRegion[] = [];
  for (let i = 0; i + 1 < pts.length; i++) {
    const start = pts[i]!;
    const end = pts[i + 1]!;
    const l = label(start);
    const last = out[out.length - 1];
    if (last && last.label === l) out[out.length - 1] = { label: l, start: last.start, end };
    else out.push({ label: l, start, end });
  }
  return out;
}

/** merge touching ranges of a sorted list */
function mergeRanges(rs: AddrRange[]): AddrRange[] {
  const out: AddrRange[] = [];
  for (const r of rs) {
    const last = out[out.length - 1];
    if (last && last.end === r.start) out[out.length - 1] = { start: last.start, end: r.end };
    else out.push(r);
  }
  return out;
}

export function modelLayout(config: MachineConfig): KernelLayout {
  const p = PRESETS[config.preset];
  const top = 1n << BigInt(p.bitsPerLong);
  const page = 1n << BigInt(p.pageShift);
  const phys = config.ram.banks.map((b) => ({ start: BigInt(b.start) * page, end: BigInt(b.start + b.count) * page }));
  const fixed = FIXED_LAYOUT[config.preset];
  if (fixed) {
    // 64-bit and toy presets: the fixed ranges (mm.rst, arm64 memory.h); high_memory = __va(end of RAM)
    const lowmem = { start: p.pageOffset, end: fixed.directMapEnd };
    const vmalloc = { start: p.vmallocStart!, end: p.vmallocEnd };
    const vmemmap = { start: p.vmemmapStart!, end: fixed.vmemmapEnd };
    const label = (a: Addr): RegionLabel =>
      inside(a, vmalloc) ? 'vmalloc' : inside(a, lowmem) ? 'lowmem' : inside(a, vmemmap) ? 'vmemmap' : 'other';
    const firstRam = phys.reduce((m, b) => (b.start < m ? b.start : m), top);
    const ramEnd = phys.reduce((m, b) => (b.end > m ? b.end : m), 0n);
    // arm64: the linear map starts at memstart_addr = first RAM byte rounded down to ARM64_MEMSTART_ALIGN
    const memstart = p.vmemmapBase === 'memstart' ? firstRam - (firstRam % p.memstartAlign!) : 0n;
    return {
      regions: labelPieces([0n, top, lowmem.start, lowmem.end, vmalloc.start, vmalloc.end, vmemmap.start, vmemmap.end], label),
      vmallocRanges: [vmalloc],
      highMemory: ramEnd === 0n ? p.pageOffset : p.pageOffset + ramEnd - memstart,
      vmallocStart: vmalloc.start,
    };
  }

  // arm32 (layout.md §2)
  const PAGE_OFFSET = p.pageOffset;
  const VMALLOC_END = p.vmallocEnd;
  const physOffset = phys.reduce((m, b) => (b.start < m ? b.start : m), top); // the first bank
  const virt = (pa: Addr): Addr => PAGE_OFFSET + (pa - physOffset);
  const wanted = BigInt(config.vmallocBytes ?? 240 * 2 ** 20);
  const maxSize = VMALLOC_END - (PAGE_OFFSET + 32n * MiB + VMALLOC_OFFSET);
  const vmallocSize = wanted < 16n * MiB ? 16n * MiB : wanted > maxSize ? maxSize : wanted;
  const vmallocLimit = VMALLOC_END - vmallocSize - VMALLOC_OFFSET;
  // walking the banks in order, lowmem extends to min(vmalloc_limit, bank end)
  let highMemory = PAGE_OFFSET;
  for (const b of phys) {
    if (virt(b.start) < vmallocLimit) highMemory = virt(b.end) < vmallocLimit ? virt(b.end) : vmallocLimit;
  }
  const VMALLOC_START = ((highMemory + VMALLOC_OFFSET) / VMALLOC_OFFSET) * VMALLOC_OFFSET;
  const window = { start: PAGE_OFFSET, end: highMemory };
  const banks = phys.map((b) => ({ start: virt(b.start), end: virt(b.end) }));
  const noMap = (config.ram.noMap ?? []).map((n) => ({ start: virt(BigInt(n.start) * page), end: virt(BigInt(n.start + n.count) * page) }));
  const usable = (a: Addr): boolean => inside(a, window) && banks.some((b) => inside(a, b)) && !noMap.some((n) => inside(a, n));

  // usable lowmem as ranges: cut at every bank / no-map / window edge
  const ramCuts = [window.start, window.end, ...[...banks, ...noMap].flatMap((r) => [r.start, r.end])].filter((a) => a >= window.start && a <= window.end);
  const usableRanges = labelPieces(ramCuts, (a) => (usable(a) ? 'lowmem' : 'other')).filter((r) => r.label === 'lowmem');
  // a granule inside the window that holds no usable byte is a hole range
  const holeGranules: AddrRange[] = [];
  for (let g = PAGE_OFFSET; g + GRANULE <= highMemory; g += GRANULE) {
    if (!usableRanges.some((u) => u.start < g + GRANULE && g < u.end)) holeGranules.push({ start: g, end: g + GRANULE });
  }
  const vmallocRanges = mergeRanges([...holeGranules, { start: VMALLOC_START, end: VMALLOC_END }]);
  const label = (a: Addr): RegionLabel => (vmallocRanges.some((r) => inside(a, r)) ? 'vmalloc' : usable(a) ? 'lowmem' : 'other');
  const cuts = [0n, top, ...ramCuts, ...vmallocRanges.flatMap((r) => [r.start, r.end])];
  return { regions: labelPieces(cuts, label), vmallocRanges, highMemory, vmallocStart: VMALLOC_START };
}

/** is_vmalloc_addr, reference: scan the list of vmalloc ranges (layout.md §3) */
export function modelIsVmallocAddr(layout: KernelLayout, a: Addr): boolean {
  return layout.vmallocRanges.some((r) => inside(a, r));
}

/**
 * The fixed probe addresses of a layout (layout.md §3): every region edge and its neighbours
 * (edge - 1, edge, edge + 1), high_memory and VMALLOC_START likewise, 0 and the top byte;
 * ascending, inside [0, 2^W).
 */
export function layoutProbes(layout: KernelLayout, bitsPerLong: number): Addr[] {
  const top = 1n << BigInt(bitsPerLong);
  const edges = [0n, top, layout.highMemory, layout.vmallocStart, ...layout.regions.flatMap((r) => [r.start, r.end])];
  const probes = new Set<Addr>();
  for (const e of edges) for (const d of [-1n, 0n, 1n]) if (e + d >= 0n && e + d < top) probes.add(e + d);
  return [...probes].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
}

/**
 * invariant is-vmalloc-addr-correct (checking.md §4): the implementation's is_vmalloc_addr agrees
 * with the model's at every probe. Returns the first disagreement, kernel-style, or null.
 */
export function isVmallocAddrCorrect(layout: KernelLayout, bitsPerLong: number, probes: readonly Addr[], impl: (a: Addr) => boolean): string | null {
  for (const a of probes) {
    const want = modelIsVmallocAddr(layout, a);
    const got = impl(a);
    if (got !== want) return `is_vmalloc_addr(0x${a.toString(16).padStart(bitsPerLong / 4, '0')}): model=${want} impl=${got}`;
  }
  return null;
}

/** The vmalloc view the model's vmap layer uses (model/kernel.ts, model/vmalloc.ts). */
export interface VmallocLayout {
  /** [VMALLOC_START, VMALLOC_END) */
  readonly main: AddrRange;
  /** every vmalloc range, ascending (main included) */
  readonly ranges: readonly AddrRange[];
  readonly layout: KernelLayout;
}

export function vmallocLayout(config: MachineConfig, _preset?: unknown): VmallocLayout {
  const layout = modelLayout(config);
  const main = layout.vmallocRanges.find((r) => r.start === layout.vmallocStart)!;
  return { main, ranges: layout.vmallocRanges, layout };
}

export function isVmallocAddr(l: VmallocLayout, a: Addr): boolean {
  return modelIsVmallocAddr(l.layout, a);
}
