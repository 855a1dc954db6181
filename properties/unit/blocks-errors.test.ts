// Unit: bad input to vm_map_ram / vm_unmap_ram (vmap-blocks.md §3, §5; checking.md §3) is a typed
// error that leaves the state exactly unchanged, on both sides (src/ and the model).
// Error order for vm_unmap_ram: EINVAL unaligned / outside [VMALLOC_START, VMALLOC_END) / count < 1;
// EINVAL when a live mapping of another kind, or one not starting at addr (a sub-allocation counts
// at its rounded 2^order pages, as a guard page does for vfree), contains it, or the count differs;
// ENOENT when no live mapping contains it (free space, a lazy area, a block's dirty or unused pages).
import { describe, it, expect } from 'vitest';
import type { Addr, Call, MachineConfig, Result, SutFactory, SystemUnderTest } from '../../api/index.js';
import { createKernel } from '../../src/index.js';
import { createModel } from '../../model/index.js';
import { configByName } from '../configs.js';

const SIDES: readonly [string, SutFactory][] = [
  ['impl', createKernel],
  ['model', createModel],
];
const LAZY: MachineConfig = { ...configByName('toy24'), name: 'toy24-lazy512', lazyUnitBytes: 1 << 20 };
const addr = (a: Addr): Result => ({ ok: true, value: { kind: 'addr', addr: a } });

/** Run c and expect `e` with the state unchanged but for the step counter. */
function rejects(k: SystemUnderTest, c: Call, e: 'EINVAL' | 'ENOENT'): void {
  const before = { ...k.state(), step: 0 };
  expect(k.call(c)).toEqual({ ok: false, err: e });
  expect({ ...k.state(), step: 0 }).toEqual(before);
}

describe.each(SIDES)('vm_unmap_ram / vm_map_ram bad input (%s)', (_side, boot) => {
  // setup (toy24, lazy threshold 512):
  //   0x800000 |LLLLLLLLL|VG|.....|0x820000 |AAA.|d|.......................| 0x840000
  //   L: 9-page vm_map_ram (large), V: vmalloc(4096) + guard G at 0x809000 (the lowest fit),
  //   A: vm_map_ram(3) = 4 pages of block 0x820000, d: a one-page mapping already unmapped
  function setup(): SystemUnderTest {
    const k = boot(LAZY);
    expect(k.call({ call: 'vm_map_ram', pages: 9, cpu: 0 })).toEqual(addr(0x800000n));
    expect(k.call({ call: 'vm_map_ram', pages: 3, cpu: 0 })).toEqual(addr(0x820000n));
    expect(k.call({ call: 'vm_map_ram', pages: 1, cpu: 0 })).toEqual(addr(0x824000n));
    expect(k.call({ call: 'vm_unmap_ram', addr: 0x824000n, count: 1 }).ok).toBe(true);
    expect(k.call({ call: 'vmalloc', bytes: 4096n })).toEqual(addr(0x809000n));
    return k;
  }
  const un = (a: Addr, count: number): Call => ({ call: 'vm_unmap_ram', addr: a, count });

  it.each([
    ['an unaligned address', 0x820001n, 3],
    ['an address below VMALLOC_START', 0x7ff000n, 1],
    ['VMALLOC_END itself', 0xe00000n, 1],
    ['a zero count', 0x820000n, 0],
    ['a count smaller than the mapping', 0x820000n, 2],
    ['the rounded size instead of the count', 0x820000n, 4],
    ['an interior page of a small mapping', 0x821000n, 1],
    ['the unused rounded-up page of a small mapping', 0x823000n, 1],
    ['a wrong count for a large mapping', 0x800000n, 8],
    ['an interior page of a large mapping', 0x801000n, 8],
    ['a vmalloc area', 0x809000n, 1],
    ["a vmalloc area's guard page", 0x80a000n, 1],
  ] as const)('vm_unmap_ram of %s is EINVAL, state unchanged', (_what, a, count) => {
    rejects(setup(), un(a, count), 'EINVAL');
  });

  it.each([
    ['a page already unmapped (dirty)', 0x824000n, 1],
    ['a page of a block never handed out', 0x825000n, 1],
    ['free space', 0xd00000n, 1],
  ] as const)('vm_unmap_ram of %s is ENOENT, state unchanged', (_what, a, count) => {
    rejects(setup(), un(a, count), 'ENOENT');
  });

  it('vm_unmap_ram twice: the second is ENOENT (small: dirty pages; large: a lazy area)', () => {
    const k = setup();
    expect(k.call(un(0x820000n, 3)).ok).toBe(true);
    rejects(k, un(0x820000n, 3), 'ENOENT');
    expect(k.call(un(0x800000n, 9)).ok).toBe(true);
    rejects(k, un(0x800000n, 9), 'ENOENT');
  });

  it('vfree and vunmap of a vm_map_ram address (a block or a large mapping) are EINVAL', () => {
    const k = setup();
    rejects(k, { call: 'vfree', addr: 0x820000n }, 'EINVAL');
    rejects(k, { call: 'vfree', addr: 0x800000n }, 'EINVAL');
    rejects(k, { call: 'vunmap', addr: 0x820000n }, 'EINVAL');
  });

  // toy24: possible CPUs {0, 1, 3}, all online
  it.each([
    ['a zero count', 0, 0],
    ['a negative count', -1, 0],
    ['a fractional count', 1.5, 0],
    ['an impossible CPU in a gap of the possible set', 1, 2],
    ['a CPU beyond NR_CPUS', 1, 4],
  ] as const)('vm_map_ram with %s is EINVAL, state unchanged', (_what, pages, cpu) => {
    rejects(setup(), { call: 'vm_map_ram', pages, cpu }, 'EINVAL');
  });

  // toy24 has 0x300 - 0x21 = 735 free pages: 800 caller pages cannot be had
  it('vm_map_ram with more caller pages than free RAM is ENOMEM and changes nothing', () => {
    const k = setup();
    const before = { ...k.state(), step: 0 };
    expect(k.call({ call: 'vm_map_ram', pages: 800, cpu: 0 })).toEqual({ ok: false, err: 'ENOMEM' });
    expect({ ...k.state(), step: 0 }).toEqual(before);
  });

  // x86_64-smalllazy-gaps: possible {0, 2, 3, 5}, online {0, 3, 5}
  it('a possible but offline CPU is EINVAL; every possible CPU has a (possibly empty) free list', () => {
    const k = boot(configByName('x86_64-smalllazy-gaps'));
    rejects(k, { call: 'vm_map_ram', pages: 1, cpu: 2 }, 'EINVAL');
    expect(k.call({ call: 'vm_map_ram', pages: 1, cpu: 5 })).toEqual(addr(0xffffc90000000000n));
    expect(k.state().blocks.freeLists).toEqual([
      { cpu: 0, starts: [] },
      { cpu: 2, starts: [] },
      { cpu: 3, starts: [] },
      { cpu: 5, starts: [0xffffc90000000000n] },
    ]);
  });
});
