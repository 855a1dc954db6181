// The harness's reference resolution (checking.md §1): refs name the k-th live handle of the
// op's own kind (modulo their number), the handle table is computed by the harness's own
// arithmetic from each successful call, and an op whose reference cannot resolve is skipped.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Call, Op, Result } from '../api/index.js';
import { createModel } from '../model/index.js';
import { traceArb } from './gen/index.js';
import { configByName } from './configs.js';
import { geometryOf } from './harness/geometry.js';
import type { HandleTable } from './harness/resolve.js';
import { compareByVa, newHandleTable, recordResult, resolveOp } from './harness/resolve.js';

const g = geometryOf(configByName('x86_64'));
const addr = (a: bigint): Result => ({ ok: true, value: { kind: 'addr', addr: a } });
const done: Result = { ok: true, value: { kind: 'none' } };

/** Resolve `op`, then record `result` for it, as the runner does. */
function step(t: HandleTable, op: Op, result: Result): Call | null {
  const c = resolveOp(op, t, g);
  if (c) recordResult(c, result, t, g);
  return c;
}

describe('resolveOp', () => {
  it('turns hex strings and byte sizes into exact bigints', () => {
    const t = newHandleTable();
    expect(resolveOp({ op: 'map_device', va: '0xffffffffc0000000', phys: '0x100000000', bytes: '0x40000000' }, t, g)).toEqual({
      call: 'map_device',
      va: 0xffffffffc0000000n,
      phys: 0x100000000n,
      bytes: 0x40000000n,
    });
    expect(resolveOp({ op: 'vmalloc', bytes: 12288 }, t, g)).toEqual({ call: 'vmalloc', bytes: 12288n });
    expect(resolveOp({ op: 'flush', start: '0x0', end: '0x10000000000000000' }, t, g)).toEqual({ call: 'flush', start: 0n, end: 1n << 64n });
  });

  it('skips a free when nothing of its kind is live, and a touch when nothing at all is', () => {
    const t = newHandleTable();
    expect(resolveOp({ op: 'vfree', ref: 0 }, t, g)).toBeNull();
    expect(resolveOp({ op: 'touch', ref: 0, page: 0, cpu: 0 }, t, g)).toBeNull();
    step(t, { op: 'vm_map_ram', pages: 2, cpu: 0 }, addr(0xffffc90000000000n));
    expect(resolveOp({ op: 'vfree', ref: 0 }, t, g)).toBeNull(); // a vm_map_ram handle is not a vmalloc one
    expect(resolveOp({ op: 'touch', ref: 0, page: 0, cpu: 0 }, t, g)).not.toBeNull();
  });

  it('E2: touch of page 3 of vmalloc(12288) is its guard page; page 4 wraps to page 0', () => {
    const t = newHandleTable();
    step(t, { op: 'vmalloc', bytes: 12288 }, addr(0xffffc90000000000n));
    expect(t.live).toEqual([{ kind: 'vmalloc', va: 0xffffc90000000000n, addr: 0xffffc90000000000n, pages: 3, guard: 1, count: 0 }]);
    expect(resolveOp({ op: 'touch', ref: 0, page: 3, cpu: 1 }, t, g)).toEqual({ call: 'touch', cpu: 1, va: 0xffffc90000003000n });
    expect(resolveOp({ op: 'walk', ref: 5, page: 4 }, t, g)).toEqual({ call: 'walk', va: 0xffffc90000000000n });
  });

  it('takes ref modulo the live handles of the own kind, in creation order', () => {
    const t = newHandleTable();
    step(t, { op: 'vmalloc', bytes: 4096 }, addr(0xffffc90000000000n));
    step(t, { op: 'vmap', pages: 1 }, addr(0xffffc90000002000n));
    step(t, { op: 'vmalloc', bytes: 4096 }, addr(0xffffc90000004000n));
    expect(resolveOp({ op: 'vfree', ref: 3 }, t, g)).toEqual({ call: 'vfree', addr: 0xffffc90000004000n });
    expect(resolveOp({ op: 'vunmap', ref: 7 }, t, g)).toEqual({ call: 'vunmap', addr: 0xffffc90000002000n });
    // pick 'any' chooses among every live handle: the 2nd is the vmap
    expect(resolveOp({ op: 'vfree', ref: 1, pick: 'any' }, t, g)).toEqual({ call: 'vfree', addr: 0xffffc90000002000n });
  });

  it('moves a freed handle to the dead list, where pick "dead" finds it (double free)', () => {
    const t = newHandleTable();
    step(t, { op: 'vmalloc', bytes: 4096 }, addr(0xffffc90000000000n));
    expect(step(t, { op: 'vfree', ref: 0 }, done)).toEqual({ call: 'vfree', addr: 0xffffc90000000000n });
    expect(t.live).toEqual([]);
    expect(t.dead).toHaveLength(1);
    expect(resolveOp({ op: 'vfree', ref: 0 }, t, g)).toBeNull();
    expect(resolveOp({ op: 'vfree', ref: 0, pick: 'dead' }, t, g)).toEqual({ call: 'vfree', addr: 0xffffc90000000000n });
  });

  it('a failed allocation creates no handle and a rejected free frees none', () => {
    const t = newHandleTable();
    step(t, { op: 'vmalloc', bytes: 4096 }, { ok: false, err: 'ENOMEM' });
    expect(t.live).toEqual([]);
    step(t, { op: 'vmalloc', bytes: 4096 }, addr(0xffffc90000000000n));
    step(t, { op: 'vfree', ref: 0, delta: 4096 }, { ok: false, err: 'EINVAL' });
    expect(t.live).toHaveLength(1);
  });

  it('adds delta bytes to the handle address, wrapping below 0 as W-bit arithmetic does', () => {
    const t = newHandleTable();
    step(t, { op: 'map_pages', va: '0x0', pages: 1 }, addr(0n));
    expect(resolveOp({ op: 'unmap_pages', ref: 0, delta: 4096 }, t, g)).toEqual({ call: 'unmap_pages', va: 0x1000n });
    expect(resolveOp({ op: 'unmap_pages', ref: 0, delta: -4096 }, t, g)).toEqual({ call: 'unmap_pages', va: 0xfffffffffffff000n });
  });

  it('ioremap: the handle keeps the page offset in addr; the mapping covers whole pages', () => {
    const t = newHandleTable();
    // [0x100000123, 0x100002123) touches the pages 0x100000000, 0x100001000, 0x100002000
    step(t, { op: 'ioremap', phys: '0x100000123', bytes: 0x2000 }, addr(0xffffc90000000123n));
    expect(t.live[0]).toEqual({ kind: 'ioremap', va: 0xffffc90000000000n, addr: 0xffffc90000000123n, pages: 3, guard: 1, count: 0 });
    expect(resolveOp({ op: 'iounmap', ref: 0 }, t, g)).toEqual({ call: 'iounmap', addr: 0xffffc90000000123n });
    expect(resolveOp({ op: 'touch', ref: 0, page: 3, cpu: 0 }, t, g)).toEqual({ call: 'touch', cpu: 0, va: 0xffffc90000003000n });
  });

  it('vm_unmap_ram count defaults to the handle count; an explicit count wins', () => {
    const t = newHandleTable();
    step(t, { op: 'vm_map_ram', pages: 3, cpu: 1 }, addr(0xffffc90000000000n));
    expect(resolveOp({ op: 'vm_unmap_ram', ref: 0 }, t, g)).toEqual({ call: 'vm_unmap_ram', addr: 0xffffc90000000000n, count: 3 });
    expect(resolveOp({ op: 'vm_unmap_ram', ref: 0, count: 4 }, t, g)).toEqual({ call: 'vm_unmap_ram', addr: 0xffffc90000000000n, count: 4 });
  });

  it('get_vm_area with VM_NO_GUARD has no guard page; bytes round up to pages', () => {
    const t = newHandleTable();
    step(t, { op: 'get_vm_area', bytes: 4097, flags: ['VM_NO_GUARD'] }, addr(0xffffc90000000000n));
    expect(t.live[0]).toMatchObject({ kind: 'vm_area', pages: 2, guard: 0 });
    expect(resolveOp({ op: 'find_vm_area', ref: 0, page: 2 }, t, g)).toEqual({ call: 'find_vm_area', addr: 0xffffc90000000000n });
  });

  it('a raw address target is used as is', () => {
    const t = newHandleTable();
    expect(resolveOp({ op: 'vfree', addr: '0xffffc90000001000' }, t, g)).toEqual({ call: 'vfree', addr: 0xffffc90000001000n });
    expect(resolveOp({ op: 'vm_unmap_ram', addr: '0xffffc90000001000' }, t, g)).toEqual({
      call: 'vm_unmap_ram',
      addr: 0xffffc90000001000n,
      count: 1,
    });
  });
});

describe('the handle table kept sorted by va', () => {
  it('byVa is always the live handles sorted by (va, kind, pages, guard), over generated vmap traces', () => {
    for (const config of ['x86_64', 'toy24']) {
      const cfg = configByName(config);
      const geo = geometryOf(cfg);
      for (const trace of fc.sample(traceArb(cfg, 'vmap', { ops: 150 }), { seed: 11, numRuns: 6 })) {
        const m = createModel(cfg);
        const t = newHandleTable();
        let changes = 0;
        for (const op of trace) {
          const c = resolveOp(op, t, geo);
          if (!c) continue;
          const before = t.live.length;
          recordResult(c, m.call(c), t, geo);
          if (t.live.length !== before) changes++;
          expect(t.byVa).toEqual([...t.live].sort(compareByVa));
        }
        expect(changes).toBeGreaterThan(10);
      }
    }
  });
});
