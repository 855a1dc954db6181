// The incremental parts of the checking (checking.md §2, "at least as strict in effect"):
//   - the model's state reader patches its leaf and owner runs around the keys a call changed;
//     after every step of generated traces the patched runs equal a rebuild from scratch;
//   - the harness re-checks an invariant only when a part it declares in `reads` is a new object;
//     every part a check actually touches must be declared (else a change there would go
//     unchecked): each check runs on a recording proxy of real states and every part it read
//     must be one of its declared parts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AbstractState, Call } from '../../api/index.js';
import { ModelKernel } from '../../model/index.js';
import { leafRuns } from '../../model/state.js';
import { configByName } from '../configs.js';
import type { Subsystem } from '../gen/index.js';
import { traceArb } from '../gen/index.js';
import { geometryOf } from '../harness/geometry.js';
import { newHandleTable, recordResult, resolveOp } from '../harness/resolve.js';
import { firstViolation } from '../harness/step.js';
import { INVARIANTS } from '../invariants/index.js';
import { unitsCheck, unitsFine, vmemmapGeo } from '../invariants/vmemmap-backed.js';

const CASES: readonly [string, Subsystem][] = [
  ['toy24', 'vmap'],
  ['toy24', 'pagetable'],
  ['x86_64', 'vmap'],
  ['x86_64', 'vmemmap'],
  ['arm32', 'pagetable'],
];

/** Run `runs` generated traces on the model, calling `each` with the model and state after every call. */
function eachStep(config: string, subsystem: Subsystem, runs: number, each: (m: ModelKernel, s: AbstractState, c: Call) => void): void {
  const cfg = configByName(config);
  const geo = geometryOf(cfg);
  for (const trace of fc.sample(traceArb(cfg, subsystem, { ops: 120 }), { seed: 7, numRuns: runs })) {
    const m = new ModelKernel(cfg);
    const table = newHandleTable();
    for (const op of trace) {
      const c = resolveOp(op, table, geo);
      if (!c) continue;
      recordResult(c, m.call(c), table, geo);
      each(m, m.state(), c);
    }
  }
}

describe("the model's patched runs", () => {
  it.each(CASES)('equal a rebuild from scratch after every step (%s, %s traces)', (config, subsystem) => {
    let steps = 0;
    eachStep(config, subsystem, 6, (m, s) => {
      steps++;
      expect(s.leaves).toEqual(leafRuns(m.machine.pt, m.machine.preset.pageShift));
      expect(s.owners).toEqual(m.machine.pm.ownerRuns());
    });
    expect(steps).toBeGreaterThan(100);
  });
});

/** Top-level parts that are containers: what a check reads inside them counts, one level down. */
const CONTAINERS = new Set(['vmap', 'blocks', 'counters']);

/** A view of `s` that records every part read (top level, or one level into a container). */
function recording(s: AbstractState, read: Map<string, unknown>): AbstractState {
  return new Proxy(s, {
    get(target, key, recv) {
      const v: unknown = Reflect.get(target, key, recv);
      if (typeof key !== 'string') return v;
      if (!CONTAINERS.has(key) || v === null || typeof v !== 'object') {
        read.set(key, v);
        return v;
      }
      return new Proxy(v, {
        get(t2, k2, r2) {
          const w: unknown = Reflect.get(t2, k2, r2);
          if (typeof k2 === 'string') read.set(`${key}.${k2}`, w);
          return w;
        },
      });
    },
  });
}

describe('invariant reads', () => {
  it.each(CASES)('every part a check reads is declared in its reads (%s, %s traces)', (config, subsystem) => {
    const cfg = configByName(config);
    const geo = geometryOf(cfg);
    const undeclared = new Set<string>();
    eachStep(config, subsystem, 3, (_m, s, call) => {
      for (const inv of INVARIANTS) {
        if (!inv.reads) continue;
        const declared = inv.reads(s);
        const read = new Map<string, unknown>();
        inv.check(recording(s, read), { config: cfg, geo, call, result: null });
        for (const [path, v] of read) if (!declared.includes(v)) undeclared.add(`${inv.name} reads ${path}`);
      }
    });
    expect([...undeclared]).toEqual([]);
  });

  it('an undeclared part is caught: a check reading s.tlb while declaring only s.leaves', () => {
    const cfg = configByName('toy24');
    const s = new ModelKernel(cfg).state();
    const read = new Map<string, unknown>();
    const sneaky = (x: AbstractState): null => (x.leaves.length + x.tlb.length < 0 ? null : null);
    sneaky(recording(s, read));
    const declared: readonly unknown[] = [s.leaves];
    expect([...read].filter(([, v]) => !declared.includes(v)).map(([p]) => p)).toEqual(['tlb']);
  });

  it('a held verdict is reused only while every declared part is the same object', () => {
    const cfg = configByName('toy24');
    const geo = geometryOf(cfg);
    const s = new ModelKernel(cfg).state();
    const ctx = { config: cfg, geo, call: null, result: null };
    expect(firstViolation(s, ctx, true)).toBeNull();
    // the same parts: skipped, so even a state whose other fields are garbage passes
    expect(firstViolation({ ...s, step: -1 }, ctx)).toBeNull();
    // a new (broken) leaves array: pagetable-shape runs again and sees the overlap
    const first = s.leaves[0];
    if (!first) throw new Error('the toy boot state maps something');
    const broken = { ...s, leaves: [first, first] };
    expect(firstViolation(broken, ctx)?.[0]).toBe('pagetable-shape');
  });
});

describe('vmemmap-backed fast path', () => {
  it.each([
    ['x86_64', 'vmemmap'],
    ['arm64-64k', 'vmemmap'],
    ['toy24', 'vmemmap'],
    ['x86_64', 'vmap'],
  ] as const)('decides run by run what the unit-by-unit check decides on healthy states (%s, %s traces)', (config, subsystem) => {
    const cfg = configByName(config);
    const geo = geometryOf(cfg);
    const v = vmemmapGeo({ config: cfg, geo, call: null, result: null });
    if (!v) throw new Error(`${config} has a vmemmap`);
    let steps = 0;
    eachStep(config, subsystem, 3, (_m, s) => {
      const ctx = { config: cfg, geo, call: null, result: null };
      steps++;
      expect(unitsCheck(s, ctx, v)).toBeNull();
      expect(unitsFine(s, ctx, v)).toBe(true);
    });
    expect(steps).toBeGreaterThan(50);
  });
  // broken states: properties/unit/vmemmap-invariants.test.ts — each message there comes from
  // unitsCheck, so unitsFine said false on every one of them
});
