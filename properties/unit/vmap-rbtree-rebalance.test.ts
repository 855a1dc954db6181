// Unit: the red-black tree's rebalancing and walks (src/vmap/rbtree.ts), case by case. Every
// erase fixup case of lib/rbtree.c (__rb_erase_color; CLRS 13.4 cases 1-4) is reached from a
// tree drawn by hand, on both mirror sides, and the result is compared with the tree the case's
// rotations and recolourings give, worked out by hand; long insert/erase sequences are checked
// after every step against the red-black rules recomputed from scratch (rbtree-fixture.ts),
// never against checkRbTree. Also: the in-order walks and searches against a sorted array, the
// duplicate-key refusal, and the cost counter `visited` (its early stop in update()).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RbTree } from '../../src/vmap/index.js';
import { Node, drawn, maxWeight, nodeAt, nodesOf, picture, redBlackViolations } from './rbtree-fixture.js';

const SEED = Number(process.env.VMCHECK_SEED ?? 424242);

/** weights that do not follow key order, so the subtree maxima move with the rotations */
const scrambled = (k: number): number => (k * 37) % 101;

/** the picture of a perfect all-black tree of 2^depth - 1 nodes, keys 10, 20, ... (a valid red-black tree) */
function perfect(depth: number, lo = 1): string {
  if (depth === 0) return '-';
  const mid = lo + 2 ** (depth - 1) - 1;
  const sub = depth > 1 ? `(${perfect(depth - 1, lo)},${perfect(depth - 1, mid + 1)})` : '';
  return `B${mid * 10}${sub}`;
}

describe('rbtree erase fixup: each case on both sides, from a drawn tree', () => {
  // x is the position that lost a black node (here always an erased black leaf's), p its parent, w
  // its sibling. Each `after` is the case's rotations and recolourings applied by hand.
  const cases = [
    {
      what: 'red sibling (case 1: rotate at p), then a black sibling with black children (case 2), x on the left',
      // rotate left at 20 with 40 black, 20 red; the new sibling 30 turns red; 20 absorbs the deficit
      before: 'B20(B10,R40(B30,B50))',
      erase: 10,
      after: 'B40(B20(-,R30),B50)',
    },
    {
      what: 'red sibling (case 1), then case 2, x on the right',
      before: 'B40(R20(B10,B30),B50)',
      erase: 50,
      after: 'B20(B10,B40(R30,-))',
    },
    {
      what: 'black sibling, only its near child red (case 3: rotate at w, then case 4), x on the left',
      before: 'B20(B10,B40(R30,-))',
      erase: 10,
      after: 'B30(B20,B40)',
    },
    {
      what: 'black sibling, only its near child red (case 3, then case 4), x on the right',
      before: 'B40(B20(-,R30),B50)',
      erase: 50,
      after: 'B30(B20,B40)',
    },
    {
      what: 'black sibling with its far child red (case 4: rotate at p), x on the left',
      before: 'B20(B10,B40(-,R50))',
      erase: 10,
      after: 'B40(B20,B50)',
    },
    {
      what: 'black sibling with its far child red (case 4), x on the right',
      before: 'B40(B20(R10,-),B50)',
      erase: 50,
      after: 'B20(B10,B40)',
    },
    {
      what: 'case 2 twice: the deficit climbs through a black parent to the root, x on the left',
      before: perfect(3),
      erase: 10,
      after: 'B40(B20(-,R30),R60(B50,B70))',
    },
    {
      what: 'case 2 twice, x on the right',
      before: perfect(3),
      erase: 70,
      after: 'B40(R20(B10,B30),B60(R50,-))',
    },
  ];
  for (const c of cases) {
    it(`${c.what}: ${c.before} − ${c.erase} = ${c.after}`, () => {
      const tree = drawn(c.before, true, scrambled);
      expect(redBlackViolations(tree, true)).toEqual([]);
      tree.erase(nodeAt(tree, c.erase));
      expect(picture(tree.root)).toBe(c.after);
      // the drawn shape says nothing of the subtree maxima: recomputed from scratch
      expect(redBlackViolations(tree, true)).toEqual([]);
    });
  }
});

describe(`rbtree long insert/erase sequences (seed ${SEED})`, () => {
  // fast-check's default size caps arrays at 10 elements: the length is given explicitly so that
  // trees of tens of nodes are built and torn down (every fixup case on both sides, many times)
  const ops = fc.array(fc.record({ key: fc.integer({ min: 0, max: 63 }), weight: fc.integer({ min: 0, max: 999 }) }), {
    minLength: 150,
    maxLength: 250,
  });

  it('toggling keys in and out keeps every red-black rule, the contents and the subtree maxima after every step', () => {
    fc.assert(
      fc.property(ops, fc.boolean(), (seq, augmented) => {
        const tree = new RbTree<Node>(augmented ? maxWeight : null);
        const have = new Map<number, Node>();
        for (const { key, weight } of seq) {
          const n = have.get(key);
          if (n) {
            tree.erase(n);
            have.delete(key);
          } else {
            const m = new Node(key, weight);
            tree.insert(m);
            have.set(key, m);
          }
          // (expect only on a failure: its per-call cost would dominate the test)
          const broken = redBlackViolations(tree, augmented);
          if (broken.length > 0) expect(broken, `after ${key}`).toEqual([]);
          const keys = nodesOf(tree.root).map((x) => x.start);
          const want = [...have.keys()].sort((a, b) => a - b);
          if (keys.join() !== want.join()) expect(keys, `after ${key}`).toEqual(want);
        }
      }),
      { seed: SEED, numRuns: 10 },
    );
  });
});

describe('rbtree walks and searches agree with a sorted array', () => {
  // 40 keys inserted in a scrambled order, so that nodes sit at every kind of position
  const keys = Array.from({ length: 40 }, (_, i) => ((i * 17) % 40) * 5);
  const sorted = [...keys].sort((a, b) => a - b);
  const build = (): RbTree<Node> => {
    const t = new RbTree<Node>();
    for (const k of keys) t.insert(new Node(k, 0));
    return t;
  };

  it('first + next, last + prev and the iterator visit every key in order', () => {
    const t = build();
    // at most one key more than the tree holds: a walk gone round in a circle fails, not hangs
    const walk = (from: Node | null, step: (n: Node) => Node | null): number[] => {
      const out: number[] = [];
      for (let n = from; n && out.length <= keys.length; n = step(n)) out.push(n.start);
      return out;
    };
    expect(walk(t.first(), (n) => t.next(n))).toEqual(sorted);
    expect(walk(t.last(), (n) => t.prev(n))).toEqual([...sorted].reverse());
    const it = t[Symbol.iterator]();
    expect(walk(it.next().value ?? null, () => it.next().value ?? null)).toEqual(sorted);
  });

  it('floor, ceil and find, for every key present and every gap between them', () => {
    const t = build();
    for (let q = -1; q <= sorted[sorted.length - 1]! + 1; q++) {
      const floor = sorted.filter((k) => k <= q).pop() ?? null;
      const ceil = sorted.find((k) => k >= q) ?? null;
      expect([t.floor(q)?.start ?? null, t.ceil(q)?.start ?? null, t.find(q)?.start ?? null], `key ${q}`).toEqual([
        floor,
        ceil,
        sorted.includes(q) ? q : null,
      ]);
    }
  });

  it('a duplicate key is refused, naming the key, and the tree is left as it was', () => {
    const t = build();
    const before = picture(t.root);
    expect(() => t.insert(new Node(35, 0))).toThrow('rbtree: duplicate key 35');
    expect(picture(t.root)).toBe(before);
    expect(t.size).toBe(keys.length);
  });
});

describe('rbtree visited: the cost counter benchmarks read', () => {
  it('every walk that steps on nodes makes the counter grow (never shrink): descents, successor walks, propagation', () => {
    // 31 black nodes 10..310, root 160: every node below the root has a sibling and children
    // down to depth 5, so each call below takes at least one step of the walk it is there for
    const t = drawn(perfect(5));
    const grows = (what: string, f: () => unknown, tree = t): unknown => {
      const v0 = tree.visited;
      const r = f();
      expect(tree.visited - v0, what).toBeGreaterThan(0);
      return r;
    };
    expect(grows('first', () => t.first()?.start)).toBe(10);
    expect(grows('last', () => t.last()?.start)).toBe(310);
    // 160's successor is the leftmost of its right subtree; 30 (right child of 20) climbs to 40
    expect(grows('next down', () => t.next(nodeAt(t, 160))?.start)).toBe(170);
    expect(grows('next up', () => t.next(nodeAt(t, 30))?.start)).toBe(40);
    // 160's predecessor is the rightmost of its left subtree; 50 (left child of 60) climbs to 40
    expect(grows('prev down', () => t.prev(nodeAt(t, 160))?.start)).toBe(150);
    expect(grows('prev up', () => t.prev(nodeAt(t, 50))?.start)).toBe(40);
    expect(grows('floor', () => t.floor(155)?.start)).toBe(150);
    expect(grows('ceil', () => t.ceil(155)?.start)).toBe(160);
    const leaf = nodeAt(t, 10);
    leaf.weight = 1000;
    grows('update', () => t.update(leaf));
    grows('insert', () => t.insert(new Node(155, 1)));
    // erasing a leaf recomputes the maxima from its parent up
    grows('erase (propagation)', () => t.erase(nodeAt(t, 310)));
    expect(redBlackViolations(t, true)).toEqual([]);
    // without augmentation, erasing the root only walks down to its successor 170, at the end
    // of the right subtree's left spine
    const plain = drawn(perfect(5), false);
    grows('erase (successor)', () => plain.erase(nodeAt(plain, 160)), plain);
    expect(redBlackViolations(plain, false)).toEqual([]);
  });

  it("update stops at the first aggregate that does not change (the augment callbacks' propagate)", () => {
    // every weight 100: lowering leaf 10 to 50 changes its own maximum, not its parent 20's
    // (max(100, 50, 100)), so update recomputes those two nodes and nothing above
    const t = drawn(perfect(5), true, () => 100);
    const leaf = nodeAt(t, 10);
    leaf.weight = 50;
    const v0 = t.visited;
    t.update(leaf);
    expect(t.visited - v0).toBe(2);
    expect(redBlackViolations(t, true)).toEqual([]);
  });
});
