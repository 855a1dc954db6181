// Unit tests: the x86-64 direct-map builder, init_mem_mapping (layout.md §4), on small RAM layouts
// worked out by hand; both the builder (src/directmap on a real Machine) and the model
// (model/directmap) must give the hand-computed steps, page-table pages and leaves.
import { describe, it, expect } from 'vitest';
import type { MachineConfig, PfnRange } from '../../api/index.js';
import type { DirectMapOrder, DirectMapSetup } from '../../api/directmap.js';
import { ALLOC_LOW_PAGES_PANIC } from '../../api/directmap.js';
import { Machine } from '../../src/machine/index.js';
import { initMemMapping, splitMemRange } from '../../src/directmap/index.js';
import { expectedDirectMap, modelInitMemMapping } from '../../model/directmap.js';

const PO = 0xffff888000000000n; // PAGE_OFFSET
const MiB = 0x100; // pages
const GiB = 0x40000; // pages

function setup(banks: PfnRange[], kernel: PfnRange, pgtBuf: PfnRange, order: DirectMapOrder): DirectMapSetup {
  const config: MachineConfig = {
    name: 'x86_64-unit',
    preset: 'x86_64',
    ram: { banks, kernel, rootPt: kernel.start },
    devices: [],
    cpus: { possible: [0], online: [0] },
    lazyUnitBytes: 0,
    windows: [],
  };
  return { config, order, pgtBuf };
}

/** run both sides; return the builder's log, leaves and tables after checking the model agrees */
function boot(s: DirectMapSetup) {
  const m = new Machine(s.config);
  const log = initMemMapping(m, s);
  const { leaves, tables } = m.pt.toModel();
  const model = modelInitMemMapping(s);
  expect(model.log).toEqual(log);
  expect(model.tables).toEqual(tables);
  if (log.panic === null) expect(expectedDirectMap(s)).toEqual(leaves);
  return { log, leaves, tables };
}

const steps = (log: { steps: readonly { phase: string; startPfn: number; endPfn: number; stepPages: number; mappedPages: number }[] }) =>
  log.steps.map((x) => [x.phase, x.startPfn, x.endPfn, x.stepPages, x.mappedPages]);
const allocs = (log: { allocs: readonly { source: string; pfn: number | null }[] }) => log.allocs.map((a) => [a.source, a.pfn]);

describe('split_mem_range (x86-64)', () => {
  it('cuts [1 MiB + 4 KiB, 3 GiB + 2 MiB + 4 KiB) into 4K head, 2M, 1G, 2M tail, 4K tail', () => {
    const none = () => false;
    expect(splitMemRange(MiB + 1, 3 * GiB + 2 * MiB + 1, none)).toEqual([
      { start: MiB + 1, end: 2 * MiB, m2: false, m1g: false },
      { start: 2 * MiB, end: GiB, m2: true, m1g: false },
      { start: GiB, end: 3 * GiB, m2: true, m1g: true },
      { start: 3 * GiB, end: 3 * GiB + 2 * MiB, m2: true, m1g: false },
      { start: 3 * GiB + 2 * MiB, end: 3 * GiB + 2 * MiB + 1, m2: false, m1g: false },
    ]);
  });

  it('promotes a 4K head to 2M and 1G pages when its blocks are all RAM (chained, adjust_range_page_size_mask)', () => {
    const all = () => true;
    // every piece ends up with both masks; neighbours of equal masks merge into one range
    expect(splitMemRange(MiB + 1, 3 * GiB + 2 * MiB + 1, all)).toEqual([{ start: MiB + 1, end: 3 * GiB + 2 * MiB + 1, m2: true, m1g: true }]);
  });
});

// RAM |0..636K| hole |1M .................................... 64M|, kernel [16M, 24M), pgt_buf its last 6 pages
const pc = (order: DirectMapOrder) =>
  setup(
    [
      { start: 0, count: 0x9f },
      { start: MiB, count: 63 * MiB },
    ],
    { start: 16 * MiB, count: 8 * MiB },
    { start: 24 * MiB - 6, count: 6 },
    order,
  );

describe('init_mem_mapping on 640K + 63 MiB', () => {
  it('top-down: ISA tables from pgt_buf, the top 2 MiB first, then one step down to 1 MiB', () => {
    const { log, leaves } = boot(pc('top-down'));
    // real_end = top of the highest free 2 MiB block = 64 MiB
    expect(log.realEndPfn).toBe(64 * MiB);
    expect(steps(log)).toEqual([
      ['isa', 0, MiB, 0, 0],
      ['top-down', 62 * MiB, 64 * MiB, 2 * MiB, 2 * MiB], // mapped 2 MiB >= step: step << 8 = 512 MiB
      ['top-down', MiB, 62 * MiB, 512 * MiB, 2 * MiB + 61 * MiB],
    ]);
    // pud, pmd, pte for the ISA range (its 2 MiB block has the 640K hole: 4 KiB pages)
    expect(allocs(log)).toEqual([
      ['pgt_buf', 24 * MiB - 6],
      ['pgt_buf', 24 * MiB - 5],
      ['pgt_buf', 24 * MiB - 4],
    ]);
    // [0, 2M) in 4 KiB pages (the ISA range whole, RAM above 1M), [2M, 64M) in 2 MiB pages
    expect(leaves).toEqual([
      { va: PO, pages: 2 * MiB, pfn: 0, level: 3 },
      { va: PO + 0x200000n, pages: 62 * MiB, pfn: 2 * MiB, level: 2 },
    ]);
  });

  it('bottom-up: [kernel_end, end) first in steps from 2 MiB, then [1 MiB, kernel_end) with a fresh step', () => {
    const { log } = boot(pc('bottom-up'));
    expect(log.realEndPfn).toBeNull();
    expect(steps(log)).toEqual([
      ['isa', 0, MiB, 0, 0],
      ['bottom-up-high', 24 * MiB, 26 * MiB, 2 * MiB, 2 * MiB],
      ['bottom-up-high', 26 * MiB, 64 * MiB, 512 * MiB, 40 * MiB],
      ['bottom-up-low', MiB, 2 * MiB, 2 * MiB, MiB], // mapped 1 MiB < 2 MiB: the step stays
      ['bottom-up-low', 2 * MiB, 4 * MiB, 2 * MiB, 3 * MiB],
      ['bottom-up-low', 4 * MiB, 24 * MiB, 512 * MiB, 23 * MiB],
    ]);
    expect(allocs(log).map((a) => a[0])).toEqual(['pgt_buf', 'pgt_buf', 'pgt_buf']);
  });
});

// RAM |1M ........ 16M+64K| hole |16M+128K ........ 64M|; kernel [16M, 16M+32K), pgt_buf [16M+8K, 16M+32K)
const nearKernelHole = (order: DirectMapOrder) =>
  setup(
    [
      { start: MiB, count: 15 * MiB + 0x10 },
      { start: 16 * MiB + 0x20, count: 48 * MiB - 0x20 },
    ],
    { start: 16 * MiB, count: 8 },
    { start: 16 * MiB + 2, count: 6 },
    order,
  );

describe('init_mem_mapping with a hole next to the kernel image', () => {
  it('top-down: the range holding pgt_buf may not use it; the pte table comes from the top of mapped RAM', () => {
    // mapping [1M, 16M+64K) needs a pte table for [16M, 18M); the range overlaps pgt_buf's unused
    // pages, so memblock gives the highest free page in [min_pfn_mapped, max_pfn_mapped) = [62M, 64M)
    const { log, leaves, tables } = boot(nearKernelHole('top-down'));
    expect(allocs(log)).toEqual([
      ['pgt_buf', 16 * MiB + 2],
      ['pgt_buf', 16 * MiB + 3],
      ['pgt_buf', 16 * MiB + 4],
      ['memblock', 64 * MiB - 1],
    ]);
    expect(log.allocs[3]).toMatchObject({ rangeStartPfn: MiB, rangeEndPfn: 16 * MiB + 0x10, minPfnMapped: 62 * MiB, maxPfnMapped: 64 * MiB });
    expect(tables).toContainEqual({ level: 3, va: PO + 0x1000000n, pfn: 64 * MiB - 1 });
    expect(leaves).toEqual([
      { va: PO, pages: 2 * MiB, pfn: 0, level: 3 },
      { va: PO + 0x200000n, pages: 14 * MiB, pfn: 2 * MiB, level: 2 },
      { va: PO + 0x1000000n, pages: 0x10, pfn: 16 * MiB, level: 3 },
      { va: PO + 0x1020000n, pages: 2 * MiB - 0x20, pfn: 16 * MiB + 0x20, level: 3 },
      { va: PO + 0x1200000n, pages: 46 * MiB, pfn: 18 * MiB, level: 2 },
    ]);
  });

  it('bottom-up: [kernel_end, 16M+64K) misses pgt_buf’s unused pages, so the pte table comes from pgt_buf', () => {
    const { log } = boot(nearKernelHole('bottom-up'));
    expect(allocs(log)).toEqual([
      ['pgt_buf', 16 * MiB + 2],
      ['pgt_buf', 16 * MiB + 3],
      ['pgt_buf', 16 * MiB + 4],
      ['pgt_buf', 16 * MiB + 5],
    ]);
    // the first high step maps 8 + 480 pages < 2 MiB: the step stays 2 MiB once more
    expect(steps(log).slice(1, 4)).toEqual([
      ['bottom-up-high', 16 * MiB + 8, 18 * MiB, 2 * MiB, 8 + 2 * MiB - 0x20],
      ['bottom-up-high', 18 * MiB, 20 * MiB, 2 * MiB, 8 + 4 * MiB - 0x20],
      ['bottom-up-high', 20 * MiB, 64 * MiB, 512 * MiB, 8 + 48 * MiB - 0x20],
    ]);
  });
});

describe('init_mem_mapping boot failure', () => {
  it('top-down panics "alloc_low_pages: can not alloc memory" when single pages in separate GiBs need more tables than they bring', () => {
    // RAM: the 8-page kernel at 16M (root table + pgt_buf + 1) and one page at 1G, 2G, 3G, 4G (+4K).
    // No free 2 MiB block: real_end = round_down(end, 2M) = 4G. ISA: pud, pmd, pte from pgt_buf.
    // 3G+4K: pmd, pte (pgt_buf). 2G+4K: pmd (last pgt_buf page), pte from memblock [2G+2M, 3G+8K): 3G+4K.
    // 1G+4K: pmd from memblock [1G+2M, 3G+8K): 2G+4K; pte: nothing free is left — panic.
    const s = setup(
      [
        { start: 16 * MiB, count: 8 },
        { start: GiB + 1, count: 1 },
        { start: 2 * GiB + 1, count: 1 },
        { start: 3 * GiB + 1, count: 1 },
        { start: 4 * GiB + 1, count: 1 },
      ],
      { start: 16 * MiB, count: 8 },
      { start: 16 * MiB + 1, count: 6 },
      'top-down',
    );
    const { log } = boot(s);
    expect(log.realEndPfn).toBe(4 * GiB);
    expect(log.panic).toBe(ALLOC_LOW_PAGES_PANIC);
    expect(allocs(log)).toEqual([
      ['pgt_buf', 16 * MiB + 1],
      ['pgt_buf', 16 * MiB + 2],
      ['pgt_buf', 16 * MiB + 3],
      ['pgt_buf', 16 * MiB + 4],
      ['pgt_buf', 16 * MiB + 5],
      ['pgt_buf', 16 * MiB + 6],
      ['memblock', 3 * GiB + 1],
      ['memblock', 2 * GiB + 1],
      ['none', null],
    ]);
    const last = log.steps[log.steps.length - 1]!;
    expect([last.phase, last.startPfn, last.endPfn]).toEqual(['top-down', GiB, GiB + 2 * MiB]);
  });
});
