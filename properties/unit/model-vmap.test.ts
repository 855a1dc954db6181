// Unit tests of the reference model's vmap allocator and vmalloc API: the worked examples
// E1-E3 (examples.md) and hand-computed cases of vmap.md §2-§5 and checking.md §3.
import { describe, expect, it } from 'vitest';
import type { AbstractState, MachineConfig, Result } from '../../api/index.js';
import type { VmapArea } from '../../model/index.js';
import { ModelKernel, lowestFit } from '../../model/index.js';
import { configByName } from '../configs.js';

const V = 0xffffc90000000000n; // x86_64 VMALLOC_START

const addr = (a: bigint): Result => ({ ok: true, value: { kind: 'addr', addr: a } });
const none: Result = { ok: true, value: { kind: 'none' } };
const err = (e: string): Result => ({ ok: false, err: e as never });

function still(s: AbstractState): Omit<AbstractState, 'step'> {
  const { step: _step, ...rest } = s;
  return rest;
}

function kernel(name: string): ModelKernel {
  return new ModelKernel(configByName(name));
}

function rows(k: ModelKernel): readonly string[] {
  const r = k.call({ call: 'vmallocinfo' });
  if (!r.ok || r.value.kind !== 'rows') throw new Error('vmallocinfo failed');
  return r.value.rows;
}

describe('E1: lowest fit with alignment (vmap.md §2)', () => {
  // 0x1000 0x3000 0x5000 0x6000                0x10000
  // |AAAAAA|......|BBB|...........................|
  const picture: VmapArea[] = [
    { start: 0x1000n, end: 0x3000n, lazy: false, vm: null },
    { start: 0x5000n, end: 0x6000n, lazy: false, vm: null },
  ];

  it('fills the gap exactly: areas touch', () => {
    expect(lowestFit(picture, 0x2000n, 0x1000n, 0x1000n, 0x10000n)).toBe(0x3000n);
  });

  it('with 0x4000 alignment skips 0x4000, which would overlap B, and lands on 0x8000', () => {
    expect(lowestFit(picture, 0x2000n, 0x4000n, 0x1000n, 0x10000n)).toBe(0x8000n);
  });

  it('alloc_vmap_area builds the picture, returns the same fits, and rejects size > vend - vstart with EINVAL', () => {
    const vmap = kernel('x86_64').vmap;
    const r = [{ start: 0x1000n, end: 0x10000n }];
    expect(vmap.alloc(0x2000n, 0x1000n, r, null)).toMatchObject({ start: 0x1000n, end: 0x3000n });
    expect(vmap.alloc(0x1000n, 0x1000n, [{ start: 0x5000n, end: 0x10000n }], null)).toMatchObject({ start: 0x5000n });
    expect(vmap.alloc(0x10000n, 0x1000n, r, null)).toBe('EINVAL');
    expect(vmap.alloc(0x2000n, 0x4000n, r, null)).toMatchObject({ start: 0x8000n, end: 0xa000n });
    expect(vmap.alloc(0x2000n, 0x1000n, r, null)).toMatchObject({ start: 0x3000n, end: 0x5000n });
    expect(vmap.areas.map((a) => [a.start, a.end])).toEqual([
      [0x1000n, 0x3000n],
      [0x3000n, 0x5000n],
      [0x5000n, 0x6000n],
      [0x8000n, 0xa000n],
    ]);
  });

  it('rejects a zero size, an unaligned size, and alignments that are not powers of two >= PAGE_SIZE', () => {
    const vmap = kernel('x86_64').vmap;
    const r = [{ start: 0x1000n, end: 0x10000n }];
    for (const [size, align] of [
      [0n, 0x1000n],
      [0x1800n, 0x1000n],
      [0x1000n, 0x3000n],
      [0x1000n, 0x800n],
      [0x1000n, 0n],
    ] as const) {
      expect(vmap.alloc(size, align, r, null)).toBe('EINVAL');
    }
    expect(vmap.alloc(0x1000n, 0x1000n, [{ start: 0x2000n, end: 0x2000n }], null)).toBe('EINVAL');
  });

  it('no fit after purge-and-retry is EBUSY', () => {
    const vmap = kernel('x86_64').vmap;
    const r = [{ start: 0x1000n, end: 0x3000n }];
    expect(vmap.alloc(0x2000n, 0x1000n, r, null)).toMatchObject({ start: 0x1000n });
    expect(vmap.alloc(0x1000n, 0x1000n, r, null)).toBe('EBUSY');
  });
});

describe('E2: vmalloc and its listing (vmap.md §5), x86_64', () => {
  it('vmalloc(12288) takes 3 pages plus a guard; vmallocinfo lists it; the guard page faults', () => {
    const k = kernel('x86_64');
    expect(k.call({ call: 'vmalloc', bytes: 12288n })).toEqual(addr(V));
    expect(rows(k)).toEqual(['0xffffc90000000000-0xffffc90000004000 16384 vmalloc pages=3']);
    expect(k.call({ call: 'vmalloc', bytes: 1n })).toEqual(addr(V + 0x4000n));
    expect(k.call({ call: 'touch', cpu: 0, va: V + 0x3000n })).toEqual(err('EFAULT'));
    // data pages are the lowest free pfns, then the pud, pmd and pte tables, then the second
    // area's page. By hand: after the reserved first MiB, boot populated the memmap of RAM
    // 0..0x4000 (vmemmap.md §4): tables 0x100..0x102 and 256 base pages 0x103..0x202
    const s = k.state();
    expect(s.owners.slice(0, 6)).toEqual([
      { pfn: 0, count: 0x100, owner: 'reserved' },
      { pfn: 0x100, count: 3, owner: 'pagetable' },
      { pfn: 0x103, count: 256, owner: 'vmemmap' },
      { pfn: 0x203, count: 3, owner: 'vmalloc' },
      { pfn: 0x206, count: 3, owner: 'pagetable' },
      { pfn: 0x209, count: 1, owner: 'vmalloc' },
    ]);
    expect(s.mappings).toEqual([
      { kind: 'vmalloc', va: V, pages: 3, guard: 1 },
      { kind: 'vmalloc', va: V + 0x4000n, pages: 1, guard: 1 },
    ]);
    // page 2 of the first area: its third data page, 0x203 + 2
    expect(k.call({ call: 'touch', cpu: 0, va: V + 0x2000n })).toEqual({ ok: true, value: { kind: 'touch', pfn: 0x205, fromTlb: false } });
  });
});

describe('E3: lazy threshold (vmap.md §3), x86_64 with 4 CPUs online', () => {
  it('the second 64 MiB vfree crosses 24576 pages and purges once over the hull of both areas', () => {
    const big: MachineConfig = { ...configByName('x86_64'), name: 'x86_64-512M', ram: { banks: [{ start: 0, count: 0x20000 }], kernel: { start: 0x1000, count: 0x800 }, rootPt: 0x1400 } };
    const k = new ModelKernel(big);
    expect(k.vmap.lazyMaxPages).toBe(24576);
    const size = 64n << 20n;
    expect(k.call({ call: 'vmalloc', bytes: size })).toEqual(addr(V));
    const second = V + size + 0x1000n;
    expect(k.call({ call: 'vmalloc', bytes: size })).toEqual(addr(second));
    expect(k.call({ call: 'vfree', addr: V })).toEqual(none);
    expect(k.state().vmap.lazyNr).toBe(16385);
    expect(k.state().counters.flushes).toBe(0);
    expect(k.call({ call: 'vfree', addr: second })).toEqual(none);
    const s = k.state();
    expect(s.vmap).toEqual({ areas: [], lazyNr: 0 });
    expect(s.counters).toMatchObject({ flushes: 1, ipis: 3, flushedPages: 32770 });
  });
});

describe('vmalloc API (vmap.md §5, checking.md §3)', () => {
  it('frees decide EINVAL (unaligned, outside, interior, other kind) before ENOENT (free space, double free)', () => {
    const k = kernel('x86_64');
    k.call({ call: 'vmalloc', bytes: 0x2000n }); // [V, V + 0x3000)
    k.call({ call: 'vmap', pages: 1, flags: [] }); // [V + 0x3000, V + 0x5000)
    const before = still(k.state());
    expect(k.call({ call: 'vfree', addr: V + 0x10n })).toEqual(err('EINVAL'));
    expect(k.call({ call: 'vfree', addr: 0xffffe90000000000n })).toEqual(err('EINVAL'));
    expect(k.call({ call: 'vfree', addr: V + 0x1000n })).toEqual(err('EINVAL'));
    expect(k.call({ call: 'vfree', addr: V + 0x2000n })).toEqual(err('EINVAL')); // the guard page is part of the area
    expect(k.call({ call: 'vfree', addr: V + 0x3000n })).toEqual(err('EINVAL'));
    expect(k.call({ call: 'vunmap', addr: V })).toEqual(err('EINVAL'));
    expect(k.call({ call: 'vfree', addr: V + 0x5000n })).toEqual(err('ENOENT'));
    expect(still(k.state())).toEqual(before);
    expect(k.call({ call: 'vfree', addr: 0n })).toEqual(none);
    expect(k.call({ call: 'vfree', addr: V })).toEqual(none);
    expect(k.call({ call: 'vfree', addr: V })).toEqual(err('ENOENT')); // lazy now
    expect(k.call({ call: 'vunmap', addr: V + 0x3000n })).toEqual(none);
    expect(k.state().owners.some((r) => r.owner === 'caller' || r.owner === 'vmalloc')).toBe(false);
  });

  it('a failed data page allocation frees the pages so far and lazy-frees the area, guard counted', () => {
    // toy24: lazy_max_pages = fls(3) * (16 KiB / 4 KiB) = 8
    const k = kernel('toy24');
    k.call({ call: 'fail_alloc', after: 1 });
    expect(k.call({ call: 'vmalloc', bytes: 0x3000n })).toEqual(err('ENOMEM'));
    const s = k.state();
    expect(s.vmap).toEqual({ areas: [{ start: 0x800000n, end: 0x804000n, lazy: true }], lazyNr: 4 });
    expect(s.owners.filter((r) => r.owner === 'vmalloc')).toEqual([]);
    expect(rows(k)).toEqual(['0x800000-0x804000 16384 unpurged vm_area']);
  });

  it('a failed table allocation keeps the tables allocated before it; eager config purges at the end of the call', () => {
    // toy24-eager: lazy_max_pages = 0; one data page (#1), pmd table (#2), pte table (#3) fails.
    // By hand: boot's memmap took tables 0x121 (level 1) and 0x122 (level 2) at 0xe00000 and pages
    // 0x123..0x12e (vmemmap.md §4), so the data page is 0x12f and the pmd table 0x130
    const k = kernel('toy24-eager');
    k.call({ call: 'fail_alloc', after: 2 });
    expect(k.call({ call: 'vmalloc', bytes: 0x1000n })).toEqual(err('ENOMEM'));
    const s = k.state();
    expect(s.tables).toEqual([
      { level: 1, va: 0x800000n, pfn: 0x130 },
      { level: 1, va: 0xe00000n, pfn: 0x121 },
      { level: 2, va: 0xe00000n, pfn: 0x122 },
    ]);
    expect(s.vmap).toEqual({ areas: [], lazyNr: 0 });
    expect(s.counters).toMatchObject({ flushes: 1, ipis: 1, flushedPages: 2, ptAllocs: 2 + 1 });
  });

  it('ioremap returns the area plus the page offset; iounmap wants exactly that address', () => {
    const k = kernel('x86_64');
    const phys = 0x400000000n + 0x123n; // device pfn 0x400000 (16 GiB)
    expect(k.call({ call: 'ioremap', phys, bytes: 0x10n })).toEqual(addr(V + 0x123n));
    expect(rows(k)).toEqual(['0xffffc90000000000-0xffffc90000002000 8192 ioremap phys=0x0000000400000000']);
    expect(k.call({ call: 'walk', va: V + 0x123n })).toEqual({ ok: true, value: { kind: 'walk', pfn: 0x400000, level: 3 } });
    expect(k.call({ call: 'ioremap', phys: 0x200000n, bytes: 0x1000n })).toEqual(err('EINVAL')); // RAM
    expect(k.call({ call: 'iounmap', addr: V })).toEqual(err('EINVAL'));
    expect(k.call({ call: 'iounmap', addr: V + 0x123n })).toEqual(none);
    expect(k.call({ call: 'iounmap', addr: V + 0x123n })).toEqual(err('ENOENT'));
  });

  it('ioremap on toy24 aligns to 64 KiB and maps a pmd-level huge leaf', () => {
    const k = kernel('toy24');
    k.call({ call: 'vmalloc', bytes: 0x1000n }); // [0x800000, 0x802000)
    expect(k.call({ call: 'ioremap', phys: 0x1000000n, bytes: 0x10000n })).toEqual(addr(0x810000n));
    expect(k.state().leaves.filter((l) => l.level === 1)).toEqual([{ va: 0x810000n, pages: 16, pfn: 0x1000, level: 1 }]);
  });

  it('get_vm_area: VM_IOREMAP aligns to the next power of two, VM_NO_GUARD drops the guard, nothing is mapped', () => {
    const k = kernel('x86_64');
    k.call({ call: 'vmalloc', bytes: 1n }); // [V, V + 0x2000)
    expect(k.call({ call: 'get_vm_area', bytes: 12288n, flags: ['VM_IOREMAP'] })).toEqual(addr(V + 0x4000n));
    expect(k.call({ call: 'get_vm_area', bytes: 1n, flags: ['VM_NO_GUARD'] })).toEqual(addr(V + 0x2000n));
    expect(k.call({ call: 'get_vm_area', bytes: 0n, flags: [] })).toEqual(err('EINVAL'));
    expect(k.call({ call: 'get_vm_area', bytes: 0x1000n, flags: [], start: 0x1000n, end: 0x10000n })).toEqual(err('EINVAL'));
    expect(k.call({ call: 'get_vm_area', bytes: 0x1000n, flags: [], start: V + 0x100000n, end: V + 0x200000n })).toEqual(addr(V + 0x100000n));
    expect(k.call({ call: 'vmap', pages: 1, flags: ['VM_NO_GUARD'] })).toEqual(err('EINVAL'));
    expect(rows(k)).toEqual([
      '0xffffc90000000000-0xffffc90000002000 8192 vmalloc pages=1',
      '0xffffc90000002000-0xffffc90000003000 4096 vm_area',
      '0xffffc90000004000-0xffffc90000008000 16384 vm_area',
      '0xffffc90000100000-0xffffc90000102000 8192 vm_area',
    ]);
    expect(k.state().mappings.map((m) => [m.kind, m.pages, m.guard])).toEqual([
      ['vmalloc', 1, 1],
      ['vm_area', 1, 0],
      ['vm_area', 3, 1],
      ['vm_area', 1, 1],
    ]);
  });

  it('find_vm_area sees the guard page and only live vm_structs', () => {
    const k = kernel('x86_64');
    k.call({ call: 'vmalloc', bytes: 0x2000n });
    const vm = { addr: V, size: 0x3000n, kind: 'vmalloc', nrPages: 2 };
    expect(k.call({ call: 'find_vm_area', addr: V + 0x2fffn })).toEqual({ ok: true, value: { kind: 'vm', vm } });
    expect(k.call({ call: 'find_vm_area', addr: V + 0x3000n })).toEqual({ ok: true, value: { kind: 'vm', vm: null } });
    k.call({ call: 'vfree', addr: V });
    expect(k.call({ call: 'find_vm_area', addr: V })).toEqual({ ok: true, value: { kind: 'vm', vm: null } });
  });

  it('purge_vmap_area_lazy flushes the hull of the lazy areas once and releases them', () => {
    const k = kernel('x86_64');
    k.call({ call: 'vmalloc', bytes: 0x1000n }); // [V, V + 0x2000)
    k.call({ call: 'vmalloc', bytes: 0x1000n }); // [V + 0x2000, V + 0x4000)
    k.call({ call: 'vmalloc', bytes: 0x1000n }); // [V + 0x4000, V + 0x6000)
    k.call({ call: 'vfree', addr: V });
    k.call({ call: 'vfree', addr: V + 0x4000n });
    k.call({ call: 'touch', cpu: 1, va: V + 0x2000n });
    expect(k.call({ call: 'purge_vmap_area_lazy' })).toEqual(none);
    const s = k.state();
    expect(s.counters).toMatchObject({ flushes: 1, ipis: 3, flushedPages: 6 });
    expect(s.vmap).toEqual({ areas: [{ start: V + 0x2000n, end: V + 0x4000n, lazy: false }], lazyNr: 0 });
    expect(s.tlb.flatMap((t) => t.runs)).toEqual([]); // the hull covers the live area's page too
    expect(k.call({ call: 'purge_vmap_area_lazy' })).toEqual(none);
    expect(k.state().counters.flushes).toBe(1); // nothing lazy: no flush
  });

  it('is_vmalloc_addr is the range check [VMALLOC_START, VMALLOC_END)', () => {
    const k = kernel('x86_64');
    expect([V - 1n, V, 0xffffe8ffffffffffn, 0xffffe90000000000n].map((a) => k.isVmallocAddr(a))).toEqual([false, true, true, false]);
  });
});
