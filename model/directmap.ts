// model: the x86-64 direct-map builder, init_mem_mapping — reference semantics. Clarity over speed.
//
// Two statements (layout.md §4), both independent of how an implementation walks its tables:
// 1. The final mapping. Physical byte p (RAM, or below ISA_END_ADDRESS) is mapped at
//    PAGE_OFFSET + p by a 1 GiB page when its whole aligned 1 GiB block is RAM, else by a 2 MiB
//    page when its whole 2 MiB block is RAM, else by a 4 KiB page. (The piece split with the
//    kernel's chained promotion, adjust_range_page_size_mask, always lands on this leaf.)
// 2. The allocation discipline, replayed step by step: which init_memory_mapping calls happen,
//    which page-table pages each call needs (every table on the path of its leaves that does not
//    exist yet, parents before children, in address order), and where each page comes from:
//    pgt_buf while it has a page and the range misses its unused part, else the highest
//    (top-down) / lowest (bottom-up) free RAM page in [min_pfn_mapped, max_pfn_mapped), else the
//    boot panics. Free RAM = RAM minus the first 1 MiB, the kernel image, the root table and
//    the pages already taken.
import type { LeafRun, TableRec } from '../api/index.js';
import { PRESETS } from '../api/index.js';
import type { DirectMapLog, DirectMapPhase, DirectMapSetup, DirectMapStep, PtAlloc } from '../api/directmap.js';
import { ALLOC_LOW_PAGES_PANIC } from '../api/directmap.js';

const PAGE = 4096n;
const PMD = 2n << 20n; // 2 MiB
const PUD = 1n << 30n; // 1 GiB
const PGD = 512n << 30n; // one pgd entry: 512 GiB
const ISA_END = 1n << 20n; // ISA_END_ADDRESS
const PAGE_OFFSET = PRESETS.x86_64.pageOffset;

interface Span {
  start: bigint;
  end: bigint;
}
interface Leaf {
  start: bigint;
  size: bigint;
  level: number; // 1: pud (1 GiB), 2: pmd (2 MiB), 3: pte (4 KiB pages: a run inside one 2 MiB block)
}

const down = (a: bigint, s: bigint): bigint => a - (a % s);
const pfnOf = (a: bigint): number => Number(a / PAGE);

/** RAM of the configuration: byte ranges, sorted, touching banks merged (memblock.memory) */
function ramOf(setup: DirectMapSetup): Span[] {
  const out: Span[] = [];
  for (const b of [...setup.config.ram.banks].sort((x, y) => x.start - y.start)) {
    const s = BigInt(b.start) * PAGE;
    const e = BigInt(b.start + b.count) * PAGE;
    const last = out[out.length - 1];
    if (last && last.end === s) last.end = e;
    else out.push({ start: s, end: e });
  }
  return out;
}

const allRam = (ram: Span[], s: bigint, e: bigint): boolean => ram.some((r) => r.start <= s && e <= r.end);

/** the huge leaf that maps byte p: its 1 GiB block if that is all RAM, else its 2 MiB block if that is; else null */
function hugeLeafOf(ram: Span[], p: bigint): Leaf | null {
  if (allRam(ram, down(p, PUD), down(p, PUD) + PUD)) return { start: down(p, PUD), size: PUD, level: 1 };
  if (allRam(ram, down(p, PMD), down(p, PMD) + PMD)) return { start: down(p, PMD), size: PMD, level: 2 };
  return null;
}

/**
 * The leaves that map [s, e), ascending, each once: huge leaves whole; 4 KiB leaves as one run
 * per 2 MiB block of the covered bytes (RAM, or below ISA_END).
 */
function leavesOf(ram: Span[], s: bigint, e: bigint): Leaf[] {
  const covered: Span[] = [];
  for (const c of [{ start: 0n, end: ISA_END }, ...ram].sort((x, y) => (x.start < y.start ? -1 : 1))) {
    const last = covered[covered.length - 1];
    if (last && c.start <= last.end) last.end = c.end > last.end ? c.end : last.end;
    else covered.push({ ...c });
  }
  const out: Leaf[] = [];
  for (const c of covered) {
    const ce = c.end < e ? c.end : e;
    for (let p = c.start > s ? c.start : s; p < ce; ) {
      const huge = hugeLeafOf(ram, p);
      const last = out[out.length - 1];
      if (huge) {
        if (!last || last.start !== huge.start) out.push(huge);
        p = huge.start + huge.size;
        continue;
      }
      const blockEnd = down(p, PMD) + PMD < ce ? down(p, PMD) + PMD : ce;
      out.push({ start: p, size: blockEnd - p, level: 3 });
      p = blockEnd;
    }
  }
  return out;
}

/** Statement 1: the direct map after a successful boot, as canonical leaf runs. */
export function expectedDirectMap(setup: DirectMapSetup): LeafRun[] {
  const ram = ramOf(setup);
  const end = ram.reduce((m, r) => (r.end > m ? r.end : m), ISA_END);
  const runs: LeafRun[] = [];
  for (const l of leavesOf(ram, 0n, end)) {
    const last = runs[runs.length - 1];
    const va = PAGE_OFFSET + l.start;
    const pages = Number(l.size / PAGE);
    if (last && last.level === l.level && last.va + BigInt(last.pages) * PAGE === va) runs[runs.length - 1] = { ...last, pages: last.pages + pages };
    else runs.push({ va, pages, pfn: pfnOf(l.start), level: l.level });
  }
  return runs;
}

/** the tables (level, va of the span they cover) on the path to a leaf: level 1 spans a pgd entry, 2 a pud entry, 3 a pmd entry */
function tablesFor(l: Leaf): { level: number; va: bigint }[] {
  const spans = [PGD, PUD, PMD];
  return spans.slice(0, l.level).map((span, i) => ({ level: i + 1, va: PAGE_OFFSET + down(l.start, span) }));
}

/** Statement 2: replay init_mem_mapping; the log, and the tables with the page each one got. */
export function modelInitMemMapping(setup: DirectMapSetup): { log: DirectMapLog; tables: TableRec[] } {
  const ram = ramOf(setup);
  const { kernel, rootPt } = setup.config.ram;
  const kernelStart = BigInt(kernel.start) * PAGE;
  const kernelEnd = BigInt(kernel.start + kernel.count) * PAGE;
  const buf = { start: BigInt(setup.pgtBuf.start) * PAGE, pages: BigInt(setup.pgtBuf.count) };
  const taken = new Set<bigint>();
  const reserved = (p: bigint): boolean => p < ISA_END || (kernelStart <= p && p < kernelEnd) || p === BigInt(rootPt) * PAGE;
  const free = (p: bigint): boolean => allRam(ram, p, p + PAGE) && !reserved(p) && !taken.has(p);
  const tables = new Map<string, TableRec>();
  const steps: DirectMapStep[] = [];
  const allocs: PtAlloc[] = [];
  let bufUsed = 0n;
  let minMapped = 0n;
  let maxMapped = 0n;
  class Panic {}

  /** the free page alloc_low_pages takes from memblock: highest (top-down) or lowest in [lo, hi) */
  const memblockPage = (lo: bigint, hi: bigint): bigint | null => {
    const candidates = ram.map((r) => ({ start: r.start > lo ? r.start : lo, end: r.end < hi ? r.end : hi })).filter((r) => r.start < r.end);
    if (setup.order === 'top-down') {
      for (const r of candidates.reverse()) for (let p = r.end - PAGE; p >= r.start; p -= PAGE) if (free(p)) return p;
    } else {
      for (const r of candidates) for (let p = r.start; p < r.end; p += PAGE) if (free(p)) return p;
    }
    return null;
  };

  /** init_memory_mapping(s, e): allocate the missing tables of its leaves in order, then max_pfn_mapped grows */
  const initMemoryMapping = (s: bigint, e: bigint, canUseBrk: boolean): void => {
    const need = new Map<string, { level: number; va: bigint }>();
    for (const l of leavesOf(ram, s, e)) for (const t of tablesFor(l)) if (!tables.has(`${t.level}:${t.va}`)) need.set(`${t.level}:${t.va}`, t);
    const ordered = [...need.values()].sort((a, b) => (a.va !== b.va ? (a.va < b.va ? -1 : 1) : a.level - b.level));
    for (const t of ordered) {
      let page: bigint | null;
      let source: PtAlloc['source'];
      if (bufUsed + 1n <= buf.pages && canUseBrk) {
        page = buf.start + bufUsed * PAGE;
        bufUsed++;
        source = 'pgt_buf';
      } else {
        page = minMapped < maxMapped ? memblockPage(minMapped, maxMapped) : null;
        source = page === null ? 'none' : 'memblock';
      }
      allocs.push({
        pfn: page === null ? null : pfnOf(page),
        source,
        step: steps.length - 1,
        rangeStartPfn: pfnOf(s),
        rangeEndPfn: pfnOf(e),
        minPfnMapped: pfnOf(minMapped),
        maxPfnMapped: pfnOf(maxMapped),
      });
      if (page === null) throw new Panic();
      if (source === 'memblock') taken.add(page);
      tables.set(`${t.level}:${t.va}`, { level: t.level, va: t.va, pfn: pfnOf(page) });
    }
    if (e > maxMapped) maxMapped = e;
  };

  /** init_range_memory_mapping(s, e): each RAM region clamped to [s, e); returns the bytes mapped */
  const initRangeMemoryMapping = (s: bigint, e: bigint): bigint => {
    let mapped = 0n;
    for (const r of ram) {
      const rs = r.start < s ? s : r.start > e ? e : r.start;
      const re = r.end < s ? s : r.end > e ? e : r.end;
      if (rs >= re) continue;
      // can_use_brk_pgt: the range misses the unused part of pgt_buf
      const unusedStart = buf.start + bufUsed * PAGE;
      const unusedEnd = buf.start + buf.pages * PAGE;
      initMemoryMapping(rs, re, !(rs < unusedEnd && unusedStart < re));
      mapped += re - rs;
    }
    return mapped;
  };

  const step = (phase: DirectMapPhase, s: bigint, e: bigint, size: bigint, run: () => bigint): bigint => {
    steps.push({ phase, startPfn: pfnOf(s), endPfn: pfnOf(e), stepPages: pfnOf(size), mappedPages: 0 });
    const mapped = run();
    steps[steps.length - 1] = { ...steps[steps.length - 1]!, mappedPages: pfnOf(mapped) };
    return mapped;
  };

  const end = ram.reduce((m, r) => (r.end > m ? r.end : m), 0n);
  let realEnd: bigint | null = null;
  let panic: string | null = null;
  try {
    step('isa', 0n, ISA_END, 0n, () => (initMemoryMapping(0n, ISA_END, true), 0n));
    if (setup.order === 'bottom-up') {
      for (const [phase, mapStart, mapEnd] of [
        ['bottom-up-high', kernelEnd, end],
        ['bottom-up-low', ISA_END, kernelEnd],
      ] as const) {
        // memory_map_bottom_up: steps up from map_start, growing << 8 once mapped >= step
        let size = PMD;
        let mapped = 0n;
        minMapped = mapStart;
        for (let s = mapStart; s < mapEnd; ) {
          const up = down(s + size, size); // round_up(s + 1, size)
          const next = mapEnd - s > size ? (up < mapEnd ? up : mapEnd) : mapEnd;
          mapped = step(phase, s, next, size, () => mapped + initRangeMemoryMapping(s, next));
          s = next;
          if (mapped >= size) size <<= 8n;
        }
      }
    } else {
      // memory_map_top_down: real_end above the highest free 2 MiB block, then steps down from it
      let top: bigint | null = null;
      for (const r of [...ram].reverse()) {
        for (let b = down(r.end - PMD, PMD); b >= r.start && b >= ISA_END && top === null; b -= PMD) {
          let ok = true;
          for (let p = b; ok && p < b + PMD; p += PAGE) ok = free(p);
          if (ok) top = b;
        }
      }
      realEnd = top !== null ? top + PMD : down(end, PMD) > ISA_END ? down(end, PMD) : ISA_END;
      let size = PMD;
      let mapped = 0n;
      maxMapped = 0n;
      minMapped = realEnd;
      for (let last = realEnd; last > ISA_END; ) {
        const s = last > size ? (down(last - 1n, size) > ISA_END ? down(last - 1n, size) : ISA_END) : ISA_END;
        mapped = step('top-down', s, last, size, () => mapped + initRangeMemoryMapping(s, last));
        last = s;
        minMapped = last;
        if (mapped >= size) size <<= 8n;
      }
      const re = realEnd;
      if (re < end) step('top-down-rest', re, end, 0n, () => (initRangeMemoryMapping(re, end), 0n));
    }
  } catch (e) {
    if (!(e instanceof Panic)) throw e;
    panic = ALLOC_LOW_PAGES_PANIC;
  }
  const log: DirectMapLog = { realEndPfn: realEnd === null ? null : pfnOf(realEnd), steps, allocs, panic };
  const sorted = [...tables.values()].sort((a, b) => a.level - b.level || (a.va < b.va ? -1 : a.va > b.va ? 1 : 0));
  return { log, tables: sorted };
}
