// src: vmap areas (struct vmap_area) and the address-sorted tree of busy ones (vmap_area_root),
// for lookups by address — the area containing an address, the area starting at one — and for
// listing in address order. Units: vpn and pages; [start, end) includes the guard page.
import type { Pfn } from '../../api/index.js';
import { RbTree, type RbNode } from './rbtree.js';
import { checkRbTree } from './rbtree-check.js';

/** The kinds of vm_struct (find_vm_area sees these; vm_map_ram areas are not vm_structs). */
export type VmStructKind = 'vmalloc' | 'vmap' | 'ioremap' | 'vm_area';

/** struct vm_struct: what a vmalloc-level caller holds in its area. */
export interface VmStruct {
  readonly kind: VmStructKind;
  /** guard pages at the end of the area (0 with VM_NO_GUARD, else 1) */
  readonly guard: number;
  /** pages the area owns: vmalloc data pages, or the caller pages of vmap (freed by vunmap) */
  readonly pages: readonly Pfn[];
  /** ioremap: the page-aligned physical start (pfn) and the in-page offset of the returned address */
  readonly phys: Pfn | null;
  readonly offset: bigint;
}

/**
 * Who holds a busy area: a vm_struct, or vm_map_ram — a per-CPU block or a large mapping
 * (vmap-blocks.md). `data` is the blocks layer's own handle (opaque here).
 */
export type AreaOwner =
  | { readonly type: 'vm'; readonly vm: VmStruct }
  | { readonly type: 'vm_map_ram'; readonly data: unknown };

export class VmapArea implements RbNode<VmapArea> {
  left: VmapArea | null = null;
  right: VmapArea | null = null;
  parent: VmapArea | null = null;
  red = false;
  /** freed, its TLB entries not flushed yet: it sits in the lazy tree, not in the busy one */
  lazy = false;
  constructor(
    public start: number,
    public end: number,
    public owner: AreaOwner,
  ) {}

  get pages(): number {
    return this.end - this.start;
  }

  /** the vm_struct of this area, if it is one */
  get vm(): VmStruct | null {
    return this.owner.type === 'vm' ? this.owner.vm : null;
  }
}

/** Busy areas, address-sorted (no augmentation: lookups by address only). */
export class BusyAreas {
  readonly tree = new RbTree<VmapArea>();

  insert(a: VmapArea): void {
    this.tree.insert(a);
  }

  erase(a: VmapArea): void {
    this.tree.erase(a);
  }

  /** find_vmap_area: the busy area containing vpn */
  containing(vpn: number): VmapArea | null {
    const a = this.tree.floor(vpn);
    return a && vpn < a.end ? a : null;
  }

  list(): VmapArea[] {
    return this.tree.toArray();
  }

  check(): string[] {
    const out = checkRbTree(this.tree, 'busy tree');
    let prevEnd = -Infinity;
    for (const a of this.tree.toArray()) {
      if (a.lazy) out.push(`busy tree: area at ${a.start} is marked lazy`);
      if (!(a.start < a.end)) out.push(`busy tree: empty area at ${a.start}`);
      if (a.start < prevEnd) out.push(`busy tree: area at ${a.start} overlaps its predecessor`);
      prevEnd = a.end;
    }
    return out;
  }
}
