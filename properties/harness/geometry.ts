// harness: derived geometry of one configuration — the harness's own arithmetic from api/presets.ts
// and the configuration (machine.md §1, vmap.md §3, vmap-blocks.md §1, layout.md §2). Neither
// src/ nor model/ is consulted: a number both sides took from one shared helper is a number
// nothing checks.
import type { Addr, MachineConfig, Preset } from '../../api/index.js';
import { PRESETS } from '../../api/index.js';

export interface AddrSpan {
  readonly start: Addr;
  readonly end: Addr;
}

export interface Geometry {
  readonly config: MachineConfig;
  readonly preset: Preset;
  /** BITS_PER_LONG */
  readonly w: number;
  /** 2^W, the top of the address space (an end bound may equal it) */
  readonly top: Addr;
  readonly pageShift: number;
  readonly pageSize: Addr;
  /** number of table levels; level 0 is the root */
  readonly levels: number;
  /** entryShift[l]: bytes mapped by one entry of a level-l table (a leaf at level l has this size) */
  readonly entryShift: readonly number[];
  /** spanShift[l]: bytes covered by one whole level-l table (= entryShift[l - 1] for l > 0) */
  readonly spanShift: readonly number[];
  /** the same as byte counts */
  readonly entrySize: readonly bigint[];
  readonly spanSize: readonly bigint[];
  /** leafOk[l]: the preset allows leaves at level l */
  readonly leafOk: readonly boolean[];
  /** largest leaf size (shift) the preset allows */
  readonly maxLeafShift: number;
  /** every vmalloc range of the layout, ascending (64-bit presets: one) */
  readonly vmallocRanges: readonly AddrSpan[];
  /** the main range [VMALLOC_START, VMALLOC_END): blocks and vm_map_ram live only here */
  readonly mainVmalloc: AddrSpan;
  readonly windows: readonly AddrSpan[];
  readonly vmapMaxAlloc: number;
  readonly vmapBbmapBits: number;
  readonly blockSize: Addr;
  /** lazy_max_pages() = fls(num_online_cpus()) * (lazy unit / PAGE_SIZE) (vmap.md §3) */
  readonly lazyMaxPages: number;
  readonly online: readonly number[];
}

const MiB = 1n << 20n;

export function hexToAddr(h: string): Addr {
  if (!/^0x[0-9a-fA-F]+$/.test(h)) throw new Error(`not a kernel hex address: '${h}'`);
  return BigInt(h);
}

/** fls(n): 1-based position of the highest set bit, fls(0) = 0. */
export function fls(n: number): number {
  return n <= 0 ? 0 : Math.floor(Math.log2(n)) + 1;
}

function roundupPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * arm32 (layout.md §2): the main vmalloc range from the RAM layout, plus the inward-rounded
 * images of holes inside lowmem (gaps between lowmem banks, no-map carve-outs).
 */
function arm32VmallocRanges(config: MachineConfig, p: Preset): AddrSpan[] {
  const page = 1n << BigInt(p.pageShift);
  const vmallocOffset = 8n * MiB;
  const granule = 2n * MiB;
  const wanted = BigInt(config.vmallocBytes ?? 240 * 1024 * 1024);
  const maxSize = p.vmallocEnd - (p.pageOffset + 32n * MiB + vmallocOffset);
  const size = wanted < 16n * MiB ? 16n * MiB : wanted > maxSize ? maxSize : wanted;
  const limit = p.vmallocEnd - size - vmallocOffset;
  const banks = config.ram.banks;
  const first = banks[0];
  if (!first) throw new Error(`${config.name}: no RAM bank`);
  const physOffset = BigInt(first.start) * page;
  const virt = (phys: Addr): Addr => p.pageOffset + (phys - physOffset);
  // lowmem: each bank up to min(vmalloc_limit, bank end), in order
  const lowmem: AddrSpan[] = [];
  for (const b of banks) {
    const s = virt(BigInt(b.start) * page);
    let e = virt(BigInt(b.start + b.count) * page);
    if (s >= limit) break;
    if (e > limit) e = limit;
    lowmem.push({ start: s, end: e });
  }
  const last = lowmem[lowmem.length - 1];
  if (!last) throw new Error(`${config.name}: no lowmem`);
  const highMemory = last.end;
  const vmallocStart = (highMemory + vmallocOffset) & ~(vmallocOffset - 1n);
  const holes: AddrSpan[] = [];
  for (let i = 0; i + 1 < lowmem.length; i++) {
    const a = lowmem[i];
    const b = lowmem[i + 1];
    if (a && b && a.end < b.start) holes.push({ start: a.end, end: b.start });
  }
  for (const nm of config.ram.noMap ?? []) {
    const s = virt(BigInt(nm.start) * page);
    const e = virt(BigInt(nm.start + nm.count) * page);
    if (s < highMemory) holes.push({ start: s, end: e < highMemory ? e : highMemory });
  }
  const extra = holes
    .map((h) => ({ start: ((h.start + granule - 1n) / granule) * granule, end: (h.end / granule) * granule }))
    .filter((h) => h.start < h.end);
  extra.sort((a, b) => (a.start < b.start ? -1 : 1));
  return [{ start: vmallocStart, end: p.vmallocEnd }, ...extra];
}

const cache = new WeakMap<MachineConfig, Geometry>();

export function geometryOf(config: MachineConfig): Geometry {
  const hit = cache.get(config);
  if (hit) return hit;
  const p = PRESETS[config.preset];
  const levels = p.levels.length;
  const entryShift: number[] = [];
  for (let l = 0; l < levels; l++) {
    let s = p.pageShift;
    for (let k = l + 1; k < levels; k++) s += p.levels[k]?.bits ?? 0;
    entryShift.push(s);
  }
  const spanShift = entryShift.map((s, l) => s + (p.levels[l]?.bits ?? 0));
  const leafOk = entryShift.map((s) => p.leafShifts.includes(s));
  const pageSize = 1n << BigInt(p.pageShift);
  const vmallocRanges =
    p.vmallocStart === null ? arm32VmallocRanges(config, p) : [{ start: p.vmallocStart, end: p.vmallocEnd }];
  const mainVmalloc = vmallocRanges[0];
  if (!mainVmalloc) throw new Error('no vmalloc range');
  const sortedRanges = [...vmallocRanges].sort((a, b) => (a.start < b.start ? -1 : 1));
  const vmapMaxAlloc = p.vmapMaxAlloc ?? p.bitsPerLong;
  const vmallocPages = Number(p.vmallocSpace / pageSize);
  const vmapBbmapBits =
    p.vmapBbmapBits ??
    Math.min(1024, Math.max(2 * vmapMaxAlloc, Math.floor(vmallocPages / roundupPow2(p.nrCpus) / 16)));
  const g: Geometry = {
    config,
    preset: p,
    w: p.bitsPerLong,
    top: 1n << BigInt(p.bitsPerLong),
    pageShift: p.pageShift,
    pageSize,
    levels,
    entryShift,
    spanShift,
    entrySize: entryShift.map((x) => 1n << BigInt(x)),
    spanSize: spanShift.map((x) => 1n << BigInt(x)),
    leafOk,
    maxLeafShift: Math.max(...p.leafShifts),
    vmallocRanges: sortedRanges,
    mainVmalloc,
    windows: config.windows.map((w) => ({ start: hexToAddr(w.start), end: hexToAddr(w.end) })),
    vmapMaxAlloc,
    vmapBbmapBits,
    blockSize: BigInt(vmapBbmapBits) * pageSize,
    lazyMaxPages: fls(config.cpus.online.length) * Math.floor(config.lazyUnitBytes / Number(pageSize)),
    online: config.cpus.online,
  };
  cache.set(config, g);
  return g;
}

/** Kernel hex, zero-padded to W/4 digits (`0xffffc90000004000`; toy24: `0x800000`). */
export function hex(a: Addr, w = 64): string {
  const digits = Math.ceil(w / 4);
  return '0x' + a.toString(16).padStart(digits, '0');
}

const hexers = new Map<number, (a: Addr) => string>();

/**
 * `hex` with the width bound, one function per width, made once: the invariants run every step
 * and only format on a violation, and a closure literal made per call costs a name definition
 * per call under tsx (esbuild keepNames), measurable in the harness's own speed.
 */
export function hexAt(w: number): (a: Addr) => string {
  let f = hexers.get(w);
  if (!f) {
    f = (a) => hex(a, w);
    hexers.set(w, f);
  }
  return f;
}
