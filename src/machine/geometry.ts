// src: address-space geometry of a preset — page size, table levels, entry spans, the wrap-safe
// p?d_addr_end. Everything inside src/ works on virtual page numbers (vpn) held in a `number`:
// vpn < 2^(W - pageShift) <= 2^52 on every preset, so it is exact. Index math uses division and
// modulo by powers of two, never 32-bit bitwise operators (vpns exceed 2^32).
import type { Addr, Preset } from '../../api/index.js';

export interface Geometry {
  readonly preset: Preset;
  readonly pageShift: number;
  /** PAGE_SIZE in bytes */
  readonly pageSize: number;
  /** BITS_PER_LONG */
  readonly W: number;
  /** number of table levels; level 0 is the root, levels - 1 holds base pages */
  readonly levels: number;
  /** index bits per level */
  readonly bits: readonly number[];
  /** entries per table at each level (2^bits) */
  readonly entries: readonly number[];
  /** per level, log2 of the pages one entry maps (0 at the last level) */
  readonly entryShift: readonly number[];
  /** per level, the pages one entry maps (2^entryShift) */
  readonly entryPages: readonly number[];
  /** per level, whether the preset allows a leaf (huge page) there */
  readonly leafAllowed: readonly boolean[];
  /** 2^(W - pageShift): the number of virtual pages; vpn arithmetic is modulo this */
  readonly vpnLimit: number;
  /** pages covered by the whole radix tree (2^(sum of bits)); <= vpnLimit */
  readonly treePages: number;
  /** the largest allowed leaf shift, in bytes (max_page_shift for map_device) */
  readonly maxLeafShift: number;
  /**
   * How the tree's span sits in the W-bit space when it is smaller: 'sign-extend' (x86-64
   * canonical addresses: the upper half of the tree is the top of the space) or 'upper' (arm64
   * TTBR1: the whole tree is the top 2^(tree bits) of the space, kernel addresses start 0xffff...).
   * Derived from PAGE_OFFSET: arm64's 0xffff000000000000 is not sign-extended from bit 47.
   */
  readonly treeMode: 'full' | 'sign-extend' | 'upper';
}

export function makeGeometry(preset: Preset): Geometry {
  const bits = preset.levels.map((l) => l.bits);
  const levels = bits.length;
  const entryShift: number[] = new Array<number>(levels).fill(0);
  for (let i = levels - 2; i >= 0; i--) entryShift[i] = entryShift[i + 1]! + bits[i + 1]!;
  const totalBits = entryShift[0]! + bits[0]!;
  const vpnBits = preset.bitsPerLong - preset.pageShift;
  if (totalBits > vpnBits) throw new Error(`preset ${preset.name}: table bits exceed the address space`);
  const vpnLimit = 2 ** vpnBits;
  const treePages = 2 ** totalBits;
  let treeMode: Geometry['treeMode'] = 'full';
  if (treePages < vpnLimit) {
    const pageOffsetVpn = Number(preset.pageOffset >> BigInt(preset.pageShift));
    treeMode = pageOffsetVpn >= vpnLimit - treePages / 2 ? 'sign-extend' : 'upper';
  }
  return {
    preset,
    treeMode,
    pageShift: preset.pageShift,
    pageSize: 2 ** preset.pageShift,
    W: preset.bitsPerLong,
    levels,
    bits,
    entries: bits.map((b) => 2 ** b),
    entryShift,
    entryPages: entryShift.map((s) => 2 ** s),
    leafAllowed: entryShift.map((s) => preset.leafShifts.includes(s + preset.pageShift)),
    vpnLimit,
    treePages,
    maxLeafShift: Math.max(...preset.leafShifts),
  };
}

/** Table index of `vpn` at `level` (pgd_index, pmd_index, ...): the upper bits are ignored as the kernel's mask does. */
export function indexAt(g: Geometry, level: number, vpn: number): number {
  return Math.floor(vpn / g.entryPages[level]!) % g.entries[level]!;
}

/**
 * p?d_addr_end(addr, end) in vpn space: `boundary - 1 < end - 1 ? boundary : end`, computed
 * modulo 2^(W - pageShift) exactly like the kernel's unsigned long arithmetic. `end` is the
 * wrapped end (0 for "the top of the address space"), so the last entry's boundary (which wraps
 * to 0) compares as the largest value and the walk stops on `addr == end`.
 */
export function addrEnd(g: Geometry, level: number, vpn: number, end: number): number {
  const span = g.entryPages[level]!;
  const L = g.vpnLimit;
  let boundary = (Math.floor(vpn / span) + 1) * span;
  if (boundary >= L) boundary -= L;
  const b1 = boundary === 0 ? L - 1 : boundary - 1;
  const e1 = end === 0 ? L - 1 : end - 1;
  return b1 < e1 ? boundary : end;
}

/** Wrap an unwrapped end vpn (possibly vpnLimit) into W-bit space. */
export function wrapVpn(g: Geometry, vpn: number): number {
  return vpn >= g.vpnLimit ? vpn - g.vpnLimit : vpn;
}

/**
 * The canonical vpn of a tree position: the tree covers 2^(sum of bits) pages; the bits above it
 * are the sign extension of its top bit (x86-64) or all ones (arm64 TTBR1), so a table or leaf
 * reports its kernel address.
 */
export function canonicalVpn(g: Geometry, treeVpn: number): number {
  if (g.treeMode === 'full') return treeVpn;
  if (g.treeMode === 'upper') return treeVpn + (g.vpnLimit - g.treePages);
  return treeVpn >= g.treePages / 2 ? treeVpn + (g.vpnLimit - g.treePages) : treeVpn;
}

/**
 * Whether a vpn is canonical for the kernel's tree (see treeMode). A non-canonical address has
 * no translation (x86-64 raises #GP; on arm64 it is not a TTBR1 address) rather than aliasing
 * the entry its low bits index. vpns at or past the top (>= vpnLimit) have none either.
 */
export function isCanonicalVpn(g: Geometry, vpn: number): boolean {
  if (g.treeMode === 'full') return vpn < g.vpnLimit;
  if (g.treeMode === 'upper') return vpn >= g.vpnLimit - g.treePages && vpn < g.vpnLimit;
  const half = g.treePages / 2;
  return vpn < half || (vpn >= g.vpnLimit - half && vpn < g.vpnLimit);
}

/** vpn → byte address (exact, bigint). */
export function vpnToAddr(g: Geometry, vpn: number): Addr {
  return BigInt(vpn) << BigInt(g.pageShift);
}

/** byte address → vpn (rounds down). The address must be in [0, 2^W]. */
export function addrToVpn(g: Geometry, addr: Addr): number {
  return Number(addr >> BigInt(g.pageShift));
}

/** whether a byte address is page aligned */
export function isPageAligned(g: Geometry, addr: Addr): boolean {
  return (addr & (BigInt(g.pageSize) - 1n)) === 0n;
}
