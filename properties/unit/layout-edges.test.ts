// Unit tests: layout edges the generated layouts reach rarely (found by mutation testing,
// issue 8): a bank whose image starts exactly at vmalloc_limit, no-map carve-outs listed in
// any order, meeting a bank edge or empty, an arm32 configuration without RAM,
// is_vmalloc_addr above the 32-bit space, the bitmap's refusal of ranges it cannot represent
// (or of none at all), and vmallocRanges. Both sides where both have the function (src/layout,
// model/layout); expectations by hand from layout.md §2-§3.
// arm32: PAGE_OFFSET 0xc0000000, VMALLOC_END 0xff800000, VMALLOC_OFFSET 8 MiB, holes rounded
// inward to 2 MiB; with vmalloc= 240 MiB, vmalloc_limit = 0xff800000 - 240 MiB - 8 MiB = 0xf0000000.
import { describe, expect, it } from 'vitest';
import type { MachineConfig, PfnRange } from '../../api/index.js';
import { PRESETS } from '../../api/index.js';
import type { KernelLayout } from '../../api/layout.js';
import { modelLayout } from '../../model/layout.js';
import { arm32Layout, kernelLayout, makeIsVmallocAddr, VmallocAddrMap, vmallocRanges } from '../../src/layout/index.js';

const MiB = 2 ** 20;
/** a bank / no-map range from byte addresses (4 KiB pfns) */
const R = (start: number, end: number): PfnRange => ({ start: start / 4096, count: (end - start) / 4096 });

function arm32(banks: PfnRange[], noMap?: PfnRange[]): MachineConfig {
  const first = banks[0] ?? { start: 0x80000, count: 0 };
  return {
    name: 'arm32-edges',
    preset: 'arm32',
    ram: { banks, kernel: { start: first.start + 8, count: 16 }, rootPt: first.start + 4, ...(noMap ? { noMap } : {}) },
    devices: [],
    cpus: { possible: [0], online: [0] },
    lazyUnitBytes: MiB,
    windows: [],
    vmallocBytes: 240 * MiB,
  };
}

const sides: [string, (c: MachineConfig) => KernelLayout][] = [
  ['src', kernelLayout],
  ['model', modelLayout],
];
const ranges = (l: KernelLayout): [number, number][] => l.vmallocRanges.map((r) => [Number(r.start), Number(r.end)]);
/** E5 (examples.md): lowmem [0xc0000000, 0xc8000000) and [0xce000000, 0xd0000000), the hole between them vmalloc */
const E5 = arm32([R(0x80000000, 0x88000000), R(0x8e000000, 0x90000000)]);

describe.each(sides)('arm32 layout edges (%s)', (_side, layoutOf) => {
  // tries: bank 1 [0x80000000, 0x90000000) → image [0xc0000000, 0xd0000000); bank 2 at
  // 0xb0000000 → image 0xf0000000 = vmalloc_limit exactly
  // expects: bank 2 is highmem (adjust_lowmem_bounds: a bank at or above the limit is not
  // lowmem): high_memory 0xd0000000, VMALLOC_START 0xd0800000, no hole before bank 2
  it('a bank whose image starts exactly at vmalloc_limit is highmem', () => {
    const l = layoutOf(arm32([R(0x80000000, 0x90000000), R(0xb0000000, 0xb1000000)]));
    expect(l.highMemory).toBe(0xd0000000n);
    expect(l.vmallocStart).toBe(0xd0800000n);
    expect(ranges(l)).toEqual([[0xd0800000, 0xff800000]]);
  });

  // tries: one bank [0x80000000, 0x90000000) with two granule-aligned no-map carve-outs,
  // listed high one first: [0x86000000, 0x86200000) and [0x82000000, 0x82400000)
  //   |LL..LLLL VV LLLLLLLL V LLLLLLLL...| (images 0xc2000000 + 4 MiB and 0xc6000000 + 2 MiB)
  // expects: both carve-outs are vmalloc ranges, ascending, whatever order they were named in
  it('no-map carve-outs listed in descending order give the same two hole ranges', () => {
    const bank = [R(0x80000000, 0x90000000)];
    const want = [
      [0xc2000000, 0xc2400000],
      [0xc6000000, 0xc6200000],
      [0xd0800000, 0xff800000],
    ];
    expect(ranges(layoutOf(arm32(bank, [R(0x86000000, 0x86200000), R(0x82000000, 0x82400000)])))).toEqual(want);
    expect(ranges(layoutOf(arm32(bank, [R(0x82000000, 0x82400000), R(0x86000000, 0x86200000)])))).toEqual(want);
  });
});

describe('arm32 layout: src only', () => {
  it('an arm32 configuration without RAM is refused, naming the configuration', () => {
    expect(() => kernelLayout(arm32([]))).toThrow('arm32-edges: arm32 layout needs at least one RAM bank');
  });

  // tries: E5's banks with a carve-out at the very end of bank 1, [0x87e00000, 0x88000000), and
  // one at the very start of bank 2, [0x8e000000, 0x8e200000)
  //   |LLLL...LLLL n| hole |n LLLL| (images: bank 1 0xc0000000.., bank 2 0xce000000..)
  // expects: usable lowmem is exactly the two bank images minus the carve-outs — no empty span
  // where a carve-out meets a bank edge (Arm32Layout.usable: images of usable lowmem); the
  // carve-outs merge with the gap into one hole [0xc7e00000, 0xce200000)
  it('carve-outs at a bank edge leave exactly the usable spans, no empty ones', () => {
    const a = arm32Layout(arm32([R(0x80000000, 0x88000000), R(0x8e000000, 0x90000000)], [R(0x87e00000, 0x88000000), R(0x8e000000, 0x8e200000)]), PRESETS.arm32);
    expect(a.usable).toEqual([
      { start: 0xc0000000, end: 0xc7e00000 },
      { start: 0xce200000, end: 0xd0000000 },
    ]);
    expect(a.holeRanges).toEqual([{ start: 0xc7e00000, end: 0xce200000 }]);
    expect([a.highMemory, a.vmallocStart]).toEqual([0xd0000000, 0xd0800000]);
  });

  // tries: one bank [0x80000000, 0x90000000) with an empty no-map carve-out (count 0) at
  // 0x84000000 (memblock_mark_nomap of 0 bytes marks nothing)
  // expects: usable lowmem is the whole bank image as one span, no hole
  it('an empty no-map carve-out changes nothing: one usable span, no hole', () => {
    const a = arm32Layout(arm32([R(0x80000000, 0x90000000)], [{ start: 0x84000, count: 0 }]), PRESETS.arm32);
    expect(a.usable).toEqual([{ start: 0xc0000000, end: 0xd0000000 }]);
    expect(a.holeRanges).toEqual([]);
  });

  it('vmallocRanges lists the hole ranges, then the main range, ascending (E5)', () => {
    expect(vmallocRanges(E5).map((r) => [Number(r.start), Number(r.end)])).toEqual([
      [0xc8000000, 0xce000000],
      [0xd0800000, 0xff800000],
    ]);
  });
});

describe('is_vmalloc_addr (src bitmap) outside the 32-bit space and on ranges it cannot represent', () => {
  it('no address at or above 2^32 is a vmalloc address, not even one whose low 32 bits are', () => {
    const isVm = makeIsVmallocAddr(E5);
    expect(isVm(0xc8000000n)).toBe(true);
    expect(isVm(0xd0800000n)).toBe(true);
    for (const a of [2n ** 32n, 2n ** 32n + 0xc8000000n, 2n ** 32n + 0xd0800000n, 2n ** 33n + 0xd0800000n]) expect(isVm(a), `0x${a.toString(16)}`).toBe(false);
  });

  it('the bitmap refuses a vmalloc range off the 2 MiB granule or below PAGE_OFFSET', () => {
    const l = kernelLayout(E5);
    const main = l.vmallocRanges[l.vmallocRanges.length - 1]!;
    const withHole = (start: bigint, end: bigint): KernelLayout => ({ ...l, vmallocRanges: [{ start, end }, main] });
    expect(() => new VmallocAddrMap(E5, withHole(0xc8000000n, 0xce000000n))).not.toThrow();
    for (const [s, e] of [
      [0xc8100000n, 0xce000000n],
      [0xc8000000n, 0xce100000n],
      [0xbfe00000n, 0xc0200000n],
    ] as const) {
      expect(() => new VmallocAddrMap(E5, withHole(s, e)), `[0x${s.toString(16)}, 0x${e.toString(16)})`).toThrow('is not granule aligned above PAGE_OFFSET');
    }
  });

  it('the bitmap refuses a layout without any vmalloc range, naming the configuration', () => {
    const l = kernelLayout(E5);
    expect(() => new VmallocAddrMap(E5, { ...l, vmallocRanges: [] })).toThrow('arm32-edges: no vmalloc range');
  });
});
