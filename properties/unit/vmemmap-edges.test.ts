// Unit: memory hot-plug edges the short refinement traces reach rarely (found by mutation
// testing, issue 8): argument validation at the exact limits of the hot-pluggable pfns, the
// presets without a vmemmap, a hot-add touching a configured device, an altmap block on the
// device's last pfn, a vmemmap page that outlives the device it came from, two touching boot
// banks that fill a section, and x86 whole-section population failing at the PMD table or
// with too little RAM for either a PMD block or its base pages, and boot RAM too small for its
// own memmap. Both sides (src/ and the model, through the Kernel facades); expectations by hand
// from vmemmap.md and checking.md §3.
//
// toy24: pfns of 4 KiB, sub-sections of 16 pfns, sections of 1024, 64 struct pages per vmemmap
// page; hot-pluggable pfns [0, 2^26 / 4 KiB = 0x4000); RAM [0x100, 0x400), device [0x1000, 0x1400).
// arm64-64k: pfns of 64 KiB, sub-sections of 32 pfns; memstart_pfn 0x4000 (RAM at 1 GiB, 512 MiB
// aligned); hot-pluggable [0x4000, 0x4000 + 2^(48 - 1 - 16) = 0x80004000) (the linear map).
// x86_64: sections of 0x8000 pfns, whose memmap is one 2 MiB PMD chunk (512 pages); vmemmap at
// 0xffffea0000000000, a PMD table per GiB of it (the memmap of 2^24 pfns).
import { describe, expect, it } from 'vitest';
import type { AbstractState, Call, MachineConfig, Result, SutFactory } from '../../api/index.js';
import { createModel } from '../../model/index.js';
import { createKernel } from '../../src/index.js';
import { isVmemmapCall } from '../../src/vmemmap/index.js';
import { configByName, toyRam, x86Ram } from '../configs.js';

const SIDES: readonly [string, SutFactory][] = [
  ['impl', createKernel],
  ['model', createModel],
];
const OK: Result = { ok: true, value: { kind: 'none' } };
const err = (e: string): Result => ({ ok: false, err: e }) as Result;
const TOY = configByName('toy24');
const ARM64 = configByName('arm64-64k');
const X86: MachineConfig = { ...configByName('x86_64'), devices: [] };
const VMEMMAP_X86 = 0xffffea0000000000n;
const sansStep = (s: AbstractState): AbstractState => ({ ...s, step: 0 });
/** the state apart from what a torn-down failure may leave (vmemmap.md §4: TLB flushes and counters) */
const sansFlushes = (s: AbstractState): Partial<AbstractState> => ({ owners: s.owners, leaves: s.leaves, tables: s.tables, vmemmap: s.vmemmap, warnings: s.warnings, mappings: s.mappings });
const freePages = (s: AbstractState): number => s.owners.filter((o) => o.owner === 'free').reduce((n, o) => n + o.count, 0);
const vmemmapLeaves = (s: AbstractState, start: bigint): AbstractState['leaves'] => s.leaves.filter((l) => l.va >= start && l.va < start + (1n << 40n));

describe.each(SIDES)('hot-plug argument limits (%s)', (_side, boot) => {
  it('toy24: a hot-add may end exactly at the last hot-pluggable pfn, not one sub-section later', () => {
    const k = boot(TOY);
    expect(k.call({ call: 'add_memory', pfn: 0x3ff0, pages: 16 })).toEqual(OK);
    expect(k.call({ call: 'add_memory', pfn: 0x4000, pages: 16 })).toEqual(err('EINVAL'));
    expect(k.call({ call: 'add_device', pfn: 0x3fe0, pages: 32, reserve: 0, free: 0 })).toEqual(err('EEXIST'));
    expect(k.call({ call: 'touch_page', pfn: 0x3fff, cpu: 0 }).ok).toBe(true);
    expect(k.call({ call: 'touch_page', pfn: 0x4000, cpu: 0 })).toEqual(err('EINVAL'));
    expect(k.call({ call: 'remove', pfn: 0x3ff0, pages: 16 })).toEqual(OK);
    // the same range again: inside the limits, nothing there
    expect(k.call({ call: 'remove', pfn: 0x3ff0, pages: 16 })).toEqual(err('ENOENT'));
    expect(k.call({ call: 'remove', pfn: 0x4000, pages: 16 })).toEqual(err('EINVAL'));
  });

  it('toy24: pfn 0 is hot-pluggable: removing there finds nothing (ENOENT), not a bad range', () => {
    const k = boot(TOY);
    expect(k.call({ call: 'remove', pfn: 0, pages: 16 })).toEqual(err('ENOENT'));
    expect(k.call({ call: 'remove_device', pfn: 0 })).toEqual(err('ENOENT'));
  });

  it('toy24: a hot-add starting right where a configured device ends does not conflict with it', () => {
    const k = boot(TOY);
    expect(k.call({ call: 'add_memory', pfn: 0x13f0, pages: 16 })).toEqual(err('EEXIST'));
    expect(k.call({ call: 'add_memory', pfn: 0x1400, pages: 16 })).toEqual(OK);
  });

  it('malformed counts are EINVAL: negative or fractional pages, reserve, free, pfn; zero pages', () => {
    const k = boot(TOY);
    const s0 = k.state();
    const bad: Call[] = [
      { call: 'add_memory', pfn: 0x2000, pages: -16 },
      { call: 'add_memory', pfn: 0x2000, pages: 0 },
      { call: 'add_device', pfn: 0x2000, pages: 64, reserve: -1, free: 1 },
      { call: 'add_device', pfn: 0x2000, pages: 64, reserve: 1, free: -1 },
      { call: 'add_device', pfn: 0x2000, pages: 64, reserve: 1.5, free: 0 },
      { call: 'add_device', pfn: 0x2000, pages: 64, reserve: 0, free: 1.5 },
      { call: 'remove', pfn: 0x2000, pages: 0 },
      { call: 'remove', pfn: 0x2000, pages: -16 },
      { call: 'remove', pfn: -16, pages: 16 },
      { call: 'remove', pfn: 0x2000 + 0.5, pages: 16 },
      { call: 'remove_device', pfn: -16 },
    ];
    for (const c of bad) expect(k.call(c), JSON.stringify(c)).toEqual(err('EINVAL'));
    expect(sansStep(k.state())).toEqual(sansStep(s0));
  });

  it('arm64-64k: below memstart_pfn and past the linear map are outside the hot-pluggable pfns', () => {
    const k = boot(ARM64);
    for (const c of [
      { call: 'add_memory', pfn: 0x2000, pages: 32 },
      { call: 'remove', pfn: 0x2000, pages: 32 },
      { call: 'remove_device', pfn: 0x2000 },
      { call: 'add_memory', pfn: 0x80004000, pages: 32 },
    ] as Call[]) {
      expect(k.call(c), JSON.stringify(c)).toEqual(err('EINVAL'));
    }
    expect(k.call({ call: 'add_memory', pfn: 0x80004000 - 32, pages: 32 })).toEqual(OK);
  });

  it('arm32 has no vmemmap: every hot-plug call is EINVAL', () => {
    const k = boot(configByName('arm32'));
    for (const c of [
      { call: 'add_memory', pfn: 0x100000, pages: 512 },
      { call: 'add_device', pfn: 0x100000, pages: 512, reserve: 0, free: 0 },
      { call: 'remove', pfn: 0x80000, pages: 512 },
      { call: 'remove_device', pfn: 0x40000 },
      { call: 'touch_page', pfn: 0x80000, cpu: 0 },
    ] as Call[]) {
      expect(k.call(c), JSON.stringify(c)).toEqual(err('EINVAL'));
    }
  });
});

describe.each(SIDES)('altmap blocks at the edges of a device (%s)', (_side, boot) => {
  // tries: a device of 64 pfns at 0x2000 (its memmap is exactly one vmemmap page) with
  // reserve 63, free 1: the memmap page comes from the altmap at 0x203f, the device's last pfn
  // expects: remove_device gives that block back to the altmap (alloc 0): no warning
  it('a memmap block on the device last pfn goes back to its altmap at removal', () => {
    const k = boot(TOY);
    expect(k.call({ call: 'add_device', pfn: 0x2000, pages: 64, reserve: 63, free: 1 })).toEqual(OK);
    expect(k.state().vmemmap?.altmaps).toEqual([{ basePfn: 0x2000, endPfn: 0x203f, reserve: 63, free: 1, align: 0, alloc: 1 }]);
    expect(k.state().leaves).toContainEqual({ va: 0xe00000n + 0x2000n * 64n, pages: 1, pfn: 0x203f, level: 2 });
    expect(k.call({ call: 'remove_device', pfn: 0x2000 })).toEqual(OK);
    const s = k.state();
    expect(s.vmemmap?.altmaps).toEqual([]);
    expect(s.warnings).toEqual([]);
  });

  // tries: device D = one sub-section [0x2000, 0x2010), reserve 0, free 16: the vmemmap page of
  // pfns [0x2000, 0x2040) comes from D's altmap (pfn 0x2000); RAM R = [0x2010, 0x2020) shares
  // that page. D is removed first (the page stays: R needs it; the altmap is not back to 0 —
  // the kernel's warning), then R.
  // expects: the page, a pfn of a device that no longer exists, goes nowhere: the owners end
  // as they were before D came, and the only warning is the altmap leak
  it('a shared vmemmap page that outlives its device goes nowhere when it is finally unmapped', () => {
    const k = boot(TOY);
    const before = k.state();
    expect(k.call({ call: 'add_device', pfn: 0x2000, pages: 16, reserve: 0, free: 16 })).toEqual(OK);
    expect(k.call({ call: 'add_memory', pfn: 0x2010, pages: 16 })).toEqual(OK);
    expect(k.call({ call: 'remove_device', pfn: 0x2000 })).toEqual(OK);
    expect(k.state().warnings.length).toBe(1);
    expect(k.call({ call: 'remove', pfn: 0x2010, pages: 16 })).toEqual(OK);
    const s = k.state();
    expect(s.owners).toEqual(before.owners);
    expect(s.warnings.length).toBe(1);
    expect(s.leaves).toEqual(before.leaves);
  });
});

describe.each(SIDES)('x86_64 sections and their PMD chunk (%s)', (_side, boot) => {
  // tries: boot RAM as two touching banks [0, 0x4000) and [0x4000, 0x8000): together one whole
  // section. expects: boot population sees one range, so one piece of a whole section: its
  // memmap is one 2 MiB huge leaf (not 512 base pages)
  it('two touching boot banks that fill a section get one huge memmap leaf', () => {
    const k = boot({
      ...X86,
      name: 'x86_64-two-banks',
      ram: x86Ram([
        { start: 0, count: 0x4000 },
        { start: 0x4000, count: 0x4000 },
      ]),
    });
    expect(vmemmapLeaves(k.state(), VMEMMAP_X86).map((l) => [l.va, l.pages, l.level])).toEqual([[VMEMMAP_X86, 512, 2]]);
  });

  // tries: a whole section at pfn 2^24 (64 GiB): its memmap starts 1 GiB into the vmemmap, where
  // no PMD table exists yet; the first counted allocation (that PMD table) is made to fail
  // expects: ENOMEM, and nothing of the attempt left (vmemmap.md §4)
  it('a whole-section hot-add whose PMD table cannot be allocated is ENOMEM and leaves nothing', () => {
    const k = boot(X86);
    const s0 = k.state();
    expect(k.call({ call: 'fail_alloc', after: 0 })).toEqual(OK);
    expect(k.call({ call: 'add_memory', pfn: 0x1000000, pages: 0x8000 })).toEqual(err('ENOMEM'));
    expect(sansFlushes(k.state())).toEqual(sansFlushes(s0));
  });

  // tries: the same section, the PMD table allocated, the 2 MiB block made to fail
  // expects: without an altmap the chunk is filled with 512 base pages from RAM
  it('a whole-section hot-add whose PMD block fails falls back to base pages', () => {
    const k = boot(X86);
    expect(k.call({ call: 'fail_alloc', after: 1 })).toEqual(OK);
    expect(k.call({ call: 'add_memory', pfn: 0x1000000, pages: 0x8000 })).toEqual(OK);
    const at = VMEMMAP_X86 + (1n << 30n);
    const leaves = k.state().leaves.filter((l) => l.va >= at && l.va < at + (2n << 20n));
    expect(leaves.reduce((n, l) => n + l.pages, 0)).toBe(512);
    expect(leaves.every((l) => l.level === 3)).toBe(true);
  });

  // tries: vmalloc eats RAM until a few hundred pages are free: no 2 MiB block, and not enough
  // for the 512 base pages either. expects: ENOMEM, nothing of the attempt left
  it('a whole-section hot-add with RAM for neither a PMD block nor its base pages is ENOMEM and leaves nothing', () => {
    const k = boot(X86);
    const free0 = freePages(k.state());
    const r = k.call({ call: 'vmalloc', bytes: BigInt(free0 - 300) * 4096n });
    expect(r.ok).toBe(true);
    const s0 = k.state();
    const free = freePages(s0);
    expect(free).toBeGreaterThan(100);
    expect(free).toBeLessThan(512);
    expect(k.call({ call: 'add_memory', pfn: 0x1000000, pages: 0x8000 })).toEqual(err('ENOMEM'));
    expect(sansFlushes(k.state())).toEqual(sansFlushes(s0));
  });
});

describe.each(SIDES)('boot RAM too small for its own memmap (%s)', (_side, boot) => {
  // tries: toy24 RAM [0x100, 0x100 + n): the kernel image takes 0x20 pfns, the root table one,
  // so n - 0x21 pages are free. The boot memmap of [0x100, 0x130) (rounded out to sub-sections of
  // 16 pfns) is the one vmemmap page at 0xe04000 (0xe00000 + 0x100 * 64); it needs a pmd table
  // (pgd entry 0xe), a pte table (its 64 KiB) and the page itself: 3 RAM pages.
  // expects: with 2 free pages boot cannot populate the memmap and the configuration is refused
  // (nothing can run on a machine whose own struct pages are unmapped); with 3 it boots
  const tiny = (n: number): MachineConfig => ({ ...TOY, name: `toy24-ram-${n}`, ram: toyRam([{ start: 0x100, count: n }]) });
  it('a configuration whose RAM cannot hold its boot memmap is refused; one page more boots', () => {
    expect(() => boot(tiny(0x23))).toThrow(/not enough RAM/);
    const k = boot(tiny(0x24));
    expect(freePages(k.state())).toBe(0);
    expect(k.call({ call: 'touch_page', pfn: 0x100, cpu: 0 }).ok).toBe(true);
  });
});

describe('isVmemmapCall (src dispatch)', () => {
  it('names exactly the five hot-plug calls', () => {
    const yes: Call[] = [
      { call: 'add_memory', pfn: 0, pages: 1 },
      { call: 'add_device', pfn: 0, pages: 1, reserve: 0, free: 0 },
      { call: 'remove', pfn: 0, pages: 1 },
      { call: 'remove_device', pfn: 0 },
      { call: 'touch_page', pfn: 0, cpu: 0 },
    ];
    const no: Call[] = [{ call: 'vmalloc', bytes: 4096n }, { call: 'map_pages', va: 0n, pages: 1 }, { call: 'flush_all' }];
    expect(yes.map(isVmemmapCall)).toEqual([true, true, true, true, true]);
    expect(no.map(isVmemmapCall)).toEqual([false, false, false]);
  });
});

