// Unit: the free-space tree's self-check (src/vmap/free-tree.ts `check()`, with the red-black
// checker src/vmap/rbtree-check.ts) must FAIL on a broken tree — a check never seen failing is
// untested (checking.md §4). Each test breaks one sound tree in one way, by hand, and expects
// exactly the violation it planted: colours and black height, subtree_max_size, the per-order
// aligned maxima, and the free-space rules (blocks non-empty, disjoint, coalesced). Also: the
// tree's own error paths and the O(log n) cost claims of findLowestFit at vstart and vend.
import { describe, expect, it } from 'vitest';
import { FreeTree } from '../../src/vmap/index.js';
import type { FreeBlock } from '../../src/vmap/free-tree.js';

/**
 * Three blocks inserted in address order: the red-black insert rotates once, so the middle
 * block is the black root and the outer two are its red children.
 *   [1,5) size 4   [10,13) size 3   [21,28) size 7
 * aligned fits: to 2 pages 3 / 3 / 6 (starts 2, 10, 22); to 4 pages 1 / 1 / 4 (starts 4, 12, 24)
 */
function three(): { t: FreeTree; root: FreeBlock; left: FreeBlock; right: FreeBlock } {
  const t = new FreeTree([
    [1, 5],
    [10, 13],
    [21, 28],
  ]);
  const root = t.tree.root!;
  return { t, root, left: root.left!, right: root.right! };
}

/** the same three blocks with the aligned maxima for 2 and 4 pages switched on (a search aligned to 4 pages) */
function threeAligned(): ReturnType<typeof three> {
  const x = three();
  expect(x.t.findLowestFit(1, 4, 0, 100)?.addr).toBe(4);
  return x;
}

describe('free tree check() reports a broken red-black shape', () => {
  it('the sound tree has the middle block as black root and red outer blocks, and passes', () => {
    const { t, root, left, right } = threeAligned();
    expect([root.start, root.red, left.start, left.red, right.start, right.red]).toEqual([10, false, 1, true, 21, true]);
    expect([root.aug, left.aug, right.aug]).toEqual([7, 4, 7]);
    expect([...root.al!]).toEqual([6, 4]);
    expect(t.check()).toEqual([]);
  });

  it('a red root is reported, and so is the red root with red children', () => {
    const { t, root } = three();
    root.red = true;
    const out = t.check();
    expect(out).toContain('free tree: root is red');
    expect(out).toContain('free tree: red node 10 has a red child 1');
    expect(out).toContain('free tree: red node 10 has a red child 21');
  });

  it('a red child turned black makes the black heights differ under the root', () => {
    const { t, left } = three();
    left.red = false;
    expect(t.check()).toEqual(['free tree: black heights differ under key 10 (2 left, 1 right)']);
  });

  it('a wrong parent pointer, a root with a parent and a wrong node count are each reported', () => {
    const a = three();
    a.left.parent = a.right;
    expect(a.t.check()).toEqual(['free tree: bad parent pointer under key 10']);
    const b = three();
    b.root.parent = b.left;
    expect(b.t.check()).toEqual(['free tree: root has a parent']);
    const c = three();
    c.t.tree.size = 4;
    expect(c.t.check()).toEqual(['free tree: 3 nodes reachable, size says 4']);
  });

  it('a key out of search-tree order is reported with its bounds', () => {
    const { t, left } = three();
    left.start = 11;
    left.end = 12; // same size: only the order (and the overlap with the root's block) is wrong
    expect(t.check()).toContain('free tree: order broken at key 11 (bounds -Infinity..10)');
  });
});

describe('free tree check() reports a wrong augmented value', () => {
  it('a wrong subtree_max_size at a leaf is reported at that key with the value it should have', () => {
    const { t, left } = three();
    left.aug = 0;
    // the root recomputes from the stored child values: max(3, 0, 7) = 7, as stored: only the leaf is wrong
    expect(t.check()).toEqual(['free tree: at key 1: subtree_max_size 0, want 4']);
  });

  it('a wrong subtree_max_size at the root is reported', () => {
    const { t, root } = three();
    root.aug = 99;
    expect(t.check()).toEqual(['free tree: at key 10: subtree_max_size 99, want 7']);
  });

  it('a wrong largest fit aligned to 2 pages is reported, naming the order and the right value', () => {
    const { t, left } = threeAligned();
    left.al![0] = 0;
    expect(t.check()).toEqual(['free tree: at key 1: largest fit aligned to 2^1 is 0, want 3']);
  });

  it('a wrong largest fit aligned to 4 pages at the root is reported', () => {
    const { t, root } = threeAligned();
    root.al![1] = 5;
    expect(t.check()).toEqual(['free tree: at key 10: largest fit aligned to 2^2 is 5, want 4']);
  });

  it('aligned maxima missing or of the wrong length are reported', () => {
    const a = threeAligned();
    a.right.al = new Float64Array(1);
    expect(a.t.check()).toContain('free tree: at key 21: aligned maxima missing for 2 orders');
    const b = threeAligned();
    b.left.al = null;
    expect(b.t.check()).toContain('free tree: at key 1: aligned maxima missing for 2 orders');
  });
});

describe('free tree check() reports blocks that break the free-space rules', () => {
  // the block's end is moved and the augmentation brought up to date (tree.update), so the
  // red-black checks pass and only the free-space rule is broken
  const moveEnd = (t: FreeTree, start: number, end: number): void => {
    const b = t.tree.find(start)!;
    b.end = end;
    t.tree.update(b);
  };

  it('a block reaching into the next one is an overlap', () => {
    const { t } = three();
    moveEnd(t, 10, 22);
    expect(t.check()).toEqual(['free tree: block at 21 overlaps its predecessor']);
  });

  it('a block ending where the next begins is not coalesced', () => {
    const { t } = three();
    moveEnd(t, 10, 21);
    expect(t.check()).toEqual(['free tree: block at 21 not coalesced with its predecessor']);
  });

  it('a block of no pages is reported', () => {
    const { t } = three();
    moveEnd(t, 10, 10);
    expect(t.check()).toEqual(['free tree: empty block at 10']);
  });
});

describe('free tree error paths', () => {
  it('initial ranges that overlap are refused', () => {
    expect(
      () =>
        new FreeTree([
          [0, 10],
          [5, 20],
        ]),
    ).toThrow('free tree: initial ranges overlap');
  });

  it('carving a range that leaves its block at either end is refused and changes nothing', () => {
    const { t } = three();
    const b = t.tree.find(10)!;
    expect(() => t.carve(b, 9, 2)).toThrow('free tree: carve outside its block');
    expect(() => t.carve(b, 12, 2)).toThrow('free tree: carve outside its block');
    expect(t.blocks().map((x) => [x.start, x.end])).toEqual([
      [1, 5],
      [10, 13],
      [21, 28],
    ]);
  });
});

describe('findLowestFit cost at the window edges (the O(log n) claim, free-tree.ts)', () => {
  // tries: 10^4 free blocks of 4 pages at 8i, |FFFF....FFFF....| — every block holds a fit of
  // 4 pages, so the subtree maxima prune nothing; only vstart and vend can
  const n = 10000;
  const blocks = (): FreeTree => new FreeTree(Array.from({ length: n }, (_, i) => [8 * i, 8 * i + 4] as const));
  const h = 2 * Math.log2(n + 1);

  it('a window starting in the middle: the fit right after vstart, reached by one search path', () => {
    const t = blocks();
    const v0 = t.visited;
    expect(t.findLowestFit(4, 1, 8 * 5000 + 2, 8 * n)?.addr).toBe(8 * 5001);
    const visited = t.visited - v0;
    expect(visited).toBeGreaterThan(0);
    expect(visited).toBeLessThanOrEqual(3 * h);
  });

  it('a window ending before the first fit: null, after one search path', () => {
    const t = blocks();
    const v0 = t.visited;
    expect(t.findLowestFit(4, 1, 0, 3)).toBeNull();
    expect(t.findLowestFit(4, 1, 2, 8 * 7 + 3)?.addr).toBe(8);
    const visited = t.visited - v0;
    expect(visited).toBeGreaterThan(0);
    expect(visited).toBeLessThanOrEqual(6 * h);
  });
});
