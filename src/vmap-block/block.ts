// src: struct vmap_block and struct vmap_block_queue (mm/vmalloc.c). A block is one area of
// VMAP_BLOCK_SIZE from the global allocator, handed out by a bump pointer; the queue of each
// possible CPU keeps the blocks that still have never-used pages (the free list, oldest first,
// an intrusive doubly linked list as the kernel's list_head: O(1) append and unlink) and every
// block the CPU owns (vm_unmap_aliases must also reach the full ones). Units: vpn and pages.
import type { Pfn } from '../../api/index.js';
import type { VmapArea } from '../vmap/index.js';

/** One live vm_map_ram sub-allocation: `count` pages mapped, 2^order pages consumed. */
export interface SubAlloc {
  /** page offset in the block */
  readonly offset: number;
  readonly count: number;
  readonly order: number;
  /** the caller pages it maps (freed by vm_unmap_ram, as the caller would) */
  readonly pfns: readonly Pfn[];
}

export class VmapBlock {
  /** the block's area in the global allocator (busy while the block lives) */
  area!: VmapArea;
  /** pages never handed out; the bump pointer is VMAP_BBMAP_BITS - free */
  free: number;
  /** pages handed out and since freed */
  dirty = 0;
  /** unflushed dirty range [dirtyMin, dirtyMax) in pages; empty as (VMAP_BBMAP_BITS, 0) */
  dirtyMin: number;
  dirtyMax = 0;
  /** live sub-allocations by offset */
  readonly subs = new Map<number, SubAlloc>();
  /**
   * used_map, by sub-allocation: subStart[p] is the offset of the live sub-allocation holding
   * page p, or -1. It makes "which mapping contains this address" O(1) for vm_unmap_ram's checks.
   */
  readonly subStart: Int32Array;
  /** pages of live sub-allocations (each at 2^order) */
  live = 0;
  // free-list links (list_head free_list); `queued` says whether it is on its CPU's list
  prev: VmapBlock | null = null;
  next: VmapBlock | null = null;
  queued = false;

  constructor(
    readonly cpu: number,
    readonly bits: number,
  ) {
    this.free = bits;
    this.dirtyMin = bits;
    this.subStart = new Int32Array(bits).fill(-1);
  }

  /** the block's first vpn */
  get start(): number {
    return this.area.start;
  }

  get dirtyRangeEmpty(): boolean {
    return this.dirtyMin === this.bits && this.dirtyMax === 0;
  }

  /** Take 2^order pages at the bump pointer for a sub-allocation of `count` pages. */
  take(count: number, order: number, pfns: readonly Pfn[]): SubAlloc {
    const n = 2 ** order;
    const offset = this.bits - this.free;
    this.free -= n;
    this.live += n;
    const sub: SubAlloc = { offset, count, order, pfns };
    this.subs.set(offset, sub);
    this.subStart.fill(offset, offset, offset + n);
    return sub;
  }

  /** Drop a live sub-allocation: its 2^order pages turn dirty and widen the unflushed range. */
  release(sub: SubAlloc): void {
    const n = 2 ** sub.order;
    this.subs.delete(sub.offset);
    this.subStart.fill(-1, sub.offset, sub.offset + n);
    this.live -= n;
    this.dirty += n;
    this.dirtyMin = Math.min(this.dirtyMin, sub.offset);
    this.dirtyMax = Math.max(this.dirtyMax, sub.offset + n);
  }

  /** the live sub-allocation holding page `offset` of the block, or null */
  subContaining(offset: number): SubAlloc | null {
    const s = this.subStart[offset];
    return s === undefined || s < 0 ? null : (this.subs.get(s) ?? null);
  }
}

/** struct vmap_block_queue of one possible CPU. */
export class VmapBlockQueue {
  head: VmapBlock | null = null;
  tail: VmapBlock | null = null;
  /** every live block this CPU owns, full ones included (insertion order) */
  readonly blocks = new Set<VmapBlock>();

  constructor(readonly cpu: number) {}

  /** list_add_tail(&vb->free_list, &vbq->free) */
  append(b: VmapBlock): void {
    b.prev = this.tail;
    b.next = null;
    if (this.tail) this.tail.next = b;
    else this.head = b;
    this.tail = b;
    b.queued = true;
  }

  /** list_del(&vb->free_list); a no-op for a block that is not on the list */
  unlink(b: VmapBlock): void {
    if (!b.queued) return;
    if (b.prev) b.prev.next = b.next;
    else this.head = b.next;
    if (b.next) b.next.prev = b.prev;
    else this.tail = b.prev;
    b.prev = b.next = null;
    b.queued = false;
  }

  /** the free list, oldest first */
  *freeList(): IterableIterator<VmapBlock> {
    for (let b = this.head; b; b = b.next) yield b;
  }
}
