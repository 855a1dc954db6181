// Unit: the vmap self-checks (src/vmap: BusyAreas.check, LazyAreas.check, VmapAllocator.check,
// Vmalloc.selfCheck) must FAIL on broken state — a check never seen failing is untested
// (checking.md §4). Each test builds one sound toy24 state through the kernel, breaks one thing
// by hand and expects exactly the violation it planted.
//
// toy24 with a 1 MiB lazy unit (lazy_max_pages = 512: a vfree stays lazy); the vmalloc range is
// vpn [2048, 3584) (0x800000..0xe00000, 4 KiB pages). The sound state, one char per page:
//   2048 AAAg   2052 BBg (lazy)   2055 Cg   2057 ........ free to 3584
//   A = vmalloc(12 KiB) at 0x800000, B = vmalloc(8 KiB) at 0x804000 then vfree'd, C = vmalloc(4 KiB) at 0x807000
import { describe, expect, it } from 'vitest';
import type { MachineConfig, Pfn } from '../../api/index.js';
import { Kernel } from '../../src/index.js';
import type { FreeTree, VmapArea } from '../../src/vmap/index.js';
import { configByName } from '../configs.js';

const LAZY: MachineConfig = { ...configByName('toy24'), name: 'toy24-lazy512', lazyUnitBytes: 1 << 20 };

function sound(): { k: Kernel; A: VmapArea; B: VmapArea; C: VmapArea; check: () => string[] } {
  const k = new Kernel(LAZY);
  expect(k.call({ call: 'vmalloc', bytes: 0x3000n })).toEqual({ ok: true, value: { kind: 'addr', addr: 0x800000n } });
  expect(k.call({ call: 'vmalloc', bytes: 0x2000n })).toEqual({ ok: true, value: { kind: 'addr', addr: 0x804000n } });
  expect(k.call({ call: 'vmalloc', bytes: 0x1000n })).toEqual({ ok: true, value: { kind: 'addr', addr: 0x807000n } });
  expect(k.call({ call: 'vfree', addr: 0x804000n }).ok).toBe(true);
  const al = k.vmalloc.allocator;
  const A = al.busy.containing(2048)!;
  const C = al.busy.containing(2055)!;
  const B = al.lazy.containing(2052)!;
  return { k, A, B, C, check: () => k.vmalloc.selfCheck() };
}

const pagesOf = (a: VmapArea): Pfn[] => a.vm!.pages as Pfn[];

describe('vmap self-check: the sound state', () => {
  it('passes, with the areas where the picture puts them', () => {
    const { k, A, B, C, check } = sound();
    expect([A.start, A.end, B.start, B.end, C.start, C.end, B.lazy, k.vmalloc.allocator.lazy.nr]).toEqual([2048, 2052, 2052, 2055, 2055, 2057, true, 3]);
    expect(check()).toEqual([]);
  });
});

describe('vmap self-check reports broken busy and lazy trees', () => {
  it('a busy area marked lazy', () => {
    const { A, check } = sound();
    A.lazy = true;
    expect(check()).toEqual(['busy tree: area at 2048 is marked lazy']);
  });

  it('an empty busy area', () => {
    const { C, check } = sound();
    C.end = C.start;
    expect(check()).toContain('busy tree: empty area at 2055');
  });

  it('a busy area reaching into the next busy area', () => {
    const { A, check } = sound();
    A.end = 2056;
    const out = check();
    expect(out).toContain('busy tree: area at 2055 overlaps its predecessor');
    expect(out).toContain('vmap space: lazy area at 2052 overlaps a busy area ending at 2056');
  });

  it('a lazy area not marked lazy', () => {
    const { B, check } = sound();
    B.lazy = false;
    expect(check()).toEqual(['lazy tree: area at 2052 is not marked lazy']);
  });

  it('vmap_lazy_nr that is not the pages of the lazy areas', () => {
    const { k, check } = sound();
    k.vmalloc.allocator.lazy.nr = 5;
    expect(check()).toEqual(['lazy tree: vmap_lazy_nr is 5, lazy areas hold 3 pages']);
  });

  it('a lazy area reaching into the next lazy area', () => {
    const { k, B, check } = sound();
    expect(k.call({ call: 'vfree', addr: 0x807000n }).ok).toBe(true); // C lazy too: [2055, 2057)
    B.end = 2056;
    expect(check()).toContain('lazy tree: area at 2055 overlaps its predecessor');
  });
});

describe('vmap self-check reports a broken cover of the vmalloc space', () => {
  it('a busy area reaching into the free space', () => {
    const { C, check } = sound();
    C.end = 2058;
    expect(check()).toContain('vmap space: free block at 2057 overlaps a busy area ending at 2058');
  });

  it('a page that is in no free block, busy or lazy area', () => {
    const { k, check } = sound();
    const free = k.vmalloc.allocator.free as FreeTree;
    free.carve(free.tree.floor(3583)!, 3583, 1);
    expect(check()).toEqual(['vmap space: covered [2048, 3583), want [2048, 3584)']);
  });
});

describe('vmap self-check reports the pages of a live vm_struct', () => {
  it('a vmalloc area holding one page fewer than it maps', () => {
    const { A, check } = sound();
    pagesOf(A).pop();
    expect(check()).toEqual(['vmalloc area at 0x800000: holds 2 pages for 3']);
  });

  it('a vmalloc page not owned as vmalloc', () => {
    const { k, A, check } = sound();
    const p = pagesOf(A)[1]!;
    k.machine.setOwner(p, 1, 'free');
    expect(check()).toEqual([`vmalloc area at 0x800000: pfn 0x${p.toString(16)} is owned by free, not vmalloc`]);
  });

  it('a vmap caller page not owned by the caller', () => {
    const { k, check } = sound();
    const r = k.call({ call: 'vmap', pages: 2, flags: [] });
    if (!r.ok || r.value.kind !== 'addr') throw new Error('vmap failed');
    const area = k.vmalloc.allocator.busy.containing(Number(r.value.addr >> 12n))!;
    expect(check()).toEqual([]);
    const p = pagesOf(area)[0]!;
    k.machine.setOwner(p, 1, 'vmalloc');
    expect(check()).toEqual([`vmap area at 0x${r.value.addr.toString(16)}: pfn 0x${p.toString(16)} is owned by vmalloc, not caller`]);
  });
});
