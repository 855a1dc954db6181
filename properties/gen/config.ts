// gen: machine configurations drawn per trace (checking.md §5: "configurations vary per trace:
// preset, online CPUs (with gaps), lazy threshold scale (including eager), fault injection, RAM
// layout"). Every drawn configuration is built with the shape builders of properties/configs.ts,
// varied where the preset allows it: RAM banks (sizes, a second bank behind a hole, arm32 no-map
// carve-outs and vmalloc=), device ranges, the top-of-space window, possible CPUs with gaps and a
// non-empty online subset, the lazy unit (0 = eager, a few pages, the preset's own), and the
// powerpc vmemmap fallback where the preset has a vmemmap. Options are listed simplest first, so
// fast-check shrinks a configuration toward the fixed CONFIGS shapes.
//
// Each configuration carries a name that spells out every drawn choice
// (`drawn:x86_64/ram64M@0/cpus0,2,5/online0,5/lazy32M`): two different drawn configurations never
// share a name, so hunt's dedup and the reports read well; reports embed the whole configuration,
// so a drawn one replays from the JSON alone.
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import type { MachineConfig, PfnRange, PresetName, RamLayout } from '../../api/index.js';
import { PRESETS } from '../../api/index.js';
import {
  ARM32_DEVICES,
  ARM64_DEVICES,
  TOY_DEVICES,
  X86_DEVICES,
  arm32Ram,
  arm32Windows,
  arm64Ram,
  arm64Windows,
  toyRam,
  toyWindows,
  x86Ram,
  x86Windows,
} from '../configs.js';
import { geometryOf } from '../harness/geometry.js';

export const DRAWN_PREFIX = 'drawn:';

/** Every preset a configuration can be drawn on: the four real ones and the toy. */
export const DRAWN_PRESETS: readonly PresetName[] = ['x86_64', 'x86_64-la57', 'arm64-64k', 'arm32', 'toy24'];

/** The presets with a vmemmap: hot-plug traces (subsystem vmemmap) are drawn on these; arm32 has none. */
export const VMEMMAP_PRESETS: readonly PresetName[] = DRAWN_PRESETS.filter((p) => PRESETS[p].vmemmapStart !== null);

export interface ConfigArbOptions {
  /** presets to draw from (default DRAWN_PRESETS) */
  readonly presets?: readonly PresetName[];
  /**
   * arm32: sometimes add a no-map carve-out (default true). The spec is silent on what a no-map
   * pfn is; both sides follow Linux 6.12 (memmap_init_reserved_pages): memory, reserved, never
   * allocatable — drawing these found the model listing no owner for them at first.
   */
  readonly noMap?: boolean;
}

/** RAM, devices and windows of one drawn machine, with the name tokens that describe them. */
interface Shape {
  readonly tokens: readonly string[];
  readonly ram: RamLayout;
  readonly devices: readonly PfnRange[];
  readonly windows: MachineConfig['windows'];
  readonly vmallocBytes?: number;
}

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/** 64M, 1G, 1280M, 12K: the shortest exact unit. */
function size(bytes: number): string {
  if (bytes === 0) return '0';
  if (bytes % GiB === 0) return `${bytes / GiB}G`;
  if (bytes % MiB === 0) return `${bytes / MiB}M`;
  if (bytes % KiB === 0) return `${bytes / KiB}K`;
  return `${bytes}B`;
}

/** `ram64M@0+32M@128M`: every bank's size and physical start. */
function ramToken(banks: readonly PfnRange[], pageBytes: number): string {
  return `ram${banks.map((b) => `${size(b.count * pageBytes)}@${size(b.start * pageBytes)}`).join('+')}`;
}

/** null (the simpler choice, shrunk to) `weight` times as often as a value of `arb` */
function sometimes<T>(arb: Arbitrary<T>, weight: number): Arbitrary<T | null> {
  return fc.oneof({ arbitrary: fc.constant(null), weight }, { arbitrary: arb, weight: 1 });
}

/**
 * The banks: a first one, and optionally a second one `gap` pfns after it (a hole: the boot
 * memmap and the hot-plug region see two runs; on arm32 a lowmem hole can be a vmalloc range).
 */
function banksArb(
  starts: readonly number[],
  firstSizes: readonly number[],
  gaps: readonly number[],
  secondSizes: readonly number[],
): Arbitrary<PfnRange[]> {
  return fc
    .tuple(fc.constantFrom(...starts), fc.constantFrom(...firstSizes), sometimes(fc.tuple(fc.constantFrom(...gaps), fc.constantFrom(...secondSizes)), 2))
    .map(([start, count, second]) => {
      const first = { start, count };
      return second ? [first, { start: start + count + second[0], count: second[1] }] : [first];
    });
}

/** one of a few device layouts: the preset's default first */
function devicesArb(options: readonly (readonly [string, readonly PfnRange[]])[]): Arbitrary<readonly [string, readonly PfnRange[]]> {
  const [first, ...rest] = options;
  if (!first) throw new Error('no device layout');
  return fc.oneof({ arbitrary: fc.constant(first), weight: 3 }, ...rest.map((o) => ({ arbitrary: fc.constant(o), weight: 1 })));
}

/** the top-of-space window: mostly present (ranges ending at 2^W), sometimes not */
const topArb: Arbitrary<boolean> = fc.oneof({ arbitrary: fc.constant(true), weight: 3 }, { arbitrary: fc.constant(false), weight: 1 });

/**
 * x86_64 and la57: RAM from pfn 0 — 32 to 128 MiB, sometimes a second bank behind a hole of
 * 64 MiB (after 64 MiB: the second bank starts a new 128 MiB section), 2 MiB (one sub-section) or
 * 4 KiB (not sub-section aligned), ending on a sub-section boundary or 4 KiB past one; devices: the 2 GiB at 16 GiB, a small one 2 MiB into it (no 1 GiB leaf fits),
 * or a second 1 GiB range at 4 GiB as well.
 */
function x86ShapeArb(preset: 'x86_64' | 'x86_64-la57'): Arbitrary<Shape> {
  const m = MiB / 4096; // pfns per MiB
  const banks = banksArb([0], [64 * m, 32 * m, 48 * m, 128 * m], [64 * m, 2 * m, 1], [32 * m, 2 * m, 16 * m + 1]);
  const devices = devicesArb([
    ['', X86_DEVICES],
    ['devS', [{ start: 0x400200, count: 0x800 }]],
    ['dev2', [{ start: 0x100000, count: 0x40000 }, ...X86_DEVICES]],
  ]);
  return fc.tuple(banks, devices, topArb).map(([b, [dev, devs], top]) => ({
    tokens: [ramToken(b, 4096), dev, top ? '' : 'notop'],
    ram: x86Ram(b),
    devices: devs,
    windows: x86Windows(preset, top),
  }));
}

/**
 * arm64-64k (64 KiB pfns): RAM at 1 GiB, at 1.25 GiB (memstart_pfn, rounded down to 512 MiB, lies
 * below the first RAM pfn) or at 2 GiB, 128 to 512 MiB, sometimes a second bank; devices: 1 GiB
 * at 64 GiB, a 64 MiB one 2 MiB into it (no 512 MiB leaf fits), or a second range at 16 GiB.
 */
function arm64ShapeArb(): Arbitrary<Shape> {
  const m = MiB / 65536;
  const banks = banksArb([0x4000, 0x5000, 0x8000], [256 * m, 128 * m, 512 * m], [512 * m, 2 * m], [32 * m, 128 * m]);
  const devices = devicesArb([
    ['', ARM64_DEVICES],
    ['devS', [{ start: 0x100020, count: 0x400 }]],
    ['dev2', [{ start: 0x40000, count: 0x2000 }, ...ARM64_DEVICES]],
  ]);
  return fc.tuple(banks, devices, topArb).map(([b, [dev, devs], top]) => ({
    tokens: [ramToken(b, 65536), dev, top ? '' : 'notop'],
    ram: arm64Ram(b),
    devices: devs,
    windows: arm64Windows(top),
  }));
}

/**
 * arm32 (layout.md §2): a board with 128 or 256 MiB at 2 GiB or 1.5 GiB, sometimes a second bank
 * behind a hole of 96 MiB (a 2 MiB aligned vmalloc range, as arm32-holes), 3 MiB (rounded inward
 * it may or may not hold a granule) or 4 KiB (no range); with `noMap`, sometimes a no-map carve-out
 * in the first bank's lower half (another hole, 2 MiB aligned or not); vmalloc= unset, 240 MiB, or 768 MiB
 * (with 256 MiB of RAM that leaves 16 MiB of highmem). The machine-level window is the upper half
 * of the first bank's lowmem image, cut at high_memory (VMALLOC_START - VMALLOC_OFFSET at most).
 */
function arm32ShapeArb(withNoMap: boolean): Arbitrary<Shape> {
  const m = MiB / 4096;
  const banks = banksArb([0x80000, 0x60000], [256 * m, 128 * m], [96 * m, 3 * m, 1], [32 * m, 8 * m]);
  const noMap = withNoMap ? sometimes(fc.constantFrom(4 * m, 2 * m + 1), 3) : fc.constant(null);
  const vmalloc = fc.constantFrom<number | null>(null, 240 * MiB, 768 * MiB);
  const devices = devicesArb([
    ['', ARM32_DEVICES],
    ['devS', [{ start: 0x40000, count: 0x100 }]],
    ['dev2', [{ start: 0x20000, count: 0x200 }, ...ARM32_DEVICES]],
  ]);
  return fc.tuple(banks, noMap, vmalloc, devices, topArb).map(([b, nm, vmallocBytes, [dev, devs], top]) => {
    const first = b[0] as PfnRange;
    // no-map 16 MiB into the first bank: above the kernel image, below the window
    const carve = nm === null ? undefined : [{ start: first.start + 16 * m, count: nm }];
    const ram = arm32Ram(b, carve);
    const base = { name: 'drawn:arm32-provisional', preset: 'arm32' as const, ram, devices: devs, cpus: { possible: [0], online: [0] }, lazyUnitBytes: 0, windows: [] };
    const provisional: MachineConfig = vmallocBytes === null ? base : { ...base, vmallocBytes };
    // high_memory <= VMALLOC_START - 8 MiB (VMALLOC_START = ALIGN(high_memory, 8 MiB) + 8 MiB)
    const lowmemPages = Number((geometryOf(provisional).mainVmalloc.start - 8n * BigInt(MiB) - 0xc0000000n) / 4096n);
    return {
      tokens: [
        ramToken(b, 4096),
        carve ? `nomap${size(nm! * 4096)}@16M` : '',
        vmallocBytes === null ? '' : `vmalloc${size(vmallocBytes)}`,
        dev,
        top ? '' : 'notop',
      ],
      ram,
      devices: devs,
      windows: arm32Windows(Math.min(first.count, lowmemPages), top),
      ...(vmallocBytes === null ? {} : { vmallocBytes }),
    };
  });
}

/**
 * toy24: 2 to 4 MiB of RAM at 1 MiB, sometimes a second bank behind a hole of one sub-section
 * (64 KiB), 1 MiB or 12 KiB (not sub-section aligned); devices: 4 MiB at 16 MiB, 256 KiB there,
 * or a second 1 MiB range at 32 MiB; windows: both, only the top one, or only the low one.
 */
function toyShapeArb(): Arbitrary<Shape> {
  const banks = banksArb([0x100], [0x300, 0x200, 0x400], [0x10, 0x100, 0x3], [0x100, 0x40]);
  const devices = devicesArb([
    ['', TOY_DEVICES],
    ['devS', [{ start: 0x1000, count: 0x40 }]],
    ['dev2', [...TOY_DEVICES, { start: 0x2000, count: 0x100 }]],
  ]);
  const windows = fc.oneof(
    { arbitrary: fc.constant({ low: true, top: true }), weight: 3 },
    { arbitrary: fc.constant({ low: false, top: true }), weight: 1 },
    { arbitrary: fc.constant({ low: true, top: false }), weight: 1 },
  );
  return fc.tuple(banks, devices, windows).map(([b, [dev, devs], w]) => ({
    tokens: [ramToken(b, 4096), dev, w.low ? '' : 'nolow', w.top ? '' : 'notop'],
    ram: toyRam(b),
    devices: devs,
    windows: toyWindows(w),
  }));
}

function shapeArb(preset: PresetName, opts: ConfigArbOptions): Arbitrary<Shape> {
  switch (preset) {
    case 'x86_64':
    case 'x86_64-la57':
      return x86ShapeArb(preset);
    case 'arm64-64k':
      return arm64ShapeArb();
    case 'arm32':
      return arm32ShapeArb(opts.noMap !== false);
    case 'toy24':
      return toyShapeArb();
  }
}

/**
 * Possible CPUs: CPU 0 and up to three more below min(NR_CPUS, 8), so gaps are common ({0, 2, 5});
 * online: a non-empty subset (usually with CPU 0, the boot CPU; sometimes without it).
 */
function cpusArb(preset: PresetName): Arbitrary<MachineConfig['cpus']> {
  const max = Math.min(PRESETS[preset].nrCpus, 8);
  const others = Array.from({ length: max - 1 }, (_, i) => i + 1);
  // how many besides CPU 0: fast-check's size bias would make it mostly none
  const count = fc.oneof({ arbitrary: fc.constant(0), weight: 1 }, { arbitrary: fc.integer({ min: 1, max: Math.min(3, others.length) }), weight: 3 });
  return count
    .chain((n) => fc.subarray(others, { minLength: n, maxLength: n }))
    .chain((more) => {
      const possible = [0, ...more];
      const withBoot = fc.subarray(more).map((o) => [0, ...o]);
      const any = fc.subarray(possible, { minLength: 1 });
      return fc.oneof({ arbitrary: withBoot, weight: 4 }, { arbitrary: any, weight: 1 }).map((online) => ({ possible, online }));
    });
}

/**
 * The unit of lazy_max_pages (vmap.md §3): the preset's own (32 MiB; toy 64 KiB), 0 (eager: purge
 * at the end of every freeing op), or a few pages so short traces purge by threshold.
 */
function lazyArb(preset: PresetName): Arbitrary<number> {
  const p = PRESETS[preset];
  const page = 2 ** p.pageShift;
  const small = [...new Set([page, 4 * page, 16 * page, 64 * page])].filter((x) => x !== p.lazyUnitBytes);
  return fc.oneof(
    { arbitrary: fc.constant(p.lazyUnitBytes), weight: 2 },
    { arbitrary: fc.constant(0), weight: 2 },
    { arbitrary: fc.constantFrom(...small), weight: 3 },
  );
}

/** A configuration drawn per trace: a preset, its machine shape, CPUs, lazy unit, vmemmap policy. */
export function configArb(opts: ConfigArbOptions = {}): Arbitrary<MachineConfig> {
  const presets = opts.presets ?? DRAWN_PRESETS;
  if (presets.length === 0) throw new Error('configArb: no preset to draw from');
  return fc.constantFrom(...presets).chain((preset) => {
    const fallback = PRESETS[preset].vmemmapStart === null ? fc.constant(false) : fc.oneof({ arbitrary: fc.constant(false), weight: 3 }, { arbitrary: fc.constant(true), weight: 1 });
    return fc.tuple(shapeArb(preset, opts), cpusArb(preset), lazyArb(preset), fallback).map(([shape, cpus, lazy, fb]): MachineConfig => {
      const tokens = [
        ...shape.tokens,
        `cpus${cpus.possible.join(',')}`,
        `online${cpus.online.join(',')}`,
        `lazy${size(lazy)}`,
        fb ? 'fallback' : '',
      ].filter((t) => t !== '');
      return {
        name: `${DRAWN_PREFIX}${preset}/${tokens.join('/')}`,
        preset,
        ram: shape.ram,
        devices: shape.devices,
        cpus,
        lazyUnitBytes: lazy,
        ...(shape.vmallocBytes === undefined ? {} : { vmallocBytes: shape.vmallocBytes }),
        windows: shape.windows,
        ...(fb ? { vmemmapFallback: true } : {}),
      };
    });
  });
}
