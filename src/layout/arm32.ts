// src: the 32-bit ARM kernel layout (layout.md §2) — lowmem and vmalloc intermixed.
// arch/arm/mm/mmu.c: early_vmalloc() clamps `vmalloc=`, adjust_lowmem_bounds() walks the
// memblock banks up to vmalloc_limit, high_memory = __va(arm_lowmem_limit - 1) + 1, and
// VMALLOC_START = ALIGN(high_memory + VMALLOC_OFFSET, VMALLOC_OFFSET) (asm/pgtable.h).
// The intermix series turns the granule-aligned interior of each lowmem hole into vmalloc space.
//
// Arithmetic: every arm32 byte address (virtual < 2^32, physical < 2^44 with LPAE pfns) is an
// exact `number` here; conversion to `Addr` (bigint) happens once, at the end.
import type { MachineConfig, PfnRange, Preset } from '../../api/index.js';
import { ARM32_HOLE_GRANULE, ARM32_VMALLOC_DEFAULT_BYTES, ARM32_VMALLOC_OFFSET } from '../../api/layout.js';

const MiB = 2 ** 20;
const GRANULE = Number(ARM32_HOLE_GRANULE);
const VMALLOC_OFFSET = Number(ARM32_VMALLOC_OFFSET);

/** [start, end) in bytes, exact numbers */
export interface Span {
  start: number;
  end: number;
}

export interface Arm32Layout {
  readonly pageOffset: number;
  readonly vmallocEnd: number;
  /** [PAGE_OFFSET, high_memory) */
  readonly highMemory: number;
  readonly vmallocStart: number;
  /** images of usable lowmem (banks minus no-map, clipped to the window), ascending, disjoint */
  readonly usable: readonly Span[];
  /** hole images rounded inward to the granule, non-empty, ascending */
  readonly holeRanges: readonly Span[];
}

/** early_vmalloc(): `vmalloc=` clamped to [16 MiB, VMALLOC_END - (PAGE_OFFSET + 32 MiB + VMALLOC_OFFSET)] */
export function arm32VmallocSize(preset: Preset, vmallocBytes: number | undefined): number {
  const max = Number(preset.vmallocEnd) - (Number(preset.pageOffset) + 32 * MiB + VMALLOC_OFFSET);
  const want = vmallocBytes ?? ARM32_VMALLOC_DEFAULT_BYTES;
  if (want < 16 * MiB) return 16 * MiB;
  return want > max ? max : want;
}

export function arm32Layout(config: MachineConfig, preset: Preset): Arm32Layout {
  const pageSize = 2 ** preset.pageShift;
  const pageOffset = Number(preset.pageOffset);
  const vmallocEnd = Number(preset.vmallocEnd);
  const banks = [...config.ram.banks].sort((a, b) => a.start - b.start);
  const first = banks[0];
  if (!first) throw new Error(`${config.name}: arm32 layout needs at least one RAM bank`);
  const physOffset = first.start * pageSize;
  const virt = (pfn: number): number => pageOffset + (pfn * pageSize - physOffset);

  // adjust_lowmem_bounds(): a bank that starts below vmalloc_limit is lowmem up to
  // min(vmalloc_limit, its end); the last such bank sets arm_lowmem_limit.
  const vmallocLimit = vmallocEnd - arm32VmallocSize(preset, config.vmallocBytes) - VMALLOC_OFFSET;
  const lowBanks: Span[] = [];
  for (const b of banks) {
    const start = virt(b.start);
    if (start >= vmallocLimit) break;
    lowBanks.push({ start, end: Math.min(virt(b.start + b.count), vmallocLimit) });
  }
  const highMemory = lowBanks[lowBanks.length - 1]!.end;
  const vmallocStart = Math.floor((highMemory + VMALLOC_OFFSET) / VMALLOC_OFFSET) * VMALLOC_OFFSET;

  const usable = subtract(lowBanks, (config.ram.noMap ?? []).map((n: PfnRange) => ({ start: virt(n.start), end: virt(n.start + n.count) })));
  // The holes are what the window [PAGE_OFFSET, high_memory) holds besides usable lowmem: the
  // gaps between lowmem banks and the no-map carve-outs, merged where they touch (memblock
  // sees one unusable stretch), each rounded inward to the granule.
  const holeRanges: Span[] = [];
  for (const h of subtract([{ start: pageOffset, end: highMemory }], usable)) {
    const start = Math.ceil(h.start / GRANULE) * GRANULE;
    const end = Math.floor(h.end / GRANULE) * GRANULE;
    if (start < end) holeRanges.push({ start, end });
  }
  return { pageOffset, vmallocEnd, highMemory, vmallocStart, usable, holeRanges };
}

/** `from` minus every span of `cut`; `from` ascending and disjoint; the result likewise */
function subtract(from: readonly Span[], cut: readonly Span[]): Span[] {
  const cuts = [...cut].filter((c) => c.start < c.end).sort((a, b) => a.start - b.start);
  const out: Span[] = [];
  for (const f of from) {
    let at = f.start;
    for (const c of cuts) {
      if (c.end <= at || c.start >= f.end) continue;
      if (c.start > at) out.push({ start: at, end: c.start });
      at = Math.max(at, c.end);
    }
    if (at < f.end) out.push({ start: at, end: f.end });
  }
  return out;
}
