// Unit tests: is_vmalloc_addr on the fixed presets, and the invariant is-vmalloc-addr-correct
// reporting broken bitmaps built by hand (checking.md §4: an invariant that never failed is untested).
import { describe, it, expect } from 'vitest';
import type { Addr, MachineConfig } from '../../api/index.js';
import { PRESETS } from '../../api/index.js';
import type { KernelLayout } from '../../api/layout.js';
import { kernelLayout, makeIsVmallocAddr, VmallocAddrMap } from '../../src/layout/index.js';
import { isVmallocAddrCorrect, layoutProbes, modelLayout } from '../../model/layout.js';
import { CONFIGS, configByName } from '../configs.js';

const MiB = 2 ** 20;

describe('is_vmalloc_addr on the fixed presets is VMALLOC_START <= a < VMALLOC_END', () => {
  const cases: [string, Addr, Addr][] = [
    ['x86_64', 0xffffc90000000000n, 0xffffe90000000000n],
    ['x86_64-la57', 0xffa0000000000000n, 0xffd2000000000000n],
    ['arm64-64k', 0xffff800080000000n, 0xffffffdfbf800000n],
    ['toy24', 0x800000n, 0xe00000n],
  ];
  it.each(cases)('%s', (name, start, end) => {
    const isVm = makeIsVmallocAddr(configByName(name));
    const top = 1n << BigInt(PRESETS[configByName(name).preset].bitsPerLong);
    expect([start - 1n, start, end - 1n, end, 0n, top - 1n].map(isVm)).toEqual([false, true, true, false, false, false]);
  });

  it('x86_64 regions: direct map, vmalloc and vmemmap at the mm.rst addresses, the rest other', () => {
    const l = kernelLayout(configByName('x86_64'));
    expect(l.regions.map((r) => [r.label, r.start, r.end])).toEqual([
      ['other', 0n, 0xffff888000000000n],
      ['lowmem', 0xffff888000000000n, 0xffffc88000000000n],
      ['other', 0xffffc88000000000n, 0xffffc90000000000n],
      ['vmalloc', 0xffffc90000000000n, 0xffffe90000000000n],
      ['other', 0xffffe90000000000n, 0xffffea0000000000n],
      ['vmemmap', 0xffffea0000000000n, 0xffffeb0000000000n],
      ['other', 0xffffeb0000000000n, 1n << 64n],
    ]);
    // 64 MiB of RAM from pfn 0: high_memory = PAGE_OFFSET + 64 MiB
    expect(l.highMemory).toBe(0xffff888000000000n + 64n * 2n ** 20n);
  });

  it('arm64-64k: high_memory counts from memstart_addr (RAM at 1 GiB, 512 MiB aligned)', () => {
    // RAM [1 GiB, 1 GiB + 256 MiB); memstart = 1 GiB; high_memory = PAGE_OFFSET + 256 MiB
    expect(kernelLayout(configByName('arm64-64k')).highMemory).toBe(0xffff000000000000n + 256n * 2n ** 20n);
  });

  it.each(CONFIGS.map((c) => [c.name, c] as const))('%s: src and model layouts are equal', (_n, c) => {
    expect(kernelLayout(c)).toEqual(modelLayout(c));
  });
});

// E5 (examples.md): holes [0xc8000000, 0xce000000), main [0xd0800000, 0xff800000).
const e5: MachineConfig = {
  name: 'E5',
  preset: 'arm32',
  ram: {
    banks: [
      { start: 0x80000, count: 0x8000 },
      { start: 0x8e000, count: 0x2000 },
    ],
    kernel: { start: 0x80008, count: 0x100 },
    rootPt: 0x80004,
  },
  devices: [],
  cpus: { possible: [0], online: [0] },
  lazyUnitBytes: MiB,
  windows: [],
  vmallocBytes: 240 * MiB,
};

describe('invariant is-vmalloc-addr-correct', () => {
  const model = modelLayout(e5);
  const probes = layoutProbes(model, 32);

  it('holds for the optimized bitmap on E5', () => {
    expect(isVmallocAddrCorrect(model, 32, probes, makeIsVmallocAddr(e5))).toBeNull();
  });

  it('reports a bitmap built from a hole shifted up by one granule at the first byte of the hole', () => {
    // tries: the real VmallocAddrMap, fed a layout whose hole range is off by one 2 MiB granule
    // picture: correct |L..L|VVV|LL|   broken |L..L|.VVV|L|   (hole [0xca000000, 0xd0000000))
    // expects: 0xc8000000 (first byte of the hole range) is vmalloc in the model, not in the bitmap
    const broken: KernelLayout = {
      ...model,
      vmallocRanges: [{ start: 0xca000000n, end: 0xd0000000n }, model.vmallocRanges[1]!],
    };
    const impl = new VmallocAddrMap(e5, broken);
    expect(isVmallocAddrCorrect(model, 32, probes, (a) => impl.isVmallocAddr(a))).toBe('is_vmalloc_addr(0xc8000000): model=true impl=false');
  });

  it('reports an off-by-one granule index at the last lowmem byte before the hole', () => {
    // tries: a hand-written bitmap lookup that reads bit (granule + 1)
    // expects: 0xc7ffffff (lowmem, granule 0x3f) reads bit 0x40 (the hole) and answers true
    const bits = new Uint8Array(512);
    for (const r of model.vmallocRanges) for (let a = r.start; a < r.end; a += 2n * 1024n * 1024n) bits[Number((a - 0xc0000000n) >> 21n)] = 1;
    const offByOne = (a: Addr): boolean => {
      if (a >= 0xd0800000n && a < 0xff800000n) return true;
      if (a < 0xc0000000n) return false;
      return bits[Number((a - 0xc0000000n) >> 21n) + 1] === 1;
    };
    expect(isVmallocAddrCorrect(model, 32, probes, offByOne)).toBe('is_vmalloc_addr(0xc7ffffff): model=false impl=true');
  });

  it('reports a missing fast path end check at VMALLOC_END', () => {
    // expects: 0xff800000 is the first byte past the main range; a `<=` answers true there
    const leaky = (a: Addr): boolean => (a >= 0xd0800000n && a <= 0xff800000n) || (a >= 0xc8000000n && a < 0xce000000n);
    expect(isVmallocAddrCorrect(model, 32, probes, leaky)).toBe('is_vmalloc_addr(0xff800000): model=false impl=true');
  });

  it('the probes hold every region edge and its neighbours, 0 and 0xffffffff', () => {
    for (const a of [0n, 0xbfffffffn, 0xc0000000n, 0xc7ffffffn, 0xc8000000n, 0xc8000001n, 0xcdffffffn, 0xce000000n, 0xd07fffffn, 0xff7fffffn, 0xff800000n, 0xffffffffn]) {
      expect(probes).toContain(a);
    }
  });
});
