// Unit tests: arm32 layouts with lowmem and vmalloc intermixed (layout.md §2, examples.md E5).
// Expectations are worked out by hand from the rules, for both sides: src/layout (optimized)
// and model/layout (reference). Strips: L lowmem, V vmalloc, . other; one char per 2 MiB unless said.
import { describe, it, expect } from 'vitest';
import type { MachineConfig, PfnRange } from '../../api/index.js';
import type { KernelLayout } from '../../api/layout.js';
import { kernelLayout, makeIsVmallocAddr } from '../../src/layout/index.js';
import { modelIsVmallocAddr, modelLayout } from '../../model/layout.js';

const MiB = 2 ** 20;
/** a bank / no-map range from byte addresses (4 KiB pfns) */
const R = (start: number, end: number): PfnRange => ({ start: start / 4096, count: (end - start) / 4096 });

function arm32(banks: PfnRange[], opts: { noMap?: PfnRange[]; vmallocBytes?: number } = {}): MachineConfig {
  const first = banks[0]!;
  return {
    name: 'arm32-unit',
    preset: 'arm32',
    ram: { banks, kernel: { start: first.start + 8, count: 16 }, rootPt: first.start + 4, ...(opts.noMap ? { noMap: opts.noMap } : {}) },
    devices: [],
    cpus: { possible: [0], online: [0] },
    lazyUnitBytes: MiB,
    windows: [],
    ...(opts.vmallocBytes !== undefined ? { vmallocBytes: opts.vmallocBytes } : {}),
  };
}

const sides: [string, (c: MachineConfig) => KernelLayout][] = [
  ['src', kernelLayout],
  ['model', modelLayout],
];
const ranges = (l: KernelLayout): [number, number][] => l.vmallocRanges.map((r) => [Number(r.start), Number(r.end)]);
const regions = (l: KernelLayout): [string, number, number][] => l.regions.map((r) => [r.label, Number(r.start), Number(r.end)]);

describe.each(sides)('arm32 layout (%s)', (_side, layoutOf) => {
  // E5. |LLLL...(128 MiB)|VVV(96 MiB hole)|LL(32 MiB)|.(8 MiB)|VVVV...(main)|.(8 MiB)|
  const e5 = arm32([R(0x80000000, 0x88000000), R(0x8e000000, 0x90000000)], { vmallocBytes: 240 * MiB });

  it('E5: a 2 MiB aligned hole between two lowmem banks becomes a vmalloc range', () => {
    const l = layoutOf(e5);
    expect(l.highMemory).toBe(0xd0000000n);
    expect(l.vmallocStart).toBe(0xd0800000n);
    expect(ranges(l)).toEqual([
      [0xc8000000, 0xce000000],
      [0xd0800000, 0xff800000],
    ]);
    expect(regions(l)).toEqual([
      ['other', 0, 0xc0000000],
      ['lowmem', 0xc0000000, 0xc8000000],
      ['vmalloc', 0xc8000000, 0xce000000],
      ['lowmem', 0xce000000, 0xd0000000],
      ['other', 0xd0000000, 0xd0800000],
      ['vmalloc', 0xd0800000, 0xff800000],
      ['other', 0xff800000, 2 ** 32],
    ]);
  });

  it('the default vmalloc= is 240 MiB (E5 without vmalloc= gives the same layout)', () => {
    const e5Default = arm32([R(0x80000000, 0x88000000), R(0x8e000000, 0x90000000)]);
    expect(layoutOf(e5Default)).toEqual(layoutOf(e5));
  });

  it('a hole off the granule edges is rounded inward; the edge slivers are neither lowmem nor vmalloc', () => {
    // hole phys [0x88100000, 0x8df00000) -> virt [0xc8100000, 0xcdf00000) -> [0xc8200000, 0xcde00000)
    const l = layoutOf(arm32([R(0x80000000, 0x88100000), R(0x8df00000, 0x90000000)]));
    expect(ranges(l)[0]).toEqual([0xc8200000, 0xcde00000]);
    expect(regions(l).slice(1, 6)).toEqual([
      ['lowmem', 0xc0000000, 0xc8100000],
      ['other', 0xc8100000, 0xc8200000],
      ['vmalloc', 0xc8200000, 0xcde00000],
      ['other', 0xcde00000, 0xcdf00000],
      ['lowmem', 0xcdf00000, 0xd0000000],
    ]);
  });

  it('a hole that holds no whole granule adds no vmalloc range', () => {
    // hole virt [0xc0300000, 0xc0400000): rounded inward it is empty
    const l = layoutOf(arm32([R(0x80000000, 0x80300000), R(0x80400000, 0x90000000)]));
    expect(ranges(l)).toEqual([[0xd0800000, 0xff800000]]);
    expect(regions(l)[2]).toEqual(['other', 0xc0300000, 0xc0400000]);
  });

  it('rounding is of the virtual image: PHYS_OFFSET need not be granule aligned', () => {
    // PHYS_OFFSET = 0x80100000; hole phys [0x88100000, 0x8a100000) -> virt [0xc8000000, 0xca000000)
    const l = layoutOf(arm32([R(0x80100000, 0x88100000), R(0x8a100000, 0x90100000)]));
    expect(ranges(l)).toEqual([
      [0xc8000000, 0xca000000],
      [0xd0800000, 0xff800000],
    ]);
  });

  it('a no-map carve-out inside a lowmem bank becomes a vmalloc range', () => {
    const l = layoutOf(arm32([R(0x80000000, 0x90000000)], { noMap: [R(0x84000000, 0x84400000)] }));
    expect(ranges(l)[0]).toEqual([0xc4000000, 0xc4400000]);
    expect(l.highMemory).toBe(0xd0000000n);
  });

  it('a no-map range touching a gap is one hole: [0xc7f00000, 0xc8300000) rounds inward to one granule', () => {
    // separately, neither the no-map image [0xc7f00000, 0xc8100000) nor the gap [0xc8100000, 0xc8300000)
    // holds a whole granule; together (one unusable stretch, as memblock sees it) they hold 0xc8000000
    const l = layoutOf(arm32([R(0x80000000, 0x88100000), R(0x88300000, 0x90000000)], { noMap: [R(0x87f00000, 0x88100000)] }));
    expect(ranges(l)[0]).toEqual([0xc8000000, 0xc8200000]);
  });

  it('vmalloc= below 16 MiB is raised to 16 MiB: vmalloc_limit = 0xfe000000', () => {
    // 1 GiB of RAM would reach 0x100000000; lowmem stops at vmalloc_limit
    const l = layoutOf(arm32([R(0x80000000, 0xc0000000)], { vmallocBytes: MiB }));
    expect(l.highMemory).toBe(0xfe000000n);
    expect(l.vmallocStart).toBe(0xfe800000n);
  });

  it('vmalloc= above VMALLOC_END - (PAGE_OFFSET + 40 MiB) is lowered to 976 MiB: 32 MiB of lowmem', () => {
    const l = layoutOf(arm32([R(0x80000000, 0xc0000000)], { vmallocBytes: 2048 * MiB }));
    expect(l.highMemory).toBe(0xc2000000n);
    expect(l.vmallocStart).toBe(0xc2800000n);
  });

  it('a bank that starts at or above vmalloc_limit is highmem: the gap before it is no hole', () => {
    // vmalloc_limit = 0xf0000000; bank 2's image would start at 0x100000000
    const l = layoutOf(arm32([R(0x80000000, 0xa0000000), R(0xc0000000, 0xd0000000)]));
    expect(l.highMemory).toBe(0xe0000000n);
    expect(ranges(l)).toEqual([[0xe0800000, 0xff800000]]);
  });

  it('a bank straddling vmalloc_limit is lowmem up to the limit; the gap before it is a hole', () => {
    const l = layoutOf(arm32([R(0x80000000, 0x90000000), R(0xa0000000, 0xc0000000)]));
    expect(l.highMemory).toBe(0xf0000000n);
    expect(ranges(l)).toEqual([
      [0xd0000000, 0xe0000000],
      [0xf0800000, 0xff800000],
    ]);
  });

  it('an unaligned high_memory still gives an 8 MiB aligned VMALLOC_START', () => {
    // RAM [0x80000000, 0x80001000 + 100 MiB): high_memory = 0xc6401000 -> (+8 MiB) & ~(8 MiB - 1) = 0xc6800000
    const l = layoutOf(arm32([R(0x80000000, 0x86401000)]));
    expect(l.highMemory).toBe(0xc6401000n);
    expect(l.vmallocStart).toBe(0xc6800000n);
  });
});

describe('E5 is_vmalloc_addr (examples.md)', () => {
  const e5 = arm32([R(0x80000000, 0x88000000), R(0x8e000000, 0x90000000)], { vmallocBytes: 240 * MiB });
  const table: [number, boolean, string][] = [
    [0xc7ffffff, false, 'lowmem'],
    [0xc8000000, true, 'hole range'],
    [0xcdffffff, true, 'hole range'],
    [0xce000000, false, 'lowmem'],
    [0xd07fffff, false, 'the 8 MiB gap'],
    [0xd0800000, true, 'main range'],
    [0xff7fffff, true, 'main range'],
    [0xff800000, false, 'above VMALLOC_END'],
    [0xbfffffff, false, 'below PAGE_OFFSET'],
    [0x0, false, 'zero'],
    [0xffffffff, false, 'the top byte'],
  ];
  const src = makeIsVmallocAddr(e5);
  const model = modelLayout(e5);
  it.each(table)('is_vmalloc_addr(%#x) is %s (%s) on both sides', (a, want) => {
    expect(src(BigInt(a))).toBe(want);
    expect(modelIsVmallocAddr(model, BigInt(a))).toBe(want);
  });
});
