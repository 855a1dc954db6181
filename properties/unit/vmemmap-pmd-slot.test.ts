// Unit: an x86_64 whole-section hot-add whose PMD chunk already holds a pte table (vmemmap.md §4:
// "a chunk holding a table gets base pages"). Nothing in the vmemmap itself leaves such a table
// behind (a removed sub-section's empty pte table is freed), but the raw machine-level
// `populate` call (api/calls.ts) may build one anywhere, the vmemmap included. The kernel's
// vmemmap_populate_hugepages (arch/x86/mm/init_64.c, 6.12) only allocates a PMD block when
// pmd_none(); otherwise it falls through to vmemmap_populate_basepages(addr, next, node, altmap):
// base pages, from the altmap when there is one. Both sides (src/ and the model, through the
// Kernel facades); expectations by hand.
//
// x86_64: section 1 = pfns [0x8000, 0x10000); its memmap is the 2 MiB PMD chunk
// [VMEMMAP + 2 MiB, VMEMMAP + 4 MiB) = 512 vmemmap pages (levels pgd 0, pud 1, pmd 2, pte 3).
import { describe, expect, it } from 'vitest';
import type { AbstractState, MachineConfig, Result, SutFactory } from '../../api/index.js';
import { createModel } from '../../model/index.js';
import { createKernel } from '../../src/index.js';
import { configByName } from '../configs.js';

const SIDES: readonly [string, SutFactory][] = [
  ['impl', createKernel],
  ['model', createModel],
];
const OK: Result = { ok: true, value: { kind: 'none' } };
const X86: MachineConfig = { ...configByName('x86_64'), name: 'x86_64-no-devices', devices: [] };
const VMEMMAP = 0xffffea0000000000n;
const CHUNK = VMEMMAP + 0x200000n;
const inChunk = (s: AbstractState): AbstractState['leaves'] => s.leaves.filter((l) => l.va >= CHUNK && l.va < CHUNK + 0x200000n);

describe.each(SIDES)('a PMD chunk that already holds a pte table (%s)', (_side, boot) => {
  // tries: populate(CHUNK, pte level) makes the pte table; then add_memory of the whole section
  // expects: no huge leaf: the chunk is filled with 512 base pages (RAM: add_memory has no
  // altmap) under that same table; removing the section unmaps them all
  it('a whole-section add_memory fills it with base pages, not a huge leaf', () => {
    const k = boot(X86);
    expect(k.call({ call: 'populate', va: CHUNK, level: 3 })).toEqual(OK);
    const table = k.state().tables.find((t) => t.level === 3 && t.va === CHUNK);
    expect(table).toBeDefined();
    expect(k.call({ call: 'add_memory', pfn: 0x8000, pages: 0x8000 })).toEqual(OK);
    const s = k.state();
    const leaves = inChunk(s);
    expect(leaves.every((l) => l.level === 3)).toBe(true);
    expect(leaves.reduce((n, l) => n + l.pages, 0)).toBe(512);
    expect(s.tables).toContainEqual(table);
    expect(k.call({ call: 'touch_page', pfn: 0xffff, cpu: 0 }).ok).toBe(true);
    expect(k.call({ call: 'remove', pfn: 0x8000, pages: 0x8000 })).toEqual(OK);
    expect(inChunk(k.state())).toEqual([]);
  });

  // tries: the same table, then add_device of the whole section with reserve 0, free 512
  // expects: the 512 base pages come from the device's own altmap, pfns 0x8000.. ascending
  // (one-page blocks need no alignment padding): alloc 512, align 0; remove_device gives all
  // of them back (alloc 0, no warning)
  it('a whole-section add_device fills it with base pages from its altmap', () => {
    const k = boot(X86);
    expect(k.call({ call: 'populate', va: CHUNK, level: 3 })).toEqual(OK);
    expect(k.call({ call: 'add_device', pfn: 0x8000, pages: 0x8000, reserve: 0, free: 512 })).toEqual(OK);
    const s = k.state();
    expect(inChunk(s)).toEqual([{ va: CHUNK, pages: 512, pfn: 0x8000, level: 3 }]);
    expect(s.vmemmap?.altmaps).toEqual([{ basePfn: 0x8000, endPfn: 0xffff, reserve: 0, free: 512, align: 0, alloc: 512 }]);
    expect(k.call({ call: 'remove_device', pfn: 0x8000 })).toEqual(OK);
    const after = k.state();
    expect(inChunk(after)).toEqual([]);
    expect(after.warnings).toEqual([]);
  });
});
