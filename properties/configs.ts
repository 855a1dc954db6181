// Configurations are data, listed once (checking.md §5, STYLE.md 12). Every property runs over
// CONFIGS through one runner. Real presets use real RAM layouts and kernel constants; the toy
// preset and the small lazy thresholds exist so short traces reach edges (full tables, the top
// of the address space, purges). The machine shapes (RAM, devices, windows) are built by the
// functions below; gen/config.ts draws configurations per trace from the same builders.
import type { MachineConfig, PfnRange, RamLayout } from '../api/index.js';

const MiB = 1 << 20;

type Window = MachineConfig['windows'][number];

/** The last GiB of a 64-bit address space: ranges here end at 2^64, where `end` wraps to 0. */
export const TOP_GIB_WINDOW: Window = { start: '0xffffffffc0000000', end: '0x10000000000000000' };

/**
 * x86_64: RAM from pfn 0 (the preset reserves the first 1 MiB), an 8 MiB kernel at 16 MiB (so
 * the first bank reaches at least 24 MiB). The default is 64 MiB in one bank. The physical space
 * from the end of RAM to 16 GiB is free for memory hot-plug (examples.md E6 adds RAM at 4 GiB).
 */
export function x86Ram(banks: readonly PfnRange[] = [{ start: 0x0, count: 0x4000 }]): RamLayout {
  return { banks, kernel: { start: 0x1000, count: 0x800 }, rootPt: 0x1400 };
}

/**
 * x86_64: 2 GiB of device memory at 16 GiB (1 GiB aligned: ioremap and map_device can use 1 GiB
 * leaves); a configured device range is memory the machine already has (EEXIST to add_*).
 */
export const X86_DEVICES: readonly PfnRange[] = [{ start: 0x400000, count: 0x80000 }];

/**
 * x86_64 / la57: the unused hole after the vmalloc range (mm.rst), so machine-level mappings
 * never meet vmap areas; with `top`, also the last GiB of the address space.
 */
export function x86Windows(preset: 'x86_64' | 'x86_64-la57', top: boolean): Window[] {
  const hole: Window =
    preset === 'x86_64'
      ? { start: '0xffffe90000000000', end: '0xffffe90080000000' }
      : { start: '0xffd2000000000000', end: '0xffd2000080000000' };
  return top ? [hole, TOP_GIB_WINDOW] : [hole];
}

/**
 * arm64-64k: RAM banks (64 KiB pfns; the default is 256 MiB at 1 GiB, pfn 0x4000), a 16 MiB
 * kernel 1 MiB into the first bank, the root table right after it.
 */
export function arm64Ram(banks: readonly PfnRange[] = [{ start: 0x4000, count: 0x1000 }]): RamLayout {
  const first = banks[0] ?? { start: 0, count: 0 };
  return { banks, kernel: { start: first.start + 0x10, count: 0x100 }, rootPt: first.start + 0x110 };
}

/** arm64-64k: 1 GiB of device memory at 64 GiB (512 MiB aligned: PMD leaves fit). */
export const ARM64_DEVICES: readonly PfnRange[] = [{ start: 0x100000, count: 0x4000 }];

/** arm64-64k: inside the (unsimulated) linear map region, away from vmalloc and vmemmap; with `top`, the last GiB. */
export function arm64Windows(top: boolean): Window[] {
  const linear: Window = { start: '0xffff700000000000', end: '0xffff700080000000' };
  return top ? [linear, TOP_GIB_WINDOW] : [linear];
}

/**
 * arm32: RAM banks of a typical board (the default is 256 MiB at 0x80000000), the kernel at
 * 0x8000 into the first bank (0x80008000), the root table at 0x4000.
 */
export function arm32Ram(banks: readonly PfnRange[] = [{ start: 0x80000, count: 0x10000 }], noMap?: readonly PfnRange[]): RamLayout {
  const first = banks[0] ?? { start: 0, count: 0 };
  return { banks, kernel: { start: first.start + 8, count: 0x800 }, rootPt: first.start + 4, ...(noMap && noMap.length > 0 ? { noMap } : {}) };
}

/** arm32: 16 MiB of device memory at 0x40000000. */
export const ARM32_DEVICES: readonly PfnRange[] = [{ start: 0x40000, count: 0x1000 }];

/**
 * arm32: the upper half of the first bank's lowmem image (the direct map itself is not simulated
 * here; a mapping there can end at the first byte of what follows: a hole's vmalloc range or
 * VMALLOC_START's offset), and with `top`, the space above VMALLOC_END.
 */
export function arm32Windows(firstBankPages: number, top: boolean): Window[] {
  const pageOffset = 0xc0000000;
  const bytes = firstBankPages * 4096;
  const hex = (n: number): `0x${string}` => `0x${n.toString(16)}`;
  const lowmem: Window = { start: hex(pageOffset + bytes / 2), end: hex(pageOffset + bytes) };
  return top ? [lowmem, { start: '0xffe00000', end: '0x100000000' }] : [lowmem];
}

/** toy24: RAM banks (the default is 3 MiB at 1 MiB, small so allocations and table pages run out), a 128 KiB kernel at the start. */
export function toyRam(banks: readonly PfnRange[] = [{ start: 0x100, count: 0x300 }]): RamLayout {
  const first = banks[0] ?? { start: 0, count: 0 };
  return { banks, kernel: { start: first.start, count: 0x20 }, rootPt: first.start + 0x20 };
}

/** toy24: 4 MiB of device memory at 16 MiB. */
export const TOY_DEVICES: readonly PfnRange[] = [{ start: 0x1000, count: 0x400 }];

/** toy24: the direct-map image [4 MiB, 8 MiB) (unsimulated) and, with `top`, the last MiB of the space (ends at 2^24). */
export function toyWindows(opts: { readonly low: boolean; readonly top: boolean }): Window[] {
  const out: Window[] = [];
  if (opts.low) out.push({ start: '0x400000', end: '0x800000' });
  if (opts.top) out.push({ start: '0xf00000', end: '0x1000000' });
  return out;
}


export const CONFIGS: readonly MachineConfig[] = [
  {
    name: 'x86_64',
    preset: 'x86_64',
    ram: x86Ram(),
    devices: X86_DEVICES,
    cpus: { possible: [0, 1, 2, 3], online: [0, 1, 2, 3] },
    lazyUnitBytes: 32 * MiB,
    windows: x86Windows('x86_64', true),
  },
  {
    name: 'x86_64-smalllazy-gaps',
    preset: 'x86_64',
    ram: x86Ram(),
    devices: X86_DEVICES,
    cpus: { possible: [0, 2, 3, 5], online: [0, 3, 5] },
    lazyUnitBytes: 64 * 1024,
    windows: x86Windows('x86_64', false),
  },
  {
    name: 'x86_64-eager',
    preset: 'x86_64',
    ram: x86Ram(),
    devices: X86_DEVICES,
    cpus: { possible: [0, 1], online: [0, 1] },
    lazyUnitBytes: 0,
    windows: x86Windows('x86_64', false),
  },
  {
    name: 'x86_64-la57',
    preset: 'x86_64-la57',
    ram: x86Ram(),
    devices: X86_DEVICES,
    cpus: { possible: [0, 1, 2, 3, 4, 5, 6, 7], online: [0, 1, 2, 3, 4, 5, 6, 7] },
    lazyUnitBytes: 256 * 1024,
    windows: x86Windows('x86_64-la57', true),
  },
  {
    // RAM at 1 GiB (pfn 0x4000 with 64 KiB pages): 256 MiB; 1 GiB of device memory at 64 GiB
    name: 'arm64-64k',
    preset: 'arm64-64k',
    ram: arm64Ram(),
    devices: ARM64_DEVICES,
    cpus: { possible: [0, 1, 2, 3], online: [0, 1] },
    lazyUnitBytes: 4 * MiB,
    windows: arm64Windows(true),
  },
  {
    // a typical ARM board: 256 MiB at 0x80000000, kernel at 0x80008000, 16 MiB of device at 0x40000000
    name: 'arm32',
    preset: 'arm32',
    ram: arm32Ram(),
    devices: ARM32_DEVICES,
    cpus: { possible: [0, 1, 2, 3], online: [0, 1, 2, 3] },
    lazyUnitBytes: 1 * MiB,
    windows: arm32Windows(0x10000, true),
  },
  {
    // examples.md E5: two banks with a 96 MiB hole between them; vmalloc=240M. Both banks are
    // lowmem (vmalloc_limit 0xf0000000), high_memory = 0xd0000000, VMALLOC_START = 0xd0800000; the
    // hole's image [0xc8000000, 0xce000000) is 2 MiB aligned, so it is an extra vmalloc range — the
    // lowest one, tried first by every vmalloc-space allocation (vmap.md §5; blocks and
    // vm_map_ram stay in the main range). Windows: lowmem right below the hole range (a mapping
    // can end at its first byte), and above VMALLOC_END.
    name: 'arm32-holes',
    preset: 'arm32',
    ram: arm32Ram([
      { start: 0x80000, count: 0x8000 },
      { start: 0x8e000, count: 0x2000 },
    ]),
    devices: ARM32_DEVICES,
    cpus: { possible: [0, 1, 2, 3], online: [0, 2] },
    lazyUnitBytes: 1 * MiB,
    vmallocBytes: 240 * MiB,
    windows: arm32Windows(0x8000, true),
  },
  {
    name: 'toy24',
    preset: 'toy24',
    ram: toyRam(),
    devices: TOY_DEVICES,
    cpus: { possible: [0, 1, 3], online: [0, 1, 3] },
    lazyUnitBytes: 16 * 1024,
    windows: toyWindows({ low: true, top: true }),
  },
  {
    name: 'toy24-eager',
    preset: 'toy24',
    ram: toyRam(),
    devices: TOY_DEVICES,
    cpus: { possible: [0, 1], online: [0, 1] },
    lazyUnitBytes: 0,
    windows: toyWindows({ low: false, top: true }),
  },
];

/**
 * Configurations one property runs on besides CONFIGS (the others would only repeat a CONFIGS
 * run). Found by configByName like the rest, so their shrink reports replay.
 */
export const EXTRA_CONFIGS: readonly MachineConfig[] = [
  {
    // the powerpc vmemmap policy (vmemmap.md §3): a failed altmap block falls back to RAM — on
    // x86_64 a PMD from RAM, then base pages; for vmemmap-refines-model
    name: 'x86_64-vmemmap-fallback',
    preset: 'x86_64',
    ram: x86Ram(),
    devices: X86_DEVICES,
    cpus: { possible: [0, 1, 2, 3], online: [0, 1, 3] },
    lazyUnitBytes: 64 * 1024,
    windows: x86Windows('x86_64', false),
    vmemmapFallback: true,
  },
];

export function configByName(name: string): MachineConfig {
  const all = [...CONFIGS, ...EXTRA_CONFIGS];
  const c = all.find((x) => x.name === name);
  if (!c) throw new Error(`unknown configuration '${name}' (known: ${all.map((x) => x.name).join(', ')})`);
  return c;
}
