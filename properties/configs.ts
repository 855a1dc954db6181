// Configurations are data, listed once (checking.md §5, STYLE.md 12). Every property runs over
// CONFIGS through one runner. Real presets use real RAM layouts and kernel constants; the toy
// preset and the small lazy thresholds exist so short traces reach edges (full tables, the top
// of the address space, purges).
import type { MachineConfig } from '../api/index.js';

const MiB = 1 << 20;

/**
 * x86_64: 64 MiB of RAM from pfn 0 (first 1 MiB reserved), an 8 MiB kernel at 16 MiB, 2 GiB of
 * device memory at 16 GiB (1 GiB aligned: ioremap and map_device can use 1 GiB leaves). The
 * physical space from 64 MiB to 16 GiB is free for memory hot-plug (examples.md E6 adds RAM at
 * 4 GiB); a configured device range is memory the machine already has (EEXIST to add_*).
 */
const x86Ram = {
  banks: [{ start: 0x0, count: 0x4000 }],
  kernel: { start: 0x1000, count: 0x800 },
  rootPt: 0x1400,
} as const;
const x86Devices = [{ start: 0x400000, count: 0x80000 }] as const;

export const CONFIGS: readonly MachineConfig[] = [
  {
    name: 'x86_64',
    preset: 'x86_64',
    ram: x86Ram,
    devices: x86Devices,
    cpus: { possible: [0, 1, 2, 3], online: [0, 1, 2, 3] },
    lazyUnitBytes: 32 * MiB,
    windows: [
      // the unused hole after the vmalloc range (mm.rst), so machine-level mappings never meet vmap areas
      { start: '0xffffe90000000000', end: '0xffffe90080000000' },
      // the last GiB of the address space: ranges here end at 2^64, where `end` wraps to 0
      { start: '0xffffffffc0000000', end: '0x10000000000000000' },
    ],
  },
  {
    name: 'x86_64-smalllazy-gaps',
    preset: 'x86_64',
    ram: x86Ram,
    devices: x86Devices,
    cpus: { possible: [0, 2, 3, 5], online: [0, 3, 5] },
    lazyUnitBytes: 64 * 1024,
    windows: [{ start: '0xffffe90000000000', end: '0xffffe90080000000' }],
  },
  {
    name: 'x86_64-eager',
    preset: 'x86_64',
    ram: x86Ram,
    devices: x86Devices,
    cpus: { possible: [0, 1], online: [0, 1] },
    lazyUnitBytes: 0,
    windows: [{ start: '0xffffe90000000000', end: '0xffffe90080000000' }],
  },
  {
    name: 'x86_64-la57',
    preset: 'x86_64-la57',
    ram: x86Ram,
    devices: x86Devices,
    cpus: { possible: [0, 1, 2, 3, 4, 5, 6, 7], online: [0, 1, 2, 3, 4, 5, 6, 7] },
    lazyUnitBytes: 256 * 1024,
    windows: [
      { start: '0xffd2000000000000', end: '0xffd2000080000000' },
      { start: '0xffffffffc0000000', end: '0x10000000000000000' },
    ],
  },
  {
    // RAM at 1 GiB (pfn 0x4000 with 64 KiB pages): 256 MiB; 1 GiB of device memory at 64 GiB
    name: 'arm64-64k',
    preset: 'arm64-64k',
    ram: { banks: [{ start: 0x4000, count: 0x1000 }], kernel: { start: 0x4010, count: 0x100 }, rootPt: 0x4110 },
    devices: [{ start: 0x100000, count: 0x4000 }],
    cpus: { possible: [0, 1, 2, 3], online: [0, 1] },
    lazyUnitBytes: 4 * MiB,
    windows: [
      // inside the (unsimulated) linear map region, away from vmalloc and vmemmap
      { start: '0xffff700000000000', end: '0xffff700080000000' },
      { start: '0xffffffffc0000000', end: '0x10000000000000000' },
    ],
  },
  {
    // a typical ARM board: 256 MiB at 0x80000000, kernel at 0x80008000, 16 MiB of device at 0x40000000
    name: 'arm32',
    preset: 'arm32',
    ram: { banks: [{ start: 0x80000, count: 0x10000 }], kernel: { start: 0x80008, count: 0x800 }, rootPt: 0x80004 },
    devices: [{ start: 0x40000, count: 0x1000 }],
    cpus: { possible: [0, 1, 2, 3], online: [0, 1, 2, 3] },
    lazyUnitBytes: 1 * MiB,
    windows: [
      // inside the lowmem image (the direct map itself is not simulated here), and above VMALLOC_END
      { start: '0xc8000000', end: '0xd0000000' },
      { start: '0xffe00000', end: '0x100000000' },
    ],
  },
  {
    // examples.md E5: two banks with a 96 MiB hole between them; vmalloc=240M. Both banks are
    // lowmem (vmalloc_limit 0xf0000000), high_memory = 0xd0000000, VMALLOC_START = 0xd0800000; the
    // hole's image [0xc8000000, 0xce000000) is 2 MiB aligned, so it is an extra vmalloc range — the
    // lowest one, tried first by every vmalloc-space allocation (vmap.md §5; blocks and
    // vm_map_ram stay in the main range)
    name: 'arm32-holes',
    preset: 'arm32',
    ram: {
      banks: [
        { start: 0x80000, count: 0x8000 },
        { start: 0x8e000, count: 0x2000 },
      ],
      kernel: { start: 0x80008, count: 0x800 },
      rootPt: 0x80004,
    },
    devices: [{ start: 0x40000, count: 0x1000 }],
    cpus: { possible: [0, 1, 2, 3], online: [0, 2] },
    lazyUnitBytes: 1 * MiB,
    vmallocBytes: 240 * MiB,
    windows: [
      // lowmem right below the hole range (a mapping can end at its first byte), and above VMALLOC_END
      { start: '0xc4000000', end: '0xc8000000' },
      { start: '0xffe00000', end: '0x100000000' },
    ],
  },
  {
    // toy: 3 MiB of RAM so allocations and table pages run out within short traces
    name: 'toy24',
    preset: 'toy24',
    ram: { banks: [{ start: 0x100, count: 0x300 }], kernel: { start: 0x100, count: 0x20 }, rootPt: 0x120 },
    devices: [{ start: 0x1000, count: 0x400 }],
    cpus: { possible: [0, 1, 3], online: [0, 1, 3] },
    lazyUnitBytes: 16 * 1024,
    windows: [
      { start: '0x400000', end: '0x800000' },
      { start: '0xf00000', end: '0x1000000' },
    ],
  },
  {
    name: 'toy24-eager',
    preset: 'toy24',
    ram: { banks: [{ start: 0x100, count: 0x300 }], kernel: { start: 0x100, count: 0x20 }, rootPt: 0x120 },
    devices: [{ start: 0x1000, count: 0x400 }],
    cpus: { possible: [0, 1], online: [0, 1] },
    lazyUnitBytes: 0,
    windows: [{ start: '0xf00000', end: '0x1000000' }],
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
    ram: x86Ram,
    devices: x86Devices,
    cpus: { possible: [0, 1, 2, 3], online: [0, 1, 3] },
    lazyUnitBytes: 64 * 1024,
    windows: [{ start: '0xffffe90000000000', end: '0xffffe90080000000' }],
    vmemmapFallback: true,
  },
];

export function configByName(name: string): MachineConfig {
  const all = [...CONFIGS, ...EXTRA_CONFIGS];
  const c = all.find((x) => x.name === name);
  if (!c) throw new Error(`unknown configuration '${name}' (known: ${all.map((x) => x.name).join(', ')})`);
  return c;
}
