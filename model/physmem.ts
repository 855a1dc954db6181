// model: physical memory — page owners, the lowest-fit page allocator, fault injection.
// Reference semantics (machine.md §2). Clarity over speed.
import type { MachineConfig, Owner, OwnerRun, Pfn, Preset } from '../api/index.js';
import { VersionedMap } from './versioned-map.js';

/** One run of pfns that exist, with the owner they have when nothing is allocated from them. */
interface PresentRun {
  readonly pfn: Pfn;
  readonly count: number;
  readonly owner: Owner;
}

export class PhysMem {
  /** pfns that exist (RAM and device ranges), sorted, with their boot owner */
  readonly present: PresentRun[] = [];
  /** pfns whose owner differs from their boot owner (allocated pages) */
  readonly changed = new VersionedMap<Pfn, Owner>();
  /** `present` is a short list that hot-plug edits in place: its text says when it changed */
  get presentKey(): string {
    return this.present.map((r) => `${r.pfn}+${r.count}${r.owner}`).join(',');
  }
  /** fault injection: counted allocations still to succeed before one fails, or null */
  failAfter: number | null = null;
  /** invariant: no pfn below `searchFrom` is free (only a starting point for the scan) */
  private searchFrom = 0;

  constructor(config: MachineConfig, preset: Preset) {
    const { banks, kernel, rootPt, noMap = [] } = config.ram;
    const inRange = (p: Pfn, r: { start: Pfn; count: number }) => p >= r.start && p < r.start + r.count;
    // Reserved at boot: reserveLowBytes at physical 0, the kernel image, the root page table.
    const lowReserved = Math.ceil(preset.reserveLowBytes / 2 ** preset.pageShift);
    const bootOwner = (p: Pfn): Owner | null => {
      // choice (spec silent; Linux 6.12 memmap_init_reserved_pages): no-map ranges stay memory
      // with a memmap, but never handed out — their pages are reserved
      if (noMap.some((r) => inRange(p, r))) return 'reserved';
      if (p < lowReserved || inRange(p, kernel) || p === rootPt) return 'reserved';
      return 'free';
    };
    // Boot owners change only where one of those ranges starts or ends: cut every bank at those
    // points and give each piece the owner of its first pfn (bootOwner is constant between cuts).
    const cuts = [lowReserved, kernel.start, kernel.start + kernel.count, rootPt, rootPt + 1, ...noMap.flatMap((r) => [r.start, r.start + r.count])];
    for (const bank of banks) {
      const end = bank.start + bank.count;
      const points = [...new Set([bank.start, end, ...cuts.filter((c) => c > bank.start && c < end)])].sort((a, b) => a - b);
      for (let i = 0; i + 1 < points.length; i++) this.pushPresent(points[i] as Pfn, (points[i + 1] as Pfn) - (points[i] as Pfn), bootOwner(points[i] as Pfn));
    }
    for (const dev of config.devices) this.present.push({ pfn: dev.start, count: dev.count, owner: 'device' });
    this.present.sort((a, b) => a.pfn - b.pfn);
  }

  private pushPresent(p: Pfn, count: number, owner: Owner | null): void {
    if (owner === null) return;
    const last = this.present[this.present.length - 1];
    if (last && last.owner === owner && last.pfn + last.count === p) {
      this.present[this.present.length - 1] = { ...last, count: last.count + count };
    } else {
      this.present.push({ pfn: p, count, owner });
    }
  }

  /** Do the pfns [first, end) all lie in one device range (machine.md §2)? */
  inOneDevice(first: bigint, end: bigint): boolean {
    return this.present.some((r) => r.owner === 'device' && first >= BigInt(r.pfn) && end <= BigInt(r.pfn + r.count));
  }

  private bootOwnerOf(p: Pfn): Owner | null {
    const run = this.present.find((r) => p >= r.pfn && p < r.pfn + r.count);
    return run ? run.owner : null;
  }

  ownerOf(p: Pfn): Owner | null {
    return this.changed.get(p) ?? this.bootOwnerOf(p);
  }

  setOwner(p: Pfn, owner: Owner): void {
    if (owner === this.bootOwnerOf(p)) this.changed.delete(p);
    else this.changed.set(p, owner);
    if (owner === 'free') this.searchFrom = Math.min(this.searchFrom, p);
  }

  /**
   * alloc_pages(order): the lowest free, naturally aligned run of 2^order pages (machine.md §2).
   * A counted allocation first consults fault injection: every counted attempt counts, whether
   * or not memory would have been found (choice: like the kernel's should_fail_alloc_page,
   * which runs before the allocator looks for pages).
   */
  allocPages(order: number, owner: Owner, counted: boolean): Pfn | null {
    if (counted && this.failAfter !== null) {
      if (this.failAfter === 0) {
        this.failAfter = null;
        return null;
      }
      this.failAfter--;
    }
    const n = 2 ** order;
    const top = Math.max(0, ...this.present.filter((r) => r.owner === 'free').map((r) => r.pfn + r.count));
    for (let p = Math.ceil(this.searchFrom / n) * n; p + n <= top; p += n) {
      let allFree = true;
      for (let i = 0; i < n && allFree; i++) allFree = this.ownerOf(p + i) === 'free';
      if (!allFree) continue;
      for (let i = 0; i < n; i++) this.setOwner(p + i, owner);
      if (order === 0) this.searchFrom = p + 1; // p was the lowest free pfn
      return p;
    }
    return null;
  }

  freePages(pfn: Pfn, order: number): void {
    for (let i = 0; i < 2 ** order; i++) this.setOwner(pfn + i, 'free');
  }

  /** Caller pages (machine.md §2): ascending, lowest free each, never fault-injected; all or nothing. */
  allocCallerPages(count: number): Pfn[] | null {
    const pfns: Pfn[] = [];
    for (let i = 0; i < count; i++) {
      const p = this.allocPages(0, 'caller', false);
      if (p === null) {
        for (const q of pfns) this.freePages(q, 0);
        return null;
      }
      pfns.push(p);
    }
    return pfns;
  }

  /** Fault injection (machine.md §2): the (after+1)-th counted allocation from now fails. */
  failAlloc(after: number): void {
    this.failAfter = after;
  }

  /** Owners as sorted runs, adjacent equal owners merged (api/state.ts OwnerRun). */
  ownerRuns(): OwnerRun[] {
    const out: OwnerRun[] = [];
    const changed = [...this.changed.keys()].sort((a, b) => a - b);
    let i = 0;
    for (const run of this.present) {
      let p = run.pfn;
      const end = run.pfn + run.count;
      for (; i < changed.length && (changed[i] as number) < end; i++) {
        const c = changed[i] as number;
        pushOwnerRun(out, p, c - p, run.owner);
        pushOwnerRun(out, c, 1, this.changed.get(c) as Owner);
        p = c + 1;
      }
      pushOwnerRun(out, p, end - p, run.owner);
    }
    return out;
  }

  /**
   * The same runs, from the previous ones and the pfns whose owner changed since (the state
   * reader's fast path; `present` unchanged): cut those pfns out of the old runs, put each
   * back with its owner now, merge. Equal to ownerRuns() (a unit test checks it).
   */
  patchOwnerRuns(prev: readonly OwnerRun[], pfns: readonly Pfn[]): OwnerRun[] {
    const cut = [...new Set(pfns)].sort((a, b) => a - b);
    const pieces: OwnerRun[] = [];
    let j = 0;
    for (const run of prev) {
      const end = run.pfn + run.count;
      while (j < cut.length && (cut[j] as number) < run.pfn) j++;
      let from = run.pfn;
      for (; j < cut.length && (cut[j] as number) < end; j++) {
        const c = cut[j] as number;
        if (c > from) pieces.push({ pfn: from, count: c - from, owner: run.owner });
        from = c + 1;
      }
      if (from < end) pieces.push({ pfn: from, count: end - from, owner: run.owner });
    }
    for (const p of cut) {
      const owner = this.ownerOf(p);
      if (owner !== null) pieces.push({ pfn: p, count: 1, owner });
    }
    pieces.sort((a, b) => a.pfn - b.pfn);
    const out: OwnerRun[] = [];
    for (const r of pieces) pushOwnerRun(out, r.pfn, r.count, r.owner);
    return out;
  }
}

/** Append a run, merging it into the last one when it continues it with the same owner. */
function pushOwnerRun(out: OwnerRun[], pfn: Pfn, count: number, owner: Owner): void {
  if (count <= 0) return;
  const last = out[out.length - 1];
  if (last && last.owner === owner && last.pfn + last.count === pfn) out[out.length - 1] = { ...last, count: last.count + count };
  else out.push({ pfn, count, owner });
}
