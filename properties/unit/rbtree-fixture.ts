// Test fixture for the red-black tree unit tests (src/vmap/rbtree.ts, rbtree-check.ts): trees
// drawn as text, and the red-black rules checked from scratch — independently of checkRbTree,
// so that a broken checker cannot hide a broken tree.
//
// Picture notation: a node is its colour and key, `B20` or `R30`, followed by its two subtrees
// in parentheses when it has any, `-` for an empty subtree:
//   B20(B10,R40(B30,B50))  is   20b
//                              /    \
//                            10b    40r
//                                  /   \
//                                30b    50b
import { RbTree, maxAugment, type RbNode } from '../../src/vmap/index.js';

export class Node implements RbNode<Node> {
  left: Node | null = null;
  right: Node | null = null;
  parent: Node | null = null;
  red = false;
  aug = 0;
  constructor(
    public start: number,
    /** the node's own value; `aug` is its maximum over the subtree (as subtree_max_size) */
    public weight: number,
  ) {}
}

/** the augmentation under test: the largest weight in the subtree */
export const maxWeight = maxAugment<Node>((n) => n.weight);

/** the picture of a subtree, in the notation above */
export function picture(n: Node | null): string {
  if (!n) return '-';
  const me = `${n.red ? 'R' : 'B'}${n.start}`;
  return n.left || n.right ? `${me}(${picture(n.left)},${picture(n.right)})` : me;
}

/**
 * A tree built by hand from its picture, bypassing insert: parents, size and every augmented
 * value are set from scratch. Each node's weight is `weight(key)` (default: the key).
 */
export function drawn(pic: string, augmented = true, weight: (key: number) => number = (k) => k): RbTree<Node> {
  let i = 0;
  const parse = (): Node | null => {
    if (pic[i] === '-') {
      i++;
      return null;
    }
    const m = /^([RB])(\d+)/.exec(pic.slice(i));
    if (!m) throw new Error(`picture: bad node at ${i} in ${pic}`);
    i += m[0].length;
    const n = new Node(Number(m[2]), weight(Number(m[2])));
    n.red = m[1] === 'R';
    if (pic[i] === '(') {
      i++;
      n.left = parse();
      if (pic[i++] !== ',') throw new Error(`picture: ',' expected at ${i - 1} in ${pic}`);
      n.right = parse();
      if (pic[i++] !== ')') throw new Error(`picture: ')' expected at ${i - 1} in ${pic}`);
    }
    if (n.left) n.left.parent = n;
    if (n.right) n.right.parent = n;
    n.aug = Math.max(n.weight, n.left?.aug ?? -Infinity, n.right?.aug ?? -Infinity);
    return n;
  };
  const tree = new RbTree<Node>(augmented ? maxWeight : null);
  tree.root = parse();
  if (i !== pic.length) throw new Error(`picture: trailing text at ${i} in ${pic}`);
  tree.size = nodesOf(tree.root).length;
  return tree;
}

/** the nodes of a subtree, in key order (by pointers, not by the tree's own walks) */
export function nodesOf(n: Node | null): Node[] {
  return n ? [...nodesOf(n.left), n, ...nodesOf(n.right)] : [];
}

/** the node with this key (found by pointers) */
export function nodeAt(tree: RbTree<Node>, key: number): Node {
  const n = nodesOf(tree.root).find((x) => x.start === key);
  if (!n) throw new Error(`no node ${key}`);
  return n;
}

/**
 * The red-black rules, recomputed from scratch (CLRS 13.1; lib/rbtree.c's header): keys in
 * strict search-tree order, parent pointers consistent, the root black, no red node with a red
 * child, the same number of black nodes on every path to a leaf, `size` the node count, and —
 * when `augmented` — every `aug` the largest weight in its subtree. Returns the broken rules.
 */
export function redBlackViolations(tree: RbTree<Node>, augmented: boolean): string[] {
  const out: string[] = [];
  if (tree.root?.red) out.push('root is red');
  if (tree.root && tree.root.parent !== null) out.push('root has a parent');
  const nodes = nodesOf(tree.root);
  if (nodes.length !== tree.size) out.push(`size ${tree.size}, ${nodes.length} nodes`);
  for (let i = 1; i < nodes.length; i++) if (!(nodes[i - 1]!.start < nodes[i]!.start)) out.push(`keys out of order at ${nodes[i]!.start}`);
  const blackDepths = new Set<number>();
  const visit = (n: Node, blacks: number): number => {
    const b = blacks + (n.red ? 0 : 1);
    let max = n.weight;
    for (const c of [n.left, n.right]) {
      if (!c) {
        blackDepths.add(b);
        continue;
      }
      if (c.parent !== n) out.push(`parent of ${c.start} is not ${n.start}`);
      if (n.red && c.red) out.push(`red ${n.start} has red child ${c.start}`);
      max = Math.max(max, visit(c, b));
    }
    if (augmented && n.aug !== max) out.push(`aug of ${n.start} is ${n.aug}, subtree max is ${max}`);
    return max;
  };
  if (tree.root) visit(tree.root, 0);
  if (blackDepths.size > 1) out.push(`paths with ${[...blackDepths].join(' and ')} black nodes`);
  return out;
}
