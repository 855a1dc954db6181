// model: keep the identity of state parts that did not change. The model rebuilds its small
// parts (areas, mappings, blocks, vmemmap, warnings) from plain data on every state() call;
// handing back last call's object when the new one has the same content lets the harness skip
// re-checking parts nothing touched (an identity test there, harness/step.ts). Reference
// semantics are untouched: the returned value always equals the fresh one.

/** Structural equality of plain data (objects, arrays, bigint, primitives). Allocation-free. */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!same(a[i], b[i])) return false;
    return true;
  }
  let n = 0;
  for (const k in a) {
    if (!same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
    n++;
  }
  for (const _ in b) n--;
  return n === 0;
}

/** A cell that returns its previous value when the fresh one has the same content. */
export function stableCell<T>(): (fresh: T) => T {
  let last: T | undefined;
  let has = false;
  return (fresh) => {
    if (has && same(last, fresh)) return last as T;
    last = fresh;
    has = true;
    return fresh;
  };
}
