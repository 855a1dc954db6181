// Unit: the red-black tree behind the vmap area trees (src/vmap/rbtree.ts). Random insert/erase
// sequences keep every red-black property, parent pointers and the augmented subtree maximum
// correct after EVERY step, and the tree always holds exactly the keys a plain Set holds.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { RbTree } from '../../src/vmap/index.js';
import { checkRbTree } from '../../src/vmap/index.js';
import { Node, maxWeight } from './rbtree-fixture.js';

const SEED = Number(process.env.VMCHECK_SEED ?? 424242);

type Step = { readonly insert: boolean; readonly key: number; readonly weight: number };
const steps = fc.array(
  fc.record({ insert: fc.boolean(), key: fc.integer({ min: 0, max: 200 }), weight: fc.integer({ min: 1, max: 1000 }) }),
  { maxLength: 300, size: 'max' }, // size max: the default ("small") stops at 10 steps
);

function run(seq: readonly Step[], augmented: boolean): void {
  const tree = new RbTree<Node>(augmented ? maxWeight : null);
  const nodes = new Map<number, Node>();
  for (const s of seq) {
    const have = nodes.get(s.key);
    if (s.insert && !have) {
      const n = new Node(s.key, s.weight);
      tree.insert(n);
      nodes.set(s.key, n);
    } else if (!s.insert && have) {
      tree.erase(have);
      nodes.delete(s.key);
    } else if (have && augmented) {
      // an in-place change of a node's own contribution, as a free block shrinking or growing
      have.weight = s.weight;
      tree.update(have);
    }
    expect(checkRbTree(tree)).toEqual([]);
    expect(tree.toArray().map((n) => n.start)).toEqual([...nodes.keys()].sort((a, b) => a - b));
    if (augmented) expect(tree.root?.aug ?? 0).toBe(Math.max(0, ...[...nodes.values()].map((n) => n.weight)));
  }
}

describe(`rbtree (seed ${SEED})`, () => {
  it('random insert/erase sequences keep the red-black properties and parent pointers after every step', () => {
    fc.assert(fc.property(steps, (seq) => run(seq, false)), { seed: SEED, numRuns: 50 });
  });

  it('the augmented subtree maximum stays exact through inserts, erases, rotations and in-place updates', () => {
    fc.assert(fc.property(steps, (seq) => run(seq, true)), { seed: SEED, numRuns: 50 });
  });

  it('ascending and descending insertion (rotation-heavy) then erasing every other key stays balanced', () => {
    for (const order of ['up', 'down'] as const) {
      const tree = new RbTree<Node>(maxWeight);
      const ns: Node[] = [];
      for (let i = 0; i < 2000; i++) {
        const k = order === 'up' ? i : 2000 - i;
        const n = new Node(k, (k * 7919) % 1000);
        ns.push(n);
        tree.insert(n);
      }
      for (let i = 0; i < ns.length; i += 2) tree.erase(ns[i]!);
      expect(checkRbTree(tree)).toEqual([]);
      // a red-black tree of n nodes has height <= 2 log2(n + 1)
      const height = (n: Node | null): number => (n ? 1 + Math.max(height(n.left), height(n.right)) : 0);
      expect(height(tree.root)).toBeLessThanOrEqual(2 * Math.log2(tree.size + 1));
    }
  });

  it('floor, ceil, next and prev agree with a sorted array', () => {
    const tree = new RbTree<Node>();
    const keys = [5, 10, 20, 40];
    for (const k of keys) tree.insert(new Node(k, 1));
    expect(tree.floor(4)).toBeNull();
    expect(tree.floor(10)?.start).toBe(10);
    expect(tree.floor(39)?.start).toBe(20);
    expect(tree.ceil(11)?.start).toBe(20);
    expect(tree.ceil(41)).toBeNull();
    expect(tree.next(tree.find(20)!)?.start).toBe(40);
    expect(tree.prev(tree.find(20)!)?.start).toBe(10);
    expect(tree.next(tree.find(40)!)).toBeNull();
  });

  it('checkRbTree reports a red root, a red-red edge, a bad parent pointer and a stale augmented value', () => {
    const tree = new RbTree<Node>(maxWeight);
    for (const k of [1, 2, 3, 4, 5, 6, 7]) tree.insert(new Node(k, k));
    const root = tree.root!;
    root.red = true;
    expect(checkRbTree(tree).some((v) => v.includes('root is red'))).toBe(true);
    root.red = false;
    const leaf = tree.first()!;
    leaf.parent!.red = true;
    leaf.red = true;
    expect(checkRbTree(tree).some((v) => v.includes('red child'))).toBe(true);
    leaf.red = false;
    leaf.parent!.red = false;
    const saved = leaf.parent;
    leaf.parent = null;
    expect(checkRbTree(tree).some((v) => v.includes('bad parent pointer'))).toBe(true);
    leaf.parent = saved;
    leaf.weight = 100;
    expect(checkRbTree(tree).some((v) => v.includes('augmented value'))).toBe(true);
  });
});
