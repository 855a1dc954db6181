// src: the red-black tree's own invariant checker (the kernel has no such function; this is
// what tools/testing would assert): order, colours, black height, parent links, augmentation.
import type { RbNode, RbTree } from './rbtree.js';

/**
 * The tree's own invariants, one line per violation: strict BST order by start, parent pointers,
 * a black root, no red node with a red child, equal black height on every path, the node count,
 * and every augmented value equal to what `augment` computes from its children.
 */
export function checkRbTree<N extends RbNode<N>>(tree: RbTree<N>, name = 'rbtree'): string[] {
  const out: string[] = [];
  const root = tree.root;
  if (root && root.parent !== null) out.push(`${name}: root has a parent`);
  if (root && root.red) out.push(`${name}: root is red`);
  let count = 0;
  // returns the black height of the subtree, or -1 after a violation was recorded
  const walk = (n: N | null, lo: number, hi: number): number => {
    if (!n) return 1;
    count++;
    if (count > tree.size + 1) return -1; // a cycle or a miscount: stop before looping forever
    if (!(n.start > lo && n.start < hi)) out.push(`${name}: order broken at key ${n.start} (bounds ${lo}..${hi})`);
    for (const c of [n.left, n.right]) {
      if (c && c.parent !== n) out.push(`${name}: bad parent pointer under key ${n.start}`);
      if (c && n.red && c.red) out.push(`${name}: red node ${n.start} has a red child ${c.start}`);
    }
    const bl = walk(n.left, lo, n.start);
    const br = walk(n.right, n.start, hi);
    const bad = tree.augment?.verify(n);
    if (bad) out.push(`${name}: at key ${n.start}: ${bad}`);
    if (bl < 0 || br < 0) return -1;
    if (bl !== br) {
      out.push(`${name}: black heights differ under key ${n.start} (${bl} left, ${br} right)`);
      return -1;
    }
    return bl + (n.red ? 0 : 1);
  };
  walk(root, -Infinity, Infinity);
  if (count !== tree.size) out.push(`${name}: ${count} nodes reachable, size says ${tree.size}`);
  return out;
}
