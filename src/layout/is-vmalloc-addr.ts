// src: is_vmalloc_addr (layout.md §3), the optimized form.
// 64-bit and toy presets: the kernel's range check VMALLOC_START <= a < VMALLOC_END.
// arm32 with intermixed holes: the main-range check as fast path, then one bit per 2 MiB granule
// of [PAGE_OFFSET, 2^32) — the form the intermix reviewers asked for, since is_vmalloc_addr sits
// on hot paths. The bitmap is exact at every byte because every arm32 vmalloc range starts and
// ends on a granule boundary (VMALLOC_START is 8 MiB aligned, VMALLOC_END and the hole ranges
// 2 MiB aligned); the constructor refuses a range that is not.
import type { Addr, MachineConfig } from '../../api/index.js';
import { PRESETS } from '../../api/index.js';
import type { KernelLayout } from '../../api/layout.js';
import { ARM32_HOLE_GRANULE } from '../../api/layout.js';
import { kernelLayout } from './layout.js';

const GRANULE_SHIFT = 21;

export class VmallocAddrMap {
  private readonly mainStart: Addr;
  private readonly mainEnd: Addr;
  /** arm32: one bit per granule above PAGE_OFFSET; null on presets with one vmalloc range */
  private readonly bits: Uint32Array | null;
  private readonly base: number;
  private readonly top: number;

  constructor(config: MachineConfig, layout: KernelLayout = kernelLayout(config)) {
    const preset = PRESETS[config.preset];
    const main = layout.vmallocRanges[layout.vmallocRanges.length - 1];
    if (!main) throw new Error(`${config.name}: no vmalloc range`);
    this.mainStart = main.start;
    this.mainEnd = main.end;
    this.base = Number(preset.pageOffset);
    this.top = 2 ** preset.bitsPerLong;
    if (config.preset !== 'arm32') {
      this.bits = null;
      return;
    }
    const granules = (this.top - this.base) / 2 ** GRANULE_SHIFT;
    this.bits = new Uint32Array(Math.ceil(granules / 32));
    for (const r of layout.vmallocRanges) {
      if (r.start % ARM32_HOLE_GRANULE !== 0n || r.end % ARM32_HOLE_GRANULE !== 0n || r.start < preset.pageOffset) {
        throw new Error(`vmalloc range [0x${r.start.toString(16)}, 0x${r.end.toString(16)}) is not granule aligned above PAGE_OFFSET`);
      }
      const last = this.granule(Number(r.end));
      for (let g = this.granule(Number(r.start)); g < last; g++) this.bits[g >>> 5]! |= 1 << (g & 31);
    }
  }

  private granule(a: number): number {
    return (a - this.base) >>> GRANULE_SHIFT;
  }

  /** is_vmalloc_addr(a) */
  isVmallocAddr(a: Addr): boolean {
    if (a >= this.mainStart && a < this.mainEnd) return true; // fast path: the main range
    const bits = this.bits;
    if (bits === null) return false;
    if (a >= BigInt(this.top)) return false;
    const n = Number(a);
    if (n < this.base) return false;
    const g = this.granule(n);
    return (bits[g >>> 5]! & (1 << (g & 31))) !== 0;
  }
}

/** is_vmalloc_addr for one configuration, as a plain function (the Kernel facade's isVmallocAddr). */
export function makeIsVmallocAddr(config: MachineConfig): (a: Addr) => boolean {
  const m = new VmallocAddrMap(config);
  return (a) => m.isVmallocAddr(a);
}
