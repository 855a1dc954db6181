// Unit: two vmemmap edges the mutation profile left open (issue 8). Both sides for the hot-plug
// case (src/ and the model, through the Kernel facades, in lockstep); expectations by hand from vmemmap.md
// and mm/sparse-vmemmap.c.
//
// 1. Removing the middle of hot-added RAM (vmemmap.md §3: memory is added and removed in
//    sub-section aligned ranges): the pieces on either side stay hot-added RAM — each can be
//    removed on its own afterwards, a hot-add over one of them is refused, their struct pages
//    can still be touched, and their pages stay offline RAM (the implementation's state equals
//    the model's after every call). (src/vmemmap/hotplug.ts shrinkRam re-adds the two pieces.)
// 2. altmap_alloc_block_buf counts the alignment padding against the free pages:
//    `if (nr_pfns + nr_align > vmem_altmap_nr_free(altmap)) return NULL;`.
//
// toy24: pfns of 4 KiB, sub-sections of 16 pfns; RAM [0x100, 0x400), device [0x1000, 0x1400);
// hot-pluggable pfns [0, 0x4000).
import { describe, expect, it } from 'vitest';
import type { Call, Result, SutFactory } from '../../api/index.js';
import { createModel } from '../../model/index.js';
import { createKernel } from '../../src/index.js';
import { VmemAltmap, altmapAllocBlockBuf } from '../../src/vmemmap/altmap.js';
import { configByName } from '../configs.js';
import { OK, err } from './vmemmap-fixture.js';

const SIDES: readonly [string, SutFactory][] = [
  ['impl', createKernel],
  ['model', createModel],
];
const TOY = configByName('toy24');

describe('removing the middle of hot-added RAM', () => {
  it('leaves both outer pieces hot-added RAM: each removable alone, neither addable again, same state on both sides', () => {
    const sides = SIDES.map(([, boot]) => boot(TOY));
    const step = (c: Call, want: Result | 'ok'): void => {
      for (const k of sides) {
        const r = k.call(c);
        if (want === 'ok') expect(r.ok).toBe(true);
        else expect(r).toEqual(want);
      }
      // the pages of the pieces stay offline RAM: the implementation's state is the model's
      expect(sides[0]!.state()).toEqual(sides[1]!.state());
    };
    step({ call: 'add_memory', pfn: 0x2000, pages: 48 }, OK);
    step({ call: 'remove', pfn: 0x2010, pages: 16 }, OK);
    // the middle is gone
    step({ call: 'remove', pfn: 0x2010, pages: 16 }, err('ENOENT'));
    // the outer pieces are still RAM: a hot-add over either is refused
    step({ call: 'add_memory', pfn: 0x2000, pages: 16 }, err('EEXIST'));
    step({ call: 'add_memory', pfn: 0x2020, pages: 16 }, err('EEXIST'));
    step({ call: 'touch_page', pfn: 0x2000, cpu: 0 }, 'ok');
    step({ call: 'touch_page', pfn: 0x202f, cpu: 0 }, 'ok');
    // and each goes away on its own
    step({ call: 'remove', pfn: 0x2000, pages: 16 }, OK);
    step({ call: 'remove', pfn: 0x2020, pages: 16 }, OK);
    step({ call: 'remove', pfn: 0x2000, pages: 48 }, err('ENOENT'));
    // nothing of it left: the whole range can be hot-added again
    step({ call: 'add_memory', pfn: 0x2000, pages: 48 }, OK);
  });
});

describe('altmap_alloc_block_buf', () => {
  // base 0x1000, reserve 1: the next pfn is 0x1001; a 4-page block aligns to 4, so it starts at
  // 0x1004 after 3 pages of padding: it needs 4 + 3 = 7 free pages
  it('refuses a block whose size fits but whose size plus alignment padding does not', () => {
    const a = new VmemAltmap(0x1000, 0x13ff, 1, 6);
    expect(altmapAllocBlockBuf(a, 4 * 4096, 4096)).toBeNull();
    expect(a.toModel()).toMatchObject({ alloc: 0, align: 0 });
  });

  it('hands it out when the padding fits too, and counts the padding', () => {
    const a = new VmemAltmap(0x1000, 0x13ff, 1, 7);
    expect(altmapAllocBlockBuf(a, 4 * 4096, 4096)).toBe(0x1004);
    expect(a.toModel()).toMatchObject({ alloc: 4, align: 3 });
    // nothing left for even one page
    expect(altmapAllocBlockBuf(a, 4096, 4096)).toBeNull();
  });
});
