// api: the exact address representation shared by every side. Types only.
//
// A kernel virtual or physical byte address is a `bigint` in [0, 2^W] (W = BITS_PER_LONG).
// 0xffffc90000000000 is above 2^53 and would silently round in a `number`; a bigint never
// does. An end bound may be exactly 2^W ("up to the top of the address space").
// Inside an implementation any exact representation is fine (src/ uses page numbers, which
// are below 2^53 on every preset); at the interface it is always `Addr`.
//
// Page-frame numbers and page counts are `number`s: a pfn is at most 52 bits on 4 KiB pages.
// Traces (JSON) write addresses as kernel hex strings, `"0xffffc90000004000"`.

export type Addr = bigint;
export type Hex = `0x${string}`;
export type Pfn = number;

/** A half-open range of pfns `[start, start + count)`. */
export interface PfnRange {
  readonly start: Pfn;
  readonly count: number;
}

/** A half-open range of addresses `[start, end)`; `end` may be 2^W. */
export interface AddrRange {
  readonly start: Addr;
  readonly end: Addr;
}
