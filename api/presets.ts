// api: architecture presets (machine.md §1). Plain data, Linux 6.12 numbers; no logic.
// Every side derives what it needs (leaf sizes, VMAP_BBMAP_BITS, lazy_max_pages, ...) with
// its own arithmetic from these numbers.
import type { Addr } from './addr.js';

export type PresetName = 'x86_64' | 'x86_64-la57' | 'arm64-64k' | 'arm32' | 'toy24';

export interface Level {
  /** kernel name of the table level: pgd, p4d, pud, pmd, pte */
  readonly name: string;
  /** index bits of this level */
  readonly bits: number;
}

export interface Preset {
  readonly name: PresetName;
  readonly bitsPerLong: number; // W: addresses live in [0, 2^W]
  readonly pageShift: number;
  /** table levels, top (root, level 0) first; level i maps 2^(pageShift + bits of levels below i) per entry */
  readonly levels: readonly Level[];
  /** leaf sizes (shifts) the preset allows; the last level's pageShift is always among them */
  readonly leafShifts: readonly number[];
  readonly pageOffset: Addr; // start of the direct map
  /** start of the main vmalloc range; null when computed from the RAM layout (arm32, layout.md §2) */
  readonly vmallocStart: Addr | null;
  readonly vmallocEnd: Addr;
  readonly vmemmapStart: Addr | null;
  /** vmemmap(pfn) = vmemmapStart + (pfn - base) * 64, base 0 ('zero') or memstart_pfn ('memstart', arm64) */
  readonly vmemmapBase: 'zero' | 'memstart' | null;
  /** arm64: ARM64_MEMSTART_ALIGN in bytes; memstart_pfn = first RAM pfn rounded down to it */
  readonly memstartAlign: Addr | null;
  readonly nrCpus: number;
  readonly sectionSizeBits: number;
  readonly subsectionShift: number; // 21: sub-sections are 2 MiB
  readonly ioremapMaxOrder: number;
  /** bytes at physical 0 reserved at boot (x86: the first 1 MiB) */
  readonly reserveLowBytes: number;
  /** VMALLOC_SPACE, the kernel's sizing constant for VMAP_BBMAP_BITS (vmap-blocks.md §1) */
  readonly vmallocSpace: Addr;
  /** the 32 MiB of lazy_max_pages() (vmap.md §3); a configuration may scale it */
  readonly lazyUnitBytes: number;
  /** vmemmap population policy of the architecture (vmemmap.md §4) */
  readonly vmemmapPolicy: 'x86' | 'arm64' | 'basepages';
  /** toy presets state these explicitly; real presets take the formulas (vmap-blocks.md §1) */
  readonly vmapMaxAlloc: number | null;
  readonly vmapBbmapBits: number | null;
  /**
   * MAX_PHYSMEM_BITS: hot-plugged memory must lie below 2^maxPhysmemBits bytes (the kernel's
   * mhp_range_allowed / arch_get_mappable_range; vmemmap.md §4). Optional (added for vmemmap).
   */
  readonly maxPhysmemBits?: number;
}

const MiB = 1 << 20;

export const PRESETS: Readonly<Record<PresetName, Preset>> = {
  // Documentation/arch/x86/x86_64/mm.rst, 4-level paging
  x86_64: {
    name: 'x86_64',
    bitsPerLong: 64,
    pageShift: 12,
    levels: [
      { name: 'pgd', bits: 9 },
      { name: 'pud', bits: 9 },
      { name: 'pmd', bits: 9 },
      { name: 'pte', bits: 9 },
    ],
    leafShifts: [12, 21, 30],
    pageOffset: 0xffff888000000000n,
    vmallocStart: 0xffffc90000000000n,
    vmallocEnd: 0xffffe90000000000n,
    vmemmapStart: 0xffffea0000000000n,
    vmemmapBase: 'zero',
    memstartAlign: null,
    nrCpus: 64,
    sectionSizeBits: 27,
    subsectionShift: 21,
    ioremapMaxOrder: 30,
    reserveLowBytes: MiB,
    vmallocSpace: 128n << 30n,
    lazyUnitBytes: 32 * MiB,
    vmemmapPolicy: 'x86',
    vmapMaxAlloc: null,
    vmapBbmapBits: null,
    maxPhysmemBits: 46,
  },
  // 5-level paging
  'x86_64-la57': {
    name: 'x86_64-la57',
    bitsPerLong: 64,
    pageShift: 12,
    levels: [
      { name: 'pgd', bits: 9 },
      { name: 'p4d', bits: 9 },
      { name: 'pud', bits: 9 },
      { name: 'pmd', bits: 9 },
      { name: 'pte', bits: 9 },
    ],
    leafShifts: [12, 21, 30],
    pageOffset: 0xff11000000000000n,
    vmallocStart: 0xffa0000000000000n,
    vmallocEnd: 0xffd2000000000000n,
    vmemmapStart: 0xffd4000000000000n,
    vmemmapBase: 'zero',
    memstartAlign: null,
    nrCpus: 64,
    sectionSizeBits: 27,
    subsectionShift: 21,
    ioremapMaxOrder: 30,
    reserveLowBytes: MiB,
    vmallocSpace: 128n << 30n,
    lazyUnitBytes: 32 * MiB,
    vmemmapPolicy: 'x86',
    vmapMaxAlloc: null,
    vmapBbmapBits: null,
    maxPhysmemBits: 52,
  },
  // arch/arm64/include/asm/memory.h, 64 KiB pages, 48-bit VA, 3 levels
  'arm64-64k': {
    name: 'arm64-64k',
    bitsPerLong: 64,
    pageShift: 16,
    levels: [
      { name: 'pgd', bits: 6 },
      { name: 'pmd', bits: 13 },
      { name: 'pte', bits: 13 },
    ],
    leafShifts: [16, 29],
    pageOffset: 0xffff000000000000n,
    vmallocStart: 0xffff800080000000n,
    vmallocEnd: 0xffffffdfbf800000n,
    vmemmapStart: 0xffffffdfc0000000n,
    vmemmapBase: 'memstart',
    memstartAlign: 512n << 20n,
    nrCpus: 256,
    sectionSizeBits: 29,
    subsectionShift: 21,
    ioremapMaxOrder: 29,
    reserveLowBytes: 0,
    vmallocSpace: 128n << 30n,
    lazyUnitBytes: 32 * MiB,
    vmemmapPolicy: 'arm64',
    vmapMaxAlloc: null,
    vmapBbmapBits: null,
    maxPhysmemBits: 48,
  },
  // arch/arm/include/asm/pgtable.h: 2 MiB pgd entries (two hardware 1 MiB sections), 4 KiB ptes
  arm32: {
    name: 'arm32',
    bitsPerLong: 32,
    pageShift: 12,
    levels: [
      { name: 'pgd', bits: 11 },
      { name: 'pte', bits: 9 },
    ],
    leafShifts: [12, 21],
    pageOffset: 0xc0000000n,
    vmallocStart: null,
    vmallocEnd: 0xff800000n,
    vmemmapStart: null,
    vmemmapBase: null,
    memstartAlign: null,
    nrCpus: 4,
    sectionSizeBits: 28,
    subsectionShift: 21,
    ioremapMaxOrder: 19,
    reserveLowBytes: 0,
    vmallocSpace: 128n << 20n,
    lazyUnitBytes: 32 * MiB,
    vmemmapPolicy: 'basepages',
    vmapMaxAlloc: null,
    vmapBbmapBits: null,
    maxPhysmemBits: 32,
  },
  // Toy: a 24-bit word, 4 KiB pages, 3 levels of 4 bits (64 KiB pte tables, 1 MiB middle
  // tables, a 16-entry root), leaves at every level: 4 KiB, 64 KiB, 1 MiB. Small enough that
  // short traces cross every table boundary and reach the top of the address space (2^24).
  toy24: {
    name: 'toy24',
    bitsPerLong: 24,
    pageShift: 12,
    levels: [
      { name: 'pgd', bits: 4 },
      { name: 'pmd', bits: 4 },
      { name: 'pte', bits: 4 },
    ],
    leafShifts: [12, 16, 20],
    pageOffset: 0x400000n,
    vmallocStart: 0x800000n,
    vmallocEnd: 0xe00000n,
    vmemmapStart: 0xe00000n,
    vmemmapBase: 'zero',
    memstartAlign: null,
    nrCpus: 4,
    sectionSizeBits: 22,
    subsectionShift: 16,
    ioremapMaxOrder: 16,
    reserveLowBytes: 0,
    vmallocSpace: 6n << 20n,
    lazyUnitBytes: 64 * 1024,
    vmemmapPolicy: 'basepages',
    vmapMaxAlloc: 8,
    vmapBbmapBits: 32,
    // toy: 64 MiB of physical space, so its vmemmap [0xe00000, 0xf00000) stays below the top window
    maxPhysmemBits: 26,
  },
};
