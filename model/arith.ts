// model: exact address arithmetic on bigint byte addresses — reference semantics. Clarity over speed.
// The model never wraps: an end bound may be exactly 2^W and stays 2^W (machine.md §1).
import type { Addr } from '../api/index.js';

export function alignDown(a: Addr, size: Addr): Addr {
  return a - (a % size);
}

export function alignUp(a: Addr, size: Addr): Addr {
  return alignDown(a + size - 1n, size);
}

export function isAligned(a: Addr, size: Addr): boolean {
  return a % size === 0n;
}

export function isPowerOfTwo(a: Addr): boolean {
  return a > 0n && (a & (a - 1n)) === 0n;
}

/** ceil(log2(n)) for n >= 1 (the kernel's get_count_order) */
export function ceilLog2(n: Addr): number {
  let order = 0;
  while (1n << BigInt(order) < n) order++;
  return order;
}

/** fls(n): 1-based position of the highest set bit, fls(0) = 0 (vmap.md §3) */
export function fls(n: number): number {
  let pos = 0;
  while (n > 0) {
    pos++;
    n = Math.floor(n / 2);
  }
  return pos;
}

/** [a, a + n) and [b, b + m) share a byte */
export function overlaps(aStart: Addr, aEnd: Addr, bStart: Addr, bEnd: Addr): boolean {
  return aStart < bEnd && bStart < aEnd;
}

/** lowercase kernel hex, zero-padded to W/4 digits (calls.ts: vmallocinfo formatting) */
export function hexW(a: Addr, bitsPerLong: number): string {
  return '0x' + a.toString(16).padStart(bitsPerLong / 4, '0');
}
