// src: the per-CPU vmap block allocator (vmap-blocks.md §2, §4-§7; mm/vmalloc.c vb_alloc,
// vb_free, new_vmap_block, free_vmap_block, purge_fragmented_block(s), _vm_unmap_aliases).
//
// Why it is cheap: a small vm_map_ram takes no global lock in the kernel and, here, touches only
// its CPU's free list (usually its first block) and one bump pointer; vb_free clears page-table
// entries without flushing and only widens a per-block dirty range. Freed pages are never handed
// out again while the block lives, so a stale TLB entry can only point into the block's dirty
// pages — which no live mapping uses — and one flush over the collected dirty ranges (or the lazy
// purge of the whole released block) makes them harmless. That is why many unmaps share a flush.
//
// Units: vpn and pages. Blocks are VMAP_BBMAP_BITS pages, aligned to that many pages, so the
// block number vpn / VMAP_BBMAP_BITS is exact and keys the block index (the kernel hashes it over
// per-CPU xarrays; one exact Map is equivalent).
import type { Addr, BlockRec, BlocksState, Pfn } from '../../api/index.js';
import type { VmapAllocator } from '../vmap/index.js';
import { VmapBlock, VmapBlockQueue, type SubAlloc } from './block.js';
import type { BlockSizes } from './sizes.js';

/** What the blocks need from the machine. */
export interface BlockMachine {
  /** vunmap_page_range: clear the leaves of [startVpn, endVpn), no flush */
  vunmapPageRange(startVpn: number, endVpn: number): 'EINVAL' | null;
}

export class VmapBlocks {
  /** per possible CPU, ascending */
  readonly queues: readonly VmapBlockQueue[];
  private readonly queueOf = new Map<number, VmapBlockQueue>();
  /** block number (vpn / VMAP_BBMAP_BITS) → block: vmap_blocks xarrays, exact */
  private readonly index = new Map<number, VmapBlock>();
  /** blocks released so far, by cause (coverage labels, benchmarks) */
  readonly released = { dirty: 0, fragmented: 0 };
  /** bumped on every change; toModel caches by it */
  version = 0;
  private cached: { version: number; state: BlocksState } | null = null;

  constructor(
    private readonly machine: BlockMachine,
    private readonly vmap: VmapAllocator,
    readonly sizes: BlockSizes,
    possibleCpus: readonly number[],
    /** the main vmalloc range [VMALLOC_START, VMALLOC_END) in vpn: blocks live only here */
    private readonly mainStart: number,
    private readonly mainEnd: number,
  ) {
    this.queues = [...possibleCpus].sort((a, b) => a - b).map((c) => new VmapBlockQueue(c));
    for (const q of this.queues) this.queueOf.set(q.cpu, q);
    // alloc_vmap_area's failure path and reclaim_and_purge release every fragmented block first
    // (reclaim_and_purge_vmap_areas → purge_fragmented_blocks_allcpus)
    vmap.reclaimFragmentedBlocks = () => this.purgeFragmentedBlocksAllCpus();
  }

  private get bits(): number {
    return this.sizes.bbmapBits;
  }

  /** the live block containing vpn (xa_load(addr_to_vb_xa(addr), addr_to_vb_idx(addr))), or null */
  blockAt(vpn: number): VmapBlock | null {
    return this.index.get(Math.floor(vpn / this.bits)) ?? null;
  }

  /**
   * vb_alloc: 2^order pages at the bump pointer of the first block on `cpu`'s free list that has
   * room (oldest first), else of a new block. Returns the sub-allocation's vpn, or EBUSY when no
   * block area could be had. Other CPUs' blocks are never used.
   */
  vbAlloc(count: number, order: number, cpu: number, pfns: readonly Pfn[]): { vpn: number; block: VmapBlock } | 'EBUSY' {
    const q = this.queue(cpu);
    const n = 2 ** order;
    for (const b of q.freeList()) {
      if (b.free < n) continue;
      const sub = b.take(count, order, pfns);
      if (b.free === 0) q.unlink(b);
      this.version++;
      return { vpn: b.start + sub.offset, block: b };
    }
    return this.newVmapBlock(count, order, q, pfns);
  }

  /** new_vmap_block: a VMAP_BLOCK_SIZE area aligned to its size in the main range; the request takes its first pages. */
  private newVmapBlock(count: number, order: number, q: VmapBlockQueue, pfns: readonly Pfn[]) {
    const b = new VmapBlock(q.cpu, this.bits);
    const area = this.vmap.allocVmapArea(this.bits, this.bits, this.mainStart, this.mainEnd, { type: 'vm_map_ram', data: b });
    // EINVAL only if the main range is smaller than one block: no area can be had (the kernel has
    // no early reject; alloc_vmap_area would fail) — EBUSY
    if (area === 'EINVAL' || area === 'EBUSY') return 'EBUSY';
    b.area = area;
    b.take(count, order, pfns);
    this.index.set(area.start / this.bits, b);
    q.blocks.add(b);
    // BUG_ON(VMAP_BBMAP_BITS <= 1 << order) in the kernel: a new block is never full (sizes.ts checks)
    if (b.free > 0) q.append(b);
    this.version++;
    return { vpn: b.start, block: b };
  }

  /**
   * vb_free: clear the page-table entries of the `count` mapped pages (no flush), turn the
   * 2^order pages dirty and widen the unflushed range; a fully dirty block is released.
   */
  vbFree(b: VmapBlock, sub: SubAlloc): void {
    this.machine.vunmapPageRange(b.start + sub.offset, b.start + sub.offset + sub.count);
    b.release(sub);
    this.version++;
    if (b.dirty === this.bits) {
      this.released.dirty++;
      this.freeVmapBlock(b);
    }
  }

  /**
   * free_vmap_block: out of the index and its CPU's lists, and its area lazy-freed without an
   * unmap (every sub-allocation already cleared its entries); the flush of its stale TLB entries
   * happens at the next purge, before the range can be handed out again.
   */
  private freeVmapBlock(b: VmapBlock): void {
    const q = this.queue(b.cpu);
    q.unlink(b);
    q.blocks.delete(b);
    this.index.delete(b.start / this.bits);
    this.vmap.freeVmapAreaNoflush(b.area);
    this.version++;
  }

  /**
   * purge_fragmented_block: a block with no live sub-allocation that is not fully dirty
   * (free + dirty = VMAP_BBMAP_BITS, dirty < VMAP_BBMAP_BITS) is marked used up and taken off its
   * free list — unless `force` is false and it still has VMAP_PURGE_THRESHOLD free pages or more
   * (vm_unmap_aliases keeps usable blocks). The caller frees it (free_purged_blocks).
   */
  private purgeFragmentedBlock(b: VmapBlock, force: boolean): boolean {
    if (b.free + b.dirty !== this.bits || b.dirty === this.bits) return false;
    if (!(force || b.free < this.sizes.purgeThreshold)) return false;
    b.free = 0;
    b.dirty = this.bits;
    b.dirtyMin = 0;
    b.dirtyMax = this.bits;
    this.queue(b.cpu).unlink(b);
    this.version++;
    return true;
  }

  /**
   * purge_fragmented_blocks_allcpus: every fragmented block of every possible CPU. A fragmented
   * block has free > 0 (free = 0 would make it fully dirty, released at once), so it is on its
   * free list: walking the free lists finds them all, as the kernel does.
   */
  purgeFragmentedBlocksAllCpus(): void {
    const purge: VmapBlock[] = [];
    for (const q of this.queues) {
      for (const b of [...q.freeList()]) if (this.purgeFragmentedBlock(b, true)) purge.push(b);
    }
    this.freePurgedBlocks(purge);
  }

  private freePurgedBlocks(purge: readonly VmapBlock[]): void {
    for (const b of purge) {
      this.released.fragmented++;
      this.freeVmapBlock(b);
    }
  }

  /**
   * _vm_unmap_aliases(ULONG_MAX, 0, 0): over every block of every possible CPU (full ones too),
   * release it as fragmented when nearly used up, or else collect its unflushed dirty range and
   * reset it (so the next call does not flush it again); then purge the lazy areas with the
   * collected range added to the flush hull (the allocator flushes that range alone when nothing
   * is lazy). Returns whether anything was flushed.
   */
  vmUnmapAliases(): boolean {
    let start = Infinity;
    let end = -Infinity;
    let flush = false;
    const purge: VmapBlock[] = [];
    for (const q of this.queues) {
      for (const b of [...q.blocks]) {
        if (this.purgeFragmentedBlock(b, false)) {
          purge.push(b);
          continue;
        }
        if (b.dirtyMax > 0 && b.dirty !== this.bits) {
          start = Math.min(start, b.start + b.dirtyMin);
          end = Math.max(end, b.start + b.dirtyMax);
          b.dirtyMin = this.bits;
          b.dirtyMax = 0;
          flush = true;
          this.version++;
        }
      }
    }
    this.freePurgedBlocks(purge);
    return this.vmap.purgeVmapAreaLazy(flush ? [start, end] : null, 'explicit');
  }

  private queue(cpu: number): VmapBlockQueue {
    const q = this.queueOf.get(cpu);
    if (!q) throw new Error(`cpu ${cpu} is not possible`); // callers check: only online CPUs reach here
    return q;
  }

  /** every live block, in address order */
  allBlocks(): VmapBlock[] {
    return [...this.index.values()].sort((a, b) => a.start - b.start);
  }

  /** toModel: the blocks and the per-CPU free lists (api BlocksState); addresses as bigint bytes. */
  toModel(pageShift: number): BlocksState {
    if (this.cached?.version === this.version) return this.cached.state;
    const sh = BigInt(pageShift);
    const addr = (vpn: number): Addr => BigInt(vpn) << sh;
    const blocks: BlockRec[] = this.allBlocks().map((b) => ({
      cpu: b.cpu,
      start: addr(b.start),
      free: b.free,
      dirty: b.dirty,
      dirtyMin: b.dirtyMin,
      dirtyMax: b.dirtyMax,
      onFreeList: b.queued,
      subs: [...b.subs.values()].sort((x, y) => x.offset - y.offset).map((s) => ({ offset: s.offset, order: s.order })),
    }));
    const freeLists = this.queues.map((q) => ({ cpu: q.cpu, starts: [...q.freeList()].map((b) => addr(b.start)) }));
    const state = { blocks, freeLists };
    this.cached = { version: this.version, state };
    return state;
  }

  /** Structural self-check: the index agrees with the per-CPU lists, counters are consistent. */
  check(): string[] {
    const out: string[] = [];
    const bits = this.bits;
    const inQueues = new Set<VmapBlock>();
    for (const q of this.queues) {
      let prev: VmapBlock | null = null;
      for (const b of q.freeList()) {
        if (b.prev !== prev) out.push(`cpu ${q.cpu}: free list back link broken at block vpn ${b.start}`);
        if (!b.queued) out.push(`cpu ${q.cpu}: block vpn ${b.start} on the free list is not marked queued`);
        if (!q.blocks.has(b)) out.push(`cpu ${q.cpu}: block vpn ${b.start} on the free list is not one of its blocks`);
        prev = b;
      }
      if (q.tail !== prev) out.push(`cpu ${q.cpu}: free list tail is not its last block`);
      for (const b of q.blocks) {
        inQueues.add(b);
        if (b.cpu !== q.cpu) out.push(`block vpn ${b.start} of cpu ${b.cpu} is kept by cpu ${q.cpu}`);
        if (this.index.get(b.start / bits) !== b) out.push(`block vpn ${b.start} of cpu ${q.cpu} is not in the index`);
        if (b.queued !== b.free > 0) out.push(`block vpn ${b.start}: free = ${b.free} but on the free list = ${b.queued}`);
      }
    }
    for (const [no, b] of this.index) {
      const what = `block vpn ${b.start}`;
      if (!inQueues.has(b)) out.push(`${what} is in the index but on no CPU's list`);
      if (b.start !== no * bits) out.push(`${what} is indexed as block number ${no}`);
      if (b.start % bits !== 0 || b.start < this.mainStart || b.start + bits > this.mainEnd) out.push(`${what} is misplaced`);
      if (b.area.lazy || b.area.end - b.area.start !== bits || b.area.owner.type !== 'vm_map_ram' || b.area.owner.data !== b) {
        out.push(`${what}: its area is not a busy VMAP_BLOCK_SIZE area owned by it`);
      }
      let live = 0;
      for (const s of b.subs.values()) {
        live += 2 ** s.order;
        if (s.offset + 2 ** s.order > bits - b.free) out.push(`${what}: sub-allocation at ${s.offset} beyond the bump pointer`);
        for (let p = s.offset; p < s.offset + 2 ** s.order; p++) {
          if (b.subStart[p] !== s.offset) out.push(`${what}: used map wrong at page ${p}`);
        }
      }
      if (live !== b.live) out.push(`${what}: live = ${b.live}, sub-allocations hold ${live}`);
      if (b.free + live + b.dirty !== bits) out.push(`${what}: free ${b.free} + live ${live} + dirty ${b.dirty} != ${bits}`);
      if (!b.dirtyRangeEmpty && !(0 <= b.dirtyMin && b.dirtyMin < b.dirtyMax && b.dirtyMax <= bits)) {
        out.push(`${what}: dirty range [${b.dirtyMin}, ${b.dirtyMax}) is neither empty nor inside the block`);
      }
      if (b.dirty === bits) out.push(`${what} is fully dirty but still live`);
    }
    return out;
  }
}
