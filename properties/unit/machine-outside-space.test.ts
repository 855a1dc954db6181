// Unit: machine-level calls naming addresses outside [0, 2^W] (api/calls.ts, machine level) agree
// on both sides: a range ending past 2^W or a va >= 2^W is EINVAL with nothing changed; touch there
// is EFAULT (an offline cpu stays EINVAL); walk finds nothing. Expectations from that rule alone.
import { describe, it, expect } from 'vitest';
import type { Call, Result, SutFactory } from '../../api/index.js';
import { createModel } from '../../model/index.js';
import { createKernel } from '../../src/index.js';
import { configByName } from '../configs.js';

const SIDES: readonly [string, SutFactory][] = [
  ['impl', createKernel],
  ['model', createModel],
];
const EINVAL: Result = { ok: false, err: 'EINVAL' };
const EFAULT: Result = { ok: false, err: 'EFAULT' };
const UNMAPPED: Result = { ok: true, value: { kind: 'walk', pfn: null, level: null } };

// toy24: 2^24 = 0x1000000; its top window is [0xf00000, 0x1000000); online CPUs 0, 1, 3
const TOP = 0x1000000n;
const REJECTED: readonly Call[] = [
  { call: 'map_pages', va: TOP - 0x1000n, pages: 2 }, // ends one page past 2^W
  { call: 'map_pages', va: TOP, pages: 1 },
  { call: 'map_device', va: TOP - 0x1000n, phys: 0x1000000n, bytes: 0x2000n },
  { call: 'map_device', va: TOP, phys: 0x1000000n, bytes: 0x1000n },
  { call: 'unmap_range', start: TOP - 0x1000n, end: TOP + 0x1000n },
  { call: 'unmap_range', start: TOP, end: TOP + 0x1000n },
  { call: 'free_empty_tables', start: 0xf00000n, end: TOP + 0x1000n },
  { call: 'flush', start: TOP - 0x1000n, end: TOP + 1n },
  { call: 'flush', start: TOP, end: TOP + 0x1000n },
  { call: 'populate', va: TOP, level: 1 },
  { call: 'populate', va: TOP + 0x100000n, level: 2 },
];

describe.each(SIDES)('addresses outside [0, 2^W] on toy24 (%s)', (_side, boot) => {
  it.each(REJECTED.map((c) => [c.call, c] as const))('%s past 2^W is EINVAL and changes nothing', (_name, c) => {
    const k = boot(configByName('toy24'));
    k.call({ call: 'map_pages', va: 0xfff000n, pages: 1 });
    const before = k.state();
    expect(k.call(c)).toEqual(EINVAL);
    expect({ ...k.state(), step: before.step }).toEqual(before);
  });

  it('the same ranges ending exactly at 2^W are accepted', () => {
    const k = boot(configByName('toy24'));
    expect(k.call({ call: 'map_pages', va: TOP - 0x2000n, pages: 2 }).ok).toBe(true);
    expect(k.call({ call: 'flush', start: TOP - 0x1000n, end: TOP })).toEqual({ ok: true, value: { kind: 'none' } });
    expect(k.call({ call: 'unmap_range', start: TOP - 0x2000n, end: TOP })).toEqual({ ok: true, value: { kind: 'none' } });
    expect(k.call({ call: 'free_empty_tables', start: 0xf00000n, end: TOP })).toEqual({ ok: true, value: { kind: 'none' } });
  });

  it('touch of an address >= 2^W is EFAULT, on an offline cpu EINVAL; walk finds nothing', () => {
    const k = boot(configByName('toy24'));
    expect(k.call({ call: 'touch', cpu: 0, va: TOP })).toEqual(EFAULT);
    expect(k.call({ call: 'touch', cpu: 1, va: TOP + 0xe04000n })).toEqual(EFAULT); // not the boot memmap at 0xe04000
    expect(k.call({ call: 'touch', cpu: 2, va: TOP })).toEqual(EINVAL);
    expect(k.call({ call: 'walk', va: TOP })).toEqual(UNMAPPED);
    expect(k.call({ call: 'walk', va: TOP + 0xe04000n })).toEqual(UNMAPPED);
  });
});
