// src: kernel virtual layouts of every preset (layout.md §1-§2) as labelled regions tiling
// [0, 2^W). 64-bit and toy presets: the fixed ranges of the preset; arm32: computed from the
// RAM banks, the no-map carve-outs and `vmalloc=` (arm32.ts).
import type { Addr, AddrRange, MachineConfig } from '../../api/index.js';
import { PRESETS } from '../../api/index.js';
import type { KernelLayout, LayoutRegion, RegionLabel } from '../../api/layout.js';
import { FIXED_LAYOUT } from '../../api/layout.js';
import { arm32Layout } from './arm32.js';

export function kernelLayout(config: MachineConfig): KernelLayout {
  const preset = PRESETS[config.preset];
  const top = 1n << BigInt(preset.bitsPerLong);
  const fixed = FIXED_LAYOUT[config.preset];
  if (fixed) {
    if (preset.vmallocStart === null || preset.vmemmapStart === null) throw new Error(`${preset.name}: fixed layout without fixed ranges`);
    const pieces: LayoutRegion[] = [
      { label: 'lowmem', start: preset.pageOffset, end: fixed.directMapEnd },
      { label: 'vmalloc', start: preset.vmallocStart, end: preset.vmallocEnd },
      { label: 'vmemmap', start: preset.vmemmapStart, end: fixed.vmemmapEnd },
    ];
    return {
      regions: tile(pieces, top),
      vmallocRanges: [{ start: preset.vmallocStart, end: preset.vmallocEnd }],
      highMemory: preset.pageOffset + directMappedBytes(config),
      vmallocStart: preset.vmallocStart,
    };
  }
  const a = arm32Layout(config, preset);
  const big = (n: number): Addr => BigInt(n);
  const vmalloc: AddrRange[] = [...a.holeRanges, { start: a.vmallocStart, end: a.vmallocEnd }].map((s) => ({ start: big(s.start), end: big(s.end) }));
  const pieces: LayoutRegion[] = [
    ...a.usable.map((s) => ({ label: 'lowmem' as const, start: big(s.start), end: big(s.end) })),
    ...vmalloc.map((r) => ({ label: 'vmalloc' as const, ...r })),
  ];
  return { regions: tile(pieces, top), vmallocRanges: vmalloc, highMemory: big(a.highMemory), vmallocStart: big(a.vmallocStart) };
}

/** vmalloc ranges of a configuration, ascending (the vmap allocator tries them in this order, vmap.md §5) */
export function vmallocRanges(config: MachineConfig): readonly AddrRange[] {
  return kernelLayout(config).vmallocRanges;
}

/**
 * high_memory - PAGE_OFFSET on the fixed presets: __va(max_pfn << PAGE_SHIFT). arm64's linear map
 * starts at memstart_addr (the first RAM byte rounded down to ARM64_MEMSTART_ALIGN).
 */
function directMappedBytes(config: MachineConfig): Addr {
  const preset = PRESETS[config.preset];
  const page = 1n << BigInt(preset.pageShift);
  let first = Infinity;
  let end = 0;
  for (const b of config.ram.banks) {
    first = Math.min(first, b.start);
    end = Math.max(end, b.start + b.count);
  }
  if (end === 0) return 0n;
  let base = 0n;
  if (preset.vmemmapBase === 'memstart' && preset.memstartAlign !== null) {
    base = ((BigInt(first) * page) / preset.memstartAlign) * preset.memstartAlign;
  }
  return BigInt(end) * page - base;
}

/** Sort labelled pieces (disjoint), fill the gaps with 'other', merge neighbours with equal labels. */
function tile(pieces: readonly LayoutRegion[], top: Addr): LayoutRegion[] {
  const sorted = pieces.filter((p) => p.start < p.end).sort((x, y) => (x.start < y.start ? -1 : x.start > y.start ? 1 : 0));
  const out: { label: RegionLabel; start: Addr; end: Addr }[] = [];
  const push = (label: RegionLabel, start: Addr, end: Addr): void => {
    if (start >= end) return;
    const last = out[out.length - 1];
    if (last && last.label === label && last.end === start) last.end = end;
    else out.push({ label, start, end });
  };
  let at = 0n;
  for (const p of sorted) {
    if (p.start < at) throw new Error(`layout pieces overlap at 0x${p.start.toString(16)}`);
    push('other', at, p.start);
    push(p.label, p.start, p.end);
    at = p.end;
  }
  push('other', at, top);
  return out;
}
