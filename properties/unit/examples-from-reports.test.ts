// Examples that came from shrink reports (STYLE.md 11): each pins, by hand, the behaviour a
// fixed report was about, so the lesson survives even if the report's trace stops reaching it.
import { describe, expect, it } from 'vitest';
import { createModel } from '../../model/index.js';
import { createKernel } from '../../src/index.js';
import { configByName } from '../configs.js';

describe.each([
  ['src', createKernel],
  ['model', createModel],
] as const)('%s: a huge leaf at the very top of the address space', (_side, create) => {
  // From shrink-reports/2026-11-22-pagetable-refines-model-13c17c92 (fixed).
  // Tries: on toy24 (W = 24, 1 MiB top-level leaves), map the last MiB of the address space,
  //        [0xf00000, 0x1000000), to device memory at 0x1000000 with map_device.
  // Picture: |...............................................|HHHHHHHHHHHHHHHH|  2^24
  //                                                           0xf00000
  // Expects: one 1 MiB leaf in the root table (level 0): the end of the range is 2^24, which
  //          wraps to 0 in 24-bit arithmetic; a walker that ignored the wrap computed a span of
  //          0 - 0xf00000 and fell back to 64 KiB and 4 KiB leaves, allocating two table pages.
  it('map_device ending at 2^24 uses one top-level leaf and no table page', () => {
    const k = create(configByName('toy24-eager'));
    const tablesBefore = k.state().tables.length;
    const r = k.call({ call: 'map_device', va: 0xf00000n, phys: 0x1000000n, bytes: 0x100000n });
    expect(r).toEqual({ ok: true, value: { kind: 'addr', addr: 0xf00000n } });
    const s = k.state();
    expect(s.leaves.filter((l) => l.va >= 0xf00000n)).toEqual([{ va: 0xf00000n, pages: 256, pfn: 0x1000, level: 0 }]);
    expect(s.tables.length).toBe(tablesBefore);
    // the last byte of the address space resolves through that leaf: pfn 0x1000 + 255
    expect(k.call({ call: 'walk', va: 0xffffffn })).toEqual({ ok: true, value: { kind: 'walk', pfn: 0x10ff, level: 0 } });
  });
});
