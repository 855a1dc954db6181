// Unit: the order of state().mappings at one va (api/state.ts). Two live mappings share a va
// only when a configured window overlaps the vmalloc space: a raw map_pages handle outlives
// unmap_range of its pages (machine.md: the handle is the caller's), and vmalloc may then
// place an area at the same va. The order is fixed by api/state.ts — machine-level first,
// older first among them, then the vmalloc API's — and must be the same on both sides.
// (Found by mutation testing, issue 8: the implementation put the vmalloc area first.)
//
// toy24: vmalloc range [0x800000, 0xe00000), 4 KiB pages; the window below is made to overlap it.
import { describe, expect, it } from 'vitest';
import type { MachineConfig, MappingRec, SutFactory } from '../../api/index.js';
import { createModel } from '../../model/index.js';
import { createKernel } from '../../src/index.js';
import { configByName } from '../configs.js';

const SIDES: readonly [string, SutFactory][] = [
  ['impl', createKernel],
  ['model', createModel],
];
const TOY = configByName('toy24');
const OVERLAP: MachineConfig = { ...TOY, name: 'toy24-window-in-vmalloc', windows: [{ start: '0x800000', end: '0x900000' }] };
const rec = (kind: MappingRec['kind'], va: bigint, pages: number, guard: number): MappingRec => ({ kind, va, pages, guard });

describe.each(SIDES)('mappings at one va (%s)', (_side, boot) => {
  it('a raw handle left by unmap_range comes before the vmalloc area placed at its va', () => {
    const k = boot(OVERLAP);
    expect(k.call({ call: 'map_pages', va: 0x800000n, pages: 1 }).ok).toBe(true);
    expect(k.call({ call: 'unmap_range', start: 0x800000n, end: 0x801000n }).ok).toBe(true);
    expect(k.call({ call: 'vmalloc', bytes: 0x1000n })).toEqual({ ok: true, value: { kind: 'addr', addr: 0x800000n } });
    expect(k.state().mappings).toEqual([rec('pages', 0x800000n, 1, 0), rec('vmalloc', 0x800000n, 1, 1)]);
  });

  it('two raw handles at one va: the older first, then the vmalloc area', () => {
    const k = boot(OVERLAP);
    expect(k.call({ call: 'map_pages', va: 0x800000n, pages: 2 }).ok).toBe(true);
    expect(k.call({ call: 'unmap_range', start: 0x800000n, end: 0x802000n }).ok).toBe(true);
    expect(k.call({ call: 'map_pages', va: 0x800000n, pages: 1 }).ok).toBe(true);
    expect(k.call({ call: 'unmap_range', start: 0x800000n, end: 0x801000n }).ok).toBe(true);
    expect(k.call({ call: 'vmalloc', bytes: 0x1000n })).toEqual({ ok: true, value: { kind: 'addr', addr: 0x800000n } });
    expect(k.state().mappings).toEqual([rec('pages', 0x800000n, 2, 0), rec('pages', 0x800000n, 1, 0), rec('vmalloc', 0x800000n, 1, 1)]);
  });
});
