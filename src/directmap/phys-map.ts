// src: kernel_physical_mapping_init() for one map range: every pfn p of [start, end) mapped at
// PAGE_OFFSET + p through the machine's walker (populate the tables down to the leaf's level,
// then install the leaf). A 1 GiB (2 MiB) page covers the whole aligned block around the range,
// as phys_pud_init (phys_pmd_init) maps `paddr & PUD_MASK`. A slot that already holds the same
// leaf is skipped, as phys_p?d_init skip present entries; anything else already there would make
// the kernel split or descend, which the chained promotion (split.ts) never asks for: reported.
import type { Pfn } from '../../api/index.js';
import type { Machine } from '../machine/index.js';
import { addrToVpn } from '../machine/index.js';
import { PMD_PAGES, PUD_PAGES, type MapRange } from './split.js';

/** x86-64 table levels of the leaves */
const PUD_LEVEL = 1;
const PMD_LEVEL = 2;
const PTE_LEVEL = 3;

/** The walker ran out of page-table pages (alloc_low_pages failed). */
export class OutOfPageTables extends Error {}

export function kernelPhysicalMappingInit(machine: Machine, mr: MapRange): void {
  const base = addrToVpn(machine.geometry, machine.geometry.preset.pageOffset);
  let p = mr.start;
  while (p < mr.end) {
    if (mr.m1g) {
      const block = Math.floor(p / PUD_PAGES) * PUD_PAGES;
      mapLeaf(machine, base + block, PUD_LEVEL, block);
      p = block + PUD_PAGES;
    } else if (mr.m2) {
      const block = Math.floor(p / PMD_PAGES) * PMD_PAGES;
      mapLeaf(machine, base + block, PMD_LEVEL, block);
      p = block + PMD_PAGES;
    } else {
      mapLeaf(machine, base + p, PTE_LEVEL, p);
      p++;
    }
  }
}

function mapLeaf(machine: Machine, vpn: number, level: number, pfn: Pfn): void {
  const w = machine.walk(vpn);
  if (w && w.level === level && w.pfn === pfn) return; // present: phys_p?d_init skips it
  const err = machine.populate(vpn, level);
  if (err === 'ENOMEM') throw new OutOfPageTables();
  const set = err ?? machine.setLeaf(vpn, level, pfn);
  if (set !== null) {
    const have = w ? `a level-${w.level} leaf of pfn 0x${w.pfn.toString(16)}` : 'a table';
    throw new Error(`direct map: level-${level} leaf for pfn 0x${pfn.toString(16)} meets ${have} (${set})`);
  }
}
