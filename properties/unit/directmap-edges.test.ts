// Unit tests: x86-64 direct-map builder edges the generated RAM layouts reach rarely (found by
// mutation testing, issue 8): real_end when the top 2 MiB of RAM is not a free block, touching
// banks (one memblock region), RAM that ends exactly on a 1 GiB boundary, can_use_brk_pgt for a
// range that ends inside pgt_buf's used part, a direct map over a mapping already there (a
// report, not a panic), the machine's own table allocator back afterwards, x86_64 only; a
// bottom-up remainder of exactly one step.
// Expectations by hand from layout.md §4 (and arch/x86/mm/init.c); where both sides have the
// function, the model (model/directmap) must agree.
import { describe, expect, it } from 'vitest';
import type { MachineConfig, PfnRange } from '../../api/index.js';
import { ALLOC_LOW_PAGES_PANIC, type DirectMapOrder, type DirectMapSetup } from '../../api/directmap.js';
import { expectedDirectMap, modelInitMemMapping } from '../../model/directmap.js';
import { LowPageAllocator } from '../../src/directmap/alloc-low-pages.js';
import { initMemMapping } from '../../src/directmap/index.js';
import { Memblock } from '../../src/directmap/memblock.js';
import { Machine } from '../../src/machine/index.js';
import { configByName } from '../configs.js';

const PO = 0xffff888000000000n; // PAGE_OFFSET
const BASE = Number(PO >> 12n); // its vpn
const MiB = 0x100; // pages
const GiB = 0x40000; // pages

function setup(banks: PfnRange[], kernel: PfnRange, pgtBuf: PfnRange, order: DirectMapOrder = 'top-down'): DirectMapSetup {
  const config: MachineConfig = {
    name: 'x86_64-edges',
    preset: 'x86_64',
    ram: { banks, kernel, rootPt: kernel.start },
    devices: [],
    cpus: { possible: [0], online: [0] },
    lazyUnitBytes: 0,
    windows: [],
  };
  return { config, order, pgtBuf };
}

/** build on a fresh machine; the model must give the same log, tables and leaves */
function build(s: DirectMapSetup) {
  const m = new Machine(s.config);
  const log = initMemMapping(m, s);
  const { leaves, tables } = m.pt.toModel();
  const model = modelInitMemMapping(s);
  expect(model.log).toEqual(log);
  expect(model.tables).toEqual(tables);
  if (log.panic === null) expect(expectedDirectMap(s)).toEqual(leaves);
  return { m, log, leaves };
}

const KERNEL = { start: 16 * MiB, count: 8 * MiB };
const PGT_BUF = { start: 24 * MiB - 6, count: 6 };

describe('init_mem_mapping: real_end, memblock regions, 1 GiB pages', () => {
  // RAM |0 ........ 128M| hole |144M .. 145M|: the top bank is 1 MiB, too small for a 2 MiB block
  // expects: real_end is the top of the highest free 2 MiB block, 128 MiB (not round_down(end) = 144 MiB)
  it('real_end skips a top bank smaller than 2 MiB', () => {
    const { log } = build(
      setup(
        [
          { start: 0, count: 128 * MiB },
          { start: 144 * MiB, count: MiB },
        ],
        KERNEL,
        PGT_BUF,
      ),
    );
    expect(log.realEndPfn).toBe(128 * MiB);
  });

  // RAM [0, 128M), the kernel image [125M, 126M) right below the top 2 MiB block [126M, 128M)
  // expects: that block is free: real_end = 128 MiB
  it('real_end is the top of RAM when the 2 MiB block below it is the kernel image', () => {
    const { log } = build(setup([{ start: 0, count: 128 * MiB }], { start: 125 * MiB, count: MiB }, { start: 126 * MiB - 6, count: 6 }));
    expect(log.realEndPfn).toBe(128 * MiB);
  });

  // RAM as two touching banks [0, 49M) and [49M, 128M): memblock merges them into one region,
  // so the 2 MiB block [48M, 50M) is memory and every block gets a 2 MiB page
  it('touching banks are one memblock region: the block across the seam is a 2 MiB page', () => {
    const { leaves } = build(
      setup(
        [
          { start: 0, count: 49 * MiB },
          { start: 49 * MiB, count: 79 * MiB },
        ],
        KERNEL,
        PGT_BUF,
      ),
    );
    expect(leaves).toEqual([{ va: PO, pages: 128 * MiB, pfn: 0, level: 2 }]);
  });

  // RAM [0, 2G): both 1 GiB blocks are memory, the second ending exactly where RAM ends
  it('RAM ending on a 1 GiB boundary gets 1 GiB pages up to its end', () => {
    const { leaves } = build(setup([{ start: 0, count: 2 * GiB }], KERNEL, PGT_BUF));
    expect(leaves).toEqual([{ va: PO, pages: 2 * GiB, pfn: 0, level: 1 }]);
  });
});

describe('init_mem_mapping bottom-up: the last step of a phase', () => {
  // RAM [0, 25M); kernel [16M, 0x17f0) ends 64 KiB below a 2 MiB boundary; RAM ends 1 MiB above it
  // expects: bottom-up-high has 272 pages left, no more than its 2 MiB step: one step to the end
  // (memory_map_bottom_up: next = map_end), although a 2 MiB boundary lies inside
  it('a remainder no larger than the step is mapped in one step, across a step boundary', () => {
    const { log } = build(setup([{ start: 0, count: 0x1900 }], { start: 0x1000, count: 0x7f0 }, { start: 0x17ea, count: 6 }, 'bottom-up'));
    expect(log.steps.map((x) => [x.phase, x.startPfn, x.endPfn, x.stepPages, x.mappedPages])).toEqual([
      ['isa', 0, 0x100, 0, 0],
      ['bottom-up-high', 0x17f0, 0x1900, 512, 272],
      ['bottom-up-low', 0x100, 0x200, 512, 256],
      ['bottom-up-low', 0x200, 0x400, 512, 768],
      ['bottom-up-low', 0x400, 0x17f0, 512 * 256, 768 + 0x13f0],
    ]);
  });
});

describe('init_mem_mapping bottom-up: a remainder of exactly one step', () => {
  // RAM [0, 0x19f0); kernel [0x1000, 0x17f0): bottom-up-high has exactly 512 pages left, the step
  // expects: memory_map_bottom_up cuts only while map_end - start > step_size: one step to the
  // end, not [0x17f0, 0x1800) and then the rest
  it('a remainder equal to the step is mapped in one step, across a step boundary', () => {
    const { log } = build(setup([{ start: 0, count: 0x19f0 }], { start: 0x1000, count: 0x7f0 }, { start: 0x17ea, count: 6 }, 'bottom-up'));
    expect(log.steps.map((x) => [x.phase, x.startPfn, x.endPfn, x.stepPages, x.mappedPages])[1]).toEqual(['bottom-up-high', 0x17f0, 0x19f0, 512, 512]);
    expect(log.steps.filter((x) => x.phase === 'bottom-up-high').length).toBe(1);
  });
});

describe('alloc_low_pages: the memblock window runs dry', () => {
  // bottom-up, kernel [0x1000, 0x17f0) (pgt_buf its last 6 pages), RAM: [0, 0x17f1) and 2-page banks
  // straddling 1, 2, 3 and 4 GiB. Step sizes stay 2 MiB (1 RAM page per step), so each GiB
  // crossing maps 0x40000n - 1 (a pte table) and, one step later, 0x40000n (a pmd and a pte table)
  // with the window [kernel_end, max_pfn_mapped) gaining only the pages just mapped.
  //   tables: ISA pud, pmd; 0x17f0 pte; 0x3ffff pte; 0x40000 pmd, pte  -> pgt_buf's 6 pages
  //   then memblock, lowest first: 0x17f0; 0x3ffff, 0x40000; 0x7ffff; 0x80000, 0xbffff; 0xc0000;
  //   0xfffff for the 4 GiB pmd table, and the pte table for 0x100000 finds no free page below
  //   max_pfn_mapped = 0x100000 (the step's end): the boot panics, although 0x100000 is free RAM
  it('no free page below max_pfn_mapped is a panic, even with free RAM right at max_pfn_mapped', () => {
    const banks = [{ start: 0, count: 0x17f1 }, ...[1, 2, 3, 4].map((n) => ({ start: n * GiB - 1, count: 2 }))];
    const { log } = build(setup(banks, { start: 0x1000, count: 0x7f0 }, { start: 0x17ea, count: 6 }, 'bottom-up'));
    expect(log.panic).toBe(ALLOC_LOW_PAGES_PANIC);
    expect(log.allocs.map((a) => [a.source, a.pfn])).toEqual([
      ...[0x17ea, 0x17eb, 0x17ec, 0x17ed, 0x17ee, 0x17ef].map((p) => ['pgt_buf', p]),
      ...[0x17f0, 0x3ffff, 0x40000, 0x7ffff, 0x80000, 0xbffff, 0xc0000, 0xfffff].map((p) => ['memblock', p]),
      ['none', null],
    ]);
    expect(log.allocs[log.allocs.length - 1]).toMatchObject({ minPfnMapped: 0x17f0, maxPfnMapped: 4 * GiB });
  });
});

describe('alloc_low_pages: can_use_brk_pgt', () => {
  // pgt_buf [0x1700, 0x1706); three pages taken while mapping a range elsewhere (used part
  // [0x1700, 0x1703)); then a range [0x1600, 0x1702) that ends inside the used part
  // expects: it misses the unused part [0x1703, 0x1706): the buffer may still be used
  it('a range ending inside the used part of pgt_buf may still use the buffer', () => {
    const config = setup([{ start: 0, count: 128 * MiB }], { start: 0x1000, count: 0x800 }, { start: 0x1700, count: 6 }).config;
    const m = new Machine(config);
    const a = new LowPageAllocator(m, new Memblock(m, config.ram.banks), { start: 0x1700, count: 6 }, 'top-down');
    a.beginRange(0x4000, 0x5000);
    expect([a.allocLowPages(1), a.allocLowPages(1), a.allocLowPages(1)]).toEqual([0x1700, 0x1701, 0x1702]);
    a.endRange();
    a.beginRange(0x1600, 0x1702);
    expect(a.canUseBrkPgt).toBe(true);
    expect(a.allocLowPages(1)).toBe(0x1703);
    a.endRange();
    // a range over the unused part may not
    a.beginRange(0x1600, 0x1705);
    expect(a.canUseBrkPgt).toBe(false);
  });
});

describe('init_mem_mapping over a machine that is not fresh, and its preset', () => {
  const fresh = (): { s: DirectMapSetup; m: Machine } => {
    const s = setup([{ start: 0, count: 128 * MiB }], KERNEL, PGT_BUF);
    return { s, m: new Machine(s.config) };
  };

  it('a 4 KiB leaf of the right pfn where a 2 MiB page belongs is reported, not skipped', () => {
    const { s, m } = fresh();
    expect(m.vmapPageRange(BASE + 0x2000, [0x2000])).toEqual({ err: null, mapped: 1 });
    expect(() => initMemMapping(m, s)).toThrow('direct map: level-2 leaf for pfn 0x2000 meets a level-3 leaf of pfn 0x2000 (EBUSY)');
  });

  it('a 2 MiB leaf of another pfn where a 2 MiB page belongs is reported, not skipped', () => {
    const { s, m } = fresh();
    expect(m.vmapRange(BASE + 0x2000, BASE + 0x2200, 0x4000, 21).err).toBeNull();
    expect(() => initMemMapping(m, s)).toThrow('direct map: level-2 leaf for pfn 0x2000 meets a level-2 leaf of pfn 0x4000 (EBUSY)');
  });

  it('a page table where a 2 MiB page belongs is reported, not descended into', () => {
    const { s, m } = fresh();
    // a base page at PAGE_OFFSET + 0x2001 pages: a pte table now hangs in the pmd slot of block 0x2000
    expect(m.vmapPageRange(BASE + 0x2001, [0x3000])).toEqual({ err: null, mapped: 1 });
    expect(() => initMemMapping(m, s)).toThrow('direct map: level-2 leaf for pfn 0x2000 meets a table (EBUSY)');
  });

  it('afterwards the machine allocates its page tables itself again', () => {
    const { s, m } = fresh();
    const log = initMemMapping(m, s);
    const n = log.allocs.length;
    const pt0 = m.toModel().counters.ptAllocs;
    // a page in the vmalloc range: new pud, pmd and pte tables
    expect(m.vmapPageRange(Number(0xffffc90000000000n >> 12n), [0x3000]).err).toBeNull();
    expect(log.allocs.length).toBe(n);
    expect(m.toModel().counters.ptAllocs).toBe(pt0 + 3);
  });

  it('is x86_64 only', () => {
    const c = configByName('arm64-64k');
    expect(() => initMemMapping(new Machine(c), { config: c, order: 'top-down', pgtBuf: { start: 0x4010, count: 6 } })).toThrow(
      'init_mem_mapping: x86_64 only, not arm64-64k',
    );
  });
});
