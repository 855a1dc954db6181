// src: the vmalloc ranges of a configuration and is_vmalloc_addr (layout.md §2-§3).
// 64-bit and toy presets: one range from the preset. arm32: VMALLOC_START follows from the RAM
// banks and `vmalloc=`, and lowmem holes (gaps between lowmem banks, no-map carve-outs) become
// extra vmalloc ranges, rounded inward to the 2 MiB pgd granule (the intermix design).
// The optimized is_vmalloc_addr is the main-range check plus, on arm32, a bitmap with one bit per
// 2 MiB granule of [PAGE_OFFSET, 2^32) — exact because every arm32 range is 2 MiB aligned.
import type { Addr, AddrRange, MachineConfig } from '../../api/index.js';
import { PRESETS } from '../../api/index.js';

export interface VmallocLayout {
  /** [VMALLOC_START, VMALLOC_END) */
  readonly main: AddrRange;
  /** arm32 hole ranges, ascending (empty elsewhere) */
  readonly holes: readonly AddrRange[];
  /** every vmalloc range, ascending */
  readonly ranges: readonly AddrRange[];
  /** arm32: the virtual address just past lowmem; null elsewhere */
  readonly highMemory: Addr | null;
  isVmallocAddr(a: Addr): boolean;
}

const MiB = 1n << 20n;
const VMALLOC_OFFSET = 8n * MiB;
const GRANULE = 2n * MiB;

export function vmallocLayout(config: MachineConfig): VmallocLayout {
  const preset = PRESETS[config.preset];
  if (preset.vmallocStart !== null) {
    const main = { start: preset.vmallocStart, end: preset.vmallocEnd };
    const { start, end } = main;
    return { main, holes: [], ranges: [main], highMemory: null, isVmallocAddr: (a) => a >= start && a < end };
  }
  return arm32Layout(config);
}

function arm32Layout(config: MachineConfig): VmallocLayout {
  const preset = PRESETS[config.preset];
  const page = 1n << BigInt(preset.pageShift);
  const PAGE_OFFSET = preset.pageOffset;
  const VMALLOC_END = preset.vmallocEnd;
  // early_vmalloc(): clamp vmalloc= to [16 MiB, VMALLOC_END - (PAGE_OFFSET + 32 MiB + VMALLOC_OFFSET)]
  let size = BigInt(config.vmallocBytes ?? 240 * 2 ** 20);
  const maxSize = VMALLOC_END - (PAGE_OFFSET + 32n * MiB + VMALLOC_OFFSET);
  if (size < 16n * MiB) size = 16n * MiB;
  if (size > maxSize) size = maxSize;
  const vmallocLimit = VMALLOC_END - size - VMALLOC_OFFSET;

  const banks = [...config.ram.banks].sort((a, b) => a.start - b.start);
  const physOffset = BigInt(banks[0]!.start) * page;
  const virt = (pfn: number): Addr => PAGE_OFFSET + (BigInt(pfn) * page - physOffset);

  // Lowmem: walking the banks in order, up to min(vmalloc_limit, bank end); beyond is highmem.
  const lowmem: AddrRange[] = [];
  for (const b of banks) {
    const s = virt(b.start);
    if (s >= vmallocLimit) break;
    const e = virt(b.start + b.count);
    lowmem.push({ start: s, end: e < vmallocLimit ? e : vmallocLimit });
  }
  const highMemory = lowmem[lowmem.length - 1]!.end;
  const vmallocStart = (highMemory + VMALLOC_OFFSET) & ~(VMALLOC_OFFSET - 1n);
  const main = { start: vmallocStart, end: VMALLOC_END };

  // Holes: gaps strictly between lowmem banks and no-map ranges inside lowmem, merged where they
  // touch (one stretch Linux cannot use), each image rounded inward to the granule.
  const raw: AddrRange[] = [];
  for (let i = 1; i < lowmem.length; i++) raw.push({ start: lowmem[i - 1]!.end, end: lowmem[i]!.start });
  for (const n of config.ram.noMap ?? []) {
    const s = virt(n.start);
    const e = virt(n.start + n.count);
    for (const l of lowmem) {
      const lo = s > l.start ? s : l.start;
      const hi = e < l.end ? e : l.end;
      if (lo < hi) raw.push({ start: lo, end: hi });
    }
  }
  raw.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const merged: { start: Addr; end: Addr }[] = [];
  for (const r of raw) {
    const last = merged[merged.length - 1];
    if (last && r.start <= last.end) {
      if (r.end > last.end) last.end = r.end;
    } else merged.push({ ...r });
  }
  const holes: AddrRange[] = [];
  for (const r of merged) {
    const s = (r.start + GRANULE - 1n) & ~(GRANULE - 1n);
    const e = r.end & ~(GRANULE - 1n);
    if (s < e) holes.push({ start: s, end: e });
  }

  const top = 1n << BigInt(preset.bitsPerLong);
  const granules = Number((top - PAGE_OFFSET) / GRANULE);
  const bitmap = new Uint8Array(granules);
  for (const r of [main, ...holes]) {
    for (let gi = Number((r.start - PAGE_OFFSET) / GRANULE); gi < Number((r.end - PAGE_OFFSET) / GRANULE); gi++) bitmap[gi] = 1;
  }
  const { start: ms, end: me } = main;
  return {
    main,
    holes,
    ranges: [...holes, main],
    highMemory,
    isVmallocAddr: (a) => {
      if (a >= ms && a < me) return true; // fast path: the main range
      if (a < PAGE_OFFSET || a >= top) return false;
      return bitmap[Number((a - PAGE_OFFSET) / GRANULE)] === 1;
    },
  };
}
