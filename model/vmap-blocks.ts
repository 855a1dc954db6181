// model: per-CPU vmap blocks — reference semantics. Clarity over speed.
//
// vm_map_ram / vm_unmap_ram / vm_unmap_aliases (vmap-blocks.md) as plain records: per possible
// CPU a list of its blocks and its free list (oldest first); blocks and sub-allocations are found
// by scanning. Areas come from the model's vmap allocator (model/vmap.ts).
import type { Addr, AddrRange, BlocksState, Errno, MappingRec, Pfn, Result } from '../api/index.js';
import { ceilLog2, isAligned } from './arith.js';
import type { Machine } from './machine.js';
import { NONE, fail, okAddr } from './result.js';
import type { VmapArea, VmapAreas } from './vmap.js';

/** A live sub-allocation at page `offset` of its block: consumes 2^order pages, maps `count`. */
type Sub = { readonly offset: number; readonly count: number; readonly order: number; readonly pfns: readonly Pfn[] };

/** A block: its area, owner, never-used pages, freed pages and their unflushed range [dirtyMin, dirtyMax). */
type Block = { readonly cpu: number; readonly area: VmapArea; free: number; dirty: number; dirtyMin: number; dirtyMax: number; subs: Sub[] };

/** Per possible CPU: every live block it owns (full ones too), and its free list (oldest first). */
type CpuQueue = { readonly cpu: number; blocks: Block[]; freeList: Block[] };

export class VmapBlocks {
  /** VMAP_MAX_ALLOC, VMAP_BBMAP_BITS, VMAP_PURGE_THRESHOLD (vmap-blocks.md §1), in pages */
  readonly maxAlloc: number;
  readonly bits: number;
  readonly threshold: number;
  readonly cpus: CpuQueue[];
  /** large mappings (count > VMAP_MAX_ALLOC): an area of exactly count pages, no guard */
  large: { area: VmapArea; count: number; pfns: readonly Pfn[] }[] = [];

  constructor(
    private readonly m: Machine,
    private readonly vmap: VmapAreas,
    /** [VMALLOC_START, VMALLOC_END): blocks and vm_map_ram use only this range */
    private readonly main: AddrRange,
  ) {
    const p = m.preset;
    this.maxAlloc = p.vmapMaxAlloc ?? p.bitsPerLong;
    const vmallocPages = Number(p.vmallocSpace / m.pageSize);
    const nrCpusPow2 = 2 ** ceilLog2(BigInt(p.nrCpus));
    this.bits = p.vmapBbmapBits ?? Math.min(1024, Math.max(2 * this.maxAlloc, Math.floor(vmallocPages / nrCpusPow2 / 16)));
    this.threshold = Math.floor(this.bits / 4);
    this.cpus = [...m.config.cpus.possible].sort((a, b) => a - b).map((cpu) => ({ cpu, blocks: [], freeList: [] }));
    // the allocator's purge-and-retry (and reclaim_and_purge) releases every fragmented block first (§6)
    vmap.reclaimBlocks = () => this.releaseFragmented(true);
  }

  private queue(cpu: number): CpuQueue {
    return this.cpus.find((q) => q.cpu === cpu) as CpuQueue;
  }

  private pageAddr(b: Block, offset: number): Addr {
    return b.area.start + BigInt(offset) * this.m.pageSize;
  }

  /** §3: vm_map_ram(count, cpu) — caller pages, then vb_alloc or a large area, then the mapping. */
  vmMapRam(count: number, cpu: number): Result {
    if (!Number.isSafeInteger(count) || count < 1 || !this.m.tlb.isOnline(cpu)) return fail('EINVAL');
    const pfns = this.m.pm.allocCallerPages(count);
    if (pfns === null) return fail('ENOMEM');
    const got = count <= this.maxAlloc ? this.vbAlloc(count, cpu, pfns) : this.allocLarge(count, pfns);
    if (typeof got === 'string') {
      this.freeCallerPages(pfns);
      return fail(got);
    }
    const { err } = this.m.pt.vmapPageRange(got, pfns);
    if (err === null) return okAddr(got);
    this.unmap(got, count); // undo with vm_unmap_ram(addr, count)
    return fail(err);
  }

  /** §4: the first block on this CPU's free list with room, at its bump pointer; else a new block. */
  private vbAlloc(count: number, cpu: number, pfns: readonly Pfn[]): Addr | Errno {
    const q = this.queue(cpu);
    const need = 2 ** ceilLog2(BigInt(count));
    let b = q.freeList.find((x) => x.free >= need);
    if (!b) {
      const area = this.vmap.alloc(BigInt(this.bits) * this.m.pageSize, BigInt(this.bits) * this.m.pageSize, [this.main], null);
      if (typeof area === 'string') return 'EBUSY'; // no block area to be had
      b = { cpu, area, free: this.bits, dirty: 0, dirtyMin: this.bits, dirtyMax: 0, subs: [] };
      q.blocks.push(b);
      q.freeList.push(b); // the tail; it cannot be full: VMAP_BBMAP_BITS > 2^order
    }
    const sub: Sub = { offset: this.bits - b.free, count, order: ceilLog2(BigInt(count)), pfns };
    b.subs.push(sub);
    b.free -= need;
    if (b.free === 0) q.freeList = q.freeList.filter((x) => x !== b);
    return this.pageAddr(b, sub.offset);
  }

  private allocLarge(count: number, pfns: readonly Pfn[]): Addr | Errno {
    const area = this.vmap.alloc(BigInt(count) * this.m.pageSize, this.m.pageSize, [this.main], null);
    if (typeof area === 'string') return area;
    this.large.push({ area, count, pfns });
    return area.start;
  }

  /**
   * §5: vm_unmap_ram(addr, count). EINVAL: unaligned, outside [VMALLOC_START, VMALLOC_END),
   * count < 1, a live mapping not starting at addr (a sub-allocation counts at its rounded size)
   * or of another kind contains it, or the count differs. ENOENT: no live mapping contains it —
   * free space, a lazy area, or a block's dirty or never-used pages.
   */
  vmUnmapRam(addr: Addr, count: number): Result {
    if (!isAligned(addr, this.m.pageSize) || addr < this.main.start || addr >= this.main.end) return fail('EINVAL');
    if (!Number.isSafeInteger(count) || count < 1) return fail('EINVAL');
    const b = this.blockAt(addr);
    if (b) {
      const off = Number((addr - b.area.start) / this.m.pageSize);
      const sub = b.subs.find((s) => off >= s.offset && off < s.offset + 2 ** s.order);
      if (!sub) return fail('ENOENT');
      if (sub.offset !== off || sub.count !== count) return fail('EINVAL');
    } else {
      const area = this.vmap.busyContaining(addr);
      if (!area) return fail('ENOENT');
      const big = this.large.find((l) => l.area === area);
      if (!big || area.start !== addr || big.count !== count) return fail('EINVAL');
    }
    this.unmap(addr, count);
    return NONE;
  }

  /** The accepted unmap of a live mapping, then its caller pages are freed. */
  private unmap(addr: Addr, count: number): void {
    const big = this.large.find((l) => l.area.start === addr);
    if (big) {
      this.large = this.large.filter((l) => l !== big);
      this.vmap.lazyFree(big.area);
      this.freeCallerPages(big.pfns);
      return;
    }
    // vb_free: clear count pages (no flush), 2^order pages turn dirty, widen the dirty range
    const b = this.blockAt(addr) as Block;
    const sub = b.subs.find((s) => this.pageAddr(b, s.offset) === addr) as Sub;
    this.m.pt.vunmapPageRange(addr, addr + BigInt(count) * this.m.pageSize);
    b.subs = b.subs.filter((s) => s !== sub);
    b.dirty += 2 ** sub.order;
    b.dirtyMin = Math.min(b.dirtyMin, sub.offset);
    b.dirtyMax = Math.max(b.dirtyMax, sub.offset + 2 ** sub.order);
    if (b.dirty === this.bits) this.releaseBlock(b); // fully dirty
    this.freeCallerPages(sub.pfns);
  }

  /** Out of its CPU's lists; its area is lazy-freed (flushed at the next purge). */
  private releaseBlock(b: Block): void {
    const q = this.queue(b.cpu);
    q.blocks = q.blocks.filter((x) => x !== b);
    q.freeList = q.freeList.filter((x) => x !== b);
    this.vmap.lazyFree(b.area);
  }

  /**
   * §6: release fragmented blocks (no live sub-allocation, not fully dirty) — all of them when
   * forced, else (vm_unmap_aliases) only those with free < VMAP_PURGE_THRESHOLD: mark used up,
   * leave the lists, lazy-free the area.
   */
  private releaseFragmented(force: boolean): void {
    const fragmented = (b: Block) => b.subs.length === 0 && b.dirty < this.bits;
    for (const b of this.allBlocks().filter((x) => fragmented(x) && (force || x.free < this.threshold))) {
      Object.assign(b, { free: 0, dirty: this.bits, dirtyMin: 0, dirtyMax: this.bits });
      this.releaseBlock(b);
    }
  }

  /** §7: release nearly used-up fragmented blocks, collect and reset every other dirty range, purge with it. */
  vmUnmapAliases(): Result {
    this.releaseFragmented(false);
    let range: AddrRange | undefined;
    for (const b of this.allBlocks()) {
      if (b.dirtyMax === 0 || b.dirty === this.bits) continue;
      const s = this.pageAddr(b, b.dirtyMin);
      const e = this.pageAddr(b, b.dirtyMax);
      range = range ? { start: s < range.start ? s : range.start, end: e > range.end ? e : range.end } : { start: s, end: e };
      b.dirtyMin = this.bits;
      b.dirtyMax = 0;
    }
    this.vmap.purge(range); // flushes the range alone when nothing is lazy
    return NONE;
  }

  private allBlocks(): Block[] {
    return this.cpus.flatMap((q) => q.blocks);
  }

  private blockAt(addr: Addr): Block | undefined {
    return this.allBlocks().find((x) => addr >= x.area.start && addr < x.area.end);
  }

  private freeCallerPages(pfns: readonly Pfn[]): void {
    pfns.forEach((p) => this.m.pm.freePages(p, 0));
  }

  state(): BlocksState {
    const blocks = this.allBlocks()
      .sort((a, b) => (a.area.start < b.area.start ? -1 : 1))
      .map((b) => {
        const { area, subs, ...counters } = b;
        const onFreeList = this.queue(b.cpu).freeList.includes(b);
        return { ...counters, start: area.start, onFreeList, subs: [...subs].sort((x, y) => x.offset - y.offset).map(({ offset, order }) => ({ offset, order })) };
      });
    return { blocks, freeLists: this.cpus.map((q) => ({ cpu: q.cpu, starts: q.freeList.map((b) => b.area.start) })) };
  }

  /** live vm_map_ram mappings as handles (unsorted; the kernel facade sorts all of them) */
  records(): MappingRec[] {
    const small = this.allBlocks().flatMap((b) => b.subs.map((s) => ({ va: this.pageAddr(b, s.offset), pages: s.count })));
    const large = this.large.map((l) => ({ va: l.area.start, pages: l.count }));
    return [...small, ...large].map((r): MappingRec => ({ kind: 'vm_map_ram', va: r.va, pages: r.pages, guard: 0 }));
  }
}
