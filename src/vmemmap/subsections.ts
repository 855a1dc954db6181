// src: which sub-sections are present and what put them there — the kernel's per-section
// `subsection_map` (mm/sparse.c), one small array per section that has any, indexed by
// section number. Queries over a pfn range cost the sub-sections it spans.
import type { Pfn, VmemmapState } from '../../api/index.js';
import type { VmemmapGeometry } from './geometry.js';

export type PresentKind = 'boot' | 'ram' | 'device';
const KINDS: readonly (PresentKind | null)[] = [null, 'boot', 'ram', 'device'];
const CODE: Readonly<Record<PresentKind, number>> = { boot: 1, ram: 2, device: 3 };

interface SectionMap {
  /** per sub-section: 0 absent, else CODE of its kind */
  readonly codes: Uint8Array;
  /** present sub-sections */
  used: number;
}

export class SubsectionMap {
  private readonly sections = new Map<number, SectionMap>();
  private version = 0;
  private cache: { version: number; runs: VmemmapState['present'] } | null = null;

  constructor(private readonly v: VmemmapGeometry) {}

  /** the kind of the sub-section holding pfn, or null */
  kindAt(pfn: Pfn): PresentKind | null {
    const ss = Math.floor(pfn / this.v.pfnsPerSubsection);
    const s = this.sections.get(Math.floor(ss / this.v.subsectionsPerSection));
    return s ? KINDS[s.codes[ss % this.v.subsectionsPerSection]!]! : null;
  }

  /** Mark the sub-sections of [startPfn, endPfn) (aligned) present with `kind`, or absent (null). */
  set(startPfn: Pfn, endPfn: Pfn, kind: PresentKind | null): void {
    const per = this.v.subsectionsPerSection;
    const code = kind === null ? 0 : CODE[kind];
    for (let ss = startPfn / this.v.pfnsPerSubsection; ss < endPfn / this.v.pfnsPerSubsection; ss++) {
      const nr = Math.floor(ss / per);
      let s = this.sections.get(nr);
      if (!s) {
        if (code === 0) continue;
        s = { codes: new Uint8Array(per), used: 0 };
        this.sections.set(nr, s);
      }
      const i = ss % per;
      if (s.codes[i] !== 0) s.used--;
      s.codes[i] = code;
      if (code !== 0) s.used++;
      if (s.used === 0) this.sections.delete(nr);
    }
    this.version++;
  }

  /** whether any sub-section meeting [startPfn, endPfn) is present */
  anyPresent(startPfn: Pfn, endPfn: Pfn): boolean {
    const v = this.v;
    const per = v.subsectionsPerSection;
    const first = Math.floor(startPfn / v.pfnsPerSubsection);
    const end = Math.ceil(endPfn / v.pfnsPerSubsection);
    for (let ss = first; ss < end; ) {
      const nr = Math.floor(ss / per);
      const s = this.sections.get(nr);
      const sectionEnd = Math.min(end, (nr + 1) * per);
      if (s) for (let k = ss; k < sectionEnd; k++) if (s.codes[k % per] !== 0) return true;
      ss = sectionEnd;
    }
    return false;
  }

  /** the kinds found among the sub-sections of [startPfn, endPfn), absent as null */
  kindsIn(startPfn: Pfn, endPfn: Pfn): Set<PresentKind | null> {
    const out = new Set<PresentKind | null>();
    for (let pfn = startPfn; pfn < endPfn; pfn += this.v.pfnsPerSubsection) out.add(this.kindAt(pfn));
    return out;
  }

  /** present sub-sections as merged pfn runs by kind, ascending (api VmemmapState.present) */
  toModel(): VmemmapState['present'] {
    if (this.cache && this.cache.version === this.version) return this.cache.runs;
    const v = this.v;
    const per = v.subsectionsPerSection;
    const runs: { pfn: Pfn; count: number; kind: PresentKind }[] = [];
    for (const nr of [...this.sections.keys()].sort((a, b) => a - b)) {
      const s = this.sections.get(nr)!;
      for (let i = 0; i < per; i++) {
        const kind = KINDS[s.codes[i]!];
        if (!kind) continue;
        const pfn = (nr * per + i) * v.pfnsPerSubsection;
        const last = runs[runs.length - 1];
        if (last && last.kind === kind && last.pfn + last.count === pfn) last.count += v.pfnsPerSubsection;
        else runs.push({ pfn, count: v.pfnsPerSubsection, kind });
      }
    }
    this.cache = { version: this.version, runs };
    return runs;
  }
}
