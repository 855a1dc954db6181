// model: a Map that counts its changes — lets the model's state reader reuse the canonical
// runs it built last time when nothing changed (a cache, not a second representation).
export class VersionedMap<K, V> extends Map<K, V> {
  version = 0;

  override set(k: K, v: V): this {
    this.version++;
    return super.set(k, v);
  }

  override delete(k: K): boolean {
    this.version++;
    return super.delete(k);
  }

  override clear(): void {
    this.version++;
    super.clear();
  }
}

/** Recompute `build()` only when `version()` moved since the last call. */
export function memo<T>(version: () => number | string, build: () => T): () => T {
  let seen: number | string = -1;
  let value: T;
  return () => {
    const v = version();
    if (v !== seen) {
      value = build();
      seen = v;
    }
    return value;
  };
}
