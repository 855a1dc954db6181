// Memory hot-add and hot-remove (vmemmap.md §4-§5): sub-sections inside one section, shared
// vmemmap pages on arm64-64k, failed adds torn down completely, the error codes, touch_page.
// Each runs on both sides (src and model); expectations worked out by hand.
import { describe, it, expect } from 'vitest';
import { configByName } from '../configs.js';
import { derive, err, modelSide, OK, sansCounters, srcSide } from './vmemmap-fixture.js';

const SIDES = [
  ['src', srcSide],
  ['model', modelSide],
] as const;

const X86 = derive('x86_64', { devices: [] });
const VMEMMAP = 0xffffea0000000000n;

describe.each(SIDES)('sub-sections inside one x86_64 section (%s)', (_name, boot) => {
  // section 1 = pfns [0x8000, 0x10000); its memmap [VMEMMAP + 2 MiB, + 4 MiB) is one PMD chunk.
  //   |ss0 ss1 .. ss63|  ss0 → 8 pages at +0x200000, ss1 → 8 pages at +0x208000, one pte table
  it('two sub-sections share a pte table; removing one unmaps only its 8 pages, flushed once', () => {
    const k = boot(X86);
    const atBoot = k.state();
    expect(k.call({ call: 'add_memory', pfn: 0x8000, pages: 512 })).toEqual(OK);
    expect(k.call({ call: 'add_memory', pfn: 0x8200, pages: 512 })).toEqual(OK);
    let s = k.state();
    expect(s.tables).toContainEqual({ level: 3, va: VMEMMAP + 0x200000n, pfn: 0x203 });
    expect(s.leaves).toContainEqual({ va: VMEMMAP + 0x200000n, pages: 16, pfn: 0x204, level: 3 });
    expect(k.call({ call: 'remove', pfn: 0x8000, pages: 512 })).toEqual(OK);
    s = k.state();
    expect(s.leaves).toContainEqual({ va: VMEMMAP + 0x208000n, pages: 8, pfn: 0x20c, level: 3 });
    expect(s.leaves.some((l) => l.va === VMEMMAP + 0x200000n)).toBe(false);
    expect(s.owners).toContainEqual({ pfn: 0x204, count: 8, owner: 'free' });
    expect(s.counters).toMatchObject({ flushes: 1, flushedPages: 8, ptFrees: 0 });
    expect(s.vmemmap?.present).toEqual([
      { pfn: 0, count: 0x4000, kind: 'boot' },
      { pfn: 0x8200, count: 512, kind: 'ram' },
    ]);
    // the last sub-section goes: its pages and the now empty pte table are freed
    expect(k.call({ call: 'remove', pfn: 0x8200, pages: 512 })).toEqual(OK);
    s = k.state();
    expect(s.counters).toMatchObject({ flushes: 2, ptFrees: 1 });
    expect(sansCounters(s)).toEqual(sansCounters(atBoot));
  });

  it('removing part of a whole-section add keeps the huge chunk until its last sub-section goes', () => {
    const k = boot(X86);
    const atBoot = k.state();
    k.call({ call: 'add_memory', pfn: 0x8000, pages: 32768 });
    expect(k.call({ call: 'remove', pfn: 0x8000, pages: 512 * 63 })).toEqual(OK);
    expect(k.state().leaves).toContainEqual({ va: VMEMMAP + 0x200000n, pages: 512, pfn: 0x400, level: 2 });
    expect(k.call({ call: 'remove', pfn: 0x8000 + 512 * 63, pages: 512 })).toEqual(OK);
    const s = k.state();
    expect(s.leaves.some((l) => l.va === VMEMMAP + 0x200000n)).toBe(false);
    expect(sansCounters(s)).toEqual(sansCounters(atBoot));
  });

  it('re-adding a removed sub-section of a huge chunk keeps the chunk (the page is present)', () => {
    const k = boot(X86);
    k.call({ call: 'add_memory', pfn: 0x8000, pages: 32768 });
    k.call({ call: 'remove', pfn: 0x8000, pages: 512 });
    const before = k.state();
    expect(k.call({ call: 'add_memory', pfn: 0x8000, pages: 512 })).toEqual(OK);
    const ram = (o: { pfn: number }) => o.pfn < 0x4000; // no RAM allocated
    expect(k.state().owners.filter(ram)).toEqual(before.owners.filter(ram));
    expect(k.state().leaves).toEqual(before.leaves);
    expect(k.state().tables).toEqual(before.tables);
  });
});

describe.each(SIDES)('shared vmemmap pages on arm64-64k (%s)', (_name, boot) => {
  // 64 KiB pages: one vmemmap page holds 1024 struct pages = 32 sub-sections of 32 pfns.
  // Boot: memstart 0x4000; boot memmap = 4 pages; pmd table 0x4000, pte table 0x4001, pages
  // 0x4002..0x4005. pfn 0x6000's memmap is page 8: VMEMMAP_START + 0x80000.
  const ARM = configByName('arm64-64k');
  const V = 0xffffffdfc0000000n;

  it('one 64 KiB vmemmap page holds the memmap of 32 sub-sections and is populated once', () => {
    const k = boot(ARM);
    expect(k.call({ call: 'add_memory', pfn: 0x6000, pages: 32 })).toEqual(OK);
    const one = k.state();
    expect(one.leaves).toContainEqual({ va: V + 0x80000n, pages: 1, pfn: 0x4006, level: 2 });
    expect(k.call({ call: 'add_memory', pfn: 0x6020, pages: 32 })).toEqual(OK);
    expect(k.call({ call: 'add_memory', pfn: 0x63e0, pages: 32 })).toEqual(OK); // the 32nd sub-section
    const ram = (o: { pfn: number }) => o.pfn < 0x6000;
    expect(k.state().owners.filter(ram)).toEqual(one.owners.filter(ram));
    expect(k.state().leaves).toEqual(one.leaves);
    expect(k.call({ call: 'add_memory', pfn: 0x6400, pages: 32 })).toEqual(OK); // the next page
    expect(k.state().leaves).toContainEqual({ va: V + 0x80000n, pages: 2, pfn: 0x4006, level: 2 });
  });

  it('the shared page stays until the last of its sub-sections is removed', () => {
    const k = boot(ARM);
    const atBoot = k.state();
    for (const pfn of [0x6000, 0x6020, 0x63e0]) k.call({ call: 'add_memory', pfn, pages: 32 });
    k.call({ call: 'remove', pfn: 0x6000, pages: 32 });
    k.call({ call: 'remove', pfn: 0x63e0, pages: 32 });
    expect(k.state().leaves).toContainEqual({ va: V + 0x80000n, pages: 1, pfn: 0x4006, level: 2 });
    expect(k.call({ call: 'touch_page', pfn: 0x6020, cpu: 1 })).toEqual({ ok: true, value: { kind: 'touch', pfn: 0x4006, fromTlb: false } });
    k.call({ call: 'remove', pfn: 0x6020, pages: 32 });
    expect(k.call({ call: 'touch_page', pfn: 0x6020, cpu: 0 })).toEqual(err('EFAULT'));
    expect(sansCounters(k.state())).toEqual(sansCounters(atBoot));
  });

  it('a device page is charged to its altmap; a RAM neighbour sharing it does not take it away', () => {
    const k = boot(ARM);
    const atBoot = k.state();
    expect(k.call({ call: 'add_device', pfn: 0x6000, pages: 32, reserve: 1, free: 4 })).toEqual(OK);
    expect(k.state().leaves).toContainEqual({ va: V + 0x80000n, pages: 1, pfn: 0x6001, level: 2 });
    expect(k.call({ call: 'add_memory', pfn: 0x6020, pages: 32 })).toEqual(OK);
    expect(k.call({ call: 'remove', pfn: 0x6020, pages: 32 })).toEqual(OK);
    expect(k.state().vmemmap?.altmaps[0]).toMatchObject({ alloc: 1, align: 0 });
    expect(k.call({ call: 'remove_device', pfn: 0x6000 })).toEqual(OK);
    expect(k.state().warnings).toEqual([]);
    expect(sansCounters(k.state())).toEqual(sansCounters(atBoot));
  });

  it('removing a device whose altmap page still holds a neighbour memmap leaves it mapped and warns', () => {
    // vmemmap.md §2/§5 taken literally: the page is still needed, so it is not unmapped and the
    // altmap is not back to alloc == 0 when the device goes.
    const k = boot(ARM);
    k.call({ call: 'add_device', pfn: 0x6000, pages: 32, reserve: 0, free: 1 });
    k.call({ call: 'add_memory', pfn: 0x6020, pages: 32 });
    expect(k.call({ call: 'remove_device', pfn: 0x6000 })).toEqual(OK);
    const s = k.state();
    expect(s.leaves).toContainEqual({ va: V + 0x80000n, pages: 1, pfn: 0x6000, level: 2 });
    expect(s.warnings).toEqual([{ kind: 'failed to free all reserved pages', addr: 0x6000n << 16n, step: 2 }]);
  });
});

describe.each(SIDES)('failed hot-adds are torn down completely (%s)', (_name, boot) => {
  it('x86_64: the 5th counted allocation fails in the second piece; both pieces are removed', () => {
    // add [0x8000, 0x10200): piece 1 = section 1 (RAM PMD, #1), piece 2 = one sub-section of
    // section 2 (pte table #2, pages #3..). fail_alloc(4) fails #5, the third base page.
    const k = boot(X86);
    const before = k.state();
    k.call({ call: 'fail_alloc', after: 4 });
    expect(k.call({ call: 'add_memory', pfn: 0x8000, pages: 32768 + 512 })).toEqual(err('ENOMEM'));
    const s = k.state();
    expect(sansCounters(s)).toEqual(sansCounters(before));
    expect(s.counters).toMatchObject({ ptAllocs: before.counters.ptAllocs + 1, ptFrees: 1, flushes: 1 });
    expect(s.failAfter).toBe(null);
  });

  it('toy24: a device whose second section cannot get its pte table gives every altmap page back', () => {
    // toy24: a section (1024 pfns) has a 64 KiB memmap = one pte table of 16 altmap pages.
    const k = boot(configByName('toy24'));
    const before = k.state();
    k.call({ call: 'fail_alloc', after: 1 });
    expect(k.call({ call: 'add_device', pfn: 0x2000, pages: 2048, reserve: 0, free: 64 })).toEqual(err('ENOMEM'));
    expect(sansCounters(k.state())).toEqual(sansCounters(before));
    expect(k.call({ call: 'add_device', pfn: 0x2000, pages: 2048, reserve: 0, free: 64 })).toEqual(OK);
    expect(k.state().vmemmap?.altmaps).toEqual([{ basePfn: 0x2000, endPfn: 0x27ff, reserve: 0, free: 64, align: 0, alloc: 32 }]);
  });
});

describe.each(SIDES)('hot-plug error codes (%s)', (_name, boot) => {
  it('EINVAL: unaligned or empty ranges, reserve + free past the device, outside the hot-pluggable pfns', () => {
    const k = boot(X86);
    const before = k.state();
    expect(k.call({ call: 'add_memory', pfn: 0x8100, pages: 512 })).toEqual(err('EINVAL'));
    expect(k.call({ call: 'add_memory', pfn: 0x8000, pages: 256 })).toEqual(err('EINVAL'));
    expect(k.call({ call: 'add_memory', pfn: 0x8000, pages: 0 })).toEqual(err('EINVAL'));
    expect(k.call({ call: 'add_memory', pfn: 2 ** 34, pages: 512 })).toEqual(err('EINVAL')); // MAX_PHYSMEM_BITS 46
    expect(k.call({ call: 'add_device', pfn: 0x8000, pages: 512, reserve: 2, free: 511 })).toEqual(err('EINVAL'));
    expect(k.call({ call: 'remove', pfn: 0x8000, pages: 100 })).toEqual(err('EINVAL'));
    expect(k.call({ call: 'remove_device', pfn: 0x8001 })).toEqual(err('EINVAL'));
    expect({ ...k.state(), step: before.step }).toEqual(before);
  });

  it('boot RAM cannot be removed; part of a device cannot be removed; mixed ranges are EINVAL', () => {
    const k = boot(X86);
    k.call({ call: 'add_device', pfn: 0x8000, pages: 1024, reserve: 0, free: 0 });
    k.call({ call: 'add_memory', pfn: 0x10000, pages: 512 });
    const before = k.state();
    expect(k.call({ call: 'remove', pfn: 0, pages: 512 })).toEqual(err('EINVAL'));
    expect(k.call({ call: 'remove_device', pfn: 0 })).toEqual(err('EINVAL'));
    expect(k.call({ call: 'remove', pfn: 0x8000, pages: 512 })).toEqual(err('EINVAL'));
    expect(k.call({ call: 'remove_device', pfn: 0x8200 })).toEqual(err('EINVAL'));
    expect(k.call({ call: 'remove_device', pfn: 0x10000 })).toEqual(err('EINVAL')); // hot-added RAM
    expect(k.call({ call: 'remove', pfn: 0x10000, pages: 1024 })).toEqual(err('EINVAL')); // half absent
    expect({ ...k.state(), step: before.step }).toEqual(before);
  });

  it('ENOENT: nothing hot-added in the range, no device at the pfn', () => {
    const k = boot(X86);
    expect(k.call({ call: 'remove', pfn: 0x8000, pages: 512 })).toEqual(err('ENOENT'));
    expect(k.call({ call: 'remove_device', pfn: 0x8000 })).toEqual(err('ENOENT'));
    k.call({ call: 'add_device', pfn: 0x8000, pages: 512, reserve: 0, free: 0 });
    k.call({ call: 'remove_device', pfn: 0x8000 });
    expect(k.call({ call: 'remove_device', pfn: 0x8000 })).toEqual(err('ENOENT')); // twice
  });

  it('touch_page reads the struct page through the TLB; EFAULT when unpopulated, EINVAL offline cpu', () => {
    const k = boot(X86);
    k.call({ call: 'add_memory', pfn: 0x8000, pages: 32768 });
    // pfn 0x80c0: byte 0x80c0·64 - 0x200000 = 0x3000 into the chunk → pfn 0x400 + 3
    expect(k.call({ call: 'touch_page', pfn: 0x80c0, cpu: 2 })).toEqual({ ok: true, value: { kind: 'touch', pfn: 0x403, fromTlb: false } });
    expect(k.call({ call: 'touch_page', pfn: 0x80c1, cpu: 2 })).toEqual({ ok: true, value: { kind: 'touch', pfn: 0x403, fromTlb: true } });
    expect(k.call({ call: 'touch_page', pfn: 0x20000, cpu: 0 })).toEqual(err('EFAULT'));
    expect(k.call({ call: 'touch_page', pfn: 0x8000, cpu: 7 })).toEqual(err('EINVAL'));
  });

  it('arm32 has no vmemmap: every hot-plug call is EINVAL', () => {
    const k = boot(configByName('arm32'));
    expect(k.call({ call: 'add_memory', pfn: 0x90000, pages: 512 })).toEqual(err('EINVAL'));
    expect(k.call({ call: 'touch_page', pfn: 0x80000, cpu: 0 })).toEqual(err('EINVAL'));
    expect(k.state().vmemmap).toEqual({ present: [], altmaps: [] });
  });
});
