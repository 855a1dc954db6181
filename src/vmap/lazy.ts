// src: lazily freed areas (vmap.md §3-4): freed, page-table entries cleared, TLB entries possibly
// alive. They keep their address range until a purge. Like the kernel's purge_vmap_area_root,
// they live in their own address-sorted tree, apart from the busy ones, so that a purge touches
// only them and their hull is the first start and the last end. Units: vpn and pages.
import type { VmapArea } from './area.js';
import { RbTree } from './rbtree.js';
import { checkRbTree } from './rbtree-check.js';

/** fls(n): 1-based position of the highest set bit; fls(0) = 0 */
export function fls(n: number): number {
  return n <= 0 ? 0 : Math.floor(Math.log2(n)) + 1;
}

/**
 * lazy_max_pages() = fls(num_online_cpus()) · 32 MiB / PAGE_SIZE, with the configuration's unit
 * standing for 32 MiB (0: eager — every lazy free is purged at the end of its operation).
 */
export function lazyMaxPages(onlineCpus: number, unitBytes: number, pageSize: number): number {
  return Math.floor((fls(onlineCpus) * unitBytes) / pageSize);
}

export class LazyAreas {
  readonly tree = new RbTree<VmapArea>();
  /** vmap_lazy_nr: pages of all lazy areas, guard pages included */
  nr = 0;

  add(a: VmapArea): void {
    a.lazy = true;
    this.tree.insert(a);
    this.nr += a.pages;
  }

  get empty(): boolean {
    return this.tree.root === null;
  }

  /** [first start, last end) of the lazy areas, or null */
  hull(): [number, number] | null {
    const first = this.tree.first();
    const last = this.tree.last();
    return first && last ? [first.start, last.end] : null;
  }

  /** the lazy area containing vpn */
  containing(vpn: number): VmapArea | null {
    const a = this.tree.floor(vpn);
    return a && vpn < a.end ? a : null;
  }

  /** Detach every lazy area (in address order) and drop their pages from vmap_lazy_nr. */
  takeAll(): VmapArea[] {
    const all = this.tree.toArray();
    this.tree.clear();
    for (const a of all) {
      this.nr -= a.pages;
      a.lazy = false;
      a.left = a.right = a.parent = null;
    }
    return all;
  }

  list(): VmapArea[] {
    return this.tree.toArray();
  }

  check(): string[] {
    const out = checkRbTree(this.tree, 'lazy tree');
    let pages = 0;
    let prevEnd = -Infinity;
    for (const a of this.tree.toArray()) {
      if (!a.lazy) out.push(`lazy tree: area at ${a.start} is not marked lazy`);
      if (a.start < prevEnd) out.push(`lazy tree: area at ${a.start} overlaps its predecessor`);
      prevEnd = a.end;
      pages += a.pages;
    }
    if (pages !== this.nr) out.push(`lazy tree: vmap_lazy_nr is ${this.nr}, lazy areas hold ${pages} pages`);
    return out;
  }
}
