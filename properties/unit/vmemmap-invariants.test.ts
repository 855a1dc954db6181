// Broken-state tests for the invariants vmemmap-backed and altmap-accounting (checking.md §4:
// an invariant that has never failed is untested). Each starts from a real state, breaks one
// thing by hand, and expects the invariant to name it.
import { describe, it, expect } from 'vitest';
import type { AbstractState, AltmapRec, MachineConfig } from '../../api/index.js';
import { configByName } from '../configs.js';
import { altmapAccounting } from '../invariants/altmap-accounting.js';
import { vmemmapBacked } from '../invariants/vmemmap-backed.js';
import { ctxOf, derive, srcSide, type HotplugCall } from './vmemmap-fixture.js';

const X86 = derive('x86_64', { devices: [] });
const V = 0xffffea0000000000n;

function after(config: MachineConfig, calls: HotplugCall[]): AbstractState {
  const k = srcSide(config);
  for (const c of calls) expect(k.call(c).ok).toBe(true);
  return k.state();
}

/** x86_64 with one sub-section of RAM at 0x8000 (8 pages 0x204.. under pte table 0x203). */
const withRam = (): AbstractState => after(X86, [{ call: 'add_memory', pfn: 0x8000, pages: 512 }]);
/** x86_64 with a whole-section device at 0x10000: reserve 2, free 1024, one PMD block at 0x10200. */
const withDevice = (): AbstractState => after(X86, [{ call: 'add_device', pfn: 0x10000, pages: 32768, reserve: 2, free: 1024 }]);
const altmap = (s: AbstractState): AltmapRec => s.vmemmap!.altmaps[0]!;
const withAltmap = (s: AbstractState, patch: Partial<AltmapRec>): AbstractState => ({
  ...s,
  vmemmap: { ...s.vmemmap!, altmaps: [{ ...altmap(s), ...patch }] },
});

describe('healthy states satisfy both invariants', () => {
  it.each(['x86_64', 'x86_64-la57', 'arm64-64k', 'arm32', 'toy24'])('%s at boot and after adds', (name) => {
    const config = name === 'x86_64' ? X86 : configByName(name);
    const ctx = ctxOf(config);
    const s = srcSide(config).state();
    expect(vmemmapBacked(s, ctx)).toBe(null);
    expect(altmapAccounting(s, ctx)).toBe(null);
  });

  it('x86_64 with RAM and a device', () => {
    for (const s of [withRam(), withDevice()]) {
      expect(vmemmapBacked(s, ctxOf(X86))).toBe(null);
      expect(altmapAccounting(s, ctxOf(X86))).toBe(null);
    }
  });
});

describe('vmemmap-backed reports', () => {
  const check = (s: AbstractState) => vmemmapBacked(s, ctxOf(X86));

  it('a present sub-section whose memmap is not mapped', () => {
    const s = withRam();
    expect(check({ ...s, leaves: s.leaves.filter((l) => l.va !== V + 0x200000n) })).toMatch(/present ram pfns 0x8000\+0x200: their memmap at 0xffffea0000200000 is not mapped/);
  });

  it('a mapped unit that holds the memmap of no present sub-section', () => {
    const s = withRam();
    const present = s.vmemmap!.present.filter((r) => r.kind === 'boot');
    expect(check({ ...s, vmemmap: { ...s.vmemmap!, present } })).toMatch(/unit 0xffffea0000200000 .* holds the memmap of no present sub-section/);
  });

  it('one backing page behind two units', () => {
    const s = withRam();
    const leaves = s.leaves.map((l) => (l.va === V + 0x200000n ? { ...l, pfn: 0x103 } : l));
    expect(check({ ...s, leaves })).toMatch(/pfn 0x103 backs two vmemmap units/);
  });

  it('a RAM backing page that is free (given back while mapped)', () => {
    const s = withRam();
    const owners = s.owners.map((o) => (o.pfn === 0x204 ? { ...o, owner: 'free' as const } : o));
    expect(check({ ...s, owners })).toMatch(/backed by pfn 0x204 owned 'free', not 'vmemmap' \(RAM\)/);
  });

  it('an altmap block handed to the RAM allocator', () => {
    const s = withDevice();
    const owners = s.owners.flatMap((o) =>
      o.owner === 'device' ? [{ pfn: 0x10000, count: 0x200, owner: 'device' as const }, { pfn: 0x10200, count: 0x200, owner: 'vmemmap' as const }, { pfn: 0x10400, count: 0x7c00, owner: 'device' as const }] : [o],
    );
    expect(check({ ...s, owners })).toMatch(/backed by pfn 0x10200 owned 'vmemmap', not 'device' \(altmap of 0x10000\)/);
  });

  it('a RAM page owned vmemmap that backs nothing (leaked)', () => {
    const s = withRam();
    const owners = s.owners.flatMap((o) => (o.pfn === 0x20c && o.owner === 'free' ? [{ ...o, count: 1, owner: 'vmemmap' as const }, { ...o, pfn: 0x20d, count: o.count - 1 }] : [o]));
    expect(check({ ...s, owners })).toMatch(/265 RAM pages are owned 'vmemmap' but 264 back vmemmap units/);
  });

  it('a page-table page taken from a device', () => {
    const s = withDevice();
    const tables = s.tables.map((t, i) => (i === 0 ? { ...t, pfn: 0x10100 } : t));
    expect(check({ ...s, tables })).toMatch(/page-table page pfn 0x10100 .* lies in the device of the altmap at 0x10000/);
  });
});

describe('altmap-accounting reports', () => {
  const check = (s: AbstractState) => altmapAccounting(s, ctxOf(X86));

  it('alloc + align beyond free', () => {
    expect(check(withAltmap(withDevice(), { align: 600 }))).toMatch(/alloc 512 \+ align 600 > free 1024/);
  });

  it('a block outside the handed-out area', () => {
    expect(check(withAltmap(withDevice(), { reserve: 0x300 }))).toMatch(/block 0x10200\+512 .* lies outside its handed-out area 0x10300\.\.0x106fe/);
  });

  it('a block not aligned to the lowest set bit of its size', () => {
    const s = withAltmap(withDevice(), { align: 511 });
    const leaves = s.leaves.map((l) => (l.pfn === 0x10200 ? { ...l, pfn: 0x10201 } : l));
    expect(check({ ...s, leaves })).toMatch(/block 0x10201\+512 .* is not aligned to 512 pages/);
  });

  it('altmap pages consumed without being mapped (alloc above the mapped blocks)', () => {
    expect(check(withAltmap(withDevice(), { alloc: 513 }))).toMatch(/alloc is 513 but 512 of its pages back vmemmap units/);
  });

  it('overlapping blocks', () => {
    // toy24: a device's memmap is 16 single pages from its altmap; make two share a pfn
    const toy = configByName('toy24');
    const s = after(toy, [{ call: 'add_device', pfn: 0x2000, pages: 1024, reserve: 0, free: 32 }]);
    const leaves = s.leaves.flatMap((l) => (l.pfn === 0x2000 ? [{ ...l, pages: 1 }, { ...l, va: l.va + 0x1000n, pages: 1 }, { ...l, va: l.va + 0x2000n, pages: l.pages - 2, pfn: 0x2002 }] : [l]));
    expect(altmapAccounting({ ...s, leaves }, ctxOf(toy))).toMatch(/block 0x2000\+1 .* overlaps block 0x2000\+1/);
  });

  it("a device page owned by someone else than 'device'", () => {
    const s = withDevice();
    const owners = s.owners.flatMap((o) => (o.pfn === 0x10000 ? [{ ...o, count: 1, owner: 'offline' as const }, { ...o, pfn: 0x10001, count: o.count - 1 }] : [o]));
    expect(check({ ...s, owners })).toMatch(/pfn 0x10000 is owned 'offline', not 'device'/);
  });

  it('two altmaps over the same pages, and an altmap over boot RAM', () => {
    const s = withDevice();
    const a = altmap(s);
    expect(check({ ...s, vmemmap: { ...s.vmemmap!, altmaps: [a, { ...a, basePfn: 0x17000 }] } })).toMatch(/overlaps the altmap at 0x17000/);
    expect(check({ ...s, vmemmap: { ...s.vmemmap!, altmaps: [{ ...a, basePfn: 0x3000, endPfn: 0x3fff, alloc: 0, align: 0, reserve: 0, free: 0 }] } })).toMatch(/overlaps boot RAM 0x0\+0x4000/);
  });

  it('a device removed with its altmap not back to alloc == 0', () => {
    const s = withRam();
    const warned = { ...s, warnings: [{ kind: 'failed to free all reserved pages', addr: 0x10000000n, step: 3 }] };
    expect(check(warned)).toMatch(/device at 0x0000000010000000 was removed with its altmap not back to alloc == 0 \(step 3\)/);
  });
});
