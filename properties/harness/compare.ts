// harness: deep equality of plain data (objects, arrays, bigint, primitives) that reports the
// FIRST differing path, e.g. `vmap.lazyNr` or `owners[3].owner`. The abstract state is compact
// (runs), so one walk over it per step is cheap; no serialisation, no allocation on equality.

export interface Diff {
  readonly path: string;
  /** value on the left (the model), undefined when absent */
  readonly left: unknown;
  readonly right: unknown;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** Deep equality of plain data; absent and undefined fields count as equal. Allocation-free. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const oa = a as Record<string, unknown>;
  const ob = b as Record<string, unknown>;
  for (const k in oa) if (!deepEqual(oa[k], ob[k])) return false;
  for (const k in ob) if (!(k in oa) && ob[k] !== undefined) return false;
  return true;
}

/**
 * First difference between a and b in depth-first key order, or null when deep-equal. Paths are
 * only built along the way down to the difference, so the equal case costs one deepEqual walk.
 */
export function firstDiff(a: unknown, b: unknown, path = '', skip?: ReadonlySet<string>): Diff | null {
  if (a === b) return null;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return { path, left: a, right: b };
  }
  const aa = Array.isArray(a);
  if (aa !== Array.isArray(b)) return { path, left: a, right: b };
  if (aa) {
    const xs = a as readonly unknown[];
    const ys = b as readonly unknown[];
    const n = Math.min(xs.length, ys.length);
    for (let i = 0; i < n; i++) {
      if (!deepEqual(xs[i], ys[i])) return firstDiff(xs[i], ys[i], `${path}[${i}]`);
    }
    if (xs.length !== ys.length) return { path: `${path}[${n}]`, left: xs[n], right: ys[n] };
    return null;
  }
  const oa = a as Record<string, unknown>;
  const ob = b as Record<string, unknown>;
  for (const k in oa) {
    if (skip?.has(k)) continue;
    if (!deepEqual(oa[k], ob[k])) return firstDiff(oa[k], ob[k], join(path, k));
  }
  for (const k in ob) {
    if (skip?.has(k)) continue;
    // an optional field present (and defined) on one side only
    if (!(k in oa) && ob[k] !== undefined) return { path: join(path, k), left: undefined, right: ob[k] };
  }
  return null;
}

/**
 * The stable part of a state path, for failure signatures: indices dropped and cut after the
 * first array (`owners[3].owner` → `owners`, `vmap.areas[2].start` → `vmap.areas`,
 * `counters.flushes` stays), so a shrunk trace that breaks the same field keeps its signature.
 */
export function fieldOf(path: string): string {
  const i = path.indexOf('[');
  return i < 0 ? path : path.slice(0, i);
}
