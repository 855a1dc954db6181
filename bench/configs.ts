// bench: the bench-only machine configurations (data, like properties/configs.ts).
//
// The x86_64 preset with the kernel's own numbers (4 KiB pages, 4-level tables, a 32 TiB
// vmalloc range, VMAP_BBMAP_BITS = 1024) and 1 GiB of RAM instead of the test configurations'
// 64 MiB, so that populations of vmalloc'd areas with their data pages fit. Possible CPUs
// 0..7; the online prefix varies per workload.
import type { MachineConfig } from '../api/index.js';

const MiB = 1 << 20;

/** the kernel's lazy_max_pages() unit: 32 MiB (vmap.md §3) */
export const KERNEL_LAZY_UNIT = 32 * MiB;

export function benchConfig(opts: { readonly online: number; readonly lazyUnitBytes: number }): MachineConfig {
  const possible = [0, 1, 2, 3, 4, 5, 6, 7];
  if (opts.online < 1 || opts.online > possible.length) throw new Error(`bench: ${opts.online} online CPUs`);
  return {
    name: `bench-x86_64-${opts.online}cpu-${opts.lazyUnitBytes === 0 ? 'eager' : `lazy${opts.lazyUnitBytes / MiB}M`}`,
    preset: 'x86_64',
    // 1 GiB of RAM from pfn 0 (first 1 MiB reserved by the preset), an 8 MiB kernel at 16 MiB
    ram: { banks: [{ start: 0x0, count: 0x40000 }], kernel: { start: 0x1000, count: 0x800 }, rootPt: 0x1400 },
    devices: [{ start: 0x100000, count: 0x80000 }],
    cpus: { possible, online: possible.slice(0, opts.online) },
    lazyUnitBytes: opts.lazyUnitBytes,
    windows: [{ start: '0xffffe90000000000', end: '0xffffe90080000000' }],
  };
}
