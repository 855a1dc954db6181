// src: free vmalloc space as address-sorted, non-overlapping, coalesced blocks in a red-black
// tree augmented with `subtree_max_size` (mm/vmalloc.c, the 2019 free-space tree: free_vmap_area_root,
// find_vmap_lowest_match, adjust_va_to_fit_type, merge_or_add_vmap_area). Units: vpn and pages.
//
// Beyond the kernel: for alignments 2^1 .. 2^MAX_EXACT_ORDER pages that searches have asked for,
// each node also keeps, per order j, the largest ALIGNED fit in its subtree:
// max over blocks of (end - alignUp(start, 2^j)). Orders are switched on the first time a search
// needs them (one O(n) pass), so trees that only see page-aligned requests pay nothing.
import type { FreeSpace } from './free-space.js';
import { RbTree, type Augment, type RbNode } from './rbtree.js';
import { checkRbTree } from './rbtree-check.js';

/** the largest alignment order (in pages) with its own augmented maximum; larger ones scan candidates */
export const MAX_EXACT_ORDER = 20;

export class FreeBlock implements RbNode<FreeBlock> {
  left: FreeBlock | null = null;
  right: FreeBlock | null = null;
  parent: FreeBlock | null = null;
  red = false;
  /** subtree_max_size: the largest free block (pages) in this node's subtree */
  aug = 0;
  /** al[j - 1]: the largest fit aligned to 2^j pages in this subtree (may be negative: none) */
  al: Float64Array | null = null;
  constructor(
    public start: number,
    public end: number,
  ) {}
}

export interface Fit {
  readonly block: FreeBlock;
  /** the vpn of the fit */
  readonly addr: number;
}

/** the lowest multiple of `align` (a power of two) that is >= x; exact: division by a power of two is exact in a double */
function alignUp(x: number, align: number): number {
  return Math.ceil(x / align) * align;
}

/** log2 of a power of two */
function orderOf(align: number): number {
  return Math.round(Math.log2(align));
}

export class FreeTree implements FreeSpace<FreeBlock> {
  readonly tree: RbTree<FreeBlock>;
  /** tree nodes visited so far (FreeSpace) */
  get visited(): number {
    return this.tree.visited;
  }
  /** aligned maxima are kept for orders 1..orders */
  private orders = 0;

  /**
   * The free space starts as these disjoint [start, end) vpn ranges. `maxExactOrder` caps the
   * tracked alignment orders (tests set 0 to exercise the raw-size fallback alone).
   */
  constructor(
    ranges: readonly (readonly [number, number])[],
    private readonly maxExactOrder = MAX_EXACT_ORDER,
  ) {
    this.tree = new RbTree<FreeBlock>(this.augmentCallbacks());
    for (const [s, e] of ranges) if (this.release(s, e) !== null) throw new Error('free tree: initial ranges overlap');
  }

  /** compute_subtree_max_size, plus the aligned maxima of the active orders */
  private compute(n: FreeBlock, out: { aug: number; al: Float64Array | null }): void {
    const l = n.left;
    const r = n.right;
    let v = n.end - n.start;
    if (l && l.aug > v) v = l.aug;
    if (r && r.aug > v) v = r.aug;
    out.aug = v;
    const K = this.orders;
    if (K === 0) return;
    const al = out.al!;
    const la = l ? l.al! : null;
    const ra = r ? r.al! : null;
    for (let j = 0; j < K; j++) {
      const a = 2 ** (j + 1);
      let u = n.end - alignUp(n.start, a);
      if (la && la[j]! > u) u = la[j]!;
      if (ra && ra[j]! > u) u = ra[j]!;
      al[j] = u;
    }
  }

  private augmentCallbacks(): Augment<FreeBlock> {
    const scratch = { aug: 0, al: null as Float64Array | null };
    return {
      recompute: (n) => {
        const K = this.orders;
        let changed = false;
        if (K > 0 && (!n.al || n.al.length !== K)) {
          n.al = new Float64Array(K);
          changed = true;
        }
        if (K > 0 && (!scratch.al || scratch.al.length !== K)) scratch.al = new Float64Array(K);
        this.compute(n, scratch);
        if (scratch.aug !== n.aug) {
          n.aug = scratch.aug;
          changed = true;
        }
        if (K > 0) {
          const al = n.al!;
          const s = scratch.al!;
          for (let j = 0; j < K; j++) {
            if (al[j] !== s[j]) {
              al[j] = s[j]!;
              changed = true;
            }
          }
        }
        return changed;
      },
      copy: (from, to) => {
        to.aug = from.aug;
        if (from.al) {
          if (!to.al || to.al.length !== from.al.length) to.al = new Float64Array(from.al.length);
          to.al.set(from.al);
        }
      },
      verify: (n) => {
        const K = this.orders;
        const want = { aug: 0, al: K > 0 ? new Float64Array(K) : null };
        this.compute(n, want);
        if (want.aug !== n.aug) return `subtree_max_size ${n.aug}, want ${want.aug}`;
        for (let j = 0; j < K; j++) {
          if (!n.al || n.al.length !== K) return `aligned maxima missing for ${K} orders`;
          if (n.al[j] !== want.al![j]) return `largest fit aligned to 2^${j + 1} is ${n.al[j]}, want ${want.al![j]}`;
        }
        return null;
      },
    };
  }

  /** Keep aligned maxima for orders 1..k from now on: one bottom-up pass over every node. */
  private enableOrders(k: number): void {
    this.orders = k;
    const aug = this.tree.augment!;
    const post = (n: FreeBlock | null): void => {
      if (!n) return;
      post(n.left);
      post(n.right);
      aug.recompute(n);
    };
    post(this.tree.root);
  }

  /**
   * The EXACT lowest vpn `addr` with addr % align == 0, addr >= vstart, addr + size <= vend and
   * [addr, addr + size) inside one free block; null when there is none.
   *
   * Deliberate deviation (README "deviations"): the kernel searches for `size + align - 1` when
   * align > PAGE_SIZE, which can skip a lower block that has an aligned fit. We search for `size`
   * and check the aligned fit on each candidate exactly, continuing to the right when it fails.
   *
   * Exactness: this is an in-order walk that returns the first block (in address order) holding
   * an aligned fit, and it only skips subtrees that cannot hold one — a subtree whose largest fit
   * (aligned to `align` when that order is tracked, else raw: subtree_max_size) is < size; a left
   * subtree when node.start <= vstart (its blocks end before node.start, so below vstart); a right
   * subtree when node.end + size > vend (its blocks start at or after node.end). The fit inside a
   * block is the lowest possible: align up max(start, vstart).
   *
   * Cost, O(log n): with the aligned maximum of this order (align = 1 page: subtree_max_size
   * itself), every subtree entered holds a block with an aligned fit. A candidate can then fail
   * only through vstart or vend: the nodes whose fit lies below vstart are on the BST search path
   * of vstart (left subtrees of nodes at or below vstart are skipped), and the first failure at
   * vend ends the walk after one more path. So the walk visits O(h) nodes, h <= 2 log2(n + 1).
   * Only alignments above 2^MAX_EXACT_ORDER pages fall back to the raw-size prune, where blocks
   * of size in [size, size + align - 1) can be rejected one by one (O(h · (k + 1)) for k rejected).
   */
  findLowestFit(size: number, align: number, vstart: number, vend: number): Fit | null {
    const tree = this.tree;
    const order = orderOf(align);
    const j = order <= this.maxExactOrder ? order : 0;
    if (j > this.orders) this.enableOrders(j);
    const visit = (n: FreeBlock | null): Fit | null => {
      if (!n || (j === 0 ? n.aug : n.al![j - 1]!) < size) return null;
      tree.visited++;
      if (n.start > vstart) {
        const r = visit(n.left);
        if (r) return r;
      }
      const addr = alignUp(Math.max(n.start, vstart), align);
      if (addr + size <= n.end && addr + size <= vend) return { block: n, addr };
      if (n.end + size > vend) return null;
      return visit(n.right);
    };
    return visit(tree.root);
  }

  /**
   * adjust_va_to_fit_type: take [addr, addr + size) out of `block`, which contains it. Full fit
   * removes the block; a fit at either edge shrinks it in place (order is kept: it does not move
   * past a neighbour); a fit in the middle shrinks it to the left remainder and inserts the right one.
   */
  carve(block: FreeBlock, addr: number, size: number): void {
    const end = addr + size;
    if (addr < block.start || end > block.end) throw new Error('free tree: carve outside its block');
    if (addr === block.start && end === block.end) {
      this.tree.erase(block);
    } else if (addr === block.start) {
      block.start = end;
      this.tree.update(block);
    } else if (end === block.end) {
      block.end = addr;
      this.tree.update(block);
    } else {
      const right = new FreeBlock(end, block.end);
      block.end = addr;
      this.tree.update(block);
      this.tree.insert(right);
    }
  }

  /**
   * merge_or_add_vmap_area: give [start, end) back, coalescing with a free neighbour on either
   * side. Returns null, or the vpn where it overlaps free space (the kernel WARNs and drops the
   * insertion; the tree is left unchanged).
   */
  release(start: number, end: number): number | null {
    const tree = this.tree;
    const prev = tree.floor(start);
    if (prev && prev.end > start) return start;
    const next = prev ? tree.next(prev) : tree.first();
    if (next && next.start < end) return next.start;
    const mergePrev = prev !== null && prev.end === start;
    const mergeNext = next !== null && next.start === end;
    if (mergePrev && mergeNext) {
      // erase first: extending prev over next's range would break the order
      tree.erase(next);
      prev.end = next.end;
      tree.update(prev);
    } else if (mergePrev) {
      prev.end = end;
      tree.update(prev);
    } else if (mergeNext) {
      next.start = start;
      tree.update(next);
    } else {
      tree.insert(new FreeBlock(start, end));
    }
    return null;
  }

  /** the free blocks in address order */
  blocks(): FreeBlock[] {
    return this.tree.toArray();
  }

  /** red-black and augmentation invariants, plus: blocks non-empty, disjoint and coalesced */
  check(): string[] {
    const out = checkRbTree(this.tree, 'free tree');
    let prevEnd = -Infinity;
    for (const b of this.tree.toArray()) {
      if (!(b.start < b.end)) out.push(`free tree: empty block at ${b.start}`);
      if (b.start < prevEnd) out.push(`free tree: block at ${b.start} overlaps its predecessor`);
      if (b.start === prevEnd) out.push(`free tree: block at ${b.start} not coalesced with its predecessor`);
      prevEnd = b.end;
    }
    return out;
  }
}
