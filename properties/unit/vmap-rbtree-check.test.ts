// Unit: the red-black checker (src/vmap/rbtree-check.ts) must FAIL on a broken tree, once per
// broken rule, at the node where it breaks (checking.md §4: a check never seen failing is
// untested). Each test draws a sound tree (rbtree-fixture.ts), breaks one rule by hand and
// expects exactly the line for it, under the checker's default name "rbtree". The free tree's
// own check (vmap-free-tree-check.test.ts) covers the rules on a three-node tree; these are the
// cases that need depth: bounds inherited from ancestors, a violation below a subtree that must
// not be reported again higher up, a miscounted size, a cycle.
import { describe, expect, it } from 'vitest';
import { checkRbTree } from '../../src/vmap/index.js';
import { drawn, nodeAt } from './rbtree-fixture.js';

/** 7 black nodes 10..70, root 40 */
const SEVEN = 'B40(B20(B10,B30),B60(B50,B70))';
/** 15 black nodes 10..150, root 80: black height 4 at the root, counting the empty leaves */
const FIFTEEN = 'B80(B40(B20(B10,B30),B60(B50,B70)),B120(B100(B90,B110),B140(B130,B150)))';

describe('checkRbTree on drawn trees', () => {
  it('sound trees pass', () => {
    for (const pic of [SEVEN, FIFTEEN, 'B20(R10,R30)', 'B40(B20(-,R30),R60(B50,B70))']) expect(checkRbTree(drawn(pic)), pic).toEqual([]);
  });

  it("a key below an ancestor's, in that ancestor's right subtree, breaks the order", () => {
    // 50 → 35: still right of its parent 60, but left of the root 40 it sits to the right of
    const t = drawn(SEVEN, false);
    nodeAt(t, 50).start = 35;
    expect(checkRbTree(t)).toEqual(['rbtree: order broken at key 35 (bounds 40..60)']);
  });

  it("a key equal to an ancestor's breaks the order on either side (keys are distinct)", () => {
    const a = drawn(SEVEN, false);
    nodeAt(a, 50).start = 40;
    expect(checkRbTree(a)).toEqual(['rbtree: order broken at key 40 (bounds 40..60)']);
    const b = drawn(SEVEN, false);
    nodeAt(b, 30).start = 40;
    expect(checkRbTree(b)).toEqual(['rbtree: order broken at key 40 (bounds 20..40)']);
  });

  it('unequal black heights deep in the left or right subtree are reported once, where they differ', () => {
    // a red leaf in the all-black tree: its parent's paths hold 1 and 2 black nodes (counting the
    // empty leaf); every ancestor above has the defect inside one subtree, not a new one
    const a = drawn(FIFTEEN);
    nodeAt(a, 10).red = true;
    expect(checkRbTree(a)).toEqual(['rbtree: black heights differ under key 20 (1 left, 2 right)']);
    const b = drawn(FIFTEEN);
    nodeAt(b, 150).red = true;
    expect(checkRbTree(b)).toEqual(['rbtree: black heights differ under key 140 (2 left, 1 right)']);
  });

  it('a size one too small is reported, and does not hide the tree’s other violations', () => {
    // |R10 B20 R30| with 10 turned black: paths of 2 and 1 black nodes under 20; size says 2 of 3
    const t = drawn('B20(R10,R30)');
    nodeAt(t, 10).red = false;
    t.size = 2;
    expect(checkRbTree(t)).toEqual(['rbtree: black heights differ under key 20 (2 left, 1 right)', 'rbtree: 3 nodes reachable, size says 2']);
  });

  it('a cycle (a leaf pointing back at the root) ends the walk: reported, no endless recursion, no black heights made up', () => {
    // 10.left = 40: the paths through 10 never end, so no black height can be compared along
    // them; the colours themselves are sound
    const t = drawn(SEVEN, false);
    nodeAt(t, 10).left = t.root;
    const out = checkRbTree(t);
    expect(out).toContain('rbtree: bad parent pointer under key 10');
    expect(out.some((l) => l.endsWith('size says 7'))).toBe(true);
    expect(out.filter((l) => l.includes('black heights'))).toEqual([]);
  });
});
