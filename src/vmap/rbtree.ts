// src: an intrusive red-black tree keyed by `start` (lib/rbtree.c: insert and erase with
// rotations and recolouring), with an optional augmentation hook (include/linux/rbtree_augmented.h)
// so that a per-node aggregate — the free-space tree's `subtree_max_size` — stays correct
// through inserts, erases and rotations.
//
// Augmentation contract (struct rb_augment_callbacks): `recompute(n)` rebuilds n's aggregate from
// n itself and its children's aggregates and says whether it changed; `copy` hands a subtree's
// aggregate to the node that now roots the same node set. Three places keep it right, as the
// kernel's propagate/copy/rotate callbacks do:
// - insert: the new leaf's ancestors are recomputed bottom-up, stopping at the first unchanged
//   value (nothing above can have changed then);
// - erase: every node from the lowest structurally changed position up to the root is
//   recomputed (below the successor swap, early stopping would be wrong: the successor's new
//   position must be recomputed even when its old parent's value did not move);
// - rotation: the subtree keeps its node set, so the new top inherits the old top's value and
//   only the old top is recomputed — O(1), done after propagation so children are current.
//
// `visited` counts nodes stepped on by descents, successor walks and propagation; benchmarks
// read its delta per operation (rotations are O(1) per fixup step and not counted).

export interface RbNode<N> {
  /** the key: areas and free blocks are ordered by their start vpn */
  start: number;
  left: N | null;
  right: N | null;
  parent: N | null;
  red: boolean;
}

export interface Augment<N> {
  /** rebuild n's aggregate from n and its children's aggregates; true when it changed */
  recompute(n: N): boolean;
  /** rotation: `to` now roots exactly the nodes `from` rooted; it takes over their aggregate */
  copy(from: N, to: N): void;
  /** checker: a message when n's stored aggregate differs from what its children give, else null */
  verify(n: N): string | null;
}

/** The common case: one number `aug` per node, the max of an own value over the subtree. */
export function maxAugment<N extends RbNode<N> & { aug: number }>(own: (n: N) => number): Augment<N> {
  const compute = (n: N): number => Math.max(own(n), n.left ? n.left.aug : -Infinity, n.right ? n.right.aug : -Infinity);
  return {
    recompute(n) {
      const v = compute(n);
      if (v === n.aug) return false;
      n.aug = v;
      return true;
    },
    copy(from, to) {
      to.aug = from.aug;
    },
    verify(n) {
      const v = compute(n);
      return v === n.aug ? null : `augmented value ${n.aug}, want ${v}`;
    },
  };
}

export class RbTree<N extends RbNode<N>> {
  root: N | null = null;
  size = 0;
  /** nodes visited so far (never reset by the tree; callers take deltas) */
  visited = 0;
  readonly augment: Augment<N> | null;

  constructor(augment: Augment<N> | null = null) {
    this.augment = augment;
  }

  // ------------------------------------------------------------------ queries

  first(): N | null {
    let n = this.root;
    if (!n) return null;
    while (n.left) {
      this.visited++;
      n = n.left;
    }
    return n;
  }

  last(): N | null {
    let n = this.root;
    if (!n) return null;
    while (n.right) {
      this.visited++;
      n = n.right;
    }
    return n;
  }

  /** in-order successor (rb_next) */
  next(n: N): N | null {
    if (n.right) {
      let m = n.right;
      while (m.left) {
        this.visited++;
        m = m.left;
      }
      return m;
    }
    let c = n;
    let p = n.parent;
    while (p && c === p.right) {
      this.visited++;
      c = p;
      p = p.parent;
    }
    return p;
  }

  /** in-order predecessor (rb_prev) */
  prev(n: N): N | null {
    if (n.left) {
      let m = n.left;
      while (m.right) {
        this.visited++;
        m = m.right;
      }
      return m;
    }
    let c = n;
    let p = n.parent;
    while (p && c === p.left) {
      this.visited++;
      c = p;
      p = p.parent;
    }
    return p;
  }

  /** the node with the greatest start <= key, or null */
  floor(key: number): N | null {
    let n = this.root;
    let best: N | null = null;
    while (n) {
      this.visited++;
      if (n.start <= key) {
        best = n;
        n = n.right;
      } else n = n.left;
    }
    return best;
  }

  /** the node with the smallest start >= key, or null */
  ceil(key: number): N | null {
    let n = this.root;
    let best: N | null = null;
    while (n) {
      this.visited++;
      if (n.start >= key) {
        best = n;
        n = n.left;
      } else n = n.right;
    }
    return best;
  }

  /** the node whose start is exactly key */
  find(key: number): N | null {
    const n = this.floor(key);
    return n && n.start === key ? n : null;
  }

  /** in-order iteration; the tree must not change meanwhile */
  *[Symbol.iterator](): IterableIterator<N> {
    for (let n = this.first(); n; n = this.next(n)) yield n;
  }

  toArray(): N[] {
    const out: N[] = [];
    const walk = (n: N | null): void => {
      if (!n) return;
      walk(n.left);
      out.push(n);
      walk(n.right);
    };
    walk(this.root);
    return out;
  }

  clear(): void {
    this.root = null;
    this.size = 0;
  }

  // ------------------------------------------------------------------ augmentation

  /**
   * The node's own contribution changed in place (a free block grew or shrank without moving
   * past a neighbour): recompute it and its ancestors until a value stays the same.
   */
  update(n: N): void {
    const aug = this.augment;
    if (!aug) return;
    for (let m: N | null = n; m; m = m.parent) {
      this.visited++;
      if (!aug.recompute(m)) return;
    }
  }

  private propagateAll(from: N | null): void {
    const aug = this.augment;
    if (!aug) return;
    for (let m = from; m; m = m.parent) {
      this.visited++;
      aug.recompute(m);
    }
  }

  // ------------------------------------------------------------------ insert

  /** Insert a detached node; its start must differ from every key in the tree. */
  insert(node: N): void {
    node.left = null;
    node.right = null;
    node.red = true;
    this.augment?.recompute(node);
    let p: N | null = null;
    let n = this.root;
    let goLeft = false;
    while (n) {
      this.visited++;
      p = n;
      if (node.start < n.start) {
        goLeft = true;
        n = n.left;
      } else if (node.start > n.start) {
        goLeft = false;
        n = n.right;
      } else throw new Error(`rbtree: duplicate key ${node.start}`);
    }
    node.parent = p;
    if (!p) this.root = node;
    else if (goLeft) p.left = node;
    else p.right = node;
    this.size++;
    if (p) this.update(p);
    this.insertFixup(node);
  }

  private insertFixup(z: N): void {
    while (z.parent && z.parent.red) {
      const p: N = z.parent;
      const g = p.parent!; // a red node is never the root
      if (p === g.left) {
        const u = g.right;
        if (u && u.red) {
          p.red = false;
          u.red = false;
          g.red = true;
          z = g;
        } else {
          if (z === p.right) {
            z = p;
            this.rotateLeft(z);
          }
          z.parent!.red = false;
          z.parent!.parent!.red = true;
          this.rotateRight(z.parent!.parent!);
        }
      } else {
        const u = g.left;
        if (u && u.red) {
          p.red = false;
          u.red = false;
          g.red = true;
          z = g;
        } else {
          if (z === p.left) {
            z = p;
            this.rotateRight(z);
          }
          z.parent!.red = false;
          z.parent!.parent!.red = true;
          this.rotateLeft(z.parent!.parent!);
        }
      }
    }
    this.root!.red = false;
  }

  // ------------------------------------------------------------------ erase

  /** Erase a node that is in this tree. */
  erase(z: N): void {
    let y = z;
    let yWasRed = y.red;
    let x: N | null;
    let xParent: N | null;
    if (!z.left) {
      x = z.right;
      xParent = z.parent;
      this.transplant(z, z.right);
    } else if (!z.right) {
      x = z.left;
      xParent = z.parent;
      this.transplant(z, z.left);
    } else {
      y = z.right;
      while (y.left) {
        this.visited++;
        y = y.left;
      }
      yWasRed = y.red;
      x = y.right;
      if (y.parent === z) {
        xParent = y;
      } else {
        xParent = y.parent;
        this.transplant(y, y.right);
        y.right = z.right;
        y.right.parent = y;
      }
      this.transplant(z, y);
      y.left = z.left;
      y.left.parent = y;
      y.red = z.red;
    }
    this.size--;
    z.left = z.right = z.parent = null;
    // Before any rotation: bring every aggregate on the changed path up to date.
    this.propagateAll(xParent);
    if (!yWasRed) this.eraseFixup(x, xParent);
  }

  private eraseFixup(x: N | null, parent: N | null): void {
    while (x !== this.root && (!x || !x.red)) {
      const p = parent!; // x is not the root, so it has a parent
      if (x === p.left) {
        let w = p.right!; // x carries a black deficit: its sibling exists
        if (w.red) {
          w.red = false;
          p.red = true;
          this.rotateLeft(p);
          w = p.right!;
        }
        if (!isRed(w.left) && !isRed(w.right)) {
          w.red = true;
          x = p;
          parent = p.parent;
        } else {
          if (!isRed(w.right)) {
            w.left!.red = false;
            w.red = true;
            this.rotateRight(w);
            w = p.right!;
          }
          w.red = p.red;
          p.red = false;
          w.right!.red = false;
          this.rotateLeft(p);
          x = this.root;
          parent = null;
        }
      } else {
        let w = p.left!;
        if (w.red) {
          w.red = false;
          p.red = true;
          this.rotateRight(p);
          w = p.left!;
        }
        if (!isRed(w.left) && !isRed(w.right)) {
          w.red = true;
          x = p;
          parent = p.parent;
        } else {
          if (!isRed(w.left)) {
            w.right!.red = false;
            w.red = true;
            this.rotateLeft(w);
            w = p.left!;
          }
          w.red = p.red;
          p.red = false;
          w.left!.red = false;
          this.rotateRight(p);
          x = this.root;
          parent = null;
        }
      }
    }
    if (x) x.red = false;
  }

  private transplant(u: N, v: N | null): void {
    const p = u.parent;
    if (!p) this.root = v;
    else if (u === p.left) p.left = v;
    else p.right = v;
    if (v) v.parent = p;
  }

  // ------------------------------------------------------------------ rotations

  private rotateLeft(x: N): void {
    const y = x.right!;
    x.right = y.left;
    if (y.left) y.left.parent = x;
    this.transplant(x, y);
    y.left = x;
    x.parent = y;
    this.rotateAugment(x, y);
  }

  private rotateRight(x: N): void {
    const y = x.left!;
    x.left = y.right;
    if (y.right) y.right.parent = x;
    this.transplant(x, y);
    y.right = x;
    x.parent = y;
    this.rotateAugment(x, y);
  }

  /** rb_augment_rotate: `top` took `old`'s place over the same node set. */
  private rotateAugment(old: N, top: N): void {
    const aug = this.augment;
    if (!aug) return;
    aug.copy(old, top);
    aug.recompute(old);
  }
}

function isRed<N extends RbNode<N>>(n: N | null): boolean {
  return n !== null && n.red;
}
