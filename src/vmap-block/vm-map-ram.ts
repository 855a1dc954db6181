// src: vm_map_ram / vm_unmap_ram / vm_unmap_aliases (vmap-blocks.md §3, §5, §7), on top of the
// per-CPU blocks (small counts) and the global allocator (large counts), with the caller pages
// the harness's caller owns (machine.md §2) and the live mappings a caller holds.
//
// Bad input never throws: EINVAL / ENOENT with the state exactly unchanged (checking.md §3).
// Error order for vm_unmap_ram: EINVAL (unaligned, outside [VMALLOC_START, VMALLOC_END), count < 1),
// then EINVAL when a live mapping of another kind, or one that does not start here, contains the
// address, or the count differs; ENOENT when nothing live contains it.
import type { Addr, Errno, MappingRec, Pfn, Preset, Result } from '../../api/index.js';
import type { VmapAllocator, VmapArea } from '../vmap/index.js';
import { VmapBlocks, type BlockMachine } from './blocks.js';
import { blockSizes, countOrder, type BlockSizes } from './sizes.js';

/** What vm_map_ram needs from the machine beyond the blocks' needs. */
export interface MapRamMachine extends BlockMachine {
  allocPages(order: number, owner: 'caller', counted: boolean): Pfn | null;
  freePages(pfn: Pfn, count?: number): void;
  vmapPageRange(startVpn: number, pfns: readonly Pfn[]): { err: 'EBUSY' | 'ENOMEM' | null; mapped: number };
  isOnline(cpu: number): boolean;
}

/** A large vm_map_ram mapping (count > VMAP_MAX_ALLOC): one area of exactly count pages, no guard. */
export class LargeMapping {
  constructor(
    readonly area: VmapArea,
    readonly count: number,
    readonly pfns: readonly Pfn[],
  ) {}
}

const NONE: Result = { ok: true, value: { kind: 'none' } };
const fail = (err: Errno): Result => ({ ok: false, err });

export class VmMapRam {
  readonly blocks: VmapBlocks;
  readonly sizes: BlockSizes;
  /** live large mappings by start vpn */
  private readonly large = new Map<number, LargeMapping>();
  private readonly pageShift: bigint;
  private readonly pageMask: bigint;
  private cachedMappings: { bv: number; lv: number; recs: readonly MappingRec[] } | null = null;
  private largeVersion = 0;

  constructor(
    private readonly machine: MapRamMachine,
    private readonly vmap: VmapAllocator,
    preset: Preset,
    possibleCpus: readonly number[],
    /** [VMALLOC_START, VMALLOC_END) in bytes */
    private readonly main: { readonly start: Addr; readonly end: Addr },
  ) {
    this.sizes = blockSizes(preset);
    this.pageShift = BigInt(preset.pageShift);
    this.pageMask = (1n << this.pageShift) - 1n;
    const startVpn = Number(main.start >> this.pageShift);
    const endVpn = Number(main.end >> this.pageShift);
    this.blocks = new VmapBlocks(machine, vmap, this.sizes, possibleCpus, startVpn, endVpn);
  }

  /** vm_map_ram(count, cpu): caller pages first, then a block sub-allocation or a large area, then the mapping. */
  vmMapRam(count: number, cpu: number): Result {
    const m = this.machine;
    if (!Number.isSafeInteger(count) || count < 1 || !m.isOnline(cpu)) return fail('EINVAL');
    const pfns: Pfn[] = [];
    for (let i = 0; i < count; i++) {
      const p = m.allocPages(0, 'caller', false);
      if (p === null) {
        this.freeCallerPages(pfns);
        return fail('ENOMEM');
      }
      pfns.push(p);
    }
    let vpn: number;
    // how to undo the allocation if the mapping fails: vm_unmap_ram(addr, count)
    let undo: () => void;
    if (count <= this.sizes.vmapMaxAlloc) {
      const r = this.blocks.vbAlloc(count, countOrder(count), cpu, pfns);
      if (r === 'EBUSY') {
        this.freeCallerPages(pfns);
        return fail('EBUSY');
      }
      vpn = r.vpn;
      const { block } = r;
      undo = () => this.blocks.vbFree(block, block.subContaining(vpn - block.start)!);
    } else {
      const s = Number(this.main.start >> this.pageShift);
      const e = Number(this.main.end >> this.pageShift);
      // no guard page for vm_map_ram; PAGE_SIZE alignment; the main range only
      const area = this.vmap.allocVmapArea(count, 1, s, e, { type: 'vm_map_ram', data: null });
      // EINVAL: count pages exceed the main range (alloc_vmap_area's early reject) — the failing
      // step's error; unreachable in practice since the caller pages run out first
      if (area === 'EINVAL' || area === 'EBUSY') {
        this.freeCallerPages(pfns);
        return fail(area);
      }
      const big = new LargeMapping(area, count, pfns);
      area.owner = { type: 'vm_map_ram', data: big };
      this.large.set(area.start, big);
      this.largeVersion++;
      vpn = area.start;
      undo = () => this.unmapLarge(big);
    }
    const { err } = m.vmapPageRange(vpn, pfns);
    if (err) {
      undo();
      this.freeCallerPages(pfns);
      return fail(err);
    }
    return { ok: true, value: { kind: 'addr', addr: BigInt(vpn) << this.pageShift } };
  }

  /** vm_unmap_ram(addr, count): checks (see the file comment), the unmap, then the caller pages are freed. */
  vmUnmapRam(addr: Addr, count: number): Result {
    if ((addr & this.pageMask) !== 0n || addr < this.main.start || addr >= this.main.end) return fail('EINVAL');
    if (!Number.isSafeInteger(count) || count < 1) return fail('EINVAL');
    const vpn = Number(addr >> this.pageShift);
    const b = this.blocks.blockAt(vpn);
    if (b) {
      const sub = b.subContaining(vpn - b.start);
      // the block's dirty and never-used pages belong to no live mapping: not (or no longer) mapped
      if (!sub) return fail('ENOENT');
      if (b.start + sub.offset !== vpn || sub.count !== count) return fail('EINVAL');
      this.blocks.vbFree(b, sub);
      this.freeCallerPages(sub.pfns);
      return NONE;
    }
    const area = this.vmap.busy.containing(vpn);
    if (!area) return fail('ENOENT'); // free space or a lazy area
    const big = area.owner.type === 'vm_map_ram' && area.owner.data instanceof LargeMapping ? area.owner.data : null;
    if (!big || area.start !== vpn || big.count !== count) return fail('EINVAL');
    this.unmapLarge(big);
    this.freeCallerPages(big.pfns);
    return NONE;
  }

  /** free_unmap_vmap_area: clear the area's entries (no flush) and lazy-free it. */
  private unmapLarge(big: LargeMapping): void {
    this.large.delete(big.area.start);
    this.largeVersion++;
    this.vmap.freeUnmapVmapArea(big.area);
  }

  /** vm_unmap_aliases(): see VmapBlocks.vmUnmapAliases. */
  vmUnmapAliases(): Result {
    this.blocks.vmUnmapAliases();
    return NONE;
  }

  private freeCallerPages(pfns: readonly Pfn[]): void {
    for (const p of pfns) this.machine.freePages(p, 1);
  }

  /** the live vm_map_ram mappings (small and large) as handles, sorted by va; cached between changes */
  mappings(): readonly MappingRec[] {
    const c = this.cachedMappings;
    if (c && c.bv === this.blocks.version && c.lv === this.largeVersion) return c.recs;
    const recs: MappingRec[] = [];
    const sh = this.pageShift;
    for (const b of this.blocks.allBlocks()) {
      for (const s of b.subs.values()) recs.push({ kind: 'vm_map_ram', va: BigInt(b.start + s.offset) << sh, pages: s.count, guard: 0 });
    }
    for (const big of this.large.values()) recs.push({ kind: 'vm_map_ram', va: BigInt(big.area.start) << sh, pages: big.count, guard: 0 });
    recs.sort((x, y) => (x.va < y.va ? -1 : x.va > y.va ? 1 : 0));
    this.cachedMappings = { bv: this.blocks.version, lv: this.largeVersion, recs };
    return recs;
  }

  check(): string[] {
    const out = this.blocks.check();
    for (const [start, big] of this.large) {
      const a = big.area;
      if (a.start !== start || a.lazy || a.end - a.start !== big.count || a.owner.type !== 'vm_map_ram' || a.owner.data !== big) {
        out.push(`large vm_map_ram at vpn ${start}: its area is not a busy area of ${big.count} pages owned by it`);
      }
      if (big.count <= this.sizes.vmapMaxAlloc) out.push(`large vm_map_ram at vpn ${start} has only ${big.count} pages`);
    }
    return out;
  }
}
