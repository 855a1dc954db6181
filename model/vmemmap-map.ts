// model: populating and freeing the vmemmap — reference semantics. Clarity over speed.
// vmemmap_populate, vmemmap_alloc_block_buf and vmemmap_free as vmemmap.md §3-§5 state them.
//
// State: the populated sub-sections as a set (with what put them there), and every mapped
// vmemmap unit (a base page or a huge chunk) keyed by its virtual address, with the block that
// backs it and where that block came from: RAM, or the altmap of the device starting at `source`.
import { VersionedMap } from './versioned-map.js';
import type { Addr, Pfn } from '../api/index.js';
import { altmapAlloc, altmapFree, type Altmap } from './altmap.js';
import { alignDown, alignUp } from './arith.js';
import type { Machine } from './machine.js';

export type Kind = 'boot' | 'ram' | 'device';
export interface Backing {
  readonly pfn: Pfn;
  readonly pages: number;
  readonly source: 'ram' | Pfn;
}
export interface Device {
  readonly start: Pfn;
  readonly pages: number;
  readonly altmap: Altmap;
}

export class VmemmapMap {
  /** sub-section number → what made it present */
  readonly present = new VersionedMap<number, Kind>();
  /** vmemmap unit address → its backing block */
  readonly backing = new Map<Addr, Backing>();
  /** live devices by first pfn */
  readonly devices = new Map<Pfn, Device>();
  readonly pageSize: Addr;
  readonly ssPfns: number; // PAGES_PER_SUBSECTION
  readonly sectionPfns: number; // PAGES_PER_SECTION
  readonly basePfn: Pfn; // 0, or memstart_pfn on arm64
  private readonly last: number; // pte level
  private readonly pmd: number; // the level above it

  constructor(
    readonly m: Machine,
    private readonly start: Addr, // VMEMMAP_START
    basePfn: Pfn,
  ) {
    const p = m.preset;
    this.pageSize = m.pageSize;
    this.ssPfns = 2 ** (p.subsectionShift - p.pageShift);
    this.sectionPfns = 2 ** (p.sectionSizeBits - p.pageShift);
    this.basePfn = basePfn;
    this.last = p.levels.length - 1;
    this.pmd = this.last - 1;
  }

  /** vmemmap(pfn) = VMEMMAP_START + (pfn - base) · sizeof(struct page) */
  vmemmapOf(pfn: Pfn): Addr {
    return this.start + BigInt(pfn - this.basePfn) * 64n;
  }

  /** Does the vmemmap [va, va + size) hold the memmap of a present sub-section? */
  private needed(va: Addr, size: Addr): boolean {
    const lo = this.basePfn + Number((va - this.start) / 64n);
    const hi = this.basePfn + Number((va + size - this.start) / 64n);
    for (let ss = Math.floor(lo / this.ssPfns); ss * this.ssPfns < hi; ss++) if (this.present.has(ss)) return true;
    return false;
  }

  /** vmemmap_alloc_block_buf: the altmap or nothing (fallback policy: then RAM); without one, RAM. */
  private allocBlock(size: Addr, dev: Device | null): Backing | null {
    const pages = Number(size / this.pageSize);
    if (dev) {
      const pfn = altmapAlloc(dev.altmap, size, this.pageSize);
      if (pfn !== null) return { pfn, pages, source: dev.start };
      if (this.m.config.vmemmapFallback !== true) return null;
    }
    const pfn = this.m.pm.allocPages(Math.log2(pages), 'vmemmap', true);
    return pfn === null ? null : { pfn, pages, source: 'ram' };
  }

  private mapUnit(va: Addr, level: number, b: Backing): void {
    this.m.pt.leaves.set(va, { pfn: b.pfn, level });
    this.backing.set(va, b);
  }

  /** vmemmap_populate_basepages over the pages meeting [start, end); a present translation is kept. */
  private basepages(start: Addr, end: Addr, dev: Device | null): 'ENOMEM' | null {
    for (let va = alignDown(start, this.pageSize); va < end; va += this.pageSize) {
      if (this.m.pt.walk(va) !== null) continue; // shared with a neighbour, or inside a huge chunk
      if (this.m.pt.populate(va, this.last) !== null) return 'ENOMEM';
      const b = this.allocBlock(this.pageSize, dev);
      if (!b) return 'ENOMEM';
      this.mapUnit(va, this.last, b);
    }
    return null;
  }

  /** vmemmap_populate_hugepages: a PMD block per none chunk; no block → ENOMEM with an altmap, else base pages from RAM. */
  private hugepages(start: Addr, end: Addr, dev: Device | null): 'ENOMEM' | null {
    const pt = this.m.pt;
    const chunk = pt.entrySize(this.pmd);
    for (let va = alignDown(start, chunk); va < end; va += chunk) {
      const from = va > start ? va : start;
      const to = va + chunk < end ? va + chunk : end;
      const err = pt.populate(va, this.pmd);
      if (err === 'ENOMEM') return 'ENOMEM';
      const w = pt.walk(va);
      if (err === 'EBUSY' || (w !== null && w.level <= this.pmd)) continue; // mapped huge: kept
      if (pt.tables[this.pmd + 1]?.has(va)) {
        if (this.basepages(from, to, dev)) return 'ENOMEM'; // a table: base pages, with the altmap
        continue;
      }
      const b = this.allocBlock(chunk, dev);
      if (b) this.mapUnit(va, this.pmd, b);
      else if (dev && this.m.config.vmemmapFallback !== true) return 'ENOMEM';
      else if (this.basepages(from, to, null)) return 'ENOMEM';
    }
    return null;
  }

  /** vmemmap_populate for the memmap of one section piece, by the preset's policy (vmemmap.md §4). */
  populate(startPfn: Pfn, endPfn: Pfn, dev: Device | null): 'ENOMEM' | null {
    const start = this.vmemmapOf(startPfn);
    const end = this.vmemmapOf(endPfn);
    if (this.m.preset.vmemmapPolicy !== 'x86') return this.basepages(start, end, dev);
    // x86: a sub-section add gets base pages from RAM, ignoring the altmap; a whole section huge pages
    if (endPfn - startPfn < this.sectionPfns) return this.basepages(start, end, null);
    return this.hugepages(start, end, dev);
  }

  /**
   * vmemmap_free over [startPfn, endPfn), whose sub-sections are no longer present: unmap every
   * unit meeting its memmap that holds no present sub-section's memmap, give its block back where
   * it came from, then free_empty_tables and one flush over the span (rounded out to pages and
   * widened to the units unmapped).
   */
  free(startPfn: Pfn, endPfn: Pfn): void {
    let lo = alignDown(this.vmemmapOf(startPfn), this.pageSize);
    let hi = alignUp(this.vmemmapOf(endPfn), this.pageSize);
    const [spanLo, spanHi] = [lo, hi];
    for (const [va, b] of [...this.backing]) {
      const size = BigInt(b.pages) * this.pageSize;
      if (va >= spanHi || va + size <= spanLo || this.needed(va, size)) continue;
      this.m.pt.vunmapPageRange(va, va + size);
      this.backing.delete(va);
      if (b.source === 'ram') this.m.pm.freePages(b.pfn, Math.log2(b.pages));
      else {
        const dev = this.devices.get(b.source);
        if (dev) altmapFree(dev.altmap, b.pages); // a removed device's block has nowhere to go
      }
      if (va < lo) lo = va;
      if (va + size > hi) hi = va + size;
    }
    this.m.pt.freeEmptyTables(lo, hi);
    this.m.tlb.flushKernelRange(lo, hi);
  }
}
