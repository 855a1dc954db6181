// src: what one page-table slot holds — pmd_none / pmd_leaf / a table — for the populator's
// decisions (vmemmap_populate_hugepages looks at the PMD entry before it allocates a block).
// The Machine has no such query yet, so this reads its radix tree directly (read only);
// replace with a Machine method (entryKind(vpn, level)) when there is one.
import { indexAt, type Machine } from '../machine/index.js';

export type SlotKind = 'none' | 'table' | 'leaf';

/**
 * The entry of the level-`level` table on vpn's path; 'none' also when a table above is
 * missing, 'leaf' also when a huge leaf above covers vpn.
 */
export function slotAt(m: Machine, vpn: number, level: number): SlotKind {
  let t = m.pt.root;
  for (;;) {
    const e = t.get(indexAt(m.geometry, t.level, vpn));
    if (e === undefined) return 'none';
    if (typeof e === 'number') return 'leaf';
    if (t.level === level) return 'table';
    t = e;
  }
}
