// Unit: per-CPU vmap blocks — the worked example E4 (shared/spec/examples.md) and the block sizes
// of every preset (vmap-blocks.md §1), on both sides: the optimized Kernel (src/) and the model.
// Expectations are worked out by hand from the spec, never read back from either side.
import { describe, it, expect } from 'vitest';
import type { Addr, MachineConfig, Result, SutFactory } from '../../api/index.js';
import { createKernel } from '../../src/index.js';
import { createModel } from '../../model/index.js';
import { configByName } from '../configs.js';

const SIDES: readonly [string, SutFactory][] = [
  ['impl', createKernel],
  ['model', createModel],
];
const addr = (a: Addr): Result => ({ ok: true, value: { kind: 'addr', addr: a } });
const NONE: Result = { ok: true, value: { kind: 'none' } };

describe.each(SIDES)('E4 per-CPU blocks on x86_64 (%s)', (_side, boot) => {
  // x86_64: VMALLOC_SPACE 128 GiB / 4 KiB = 2^25 pages, NR_CPUS 64 → 2^25 / 64 / 16 = 32768,
  // min(1024, max(128, 32768)) = 1024 pages per block: 4 MiB blocks. 4 CPUs online → 3 IPIs a flush.
  //   0xffffc90000000000            0xffffc90000400000
  //   |AAAA B ......... (cpu 0)     |C ......... (cpu 1)
  // tries: vm_map_ram(3, 0), vm_map_ram(1, 0), vm_map_ram(1, 1), vm_unmap_ram(B), vm_unmap_aliases twice
  // expects: E4 step by step — A takes 4 pages (free 1020), B at page 4, CPU 1 gets its own block at
  // the next 4 MiB; B's unmap only marks [4, 5) dirty; the first vm_unmap_aliases flushes exactly
  // that page once, the second flushes nothing.
  it('E4: blocks are per CPU, bump allocated, and vm_unmap_aliases flushes the dirty range once', () => {
    const k = boot(configByName('x86_64'));
    expect(k.call({ call: 'vm_map_ram', pages: 3, cpu: 0 })).toEqual(addr(0xffffc90000000000n));
    let b0 = k.state().blocks.blocks[0]!;
    expect(b0).toMatchObject({ cpu: 0, start: 0xffffc90000000000n, free: 1020, dirty: 0, onFreeList: true });
    expect(b0.subs).toEqual([{ offset: 0, order: 2 }]);
    expect(k.call({ call: 'vm_map_ram', pages: 1, cpu: 0 })).toEqual(addr(0xffffc90000004000n));
    expect(k.call({ call: 'vm_map_ram', pages: 1, cpu: 1 })).toEqual(addr(0xffffc90000400000n));
    let s = k.state();
    expect(s.blocks.blocks.map((b) => [b.cpu, b.start, b.free])).toEqual([
      [0, 0xffffc90000000000n, 1019],
      [1, 0xffffc90000400000n, 1023],
    ]);
    expect(s.blocks.freeLists).toEqual([
      { cpu: 0, starts: [0xffffc90000000000n] },
      { cpu: 1, starts: [0xffffc90000400000n] },
      { cpu: 2, starts: [] },
      { cpu: 3, starts: [] },
    ]);
    // each block is one busy area of VMAP_BLOCK_SIZE
    expect(s.vmap.areas).toEqual([
      { start: 0xffffc90000000000n, end: 0xffffc90000400000n, lazy: false },
      { start: 0xffffc90000400000n, end: 0xffffc90000800000n, lazy: false },
    ]);
    expect(s.mappings).toEqual([
      { kind: 'vm_map_ram', va: 0xffffc90000000000n, pages: 3, guard: 0 },
      { kind: 'vm_map_ram', va: 0xffffc90000004000n, pages: 1, guard: 0 },
      { kind: 'vm_map_ram', va: 0xffffc90000400000n, pages: 1, guard: 0 },
    ]);
    // caller pages first (the lowest free RAM), then the pud, pmd and pte tables of the first
    // mapping. By hand: the boot memmap of RAM 0..0x4000 (vmemmap.md §4) took 259 pages right
    // after the reserved first MiB — pud 0x100, pmd 0x101, pte 0x102, 256 pages 0x103..0x202 —
    // so A's pages are 0x203..0x205, its tables 0x206..0x208 (another pgd entry), B's page 0x209
    expect(s.leaves[0]).toEqual({ va: 0xffffc90000000000n, pages: 3, pfn: 0x203, level: 3 });
    expect(s.leaves[1]).toEqual({ va: 0xffffc90000004000n, pages: 1, pfn: 0x209, level: 3 });

    const c0 = s.counters;
    expect(k.call({ call: 'vm_unmap_ram', addr: 0xffffc90000004000n, count: 1 })).toEqual(NONE);
    s = k.state();
    b0 = s.blocks.blocks[0]!;
    expect(b0).toMatchObject({ free: 1019, dirty: 1, dirtyMin: 4, dirtyMax: 5 });
    expect(s.counters.flushes).toBe(c0.flushes);
    expect(s.vmap.lazyNr).toBe(0);

    expect(k.call({ call: 'vm_unmap_aliases' })).toEqual(NONE);
    s = k.state();
    expect(s.counters.flushes).toBe(c0.flushes + 1);
    expect(s.counters.ipis).toBe(c0.ipis + 3);
    expect(s.counters.flushedPages).toBe(c0.flushedPages + 1); // [0xffffc90000004000, 0xffffc90000005000)
    expect(s.blocks.blocks[0]).toMatchObject({ dirty: 1, dirtyMin: 1024, dirtyMax: 0 });

    expect(k.call({ call: 'vm_unmap_aliases' })).toEqual(NONE);
    expect(k.state().counters).toEqual(s.counters);
    expect(k.selfCheck?.() ?? []).toEqual([]);
  });
});

// Block sizes by hand (vmap-blocks.md §1), seen as the address of the second CPU's first block:
// VMALLOC_START + VMAP_BLOCK_SIZE (both blocks are the lowest VMAP_BLOCK_SIZE-aligned fits).
//   x86_64, x86_64-la57: 1024 pages × 4 KiB = 4 MiB
//   arm64-64k: 2^21 pages / 256 / 16 = 512 → 512 × 64 KiB = 32 MiB
//   arm32: 2^15 pages / 4 / 16 = 512 → 512 × 4 KiB = 2 MiB; VMALLOC_START = 0xd0800000
//     (256 MiB of lowmem ends at 0xd0000000, plus the 8 MiB VMALLOC_OFFSET)
//   toy24: stated by the preset, 32 × 4 KiB = 128 KiB
const SECOND_BLOCK: readonly [string, Addr, Addr][] = [
  ['x86_64', 0xffffc90000000000n, 0xffffc90000400000n],
  ['x86_64-la57', 0xffa0000000000000n, 0xffa0000000400000n],
  ['arm64-64k', 0xffff800080000000n, 0xffff800082000000n],
  ['arm32', 0xd0800000n, 0xd0a00000n],
  ['toy24', 0x800000n, 0x820000n],
];

describe.each(SIDES)('VMAP_BLOCK_SIZE per preset (%s)', (_side, boot) => {
  it.each(SECOND_BLOCK)('%s: the first blocks of two CPUs are VMAP_BLOCK_SIZE apart from VMALLOC_START', (name, first, second) => {
    const config: MachineConfig = configByName(name);
    const [c0, c1] = config.cpus.online as [number, number];
    const k = boot(config);
    expect(k.call({ call: 'vm_map_ram', pages: 1, cpu: c0 })).toEqual(addr(first));
    expect(k.call({ call: 'vm_map_ram', pages: 1, cpu: c1 })).toEqual(addr(second));
  });

  // VMAP_MAX_ALLOC = BITS_PER_LONG (x86_64: 64; arm32: 32) or the toy's 8: one page more goes to the
  // global allocator as an area of exactly `count` pages (no guard), never into a block; it is the
  // lowest PAGE_SIZE-aligned fit, right after the first block
  it.each([
    ['x86_64', 64, 0xffffc90000000000n, 0xffffc90000400000n],
    ['arm32', 32, 0xd0800000n, 0xd0a00000n],
    ['toy24', 8, 0x800000n, 0x820000n],
  ] as const)('%s: VMAP_MAX_ALLOC = %i pages use a block, one more page gets its own area', (name, max, start, large) => {
    const k = boot(configByName(name));
    expect(k.call({ call: 'vm_map_ram', pages: max, cpu: 0 })).toEqual(addr(start));
    expect(k.call({ call: 'vm_map_ram', pages: max + 1, cpu: 0 })).toEqual(addr(large));
    const s = k.state();
    expect(s.blocks.blocks.length).toBe(1);
    expect(s.blocks.blocks[0]!.subs).toEqual([{ offset: 0, order: Math.log2(max) }]);
    expect(s.vmap.areas[1]).toEqual({ start: large, end: large + BigInt(max + 1) * 4096n, lazy: false });
  });
});
