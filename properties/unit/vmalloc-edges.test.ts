// Unit: edges of the vmalloc API (vmap.md §5, api/calls.ts) on toy24, on both sides (src/ and
// the model): __get_vm_area ranges at the bounds of [VMALLOC_START, VMALLOC_END) and with only
// one bound given, a size that fills a vmalloc range exactly, and vmallocinfo rows of vm_map_ram
// areas. Then two src/-only facts: the main range Vmalloc exposes, and the busy tree's check
// naming its tree.
//
// toy24: 4 KiB pages, vmalloc range [0x800000, 0xe00000) = 1536 pages, VMAP_BBMAP_BITS 32
// (a block is 0x20000 bytes), VMAP_MAX_ALLOC 8 (a vm_map_ram of 9 pages is a large mapping).
import { describe, it, expect } from 'vitest';
import type { Addr, Call, Errno, Result, SutFactory, SystemUnderTest, VmFlag } from '../../api/index.js';
import { createKernel, Kernel } from '../../src/index.js';
import { createModel } from '../../model/index.js';
import { configByName } from '../configs.js';

const SIDES: readonly [string, SutFactory][] = [
  ['impl', createKernel],
  ['model', createModel],
];
const TOY = configByName('toy24');
const PAGE = 0x1000n;
const START = 0x800000n; // VMALLOC_START
const END = 0xe00000n; // VMALLOC_END
const addr = (a: Addr): Result => ({ ok: true, value: { kind: 'addr', addr: a } });

/** c fails with e and the state is exactly as before, but for the step counter */
function unchanged(k: SystemUnderTest, c: Call, e: Errno): void {
  const before = { ...k.state(), step: 0 };
  expect(k.call(c)).toEqual({ ok: false, err: e });
  expect({ ...k.state(), step: 0 }).toEqual(before);
}

const gva = (bytes: Addr, range: { start?: Addr; end?: Addr } = {}, flags: readonly VmFlag[] = []): Call => ({ call: 'get_vm_area', bytes, flags, ...range });

describe.each(SIDES)('__get_vm_area ranges at the edges of the main range (%s)', (_side, boot) => {
  it('a range starting exactly at VMALLOC_START is accepted and the area starts there', () => {
    const k = boot(TOY);
    expect(k.call(gva(PAGE, { start: START, end: START + 0x10n * PAGE }))).toEqual(addr(START));
  });

  it('a range reaching past VMALLOC_END is EINVAL, even when the area would fit below the end', () => {
    unchanged(boot(TOY), gva(PAGE, { start: END - 0x10n * PAGE, end: END + 0x10n * PAGE }), 'EINVAL');
  });

  // calls.ts: when only one of start/end is given, the other is the main range's
  //   0x800000 |....|A G|....  A = get_vm_area(4096, start = 0x804000) at 0x804000, not 0x800000
  it('only start given: the area is allocated from start, not from VMALLOC_START', () => {
    const k = boot(TOY);
    expect(k.call(gva(PAGE, { start: START + 4n * PAGE }))).toEqual(addr(START + 4n * PAGE));
  });

  // [VMALLOC_START, end) of one page cannot hold one page plus its guard; two pages can
  it('only end given: the range is [VMALLOC_START, end), EINVAL when the area and its guard do not fit', () => {
    const k = boot(TOY);
    unchanged(k, gva(PAGE, { end: START + PAGE }), 'EINVAL');
    expect(k.call(gva(PAGE, { end: START + 2n * PAGE }))).toEqual(addr(START));
  });

  // vmap.md §5: EINVAL only when the size (guard included) exceeds every range; equal fits
  it('a size that with its guard page fills the whole vmalloc range exactly is allocated at VMALLOC_START', () => {
    expect(boot(TOY).call(gva(END - START - PAGE))).toEqual(addr(START));
    expect(boot(TOY).call(gva(END - START, {}, ['VM_NO_GUARD']))).toEqual(addr(START));
    unchanged(boot(TOY), gva(END - START), 'EINVAL');
  });
});

describe.each(SIDES)('vmallocinfo lists vm_map_ram areas (%s)', (_side, boot) => {
  // picture: 0x800000 |LLLLLLLLL|.......| 0x820000 |b...(32 pages)|
  //   L = vm_map_ram(9): a large mapping, exactly 9 pages, no guard (vmap-blocks.md)
  //   b = vm_map_ram(1) on cpu 0: a new per-CPU block of VMAP_BBMAP_BITS pages, block aligned
  // expects: one `vm_map_ram` row per busy area, the block listed as its whole area (vmap.md §5)
  it('a large mapping and a per-CPU block are each one vm_map_ram row', () => {
    const k = boot(TOY);
    expect(k.call({ call: 'vm_map_ram', pages: 9, cpu: 0 })).toEqual(addr(START));
    expect(k.call({ call: 'vm_map_ram', pages: 1, cpu: 0 })).toEqual(addr(0x820000n));
    expect(k.call({ call: 'vmallocinfo' })).toEqual({
      ok: true,
      value: { kind: 'rows', rows: ['0x800000-0x809000 36864 vm_map_ram', '0x820000-0x840000 131072 vm_map_ram'] },
    });
  });
});

describe('src/vmap: Vmalloc internals the benchmarks and self-checks read', () => {
  // bench/vmap-alloc.ts allocates in vmalloc.main: it must be [VMALLOC_START, VMALLOC_END) in vpn
  it('Vmalloc.main is the main vmalloc range in page numbers', () => {
    expect(new Kernel(TOY).vmalloc.main).toEqual([Number(START / PAGE), Number(END / PAGE)]);
  });

  // a check never seen failing is untested (checking.md §4): a red root, reported under the
  // tree's name so that a self-check failure says which of the three trees broke
  it('the busy tree check reports a red root as `busy tree: root is red`', () => {
    const k = new Kernel(TOY);
    expect(k.call({ call: 'vmalloc', bytes: PAGE })).toEqual(addr(START));
    expect(k.call({ call: 'vmalloc', bytes: PAGE })).toEqual(addr(START + 2n * PAGE));
    expect(k.vmalloc.selfCheck()).toEqual([]);
    k.vmalloc.allocator.busy.tree.root!.red = true;
    expect(k.vmalloc.selfCheck()).toContain('busy tree: root is red');
  });
});
