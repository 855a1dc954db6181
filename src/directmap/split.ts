// src: split_mem_range() and adjust_range_page_size_mask() (arch/x86/mm/init.c, x86-64): cut
// [start, end) into a 4 KiB head up to a 2 MiB boundary, 2 MiB pieces up to a 1 GiB boundary,
// 1 GiB pieces, a 2 MiB tail and a 4 KiB tail; then promote a piece to 2 MiB (1 GiB) pages when
// the aligned 2 MiB (1 GiB) block around it is all memory, and merge neighbours of equal size.
//
// The promotion is chained as in the kernel (a 4 KiB head whose 1 GiB block is all RAM gets 1 GiB
// pages too), which makes the leaf used for any address a function of its block alone — the same
// block is never mapped at two sizes by two steps.
import type { Pfn } from '../../api/index.js';

export const PMD_PAGES = 512; // 2 MiB
export const PUD_PAGES = 512 * 512; // 1 GiB

export interface MapRange {
  readonly start: Pfn;
  readonly end: Pfn;
  /** page_size_mask: PG_LEVEL_2M and PG_LEVEL_1G allowed */
  readonly m2: boolean;
  readonly m1g: boolean;
}

const roundUp = (p: number, a: number): number => Math.ceil(p / a) * a;
const roundDown = (p: number, a: number): number => Math.floor(p / a) * a;

export function splitMemRange(start: Pfn, end: Pfn, isRegionMemory: (s: Pfn, e: Pfn) => boolean): MapRange[] {
  const mr: { start: Pfn; end: Pfn; m2: boolean; m1g: boolean }[] = [];
  const save = (s: Pfn, e: Pfn, m2: boolean, m1g: boolean): void => {
    if (s < e) mr.push({ start: s, end: e, m2, m1g });
  };
  let pos = start;
  // head if not big page alignment
  let e = Math.min(roundUp(pos, PMD_PAGES), end);
  if (pos < e) {
    save(pos, e, false, false);
    pos = e;
  }
  // big page (2M) range up to a 1G boundary
  let s = roundUp(pos, PMD_PAGES);
  e = Math.min(roundUp(pos, PUD_PAGES), roundDown(end, PMD_PAGES));
  if (s < e) {
    save(s, e, true, false);
    pos = e;
  }
  // big page (1G) range
  s = roundUp(pos, PUD_PAGES);
  e = roundDown(end, PUD_PAGES);
  if (s < e) {
    save(s, e, true, true);
    pos = e;
  }
  // tail is not big page (1G) alignment
  s = roundUp(pos, PMD_PAGES);
  e = roundDown(end, PMD_PAGES);
  if (s < e) {
    save(s, e, true, false);
    pos = e;
  }
  // tail is not big page (2M) alignment
  save(pos, end, false, false);

  // adjust_range_page_size_mask()
  for (const r of mr) {
    if (!r.m2 && isRegionMemory(roundDown(r.start, PMD_PAGES), roundUp(r.end, PMD_PAGES))) r.m2 = true;
    if (!r.m1g && isRegionMemory(roundDown(r.start, PUD_PAGES), roundUp(r.end, PUD_PAGES))) r.m1g = true;
  }
  // try to merge same page size and continuous
  const out: { start: Pfn; end: Pfn; m2: boolean; m1g: boolean }[] = [];
  for (const r of mr) {
    const last = out[out.length - 1];
    if (last && last.end === r.start && last.m2 === r.m2 && last.m1g === r.m1g) last.end = r.end;
    else out.push({ ...r });
  }
  return out;
}
