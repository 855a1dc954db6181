// model: a Map that counts its changes and remembers which keys changed — lets the model's
// state reader reuse the canonical runs it built last time: untouched when nothing changed,
// patched around the changed keys otherwise (a cache, not a second representation).
export class VersionedMap<K, V> extends Map<K, V> {
  version = 0;
  /** keys set or deleted since the last takeChanged(), repeats allowed; null: too many (or cleared) — rebuild */
  private log: K[] | null = [];

  /** beyond this many changed keys nobody is reading the log: drop it (memory stays bounded) */
  static readonly LOG_LIMIT = 1 << 20;

  override set(k: K, v: V): this {
    this.version++;
    this.note(k);
    return super.set(k, v);
  }

  override delete(k: K): boolean {
    this.version++;
    this.note(k);
    return super.delete(k);
  }

  override clear(): void {
    this.version++;
    this.log = null;
    super.clear();
  }

  private note(k: K): void {
    if (this.log === null) return;
    this.log.push(k);
    if (this.log.length > VersionedMap.LOG_LIMIT) this.log = null;
  }

  /** The keys changed since the last call, in no order, possibly repeated; null when they are not known. */
  takeChanged(): K[] | null {
    const l = this.log;
    this.log = [];
    return l;
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

/**
 * Like memo, for runs read off one VersionedMap: the first build and any build after an
 * unknown change is `full()`; otherwise `patch(previous, changedKeys)`. `reset()` says that
 * something outside the map changed too (a full rebuild is due).
 */
export function patched<K, R>(
  map: VersionedMap<K, unknown>,
  reset: () => number | string,
  full: () => R,
  patch: (prev: R, changed: K[]) => R,
): () => R {
  let seenVersion = -1;
  let seenReset: number | string | undefined;
  let value: R;
  return () => {
    const r = reset();
    if (map.version === seenVersion && r === seenReset) return value;
    const changed = map.takeChanged();
    value = changed === null || r !== seenReset || seenVersion < 0 ? full() : patch(value, changed);
    seenVersion = map.version;
    seenReset = r;
    return value;
  };
}
