// The layout / is_vmalloc_addr property's checks (layout-is-vmalloc-addr.prop.test.ts asserts
// them with its seed and budget; the mutation profile, properties/mutation/layout.mut.test.ts,
// with its own): optimized (src/layout) against reference (model/layout), on generated arm32
// RAM layouts (banks with gaps at and off the 2 MiB granule edges, no-map carve-outs, vmalloc=
// values below, inside and above the clamp, layouts without holes, highmem) and on the 64-bit
// and toy presets with generated RAM (layout.md §1-§3, checking.md §4).
//
// Checked per layout: the two region lists are equal, they tile [0, 2^W), and
// is-vmalloc-addr-correct holds at every region edge and its neighbours, 0, the top byte, and
// random addresses over the whole address space drawn from the seed.
import fc from 'fast-check';
import type { Addr, MachineConfig, PfnRange, PresetName } from '../api/index.js';
import { PRESETS } from '../api/index.js';
import type { KernelLayout } from '../api/layout.js';
import { kernelLayout, makeIsVmallocAddr } from '../src/layout/index.js';
import { isVmallocAddrCorrect, layoutProbes, modelLayout } from '../model/layout.js';
import type { SeededCheck } from './harness/settings.js';


const MiB = 2 ** 20;
const GRANULE_PAGES = 512; // 2 MiB of 4 KiB pages

/** a page count at a granule edge, a few pages off one, or anywhere (1 .. maxGranules granules) */
const edgyPages = (maxGranules: number): fc.Arbitrary<number> =>
  fc.oneof(
    fc.integer({ min: 1, max: maxGranules }).map((g) => g * GRANULE_PAGES),
    fc.tuple(fc.integer({ min: 1, max: maxGranules }), fc.integer({ min: -3, max: 3 })).map(([g, d]) => Math.max(1, g * GRANULE_PAGES + d)),
    fc.integer({ min: 1, max: maxGranules * GRANULE_PAGES }),
  );

interface Arm32Shape {
  physOffsetPfn: number;
  banks: { gap: number; size: number }[];
  noMap: { bank: number; offset: number; size: number }[];
  vmallocBytes: number | undefined;
}

const arm32Shape: fc.Arbitrary<Arm32Shape> = fc.record({
  physOffsetPfn: fc.oneof(
    fc.constantFrom(0x80000, 0x60000, 0x10000, 0),
    fc.integer({ min: 0, max: 0x5ff }).map((g) => g * GRANULE_PAGES), // 2 MiB aligned below 3 GiB
    fc.integer({ min: 0, max: 0x80000 }),
  ),
  banks: fc.array(
    fc.record({
      // gap before the bank (ignored for the first): none, tiny, at/off granule edges, or huge (highmem)
      gap: fc.oneof(fc.constant(0), edgyPages(64), fc.integer({ min: 1, max: 0x40000 })),
      size: edgyPages(256),
    }),
    { minLength: 1, maxLength: 5 },
  ),
  noMap: fc.array(fc.record({ bank: fc.nat(), offset: fc.oneof(fc.constant(0), edgyPages(64)), size: edgyPages(16) }), { maxLength: 3 }),
  vmallocBytes: fc.oneof(
    fc.constant(undefined),
    fc.constantFrom(16 * MiB - 4096, 16 * MiB, 240 * MiB, 976 * MiB, 2048 * MiB),
    fc.integer({ min: 1, max: 1100 }).map((m) => m * MiB),
    fc.integer({ min: 1, max: 1100 * MiB }),
  ),
});

/** Turn a shape into a valid configuration: ascending disjoint banks below 4 GiB, no-maps inside banks. */
function arm32Config(s: Arm32Shape): MachineConfig | null {
  const banks: PfnRange[] = [];
  let at = s.physOffsetPfn;
  for (const [i, b] of s.banks.entries()) {
    const start = i === 0 ? at : at + b.gap;
    if (start + b.size > 0x100000) break; // physical addresses stay below 4 GiB
    banks.push({ start, count: b.size });
    at = start + b.size;
  }
  const first = banks[0];
  if (!first || first.count < 64) return null;
  const noMap: PfnRange[] = [];
  for (const n of s.noMap) {
    const b = banks[n.bank % banks.length]!;
    const start = b.start + (n.offset % b.count);
    const count = Math.min(n.size, b.start + b.count - start);
    if (noMap.some((m) => start < m.start + m.count && m.start < start + count)) continue;
    noMap.push({ start, count });
  }
  noMap.sort((a, b) => a.start - b.start);
  return {
    name: 'arm32-gen',
    preset: 'arm32',
    ram: { banks, kernel: { start: first.start + 8, count: 32 }, rootPt: first.start + 4, ...(noMap.length ? { noMap } : {}) },
    devices: [],
    cpus: { possible: [0], online: [0] },
    lazyUnitBytes: MiB,
    windows: [],
    ...(s.vmallocBytes !== undefined ? { vmallocBytes: s.vmallocBytes } : {}),
  };
}

/** fixed presets with generated RAM (only high_memory depends on it) */
const fixedConfig = (preset: PresetName): fc.Arbitrary<MachineConfig> =>
  fc.array(fc.tuple(fc.integer({ min: 0, max: 0x4000 }), fc.integer({ min: 16, max: 0x4000 })), { minLength: 1, maxLength: 4 }).map((parts) => {
    const banks: PfnRange[] = [];
    let at = preset === 'toy24' ? 0x100 : 0;
    for (const [gap, size] of parts) {
      const n = preset === 'toy24' ? Math.min(size, 0x100) : size;
      banks.push({ start: at + (banks.length ? gap : 0), count: n });
      at = banks[banks.length - 1]!.start + n;
    }
    const first = banks[0]!;
    return {
      name: `${preset}-gen`,
      preset,
      ram: { banks, kernel: { start: first.start + 8, count: 4 }, rootPt: first.start + 4 },
      devices: [],
      cpus: { possible: [0], online: [0] },
      lazyUnitBytes: MiB,
      windows: [],
    };
  });

/** random probe addresses over the whole space, plus granule boundaries and their neighbours */
const randomProbes = (w: number): fc.Arbitrary<Addr[]> => {
  const top = 1n << BigInt(w);
  return fc.array(
    fc.oneof(
      fc.bigInt({ min: 0n, max: top - 1n }),
      fc.tuple(fc.bigInt({ min: 0n, max: (top >> 21n) - 1n }), fc.constantFrom(-1n, 0n, 1n)).map(([g, d]) => {
        const a = (g << 21n) + d;
        return a < 0n ? 0n : a >= top ? top - 1n : a;
      }),
    ),
    { minLength: 1, maxLength: 64 },
  );
};

function describeLayout(c: MachineConfig): string {
  const hex = (pfn: number): string => '0x' + (pfn * 4096).toString(16);
  const banks = c.ram.banks.map((b) => `[${hex(b.start)}, ${hex(b.start + b.count)})`).join(' ');
  const noMap = (c.ram.noMap ?? []).map((b) => `[${hex(b.start)}, ${hex(b.start + b.count)})`).join(' ');
  return `${c.preset} banks ${banks}${noMap ? ` no-map ${noMap}` : ''}${c.vmallocBytes !== undefined ? ` vmalloc=${c.vmallocBytes}` : ''}`;
}

/** the regions tile [0, 2^W): sorted, non-empty, contiguous, adjacent labels differ */
function tiles(l: KernelLayout, w: number): string | null {
  let at = 0n;
  for (const [i, r] of l.regions.entries()) {
    if (r.start !== at || r.end <= r.start) return `region ${i} [0x${r.start.toString(16)}, 0x${r.end.toString(16)}) breaks the tiling at 0x${at.toString(16)}`;
    if (i > 0 && l.regions[i - 1]!.label === r.label) return `regions ${i - 1} and ${i} are both ${r.label}`;
    at = r.end;
  }
  return at === 1n << BigInt(w) ? null : `regions end at 0x${at.toString(16)}`;
}

function checkLayout(c: MachineConfig, extra: readonly Addr[]): void {
  const w = PRESETS[c.preset].bitsPerLong;
  const model = modelLayout(c);
  const impl = kernelLayout(c);
  const where = describeLayout(c);
  const tiling = tiles(model, w);
  if (tiling) throw new Error(`${where} › model layout: ${tiling}`);
  const same = JSON.stringify(impl, (_k, v: unknown) => (typeof v === 'bigint' ? '0x' + v.toString(16) : v));
  const want = JSON.stringify(model, (_k, v: unknown) => (typeof v === 'bigint' ? '0x' + v.toString(16) : v));
  if (same !== want) throw new Error(`${where} › layout: model=${want} impl=${same}`);
  const probes = [...new Set([...layoutProbes(model, w), ...layoutProbes(impl, w), ...extra])];
  const err = isVmallocAddrCorrect(model, w, probes, makeIsVmallocAddr(c));
  if (err) throw new Error(`${where} › is-vmalloc-addr-correct: ${err}`);
}

export const LAYOUT_CHECKS: readonly SeededCheck[] = [
  {
    name: 'arm32: generated banks, holes, no-map ranges and vmalloc= give equal layouts and equal is_vmalloc_addr',
    numRuns: (runs) => runs,
    property: () =>
      fc.property(fc.tuple(arm32Shape.map(arm32Config).filter((c): c is MachineConfig => c !== null), randomProbes(32)), ([c, extra]) => checkLayout(c, extra)),
  },
  {
    name: 'arm32: layouts without holes (one bank) have exactly one vmalloc range',
    numRuns: (runs) => Math.max(1, Math.floor(runs / 4)),
    property: () =>
      fc.property(
        fc.tuple(fc.integer({ min: 0, max: 0x7ff }), edgyPages(512), fc.option(fc.integer({ min: 1, max: 1100 * MiB }), { nil: undefined })),
        ([g, pages, vmallocBytes]) => {
          const start = g * GRANULE_PAGES;
          const c = arm32Config({ physOffsetPfn: start, banks: [{ gap: 0, size: Math.min(pages, 0x100000 - start) }], noMap: [], vmallocBytes });
          if (!c) return;
          checkLayout(c, []);
          if (modelLayout(c).vmallocRanges.length !== 1) throw new Error(`${describeLayout(c)} › a layout without holes has ${modelLayout(c).vmallocRanges.length} vmalloc ranges`);
        },
      ),
  },
  ...(['x86_64', 'x86_64-la57', 'arm64-64k', 'toy24'] as const).map(
    (preset): SeededCheck => ({
      name: `${preset}: fixed layout, equal on both sides, range check exact`,
      numRuns: (runs) => Math.max(1, Math.floor(runs / 8)),
      property: () => fc.property(fc.tuple(fixedConfig(preset), randomProbes(PRESETS[preset].bitsPerLong)), ([c, extra]) => checkLayout(c, extra)),
    }),
  ),
];
