// src: memory hot-plug over the sparse vmemmap (vmemmap.md §4-§5) — add_memory, add_device
// (with a vmem_altmap), remove, remove_device, touch_page, plus the boot population of boot
// RAM's memmap. One object per machine; the Kernel facade forwards the five calls through
// `vmemmapCall` (dispatch.ts).
import type { Errno, Pfn, Result, VmemmapState } from '../../api/index.js';
import type { Machine } from '../machine/index.js';
import { VmemAltmap, vmemAltmapFree } from './altmap.js';
import { vmemmapFree, type FreeCtx } from './free.js';
import { pfnToVmemmapVpn, pfnsOfVmemmap, sectionPieces, vmemmapGeometry, type VmemmapGeometry } from './geometry.js';
import { vmemmapPopulate, type PopulateCtx } from './populate.js';
import { SubsectionMap, type PresentKind } from './subsections.js';

const NONE: Result = { ok: true, value: { kind: 'none' } };
const fail = (err: Errno): Result => ({ ok: false, err });

/** A device range added with add_device, and the altmap that lives exactly as long as it. */
interface Device {
  readonly start: Pfn;
  readonly pages: number;
  readonly altmap: VmemAltmap;
}

/** Kernel WARN text when a removed device's altmap is not back to alloc == 0 (memunmap_pages). */
export const ALTMAP_LEAK_WARNING = 'failed to free all reserved pages';

export class Vmemmap {
  /** null on presets without a vmemmap (arm32): every hot-plug call is EINVAL */
  readonly v: VmemmapGeometry | null;
  private readonly present: SubsectionMap | null;
  /** live devices by first pfn */
  private readonly devices = new Map<Pfn, Device>();
  /** hot-added RAM regions handed to the Machine (kept so a partial remove can split them) */
  private readonly ramRegions: { start: Pfn; count: number }[] = [];
  private readonly popCtx: PopulateCtx | null;
  private readonly freeCtx: FreeCtx | null;
  /** the last toModel(): handed back while nothing in it changed (see toModel) */
  private view: VmemmapState | null = null;

  constructor(readonly machine: Machine) {
    const v = vmemmapGeometry(machine.geometry, machine.config);
    this.v = v;
    this.present = v ? new SubsectionMap(v) : null;
    this.popCtx = v ? { machine, v, fallback: machine.config.vmemmapFallback === true } : null;
    this.freeCtx = v
      ? {
          machine,
          v,
          needed: (s, e) => {
            const { startPfn, endPfn } = pfnsOfVmemmap(v, s, e);
            return this.present!.anyPresent(startPfn, endPfn);
          },
          returnBlock: (pfn, pages) => this.returnBlock(pfn, pages),
        }
      : null;
  }

  /**
   * Boot: boot RAM's sub-sections become present and their memmap is populated with the same
   * rules as a hot-add (vmemmap.md §4), before the first call. A bank that is not sub-section
   * aligned makes its partial sub-sections present (subsection_map_init).
   */
  boot(): void {
    const v = this.v;
    if (!v || !this.present || !this.popCtx) return;
    const ss = v.pfnsPerSubsection;
    const banks = [...this.machine.config.ram.banks].sort((a, b) => a.start - b.start);
    const ranges: { start: number; end: number }[] = [];
    for (const b of banks) {
      const start = Math.floor(b.start / ss) * ss;
      const end = Math.ceil((b.start + b.count) / ss) * ss;
      const last = ranges[ranges.length - 1];
      if (last && start <= last.end) last.end = Math.max(last.end, end);
      else ranges.push({ start, end });
    }
    for (const r of ranges) {
      for (const piece of sectionPieces(v, r.start, r.end)) {
        this.present.set(piece.start, piece.end, 'boot');
        if (vmemmapPopulate(this.popCtx, piece.start, piece.end, null)) {
          throw new Error(`${this.machine.config.name}: not enough RAM to populate the boot memmap`);
        }
      }
    }
  }

  // ---------------------------------------------------------------- hot-add

  /** add_memory(start_pfn, nr_pages): RAM appears (offline) and its memmap is populated. */
  addMemory(pfn: Pfn, pages: number): Result {
    const bad = this.checkAdd(pfn, pages);
    if (bad) return fail(bad);
    this.machine.addRegion(pfn, pages, 'offline');
    const err = this.populateRange(pfn, pages, 'ram', null);
    if (err) {
      this.machine.removeRegion(pfn, pages);
      return fail(err);
    }
    this.ramRegions.push({ start: pfn, count: pages });
    return NONE;
  }

  /** add_device(start_pfn, nr_pages, reserve, free): device memory with an altmap over its own pages. */
  addDevice(pfn: Pfn, pages: number, reserve: number, free: number): Result {
    const bad = this.checkAdd(pfn, pages);
    if (bad === 'EINVAL') return fail(bad);
    if (!isCount(reserve) || !isCount(free) || reserve + free > pages) return fail('EINVAL');
    if (bad) return fail(bad);
    const dev: Device = { start: pfn, pages, altmap: new VmemAltmap(pfn, pfn + pages - 1, reserve, free) };
    this.machine.addRegion(pfn, pages, 'device');
    this.devices.set(pfn, dev);
    const err = this.populateRange(pfn, pages, 'device', dev.altmap);
    if (err) {
      this.devices.delete(pfn);
      this.machine.removeRegion(pfn, pages);
      return fail(err);
    }
    return NONE;
  }

  /**
   * EINVAL: no vmemmap, not a positive sub-section aligned range, outside the hot-pluggable
   * pfns. EEXIST: a sub-section of it is present, or it overlaps memory the machine already has
   * (a configured device range: register_memory_resource finds the conflict).
   */
  private checkAdd(pfn: Pfn, pages: number): Errno | null {
    const v = this.v;
    if (!v || !this.present) return 'EINVAL';
    if (!isCount(pfn) || !isCount(pages) || pages === 0) return 'EINVAL';
    if (pfn % v.pfnsPerSubsection !== 0 || pages % v.pfnsPerSubsection !== 0) return 'EINVAL';
    if (pfn < v.minPfn || pfn + pages > v.maxPfn) return 'EINVAL';
    if (this.present.anyPresent(pfn, pfn + pages)) return 'EEXIST';
    for (const d of this.machine.config.devices) if (pfn < d.start + d.count && d.start < pfn + pages) return 'EEXIST';
    return null;
  }

  /**
   * __add_pages: cut at section boundaries, ascending; each piece's sub-sections become present
   * and its memmap is populated. A failed piece removes every piece populated so far (itself
   * included) and the call is ENOMEM.
   */
  private populateRange(pfn: Pfn, pages: number, kind: PresentKind, altmap: VmemAltmap | null): Errno | null {
    for (const piece of sectionPieces(this.v!, pfn, pfn + pages)) {
      this.present!.set(piece.start, piece.end, kind);
      if (vmemmapPopulate(this.popCtx!, piece.start, piece.end, altmap)) {
        this.present!.set(pfn, piece.end, null);
        vmemmapFree(this.freeCtx!, pfn, piece.end);
        return 'ENOMEM';
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- hot-remove

  /**
   * remove(start_pfn, nr_pages) of hot-added RAM. EINVAL: malformed, or the range holds boot
   * RAM, device memory, or is only partly hot-added RAM (the kernel WARNs "section already
   * deactivated"). ENOENT: nothing hot-added in it.
   */
  remove(pfn: Pfn, pages: number): Result {
    const v = this.v;
    if (!v || !this.present) return fail('EINVAL');
    if (!isCount(pfn) || !isCount(pages) || pages === 0) return fail('EINVAL');
    if (pfn % v.pfnsPerSubsection !== 0 || pages % v.pfnsPerSubsection !== 0) return fail('EINVAL');
    if (pfn < v.minPfn || pfn + pages > v.maxPfn) return fail('EINVAL');
    const kinds = this.present.kindsIn(pfn, pfn + pages);
    if (kinds.has('boot') || kinds.has('device')) return fail('EINVAL');
    if (!kinds.has('ram')) return fail('ENOENT');
    if (kinds.has(null)) return fail('EINVAL');
    this.present.set(pfn, pfn + pages, null);
    vmemmapFree(this.freeCtx!, pfn, pfn + pages);
    this.shrinkRam(pfn, pfn + pages);
    return NONE;
  }

  /**
   * remove_device(start_pfn): the whole device and its altmap go. EINVAL: malformed, or pfn lies
   * inside a device without starting it, or in RAM; ENOENT: no memory there. An altmap not back
   * to alloc == 0 afterwards is a kernel WARN.
   */
  removeDevice(pfn: Pfn): Result {
    const v = this.v;
    if (!v || !this.present) return fail('EINVAL');
    if (!isCount(pfn) || pfn % v.pfnsPerSubsection !== 0) return fail('EINVAL');
    if (pfn < v.minPfn || pfn >= v.maxPfn) return fail('EINVAL');
    const dev = this.devices.get(pfn);
    if (!dev) return fail(this.present.kindAt(pfn) === null ? 'ENOENT' : 'EINVAL');
    this.present.set(dev.start, dev.start + dev.pages, null);
    vmemmapFree(this.freeCtx!, dev.start, dev.start + dev.pages);
    if (dev.altmap.alloc !== 0) this.machine.warn(ALTMAP_LEAK_WARNING, BigInt(dev.start) << BigInt(v.g.pageShift));
    this.devices.delete(pfn);
    this.machine.removeRegion(dev.start, dev.pages);
    return NONE;
  }

  /**
   * Return an unmapped block where it came from, decided by the pfn (as powerpc's vmemmap_free
   * does with altmap_cross_boundary): inside a live device → its altmap; RAM → the page
   * allocator. A block of a device already removed (a shared page that outlived it) has nowhere
   * to go: its pages left with the device.
   */
  private returnBlock(pfn: Pfn, pages: number): void {
    for (const d of this.devices.values()) {
      if (d.altmap.contains(pfn)) {
        vmemAltmapFree(d.altmap, pages);
        return;
      }
    }
    if (this.machine.owner(pfn) === 'vmemmap') this.machine.freePages(pfn, pages);
  }

  /** The hot-added RAM regions lose [start, end): the Machine drops them, the rest is re-added. */
  private shrinkRam(start: Pfn, end: Pfn): void {
    const keep: { start: Pfn; count: number }[] = [];
    for (const r of this.ramRegions.splice(0)) {
      const rEnd = r.start + r.count;
      if (rEnd <= start || r.start >= end) {
        keep.push(r);
        continue;
      }
      this.machine.removeRegion(r.start, r.count);
      for (const [s, e] of [
        [r.start, Math.min(rEnd, start)],
        [Math.max(r.start, end), rEnd],
      ] as const) {
        if (s < e) {
          this.machine.addRegion(s, e - s, 'offline');
          keep.push({ start: s, count: e - s });
        }
      }
    }
    this.ramRegions.push(...keep);
  }

  // ---------------------------------------------------------------- touch, abstraction

  /** touch(cpu, vmemmap(pfn)): read pfn's struct page. EINVAL offline cpu, no vmemmap, pfn outside the hot-pluggable range. */
  touchPage(pfn: Pfn, cpu: number): Result {
    const v = this.v;
    if (!v || !this.machine.isOnline(cpu)) return fail('EINVAL');
    if (!isCount(pfn) || pfn < v.minPfn || pfn >= v.maxPfn) return fail('EINVAL');
    const r = this.machine.touch(cpu, pfnToVmemmapVpn(v, pfn));
    return r ? { ok: true, value: { kind: 'touch', pfn: r.pfn, fromTlb: r.fromTlb } } : fail('EFAULT');
  }

  /** toModel: present sub-sections and the live altmaps (api VmemmapState). */
  toModel(): VmemmapState {
    const present = this.present ? this.present.toModel() : NO_RUNS;
    const altmaps = [...this.devices.values()].sort((a, b) => a.start - b.start).map((d) => d.altmap.toModel());
    // the same object as last time when nothing changed (present is cached by version; altmaps
    // are a handful of numbers): the harness then skips comparing and re-checking this part
    const last = this.view;
    if (last && last.present === present && sameAltmaps(last.altmaps, altmaps)) return last;
    this.view = { present, altmaps };
    return this.view;
  }
}

const NO_RUNS: VmemmapState['present'] = [];

function sameAltmaps(a: VmemmapState['altmaps'], b: VmemmapState['altmaps']): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.basePfn !== y.basePfn || x.endPfn !== y.endPfn || x.reserve !== y.reserve || x.free !== y.free || x.align !== y.align || x.alloc !== y.alloc) return false;
  }
  return true;
}

function isCount(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}
