// model: sparse vmemmap and memory hot-plug — reference semantics. Clarity over speed.
// add_memory, add_device, remove, remove_device, touch_page (vmemmap.md §4-§5, api/calls.ts).
import { memo } from './versioned-map.js';
import type { Call, Errno, Owner, Pfn, Result, VmemmapState } from '../api/index.js';
import { altmapRec, newAltmap } from './altmap.js';
import type { Machine } from './machine.js';
import { NONE, fail } from './result.js';
import { VmemmapMap, type Device, type Kind } from './vmemmap-map.js';

export class ModelVmemmap {
  /** null on presets without a vmemmap (arm32): every hot-plug call is EINVAL */
  readonly map: VmemmapMap | null = null;
  /** hot-pluggable pfns: [minPfn, maxPfn) */
  private readonly minPfn: Pfn = 0;
  private readonly maxPfn: Pfn = 0;

  constructor(private readonly m: Machine) {
    const p = m.preset;
    if (p.vmemmapStart === null || p.vmemmapBase === null) return;
    const pageSize = m.pageSize;
    let base = 0; // arm64: memstart_pfn, the first RAM pfn rounded down to ARM64_MEMSTART_ALIGN
    if (p.vmemmapBase === 'memstart') {
      const align = Number((p.memstartAlign ?? pageSize) / pageSize);
      base = Math.floor(Math.min(...m.config.ram.banks.map((b) => b.start)) / align) * align;
    }
    this.map = new VmemmapMap(m, p.vmemmapStart, base);
    // the vmemmap must fit below 2^W; memory below 2^MAX_PHYSMEM_BITS (mhp_range_allowed)
    let max = base + Number(((1n << BigInt(p.bitsPerLong)) - p.vmemmapStart) / 64n);
    if (p.maxPhysmemBits !== undefined) max = Math.min(max, 2 ** (p.maxPhysmemBits - p.pageShift));
    // arm64 inside_linear_region: [memstart, memstart + half the virtual address space)
    const vaBits = p.pageShift + p.levels.reduce((s, l) => s + l.bits, 0);
    if (p.vmemmapBase === 'memstart') max = Math.min(max, base + 2 ** (vaBits - 1 - p.pageShift));
    this.minPfn = base;
    this.maxPfn = max;
  }

  private pieces(start: Pfn, end: Pfn): [Pfn, Pfn][] {
    const sec = this.map!.sectionPfns;
    const out: [Pfn, Pfn][] = [];
    for (let p = start; p < end; p = Math.min(end, (Math.floor(p / sec) + 1) * sec)) out.push([p, Math.min(end, (Math.floor(p / sec) + 1) * sec)]);
    return out;
  }

  private mark(start: Pfn, end: Pfn, kind: Kind | null): void {
    const ss = this.map!.ssPfns;
    for (let i = start / ss; i < end / ss; i++) {
      if (kind) this.map!.present.set(i, kind);
      else this.map!.present.delete(i);
    }
  }

  private kindsIn(start: Pfn, end: Pfn): Set<Kind | null> {
    const ss = this.map!.ssPfns;
    const kinds = new Set<Kind | null>();
    for (let i = Math.floor(start / ss); i * ss < end; i++) kinds.add(this.map!.present.get(i) ?? null);
    return kinds;
  }

  /**
   * Boot RAM's sub-sections (those meeting a bank) are present, and the memmap of each run of
   * them is populated by the same rules as a hot-add, before the first call.
   */
  boot(): void {
    const map = this.map;
    if (!map) return;
    const ss = map.ssPfns;
    for (const b of this.m.config.ram.banks) this.mark(Math.floor(b.start / ss) * ss, Math.ceil((b.start + b.count) / ss) * ss, 'boot');
    const sorted = [...map.present.keys()].sort((a, b) => a - b);
    for (let i = 0; i < sorted.length; ) {
      let j = i;
      while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
      for (const [s, e] of this.pieces(sorted[i]! * ss, (sorted[j]! + 1) * ss)) {
        if (map.populate(s, e, null)) throw new Error('not enough RAM for the boot memmap');
      }
      i = j + 1;
    }
  }

  /** The shared argument checks of the calls: EINVAL unless a positive, sub-section aligned, hot-pluggable range. */
  private badRange(pfn: Pfn, pages: number): boolean {
    const ok = (n: number) => Number.isSafeInteger(n) && n >= 0;
    if (!this.map || !ok(pfn) || !ok(pages) || pages === 0) return true;
    return pfn % this.map.ssPfns !== 0 || pages % this.map.ssPfns !== 0 || pfn < this.minPfn || pfn + pages > this.maxPfn;
  }

  /** EEXIST: a present sub-section, or memory the machine already has (a configured device range). */
  private exists(pfn: Pfn, pages: number): boolean {
    const clash = this.m.config.devices.some((d) => pfn < d.start + d.count && d.start < pfn + pages);
    return clash || [...this.kindsIn(pfn, pfn + pages)].some((k) => k !== null);
  }

  /** __add_pages: section pieces ascending; a failed piece tears down everything this call populated. */
  private add(pfn: Pfn, pages: number, kind: Kind, dev: Device | null, owner: Owner): Result {
    addPhys(this.m, pfn, pages, owner);
    for (const [s, e] of this.pieces(pfn, pfn + pages)) {
      this.mark(s, e, kind);
      if (this.map!.populate(s, e, dev)) {
        this.mark(pfn, e, null);
        this.map!.free(pfn, e);
        cutPhys(this.m, pfn, pfn + pages);
        if (dev) this.map!.devices.delete(dev.start);
        return fail('ENOMEM');
      }
    }
    return NONE;
  }

  addMemory(pfn: Pfn, pages: number): Result {
    if (this.badRange(pfn, pages)) return fail('EINVAL');
    if (this.exists(pfn, pages)) return fail('EEXIST');
    return this.add(pfn, pages, 'ram', null, 'offline');
  }

  addDevice(pfn: Pfn, pages: number, reserve: number, free: number): Result {
    const ok = (n: number) => Number.isSafeInteger(n) && n >= 0;
    if (this.badRange(pfn, pages) || !ok(reserve) || !ok(free) || reserve + free > pages) return fail('EINVAL');
    if (this.exists(pfn, pages)) return fail('EEXIST');
    const dev: Device = { start: pfn, pages, altmap: newAltmap(pfn, pages, reserve, free) };
    this.map!.devices.set(pfn, dev);
    return this.add(pfn, pages, 'device', dev, 'device');
  }

  /** remove hot-added RAM: boot RAM, device memory or a partly absent range is EINVAL; nothing hot-added there is ENOENT. */
  remove(pfn: Pfn, pages: number): Result {
    if (this.badRange(pfn, pages)) return fail('EINVAL');
    const kinds = this.kindsIn(pfn, pfn + pages);
    const err: Errno | null = kinds.has('boot') || kinds.has('device') ? 'EINVAL' : !kinds.has('ram') ? 'ENOENT' : kinds.has(null) ? 'EINVAL' : null;
    if (err) return fail(err);
    this.mark(pfn, pfn + pages, null);
    this.map!.free(pfn, pfn + pages);
    cutPhys(this.m, pfn, pfn + pages);
    return NONE;
  }

  /** remove a whole device; its altmap must be back to alloc == 0 (else WARN). */
  removeDevice(pfn: Pfn): Result {
    if (this.badRange(pfn, this.map?.ssPfns ?? 1)) return fail('EINVAL');
    const dev = this.map!.devices.get(pfn);
    if (!dev) return fail(this.map!.present.has(pfn / this.map!.ssPfns) ? 'EINVAL' : 'ENOENT');
    this.mark(pfn, pfn + dev.pages, null);
    this.map!.free(pfn, pfn + dev.pages);
    if (dev.altmap.alloc !== 0) {
      this.m.warnings.push({ kind: 'failed to free all reserved pages', addr: BigInt(pfn) * this.m.pageSize, step: this.m.step });
    }
    this.map!.devices.delete(pfn);
    cutPhys(this.m, pfn, pfn + dev.pages);
    return NONE;
  }

  /** touch(cpu, vmemmap(pfn)) */
  touchPage(pfn: Pfn, cpu: number): Result {
    if (!this.map || !this.m.tlb.isOnline(cpu)) return fail('EINVAL');
    if (!Number.isSafeInteger(pfn) || pfn < this.minPfn || pfn >= this.maxPfn) return fail('EINVAL');
    return this.m.touch(cpu, this.map.vmemmapOf(pfn));
  }

  state(): VmemmapState {
    if (!this.map) return { present: [], altmaps: [] };
    const altmaps = [...this.map.devices.values()].sort((a, b) => a.start - b.start).map((d) => altmapRec(d.altmap));
    return { present: this.presentRuns(), altmaps };
  }

  /** present sub-sections as merged runs, rebuilt only when the set changed */
  private readonly presentRuns = memo(
    () => this.map?.present.version ?? -1,
    () => {
      const map = this.map;
      if (!map) return [];
      const ss = map.ssPfns;
      const present: { pfn: Pfn; count: number; kind: Kind }[] = [];
      for (const i of [...map.present.keys()].sort((a, b) => a - b)) {
        const kind = map.present.get(i)!;
        const last = present[present.length - 1];
        if (last && last.kind === kind && last.pfn + last.count === i * ss) last.count += ss;
        else present.push({ pfn: i * ss, count: ss, kind });
      }
      return present;
    },
  );
}

/** Hot-add: the pfns [start, start + count) appear with `owner` (model PhysMem has no call for it yet). */
export function addPhys(m: Machine, start: Pfn, count: number, owner: Owner): void {
  m.pm.present.push({ pfn: start, count, owner });
  m.pm.present.sort((a, b) => a.pfn - b.pfn);
}

/** Hot-remove: the pfns [start, end) disappear. */
export function cutPhys(m: Machine, start: Pfn, end: Pfn): void {
  const runs = m.pm.present.splice(0);
  for (const r of runs) {
    if (r.pfn < start) m.pm.present.push({ ...r, count: Math.min(r.count, start - r.pfn) });
    if (r.pfn + r.count > end) m.pm.present.push({ ...r, pfn: Math.max(r.pfn, end), count: r.pfn + r.count - Math.max(r.pfn, end) });
  }
}

export type VmemmapCall = Extract<Call, { call: 'add_memory' | 'add_device' | 'remove' | 'remove_device' | 'touch_page' }>;

/** The five hot-plug calls, for the model's Kernel facade. */
export function modelVmemmapCall(vm: ModelVmemmap, c: VmemmapCall): Result {
  if (c.call === 'add_memory') return vm.addMemory(c.pfn, c.pages);
  if (c.call === 'add_device') return vm.addDevice(c.pfn, c.pages, c.reserve, c.free);
  if (c.call === 'remove') return vm.remove(c.pfn, c.pages);
  if (c.call === 'remove_device') return vm.removeDevice(c.pfn);
  return vm.touchPage(c.pfn, c.cpu);
}
