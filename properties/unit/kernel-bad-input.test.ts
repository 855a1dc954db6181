// Unit: the kernel facade's argument checks (api/calls.ts, machine level; checking.md §3) on
// both sides. A rejected call returns the documented error and leaves the state exactly
// unchanged (the step counter moves on every call, on both sides: it is left out of the
// comparison, as the harness does); the call just inside each bound is accepted. Expectations
// come from those rules and from toy24's shape, not from either side's output.
//
// toy24 (api/presets.ts): 2^24 = 0x1000000, 4 KiB pages, a 16-entry root of 1 MiB entries,
// leaves of 4 KiB, 64 KiB and 1 MiB; RAM pfns 0x100..0x400 (768 pages); a device at pfn 0x1000
// (phys 16 MiB); windows [0x400000, 0x800000) and [0xf00000, 0x1000000); online CPUs 0, 1, 3.
// Two variants reach bounds the stock windows cannot:
//   LOW0  windows [0, 0x800000) and the top one, a device at pfn 0: va 0, phys 0 and an 8 MiB window
//   PAST  one window [0xf00000, 0x2000000) that runs past 2^W ("EINVAL whatever the windows say")
import { describe, it, expect } from 'vitest';
import type { Call, Errno, MachineConfig, Result, SutFactory, SystemUnderTest } from '../../api/index.js';
import { createModel } from '../../model/index.js';
import { createKernel } from '../../src/index.js';
import { configByName } from '../configs.js';

const SIDES: readonly [string, SutFactory][] = [
  ['impl', createKernel],
  ['model', createModel],
];
const TOY = configByName('toy24');
const LOW0: MachineConfig = {
  ...TOY,
  name: 'toy24-low0',
  devices: [{ start: 0, count: 0x100 }, ...TOY.devices],
  windows: [
    { start: '0x0', end: '0x800000' },
    { start: '0xf00000', end: '0x1000000' },
  ],
};
const PAST: MachineConfig = { ...TOY, name: 'toy24-past-top', windows: [{ start: '0xf00000', end: '0x2000000' }] };

const TOP = 0x1000000n;
const DEV = 0x1000000n; // phys of the stock device (pfn 0x1000)
const NONE: Result = { ok: true, value: { kind: 'none' } };
const fail = (err: Errno): Result => ({ ok: false, err });
const at = (addr: bigint): Result => ({ ok: true, value: { kind: 'addr', addr } });

/** `c` is rejected with `err` and the state is exactly what it was (step aside) */
function rejects(k: SystemUnderTest, c: Call, err: Errno = 'EINVAL'): void {
  const before = k.state();
  expect(k.call(c), JSON.stringify(c, (_k, v: unknown) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v))).toEqual(fail(err));
  expect({ ...k.state(), step: before.step }).toEqual(before);
}

describe.each(SIDES)('kernel argument checks (%s)', (_side, boot) => {
  it('fail_alloc: a negative or non-integer count is EINVAL and arms nothing; 0 arms the next allocation', () => {
    const k = boot(TOY);
    for (const after of [-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY]) rejects(k, { call: 'fail_alloc', after });
    expect(k.state().failAfter).toBeNull();
    expect(k.call({ call: 'fail_alloc', after: 0 })).toEqual(NONE);
    expect(k.state().failAfter).toBe(0);
  });

  it('map_pages: va 0 in a window from 0 is accepted; a negative va is EINVAL', () => {
    const k = boot(LOW0);
    rejects(k, { call: 'map_pages', va: -0x1000n, pages: 1 });
    rejects(k, { call: 'map_pages', va: -0x1000n, pages: 2 }); // [-4 KiB, 4 KiB): ends inside the window
    expect(k.call({ call: 'map_pages', va: 0n, pages: 1 })).toEqual(at(0n));
  });

  it('map_pages: 2048 pages ending one page past the window end are EINVAL (not ENOMEM: toy24 has 768 pages of RAM)', () => {
    // |0x1000 ........ 0x800000| window end; the range [0x1000, 0x801000) is one page too long
    const k = boot(LOW0);
    rejects(k, { call: 'map_pages', va: 0x1000n, pages: 2048 });
  });

  it('map_pages / map_device: a range past 2^W is EINVAL even inside a window that runs past 2^W', () => {
    const k = boot(PAST);
    rejects(k, { call: 'map_pages', va: TOP - 0x1000n, pages: 2 });
    rejects(k, { call: 'map_pages', va: TOP, pages: 1 });
    rejects(k, { call: 'map_device', va: TOP - 0x1000n, phys: DEV, bytes: 0x2000n });
    rejects(k, { call: 'map_device', va: TOP, phys: DEV, bytes: 0x1000n });
    // the same ranges ending exactly at 2^W are fine
    expect(k.call({ call: 'map_pages', va: TOP - 0x1000n, pages: 1 })).toEqual(at(TOP - 0x1000n));
    expect(k.call({ call: 'map_device', va: TOP - 0x3000n, phys: DEV, bytes: 0x2000n })).toEqual(at(TOP - 0x3000n));
  });

  it('map_device: va 0 and phys 0 (a device at pfn 0) are accepted; a negative va or phys is EINVAL', () => {
    const k = boot(LOW0);
    rejects(k, { call: 'map_device', va: -0x1000n, phys: DEV, bytes: 0x2000n });
    rejects(k, { call: 'map_device', va: 0x10000n, phys: -0x1000n, bytes: 0x2000n });
    expect(k.call({ call: 'map_device', va: 0n, phys: DEV, bytes: 0x1000n })).toEqual(at(0n));
    expect(k.call({ call: 'map_device', va: 0x10000n, phys: 0n, bytes: 0x1000n })).toEqual(at(0x10000n));
    expect(k.state().leaves.slice(0, 2)).toEqual([
      { va: 0n, pages: 1, pfn: 0x1000, level: 2 },
      { va: 0x10000n, pages: 1, pfn: 0, level: 2 },
    ]);
  });

  it('unmap_pages: the end of a window is outside it (EINVAL, not ENOENT)', () => {
    const k = boot(TOY);
    rejects(k, { call: 'unmap_pages', va: 0x800000n }); // end of [0x400000, 0x800000); vmalloc space
    rejects(k, { call: 'unmap_pages', va: 0x7ff000n }, 'ENOENT'); // last page inside it: nothing live
  });

  it('unmap_pages of a handle whose range now cuts a huge leaf is EINVAL: the handle and its page stay', () => {
    // A = map_pages(0xf00000, 1), cleared raw; then a 1 MiB device leaf B over the whole root entry:
    //   |A...............|  ->  |BBBBBBBBBBBBBBBB|   unmap_pages(0xf00000) takes A (the oldest), whose
    // one page is only part of B's leaf: a partial unmap of a huge leaf (checking.md §3)
    const k = boot(TOY);
    expect(k.call({ call: 'map_pages', va: 0xf00000n, pages: 1 })).toEqual(at(0xf00000n));
    expect(k.call({ call: 'unmap_range', start: 0xf00000n, end: 0xf01000n })).toEqual(NONE);
    expect(k.call({ call: 'map_device', va: 0xf00000n, phys: DEV, bytes: 0x100000n })).toEqual(at(0xf00000n));
    expect(k.state().leaves).toContainEqual({ va: 0xf00000n, pages: 256, pfn: 0x1000, level: 0 });
    rejects(k, { call: 'unmap_pages', va: 0xf00000n });
    expect(k.state().mappings.map((m) => m.kind)).toEqual(['pages', 'device']);
  });

  it('unmap_range: either end unaligned, start = end or start < 0 is EINVAL; start 0 is accepted', () => {
    const k = boot(TOY);
    expect(k.call({ call: 'map_pages', va: 0xf00000n, pages: 2 })).toEqual(at(0xf00000n));
    rejects(k, { call: 'unmap_range', start: 0xf00800n, end: 0xf02000n });
    rejects(k, { call: 'unmap_range', start: 0xf00000n, end: 0xf01800n });
    rejects(k, { call: 'unmap_range', start: 0xf00000n, end: 0xf00000n });
    rejects(k, { call: 'unmap_range', start: -0x1000n, end: 0x1000n });
    expect(k.call({ call: 'unmap_range', start: 0n, end: 0x1000n })).toEqual(NONE);
  });

  it('free_empty_tables: either end unaligned or start < 0 is EINVAL and frees nothing; start 0 is accepted', () => {
    // populate leaves empty tables on the paths of 0 and 0xf00000: the calls below would free them
    const k = boot(TOY);
    expect(k.call({ call: 'populate', va: 0n, level: 2 })).toEqual(NONE);
    expect(k.call({ call: 'populate', va: 0xf00000n, level: 2 })).toEqual(NONE);
    rejects(k, { call: 'free_empty_tables', start: 0xf00800n, end: 0x1000000n });
    rejects(k, { call: 'free_empty_tables', start: 0xf00000n, end: 0xfff800n });
    rejects(k, { call: 'free_empty_tables', start: -0x1000n, end: 0x1000n });
    const tables = k.state().tables.length;
    expect(k.call({ call: 'free_empty_tables', start: 0n, end: 0x1000n })).toEqual(NONE);
    expect(k.state().tables.length).toBe(tables - 2); // the middle and pte tables under root entry 0
  });

  it('flush: start < 0 is EINVAL with nothing recorded; start 0 is a flush', () => {
    const k = boot(TOY);
    rejects(k, { call: 'flush', start: -0x1000n, end: 0x1000n });
    expect(k.call({ call: 'flush', start: 0n, end: 0x1000n })).toEqual(NONE);
    expect(k.state().counters).toMatchObject({ flushes: 1, flushedPages: 1 });
  });

  it('a negative address has no translation and no tables, even one that is va 0 modulo the tree', () => {
    // -2^24 has the low 24 bits of 0, where a page is mapped: walk finds nothing, touch faults,
    // populate is EINVAL; va 0 itself is in the space
    const k = boot(LOW0);
    expect(k.call({ call: 'map_pages', va: 0n, pages: 1 })).toEqual(at(0n));
    const before = k.state();
    expect(k.call({ call: 'walk', va: -TOP })).toEqual({ ok: true, value: { kind: 'walk', pfn: null, level: null } });
    expect(k.call({ call: 'walk', va: -0x1000n })).toEqual({ ok: true, value: { kind: 'walk', pfn: null, level: null } });
    expect(k.call({ call: 'touch', cpu: 0, va: -TOP })).toEqual(fail('EFAULT'));
    expect({ ...k.state(), step: before.step }).toEqual(before);
    rejects(k, { call: 'populate', va: -TOP, level: 2 });
    rejects(k, { call: 'populate', va: -0x100000n, level: 1 });
    expect(k.call({ call: 'populate', va: 0x100000n, level: 1 })).toEqual(NONE);
    expect(k.call({ call: 'populate', va: 0n, level: 1 })).toEqual(NONE); // exists already: nothing to do
  });
});
