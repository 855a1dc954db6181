// Unit: the step harness's is-vmalloc-addr-correct check (checking.md §4, layout.md §3) passes on
// the real pair and fails, under its own name, on an implementation whose is_vmalloc_addr is wrong
// for one 2 MiB granule — at a range edge (caught by the edge probes at boot) and inside a range
// (caught by the probes at the ends of a live area). Expectations from examples.md E5.
import { describe, it, expect } from 'vitest';
import type { Addr, MachineConfig, SutFactory } from '../../api/index.js';
import { createModel } from '../../model/index.js';
import { createKernel } from '../../src/index.js';
import { configByName } from '../configs.js';
import { geometryOf } from '../harness/geometry.js';
import { runTrace } from '../harness/runner.js';
import { vmallocAddrProbes } from '../invariants/is-vmalloc-addr-correct.js';

const GRANULE = 2n << 20n;

/** createKernel whose is_vmalloc_addr answers the opposite inside [g, g + 2 MiB). */
function flipGranule(g: Addr): SutFactory {
  return (config) => {
    const k = createKernel(config);
    return {
      call: (c) => k.call(c),
      state: () => k.state(),
      selfCheck: () => k.selfCheck?.() ?? [],
      isVmallocAddr: (a) => (a >= g && a < g + GRANULE ? !k.isVmallocAddr(a) : k.isVmallocAddr(a)),
    };
  };
}

// examples.md E5: hole range [0xc8000000, 0xce000000), main range [0xd0800000, 0xff800000)
const E5: MachineConfig = configByName('arm32-holes');

describe('is-vmalloc-addr-correct in the step harness', () => {
  it('holds for the real implementation against the model, on E5 and after a hole-range allocation', () => {
    const out = runTrace({ name: 'real', impl: createKernel, model: createModel }, E5, [
      { op: 'get_vm_area', bytes: 0x1000000, flags: ['VM_NO_GUARD'] },
      { op: 'vmalloc', bytes: 4096 },
    ]);
    expect(out.ok).toBe(true);
  });

  it('a wrong granule at the first byte of the hole range fails at boot, named, model first', () => {
    const out = runTrace({ name: 'flipped', impl: flipGranule(0xc8000000n), model: createModel }, E5, []);
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.failure).toMatchObject({ step: 0, kind: 'invariant', where: 'is-vmalloc-addr-correct', side: 'impl' });
    expect(out.failure.message).toBe('step 0 boot › is-vmalloc-addr-correct: is_vmalloc_addr(0xc8000000): model=true impl=false');
  });

  it('a wrong granule inside the hole range is caught at the end of a live area', () => {
    // [0xc9000000, 0xc9200000) is 16 MiB into the hole range: no range edge, no boot probe near it
    const g = 0xc9000000n;
    const bootProbes = vmallocAddrProbes(createModel(E5).state(), { config: E5, geo: geometryOf(E5), call: null, result: null }, 0);
    expect(bootProbes.some((a) => a >= g && a < g + GRANULE)).toBe(false);
    // get_vm_area(16 MiB, VM_NO_GUARD) is the lowest fit in the lowest range: [0xc8000000, 0xc9000000),
    // whose end 0xc9000000 is a probe at step 1
    const out = runTrace({ name: 'flipped', impl: flipGranule(g), model: createModel }, E5, [
      { op: 'get_vm_area', bytes: 0x1000000, flags: ['VM_NO_GUARD'] },
    ]);
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.failure).toMatchObject({ step: 1, kind: 'invariant', where: 'is-vmalloc-addr-correct' });
    expect(out.failure.message).toMatch(/is_vmalloc_addr\(0xc9000000\): model=true impl=false$/);
  });

  it('probes are a function of the step and the configuration: the same twice, different per step', () => {
    const s = createModel(E5).state();
    const ctx = { config: E5, geo: geometryOf(E5), call: null, result: null };
    expect(vmallocAddrProbes(s, ctx, 7)).toEqual(vmallocAddrProbes(s, ctx, 7));
    expect(vmallocAddrProbes(s, ctx, 7)).not.toEqual(vmallocAddrProbes(s, ctx, 8));
    // every edge of every range and its neighbours, 0 and 2^32 - 1 are among them
    const p = vmallocAddrProbes(s, ctx, 7);
    for (const a of [0n, 0xc7ffffffn, 0xc8000000n, 0xc8000001n, 0xcdffffffn, 0xce000000n, 0xd0800000n, 0xff7fffffn, 0xff800000n, 0xffffffffn]) {
      expect(p).toContain(a);
    }
  });

  it('an incremental step probes exactly the area edges (±1) that were no edge before, sorted or not', () => {
    const s0 = createModel(E5).state();
    const ctx = { config: E5, geo: geometryOf(E5), call: null, result: null };
    const area = (start: bigint, end: bigint) => ({ start, end, lazy: false });
    const withAreas = (areas: ReturnType<typeof area>[]) => ({ ...s0, vmap: { ...s0.vmap, areas } });
    const before = withAreas([area(0xc8000000n, 0xc8002000n), area(0xc8004000n, 0xc8006000n)]);
    // new: [0xc8002000, 0xc8004000) between them (both its edges were edges before) and one at
    // 0xc8010000; the random probes of the step are the same in both calls, so compare the rest
    const after = withAreas([area(0xc8000000n, 0xc8002000n), area(0xc8002000n, 0xc8004000n), area(0xc8004000n, 0xc8006000n), area(0xc8010000n, 0xc8012000n)]);
    const random = new Set(vmallocAddrProbes(before, ctx, 9, before));
    const fresh = vmallocAddrProbes(after, ctx, 9, before).filter((a) => !random.has(a));
    expect(fresh).toEqual([0xc800ffffn, 0xc8010000n, 0xc8010001n, 0xc8011fffn, 0xc8012000n, 0xc8012001n]);
    // an unsorted (broken) list still gets the set difference, not a merge walk's guess
    const broken = withAreas([after.vmap.areas[3]!, ...after.vmap.areas.slice(0, 3)]);
    expect(vmallocAddrProbes(broken, ctx, 9, before).filter((a) => !random.has(a))).toEqual(fresh);
  });
});
