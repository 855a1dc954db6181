// src: physical memory — RAM banks and device ranges, one owner per pfn (a Uint8Array per
// region), and the page frame allocator (lowest free naturally aligned run, machine.md §2) with
// fault injection. Owner runs for toModel are cached per chunk of pfns and rebuilt only for the
// chunks an operation touched, so toModel stays proportional to the number of runs.
import type { MachineConfig, Owner, OwnerRun, Pfn } from '../../api/index.js';
import { OWNERS } from '../../api/index.js';
import type { Geometry } from './geometry.js';

const CODE: Readonly<Record<Owner, number>> = Object.fromEntries(OWNERS.map((o, i) => [o, i])) as Record<Owner, number>;
const FREE = CODE.free;
/** pfns per cached chunk of owner runs */
const CHUNK = 256;

interface Region {
  readonly start: Pfn;
  readonly count: number;
  /** RAM (boot or hot-added) vs device memory */
  readonly ram: boolean;
  readonly owners: Uint8Array;
  /** every page below this offset is known not to be free (order-0 fast path) */
  lowFree: number;
  /** per chunk: cached runs, or null when the chunk changed since */
  readonly chunkRuns: (OwnerRun[] | null)[];
  /** the region's merged runs, or null when a chunk changed since */
  runs: OwnerRun[] | null;
}

export class PhysMem {
  private readonly regions: Region[] = [];
  private armed: number | null = null;
  private runsView: readonly OwnerRun[] | null = null;

  constructor(g: Geometry, config: MachineConfig) {
    // Adjacent banks are one stretch of RAM for the allocator (a run may cross their seam).
    const banks = [...config.ram.banks].sort((a, b) => a.start - b.start);
    let cur: { start: number; count: number } | null = null;
    for (const b of banks) {
      if (cur && cur.start + cur.count === b.start) cur.count += b.count;
      else {
        if (cur) this.insert(cur.start, cur.count, true, FREE);
        cur = { start: b.start, count: b.count };
      }
    }
    if (cur) this.insert(cur.start, cur.count, true, FREE);
    for (const d of config.devices) this.insert(d.start, d.count, false, CODE.device);

    // Reserved at boot: the preset's low memory (x86: first 1 MiB), the kernel image, the root
    // page table, and no-map carve-outs (memblock_mark_nomap: still memory, never allocatable).
    const low = Math.floor(g.preset.reserveLowBytes / g.pageSize);
    this.reserveClamped(0, low);
    this.reserveClamped(config.ram.kernel.start, config.ram.kernel.count);
    this.reserveClamped(config.ram.rootPt, 1);
    for (const n of config.ram.noMap ?? []) this.reserveClamped(n.start, n.count);
  }

  // ---------------------------------------------------------------- regions

  private insert(start: Pfn, count: number, ram: boolean, code: number): void {
    for (const r of this.regions) {
      if (start < r.start + r.count && r.start < start + count) throw new Error(`pfn range 0x${start.toString(16)}+${count} overlaps a region`);
    }
    const owners = new Uint8Array(count).fill(code);
    const region: Region = { start, count, ram, owners, lowFree: 0, chunkRuns: new Array(Math.ceil(count / CHUNK)).fill(null), runs: null };
    const at = this.regions.findIndex((r) => r.start > start);
    if (at < 0) this.regions.push(region);
    else this.regions.splice(at, 0, region);
    this.runsView = null;
  }

  /** hot-add: RAM appears offline, device memory as 'device' */
  addRegion(start: Pfn, count: number, owner: 'offline' | 'device'): void {
    this.insert(start, count, owner === 'offline', CODE[owner]);
  }

  /** hot-remove the region that is exactly [start, start + count) */
  removeRegion(start: Pfn, count: number): void {
    const i = this.regions.findIndex((r) => r.start === start && r.count === count);
    if (i < 0) throw new Error(`no region 0x${start.toString(16)}+${count}`);
    this.regions.splice(i, 1);
    this.runsView = null;
    // the one-entry lookup cache must not outlive its region: a later lookup of a removed pfn
    // would find the dead region (found by mutation testing: map_device onto removed device
    // memory succeeded; shrink-reports/2026-11-22-vmemmap-refines-model-0131c8f1)
    this.lastRegion = undefined;
  }

  private reserveClamped(start: Pfn, count: number): void {
    for (const r of this.regions) {
      if (!r.ram) continue;
      const lo = Math.max(start, r.start);
      const hi = Math.min(start + count, r.start + r.count);
      if (lo < hi) this.fill(r, lo - r.start, hi - r.start, CODE.reserved);
    }
  }

  private lastRegion: Region | undefined;

  private regionOf(pfn: Pfn): Region | undefined {
    const last = this.lastRegion;
    if (last && pfn >= last.start && pfn < last.start + last.count) return last;
    let lo = 0;
    let hi = this.regions.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const r = this.regions[mid]!;
      if (pfn < r.start) hi = mid - 1;
      else if (pfn >= r.start + r.count) lo = mid + 1;
      else return (this.lastRegion = r);
    }
    return undefined;
  }

  private fill(r: Region, from: number, to: number, code: number): void {
    r.owners.fill(code, from, to);
    for (let c = Math.floor(from / CHUNK); c * CHUNK < to; c++) r.chunkRuns[c] = null;
    r.runs = null;
    this.runsView = null;
    if (code === FREE && from < r.lowFree) r.lowFree = from;
  }

  // ---------------------------------------------------------------- owners

  owner(pfn: Pfn): Owner | null {
    const r = this.regionOf(pfn);
    return r ? OWNERS[r.owners[pfn - r.start]!]! : null;
  }

  setOwner(pfn: Pfn, count: number, owner: Owner): void {
    if (count <= 0) return;
    const r = this.regionOf(pfn);
    if (!r || pfn + count > r.start + r.count) throw new Error(`setOwner: 0x${pfn.toString(16)}+${count} is not inside one memory region`);
    this.fill(r, pfn - r.start, pfn - r.start + count, CODE[owner]);
  }

  freePages(pfn: Pfn, count: number): void {
    const r = this.regionOf(pfn);
    if (!r || !r.ram || pfn + count > r.start + r.count) throw new Error(`freePages: 0x${pfn.toString(16)}+${count} is not RAM`);
    this.fill(r, pfn - r.start, pfn - r.start + count, FREE);
  }

  /** pages of RAM (boot and hot-added) */
  get totalRam(): number {
    let n = 0;
    for (const r of this.regions) if (r.ram) n += r.count;
    return n;
  }

  isRam(pfn: Pfn): boolean {
    return this.regionOf(pfn)?.ram === true;
  }

  /** whether [pfn, pfn + count) lies inside one device region */
  inDevice(pfn: Pfn, count: number): boolean {
    const r = this.regionOf(pfn);
    return r !== undefined && !r.ram && pfn + count <= r.start + r.count;
  }

  // ---------------------------------------------------------------- allocator

  failAlloc(after: number): void {
    this.armed = after;
  }

  get failAfter(): number | null {
    return this.armed;
  }

  /**
   * alloc_pages(order): the lowest free naturally aligned run of 2^order pages. A counted
   * allocation first consults fault injection: it decrements the armed count, and the one that
   * finds it at 0 fails and disarms (checked before looking for memory, like should_fail()).
   */
  allocPages(order: number, owner: Owner, counted: boolean): Pfn | null {
    if (counted && this.armed !== null) {
      if (this.armed === 0) {
        this.armed = null;
        return null;
      }
      this.armed--;
    }
    const size = 2 ** order;
    const code = CODE[owner];
    for (const r of this.regions) {
      if (!r.ram) continue;
      const at = size === 1 ? this.findFree1(r) : this.findFreeRun(r, size);
      if (at >= 0) {
        this.fill(r, at, at + size, code);
        if (at === r.lowFree) r.lowFree = at + size;
        return r.start + at;
      }
    }
    return null;
  }

  private findFree1(r: Region): number {
    const o = r.owners;
    let i = r.lowFree;
    while (i < r.count && o[i] !== FREE) i++;
    r.lowFree = i;
    return i < r.count ? i : -1;
  }

  /** Scan candidates aligned to `size` in absolute pfns; on a busy page jump past it, so every page is read at most once. */
  private findFreeRun(r: Region, size: number): number {
    const o = r.owners;
    this.findFree1(r);
    let cand = Math.ceil((r.start + r.lowFree) / size) * size - r.start;
    while (cand + size <= r.count) {
      let i = cand;
      const end = cand + size;
      while (i < end && o[i] === FREE) i++;
      if (i === end) return cand;
      cand = Math.ceil((r.start + i + 1) / size) * size - r.start;
    }
    return -1;
  }

  // ---------------------------------------------------------------- abstraction

  /** Owner runs over every region, sorted, pfn-contiguous equal owners merged. */
  toModel(): readonly OwnerRun[] {
    if (this.runsView) return this.runsView;
    const out: OwnerRun[] = [];
    for (const r of this.regions) {
      const runs = r.runs ?? (r.runs = regionRuns(r));
      let i = 0;
      const prev = out[out.length - 1];
      // merge across a seam between two regions (adjacent pfns, same owner)
      if (prev && runs.length > 0 && prev.owner === runs[0]!.owner && prev.pfn + prev.count === runs[0]!.pfn) {
        out[out.length - 1] = { pfn: prev.pfn, count: prev.count + runs[0]!.count, owner: prev.owner };
        i = 1;
      }
      for (; i < runs.length; i++) out.push(runs[i]!);
    }
    this.runsView = out;
    return out;
  }
}

/** a region's runs from its chunks' cached runs, merged across chunk seams (fresh objects: cached ones are never exposed) */
function regionRuns(r: Region): OwnerRun[] {
  const out: { pfn: number; count: number; owner: Owner }[] = [];
  let last: { pfn: number; count: number; owner: Owner } | undefined;
  for (let c = 0; c < r.chunkRuns.length; c++) {
    const runs = r.chunkRuns[c] ?? (r.chunkRuns[c] = chunkRuns(r, c));
    for (const run of runs) {
      if (last && last.owner === run.owner) last.count += run.count;
      else {
        last = { pfn: run.pfn, count: run.count, owner: run.owner };
        out.push(last);
      }
    }
  }
  return out;
}

function chunkRuns(r: Region, c: number): OwnerRun[] {
  const o = r.owners;
  const from = c * CHUNK;
  const to = Math.min(r.count, from + CHUNK);
  const runs: OwnerRun[] = [];
  let i = from;
  while (i < to) {
    const code = o[i]!;
    let j = i + 1;
    while (j < to && o[j] === code) j++;
    runs.push({ pfn: r.start + i, count: j - i, owner: OWNERS[code]! });
    i = j;
  }
  return runs;
}
