// The per-step state comparison (harness/state-equal.ts) is specialised to the api shape for
// speed; the generic deepEqual (compare.ts) is the definition it must agree with. Every leaf
// value of a real, well-filled state is perturbed one at a time: the specialised comparison
// must see each change (and nothing where there is none), and the `verified` short-cut may skip
// only parts that are the very same objects as in the verified pair.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AbstractState } from '../../api/index.js';
import { ModelKernel } from '../../model/index.js';
import { configByName } from '../configs.js';
import type { Subsystem } from '../gen/index.js';
import { traceArb } from '../gen/index.js';
import { deepEqual } from '../harness/compare.js';
import { geometryOf } from '../harness/geometry.js';
import { newHandleTable, recordResult, resolveOp } from '../harness/resolve.js';
import { stateEqual } from '../harness/state-equal.js';

/** the model's state after a generated trace (one with mappings, areas, blocks, leaves, owners) */
function filledState(config: string, subsystem: Subsystem, seed: number): AbstractState {
  const cfg = configByName(config);
  const geo = geometryOf(cfg);
  const [trace] = fc.sample(traceArb(cfg, subsystem, { ops: 80 }), { seed, numRuns: 1 });
  const m = new ModelKernel(cfg);
  const table = newHandleTable();
  for (const op of trace ?? []) {
    const c = resolveOp(op, table, geo);
    if (c) recordResult(c, m.call(c), table, geo);
  }
  return m.state();
}

/** a deep copy (fresh objects everywhere; bigints and strings are values) */
function copy<T>(x: T): T {
  if (Array.isArray(x)) return x.map(copy) as T;
  if (x !== null && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, copy(v)])) as T;
  return x;
}

/** every path to a primitive leaf value of the state */
function leafPaths(x: unknown, path: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (Array.isArray(x)) x.forEach((v, i) => leafPaths(v, [...path, i], out));
  else if (x !== null && typeof x === 'object') for (const [k, v] of Object.entries(x)) leafPaths(v, [...path, k], out);
  else out.push(path);
  return out;
}

/** a copy of `s` with the value at `path` changed to a different value of the same type */
function perturbed(s: AbstractState, path: (string | number)[]): AbstractState {
  const c = copy(s);
  let o = c as unknown as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  const k = path[path.length - 1]!;
  const v = o[k];
  o[k] = typeof v === 'bigint' ? v + 1n : typeof v === 'number' ? v + 1 : typeof v === 'boolean' ? !v : typeof v === 'string' ? v + 'x' : 0;
  return c;
}

describe('state-equal: the specialised per-step comparison agrees with deepEqual', () => {
  for (const [config, subsystem, seed] of [
    ['x86_64', 'vmap', 3],
    ['toy24', 'vmap', 5],
    ['x86_64', 'vmemmap', 2],
    ['arm32', 'pagetable', 4],
  ] as const) {
    it(`${config}/${subsystem}: a copy is equal, and a change of any one leaf value anywhere is seen`, () => {
      const s = filledState(config, subsystem, seed);
      expect(stateEqual(s, copy(s))).toBe(true);
      const paths = leafPaths(s).filter((p) => p[0] !== 'step');
      // the state is well filled: every part of the api has something to perturb
      const parts = new Set(paths.map((p) => (p[0] === 'vmap' || p[0] === 'blocks' || p[0] === 'counters' ? `${p[0]}.${p[1]}` : p[0])));
      expect(paths.length).toBeGreaterThan(50);
      for (const p of paths) {
        const t = perturbed(s, p);
        expect(deepEqual(s, t), p.join('.')).toBe(false);
        expect(stateEqual(s, t), p.join('.')).toBe(false);
      }
      expect(parts.size).toBeGreaterThan(8);
    });
  }

  it('`step` is ignored only when asked', () => {
    const s = filledState('toy24', 'vmap', 5);
    const t = { ...s, step: s.step + 1 };
    expect(stateEqual(s, t)).toBe(false);
    expect(stateEqual(s, t, true)).toBe(true);
  });

  it('the verified short-cut skips a part only when both sides hand back the verified objects', () => {
    const s = filledState('x86_64', 'vmap', 3);
    const i = copy(s);
    // a part that differs from the verified pair on one side only is walked (and found unequal)
    const wrongLeaves = perturbed(i, ['leaves', 0, 'pfn']);
    expect(stateEqual(s, wrongLeaves, false, { a: s, b: i })).toBe(false);
    // the same objects on both sides as in the verified pair: equal without a walk
    expect(stateEqual({ ...s }, { ...i }, false, { a: s, b: i })).toBe(true);
    // vmemmap (compared generically) likewise: a changed object on one side is compared
    if (s.vmemmap) {
      const v = perturbed(i, ['vmemmap', ...leafPaths(i.vmemmap)[0]!]);
      expect(stateEqual(s, { ...i, vmemmap: v.vmemmap }, false, { a: s, b: i })).toBe(false);
    }
  });
});
