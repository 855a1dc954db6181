// gen: memory hot-plug ops over the sparse vmemmap (vmemmap.md §4-§5, checking.md §1):
// add_memory / add_device / remove / remove_device / touch_page, map_device of hot-plugged device
// memory (and unmap_pages of it), plus fault injection and a little vmalloc traffic competing for
// RAM. Ranges are sub-section aligned pfn ranges in a small region
// just above boot RAM (a few sections), so that adds collide (EEXIST), removes find what was added,
// and RAM for the memmap runs out (ENOMEM): whole sections, sub-sections inside one section,
// ranges straddling a section boundary. Devices get reserve/free chosen around what their memmap
// needs, padding included, so the altmap is sometimes exactly enough, sometimes one page short,
// sometimes exhausted by the padding alone. A little bad input: unaligned, empty, beyond
// MAX_PHYSMEM_BITS, over boot RAM or a configured device, reserve + free > pages.
//
// Left out on purpose: a device whose altmap-backed memmap page would be shared with another
// range (on base-page presets one vmemmap page holds the memmap of several sub-sections). Removing
// that device first leaves a mapped memmap page on the removed device's pages and its altmap not
// back to 0 — the rules of vmemmap.md §4-§5 lead there while §2 and §6 forbid it, so such a trace
// fails on both sides alike. Devices are therefore aligned to the pfns one memmap unit covers.
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import type { Op } from '../../api/index.js';
import type { Geometry } from '../harness/geometry.js';
import type { OpArbs } from './machine-ops.js';
import { vaArb } from './addresses.js';
import { cpuArb, hexOf } from './sizes.js';

/** sizeof(struct page) (machine.md §1) */
const STRUCT_PAGE = 64;
/** sections of hot-plug region above boot RAM (after the rest of boot RAM's last section) */
const REGION_SECTIONS = 4;

/** The harness's own hot-plug arithmetic for one configuration (vmemmap.md §1, §2, §4). */
export interface HotplugGeo {
  /** PAGES_PER_SUBSECTION */
  readonly ss: number;
  /** PAGES_PER_SECTION */
  readonly section: number;
  /** pfns whose struct pages fill one vmemmap base page */
  readonly perVmemmapPage: number;
  /** x86: whole sections map their memmap with PMD leaves from the altmap, sub-section pieces use RAM */
  readonly huge: boolean;
  /** the pfns of a PMD of memmap (x86: one section's memmap) */
  readonly pmdPfns: number;
  /** device ranges are aligned to this (a memmap unit never shared with another range) */
  readonly devAlign: number;
  /** the end of boot RAM, and the hot-plug region [regionStart, regionEnd) */
  readonly bootStart: number;
  readonly bootEnd: number;
  readonly regionStart: number;
  readonly regionEnd: number;
  /** the first pfn past MAX_PHYSMEM_BITS (adding there is EINVAL) */
  readonly physLimit: number;
}

const roundUp = (n: number, a: number): number => Math.ceil(n / a) * a;
const roundDown = (n: number, a: number): number => Math.floor(n / a) * a;

/** null on presets without a vmemmap (arm32): no hot-plug ops are generated. */
export function hotplugGeo(g: Geometry): HotplugGeo | null {
  const p = g.preset;
  if (p.vmemmapStart === null) return null;
  const ps = Number(g.pageSize);
  const ss = 2 ** (p.subsectionShift - p.pageShift);
  const section = 2 ** (p.sectionSizeBits - p.pageShift);
  const perVmemmapPage = ps / STRUCT_PAGE;
  const huge = p.vmemmapPolicy === 'x86';
  const pmdPfns = 2 ** (g.entryShift[g.levels - 2]! - p.pageShift);
  const banks = g.config.ram.banks;
  const bootStart = Math.min(...banks.map((b) => b.start));
  const bootEnd = Math.max(...banks.map((b) => b.start + b.count));
  const physLimit = p.maxPhysmemBits === undefined ? 2 ** 40 : 2 ** (p.maxPhysmemBits - p.pageShift);
  const regionStart = roundUp(bootEnd, ss);
  let regionEnd = Math.min(roundUp(regionStart, section) + REGION_SECTIONS * section, physLimit);
  // stop below the first configured device above boot RAM (adding over it is tried on purpose, rarely)
  for (const d of g.config.devices) if (d.start >= regionStart && d.start < regionEnd) regionEnd = roundDown(d.start, ss);
  // x86: a sub-section device piece takes RAM base pages, its whole sections own PMDs — no
  // sharing at ss alignment; base-page presets: a memmap page covers perVmemmapPage pfns
  const devAlign = huge ? ss : Math.max(ss, perVmemmapPage);
  return { ss, section, perVmemmapPage, huge, pmdPfns, devAlign, bootStart, bootEnd, regionStart, regionEnd, physLimit };
}

interface PfnRange {
  readonly pfn: number;
  readonly pages: number;
}

/** An offset in units: mostly the first few (so that removes meet what adds put there), sometimes any. */
const unitArb = fc.oneof({ arbitrary: fc.constant(0), weight: 4 }, { arbitrary: fc.integer({ min: 1, max: 3 }), weight: 3 }, { arbitrary: fc.nat(), weight: 2 });
/** A length in units: mostly 1..3, sometimes up to 64. */
const countArb = fc.oneof({ arbitrary: fc.integer({ min: 1, max: 3 }), weight: 4 }, { arbitrary: fc.integer({ min: 1, max: 64 }), weight: 1 });

interface Span {
  readonly start: number;
  readonly end: number;
}

/** The region's sections clipped to it and to `align` (the first one may be the rest of boot RAM's section). */
function sectionsOf(h: HotplugGeo, align: number): { lo: number; hi: number; sections: Span[] } {
  const lo = roundUp(h.regionStart, align);
  const hi = roundDown(h.regionEnd, align);
  const sections: Span[] = [];
  for (let s = roundDown(lo, h.section); s < hi; s += h.section) sections.push({ start: Math.max(s, lo), end: Math.min(s + h.section, hi) });
  return { lo, hi, sections };
}

/**
 * RAM ranges (sub-section aligned) inside the region: a few sub-sections from near the start of a
 * section, whole sections, ranges straddling a section boundary, rarely the whole region.
 */
function ramRangeArb(h: HotplugGeo): Arbitrary<PfnRange> {
  const { lo, hi, sections } = sectionsOf(h, h.ss);
  const inSection = fc.tuple(fc.constantFrom(...sections), unitArb, countArb).map(([s, j, m]): PfnRange => {
    const units = (s.end - s.start) / h.ss;
    const first = j % units;
    return { pfn: s.start + first * h.ss, pages: Math.min(m, units - first) * h.ss };
  });
  const whole = sections.filter((s) => s.start % h.section === 0 && s.end - s.start === h.section);
  const wholeArb = whole.length ? fc.constantFrom(...whole).map((s): PfnRange => ({ pfn: s.start, pages: h.section })) : inSection;
  const boundaries = sections.map((s) => s.end).filter((b) => b > lo && b < hi);
  const straddle = boundaries.length
    ? fc.tuple(fc.constantFrom(...boundaries), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })).map(([b, m1, m2]): PfnRange => {
        const pfn = Math.max(lo, b - m1 * h.ss);
        return { pfn, pages: Math.min(b + m2 * h.ss, hi) - pfn };
      })
    : inSection;
  return fc.oneof(
    { arbitrary: inSection, weight: 8 },
    { arbitrary: wholeArb, weight: 3 },
    { arbitrary: straddle, weight: 2 },
    { arbitrary: fc.constant<PfnRange>({ pfn: lo, pages: hi - lo }), weight: 1 },
  );
}

/**
 * Device ranges start at few places — each whole section's start and each section's middle — so
 * that remove_device names a live device often; their lengths vary: a few memmap units, to the
 * end of the section, a whole section or two (x86: mapped from the altmap with PMDs), or across
 * the next section boundary.
 */
function deviceSlots(h: HotplugGeo): number[] {
  const { sections } = sectionsOf(h, h.devAlign);
  const slots = new Set<number>();
  for (const s of sections) {
    if (s.start % h.section === 0 && s.end - s.start === h.section) slots.add(s.start);
    slots.add(s.start + roundDown((s.end - s.start) / 2, h.devAlign));
  }
  return [...slots].sort((a, b) => a - b);
}

function deviceRangeArb(h: HotplugGeo): Arbitrary<PfnRange> {
  const { hi } = sectionsOf(h, h.devAlign);
  const slots = deviceSlots(h);
  const clip = (pfn: number, pages: number): PfnRange => ({ pfn, pages: Math.max(h.devAlign, Math.min(pages, hi - pfn)) });
  const units = fc.tuple(fc.constantFrom(...slots), countArb).map(([pfn, m]) => clip(pfn, m * h.devAlign));
  const toSectionEnd = fc.constantFrom(...slots).map((pfn) => clip(pfn, roundUp(pfn + 1, h.section) - pfn));
  const starts = slots.filter((pfn) => pfn % h.section === 0);
  const sections = fc.tuple(fc.constantFrom(...(starts.length ? starts : slots)), fc.integer({ min: 1, max: 2 })).map(([pfn, n]) => clip(pfn, n * h.section));
  const across = fc.tuple(fc.constantFrom(...slots), fc.integer({ min: 1, max: 3 })).map(([pfn, m]) => clip(pfn, roundUp(pfn + 1, h.section) - pfn + m * h.devAlign));
  return fc.oneof(
    { arbitrary: units, weight: h.huge ? 2 : 6 },
    { arbitrary: toSectionEnd, weight: 2 },
    { arbitrary: sections, weight: h.huge ? 6 : 2 },
    { arbitrary: across, weight: 2 },
  );
}

/** Bad ranges (each EINVAL or EEXIST by the rules): unaligned, empty, past MAX_PHYSMEM_BITS, boot RAM, a configured device. */
function badRangeArb(g: Geometry, h: HotplugGeo): Arbitrary<PfnRange> {
  const bad: PfnRange[] = [
    { pfn: h.regionStart + h.ss / 2, pages: h.ss }, // not sub-section aligned
    { pfn: h.regionStart, pages: h.ss + 1 },
    { pfn: h.regionStart, pages: 0 },
    { pfn: roundDown(h.physLimit, h.ss), pages: h.ss }, // beyond MAX_PHYSMEM_BITS
    { pfn: roundDown(h.physLimit - h.ss, h.ss), pages: 2 * h.ss }, // straddling it
    { pfn: roundDown(h.bootStart, h.ss), pages: h.ss }, // boot RAM
    { pfn: roundDown(h.bootEnd - 1, h.ss), pages: 2 * h.ss }, // the last boot sub-section and the first free one
    ...g.config.devices.map((d) => ({ pfn: roundUp(d.start, h.ss), pages: h.ss })), // memory the machine has
  ];
  return fc.constantFrom(...bad);
}

/** What a device's memmap takes from its altmap, padding included (vmemmap.md §2, §4). */
function altmapNeed(h: HotplugGeo, r: PfnRange, reserve: number): number {
  if (h.huge) {
    // whole sections only, one PMD each; the first is padded from base + reserve up to a PMD boundary
    let sections = 0;
    for (let s = roundUp(r.pfn, h.section); s + h.section <= r.pfn + r.pages; s += h.section) sections++;
    if (sections === 0) return 0;
    const pad = (h.pmdPfns - (reserve % h.pmdPfns)) % h.pmdPfns;
    return sections * h.pmdPfns + pad;
  }
  // one base page per memmap page; single pages need no alignment padding
  return Math.ceil((r.pages * STRUCT_PAGE) / (h.perVmemmapPage * STRUCT_PAGE));
}

/** x86 maps whole sections of a device from its altmap: mostly whole sections there */
function deviceArb(g: Geometry, h: HotplugGeo): Arbitrary<Op> {
  const good = fc
    .tuple(deviceRangeArb(h), fc.constantFrom(0, 0, 1, 2, h.ss), fc.constantFrom(-2, -1, 0, 0, 0, 1, 'no-pad', 'rest', 'zero', 'over'))
    .map(([r, reserveWanted, pick]): Op => {
      const reserve = Math.min(reserveWanted, r.pages);
      const need = altmapNeed(h, r, reserve);
      const pad = h.huge && need > 0 ? (h.pmdPfns - (reserve % h.pmdPfns)) % h.pmdPfns : 0;
      let free: number;
      if (pick === 'rest') free = r.pages - reserve;
      else if (pick === 'zero') free = 0;
      else if (pick === 'no-pad') free = need - pad; // room for the blocks but not their padding: exhausted by it
      else if (pick === 'over') free = r.pages - reserve + 1; // reserve + free > pages: EINVAL
      else free = need + (pick as number);
      if (pick !== 'over') free = Math.max(0, Math.min(free, r.pages - reserve));
      return { op: 'add_device', pfn: r.pfn, pages: r.pages, reserve, free };
    });
  const bad = badRangeArb(g, h).map((r): Op => ({ op: 'add_device', pfn: r.pfn, pages: r.pages, reserve: 0, free: 0 }));
  return fc.oneof({ arbitrary: good, weight: 12 }, { arbitrary: bad, weight: 1 });
}

/** Hot-plug op arbitraries of one configuration, or {} on a preset without a vmemmap. */
export function vmemmapOpArbs(g: Geometry): OpArbs {
  const h = hotplugGeo(g);
  if (!h) return {};
  const ram = ramRangeArb(h);
  const bad = badRangeArb(g, h);
  const ramOrBad = fc.oneof({ arbitrary: ram, weight: 12 }, { arbitrary: bad, weight: 1 });
  const devStarts = fc.oneof(
    { arbitrary: fc.constantFrom(...deviceSlots(h)), weight: 10 },
    { arbitrary: ram.map((r) => r.pfn), weight: 2 }, // RAM, the inside of a device, nothing: EINVAL / ENOENT
    { arbitrary: bad.map((r) => r.pfn), weight: 1 },
  );
  const touchPfn = fc.oneof(
    { arbitrary: fc.integer({ min: h.regionStart, max: h.regionEnd - 1 }), weight: 6 },
    { arbitrary: ram.map((r) => r.pfn + r.pages - 1), weight: 3 },
    { arbitrary: fc.integer({ min: h.bootStart, max: h.bootEnd - 1 }), weight: 2 },
    { arbitrary: fc.constantFrom(h.physLimit, Math.max(0, h.bootStart - 1)), weight: 1 },
  );
  // the machine mapping hot-plugged device memory (map_device: phys must lie in device memory,
  // machine.md §3): at the device slots, so it meets a live device, one removed since (EINVAL
  // then) or none; physical memory is one map shared by boot and hot-plugged regions
  const mapHotDevice = fc
    .tuple(fc.constantFrom(...deviceSlots(h)), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 4 }))
    .chain(([pfn, k, pages]) =>
      vaArb(g, g.windows, pages).map((va): Op => ({ op: 'map_device', va: hexOf(va), phys: hexOf(BigInt(pfn + k) * g.pageSize), bytes: Number(BigInt(pages) * g.pageSize) })),
    );
  return {
    ...(g.windows.length > 0 ? { map_device: { arb: mapHotDevice, weight: 2 } } : {}),
    add_memory: { arb: ramOrBad.map((r): Op => ({ op: 'add_memory', pfn: r.pfn, pages: r.pages })), weight: 5 },
    add_device: { arb: deviceArb(g, h), weight: 5 },
    remove: { arb: ramOrBad.map((r): Op => ({ op: 'remove', pfn: r.pfn, pages: r.pages })), weight: 6 },
    remove_device: { arb: devStarts.map((pfn): Op => ({ op: 'remove_device', pfn })), weight: 6 },
    touch_page: { arb: fc.tuple(touchPfn, cpuArb(g)).map(([pfn, cpu]): Op => ({ op: 'touch_page', pfn, cpu })), weight: 5 },
  };
}
