// Unit: the vmalloc-level API of src/vmap (vmap.md §5, calls.ts, checking.md §3 error order) on
// fresh machines, through the Kernel facade. Expected values are worked out by hand in comments.
import { describe, it, expect } from 'vitest';
import { createKernel } from '../../src/index.js';
import { configByName } from '../configs.js';
import type { Call, MachineConfig, Result, SystemUnderTest } from '../../api/index.js';

const START = 0xffffc90000000000n; // x86_64 VMALLOC_START
const PAGE = 4096n;
const NONE: Result = { ok: true, value: { kind: 'none' } };

function addrOf(r: Result): bigint {
  if (!r.ok || r.value.kind !== 'addr') throw new Error(`expected an address, got ${JSON.stringify(r, (_, v) => (typeof v === 'bigint' ? v.toString(16) : v))}`);
  return r.value.addr;
}
const rows = (k: SystemUnderTest): readonly string[] => {
  const r = k.call({ call: 'vmallocinfo' });
  return r.ok && r.value.kind === 'rows' ? r.value.rows : [];
};
/** a rejected call leaves the abstract state unchanged except the step counter */
function expectRejected(k: SystemUnderTest, c: Call, err: string): void {
  const before = { ...k.state(), step: 0 };
  expect(k.call(c)).toEqual({ ok: false, err });
  expect({ ...k.state(), step: 0 }).toEqual(before);
}

describe('vfree and friends decide errors in the order of checking.md §3', () => {
  // picture: |VVV G|MM G|   V = vmalloc(3 pages), M = vmap(2 pages)
  it('EINVAL for unaligned, outside, interior, guard and wrong-kind addresses; ENOENT for dead ones', () => {
    const k = createKernel(configByName('x86_64'));
    const v = addrOf(k.call({ call: 'vmalloc', bytes: 3n * PAGE }));
    const m = addrOf(k.call({ call: 'vmap', pages: 2, flags: [] }));
    expect([v, m]).toEqual([START, START + 4n * PAGE]);
    expect(k.call({ call: 'vfree', addr: 0n })).toEqual(NONE);
    expectRejected(k, { call: 'vfree', addr: v + 1n }, 'EINVAL'); // unaligned
    expectRejected(k, { call: 'vfree', addr: 0xffff888000000000n }, 'EINVAL'); // the direct map
    expectRejected(k, { call: 'vfree', addr: v + PAGE }, 'EINVAL'); // interior
    expectRejected(k, { call: 'vfree', addr: v + 3n * PAGE }, 'EINVAL'); // its guard page
    expectRejected(k, { call: 'vfree', addr: m }, 'EINVAL'); // a vmap area
    expectRejected(k, { call: 'vunmap', addr: v }, 'EINVAL'); // a vmalloc area
    expectRejected(k, { call: 'free_vm_area', addr: v }, 'EINVAL');
    expectRejected(k, { call: 'vfree', addr: START + 100n * PAGE }, 'ENOENT'); // never allocated
    expect(k.call({ call: 'vfree', addr: v })).toEqual(NONE);
    expectRejected(k, { call: 'vfree', addr: v }, 'ENOENT'); // double free: the area is lazy
    expectRejected(k, { call: 'vfree', addr: v + PAGE }, 'ENOENT'); // inside a lazy area
    expect(k.selfCheck!()).toEqual([]);
  });
});

describe('vmalloc', () => {
  // tries: fail_alloc after 1, vmalloc(3 pages): page 0 ok, page 1 fails
  // expects: ENOMEM; page 0 back to free; the 4-page area (guard counted) is lazy
  it('a failed page allocation frees the pages taken so far and lazy-frees the area with its guard', () => {
    const k = createKernel(configByName('x86_64'));
    const owners0 = k.state().owners;
    k.call({ call: 'fail_alloc', after: 1 });
    expect(k.call({ call: 'vmalloc', bytes: 3n * PAGE })).toEqual({ ok: false, err: 'ENOMEM' });
    const s = k.state();
    expect(s.owners).toEqual(owners0);
    expect(s.vmap).toEqual({ areas: [{ start: START, end: START + 4n * PAGE, lazy: true }], lazyNr: 4 });
    expect(s.mappings).toEqual([]);
    expect(rows(k)).toEqual(['0xffffc90000000000-0xffffc90000004000 16384 unpurged vm_area']);
    // the lazy range is not reused: the next area comes after it
    expect(addrOf(k.call({ call: 'vmalloc', bytes: PAGE }))).toBe(START + 4n * PAGE);
  });

  it('a size of 0 is EINVAL and a size larger than the vmalloc space is EINVAL, both without state change', () => {
    const k = createKernel(configByName('x86_64'));
    expectRejected(k, { call: 'vmalloc', bytes: 0n }, 'EINVAL');
    // 32 TiB is the whole range; with the guard page it no longer fits
    expectRejected(k, { call: 'vmalloc', bytes: 0xffffe90000000000n - START }, 'EINVAL');
  });

  it('the eager configuration purges at the end of the call that lazy-freed an area', () => {
    const k = createKernel(configByName('x86_64-eager'));
    const v = addrOf(k.call({ call: 'vmalloc', bytes: 2n * PAGE }));
    const f0 = k.state().counters.flushes;
    k.call({ call: 'vfree', addr: v });
    const s = k.state();
    expect(s.vmap).toEqual({ areas: [], lazyNr: 0 });
    expect(s.counters.flushes).toBe(f0 + 1);
    expect(s.counters.flushedPages).toBe(3);
  });
});

describe('vmap / vunmap', () => {
  it('vmap maps caller pages behind a guard page, vunmap frees them; any flag is EINVAL', () => {
    const k = createKernel(configByName('x86_64'));
    expectRejected(k, { call: 'vmap', pages: 2, flags: ['VM_NO_GUARD'] }, 'EINVAL');
    expectRejected(k, { call: 'vmap', pages: 0, flags: [] }, 'EINVAL');
    const owners0 = k.state().owners;
    const m = addrOf(k.call({ call: 'vmap', pages: 2, flags: [] }));
    expect(k.state().mappings).toEqual([{ kind: 'vmap', va: m, pages: 2, guard: 1 }]);
    expect(k.call({ call: 'find_vm_area', addr: m + PAGE })).toEqual({
      ok: true,
      value: { kind: 'vm', vm: { addr: m, size: 3n * PAGE, kind: 'vmap', nrPages: 0 } },
    });
    expect(k.call({ call: 'vunmap', addr: m })).toEqual(NONE);
    const s = k.state();
    expect(s.mappings).toEqual([]);
    // caller pages are free again; page-table pages allocated for the mapping stay
    expect(s.owners.filter((r) => r.owner === 'caller')).toEqual([]);
    expect(s.owners.filter((r) => r.owner === 'reserved')).toEqual(owners0.filter((r) => r.owner === 'reserved'));
    // only the boot memmap stays mapped (by hand, vmemmap.md §4: RAM 0..0x4000 needs 1 MiB of
    // struct pages = 256 base pages at 0xffffea0000000000, backed by 0x103.. after its 3 tables)
    expect(s.leaves).toEqual([{ va: 0xffffea0000000000n, pages: 256, pfn: 0x103, level: 3 }]);
  });
});

describe('ioremap / iounmap', () => {
  // tries: ioremap(0x400000123, 0x2000) (device pfns from 0x400000 = 16 GiB): pfns [0x400000, 0x400003) = 3 pages, 12 KiB -> VM_IOREMAP
  // alignment 1 << ceil(log2(12288)) = 16 KiB; area 3 pages + guard at VMALLOC_START
  // expects: the address keeps the in-page offset 0x123; the listing shows phys= the page start
  it('keeps the offset of phys, lists phys=, and iounmap wants exactly the returned address', () => {
    const k = createKernel(configByName('x86_64'));
    const io = addrOf(k.call({ call: 'ioremap', phys: 0x400000123n, bytes: 0x2000n }));
    expect(io).toBe(START + 0x123n);
    expect(rows(k)).toEqual(['0xffffc90000000000-0xffffc90000004000 16384 ioremap phys=0x0000000400000000']);
    expect(k.call({ call: 'walk', va: START + 2n * PAGE })).toEqual({ ok: true, value: { kind: 'walk', pfn: 0x400002, level: 3 } });
    expectRejected(k, { call: 'iounmap', addr: START }, 'EINVAL'); // not the returned address
    expectRejected(k, { call: 'vfree', addr: START }, 'EINVAL'); // another kind
    expect(k.call({ call: 'iounmap', addr: io })).toEqual(NONE);
    expectRejected(k, { call: 'iounmap', addr: io }, 'ENOENT');
  });

  it('ioremap of RAM, of a hole, of a span leaving the device range, or of 0 bytes is EINVAL', () => {
    const k = createKernel(configByName('x86_64'));
    expectRejected(k, { call: 'ioremap', phys: 0x200000n, bytes: PAGE }, 'EINVAL'); // RAM
    expectRejected(k, { call: 'ioremap', phys: 0x80000000n, bytes: PAGE }, 'EINVAL'); // a hole
    expectRejected(k, { call: 'ioremap', phys: 0x47ffff000n, bytes: 2n * PAGE }, 'EINVAL'); // past the device end (0x480000000)
    expectRejected(k, { call: 'ioremap', phys: 0x400000000n, bytes: 0n }, 'EINVAL');
  });

  // tries: vmalloc(1 page) at VMALLOC_START (2 pages with guard), then ioremap of 2 MiB of device
  // expects: VM_IOREMAP alignment 2 MiB puts it at VMALLOC_START + 2 MiB, mapped by one pmd leaf
  it('a 2 MiB ioremap is 2 MiB aligned and mapped with a huge pmd leaf', () => {
    const k = createKernel(configByName('x86_64'));
    addrOf(k.call({ call: 'vmalloc', bytes: PAGE }));
    const io = addrOf(k.call({ call: 'ioremap', phys: 0x400200000n, bytes: 0x200000n }));
    expect(io).toBe(START + 0x200000n);
    expect(k.call({ call: 'walk', va: io + 5n * PAGE })).toEqual({ ok: true, value: { kind: 'walk', pfn: 0x400205, level: 2 } });
    expect(k.call({ call: 'iounmap', addr: io })).toEqual(NONE);
    expect(k.call({ call: 'walk', va: io })).toEqual({ ok: true, value: { kind: 'walk', pfn: null, level: null } });
  });
});

describe('get_vm_area, free_vm_area, find_vm_area', () => {
  it('__get_vm_area allocates inside [start, end) and rejects ranges outside the main range', () => {
    const k = createKernel(configByName('x86_64'));
    const lo = START + 0x100000n;
    expect(addrOf(k.call({ call: 'get_vm_area', bytes: PAGE, flags: [], start: lo, end: lo + 0x10000n }))).toBe(lo);
    expectRejected(k, { call: 'get_vm_area', bytes: PAGE, flags: [], start: START - PAGE, end: lo }, 'EINVAL');
    // 16 pages + guard do not fit in 16 pages
    expectRejected(k, { call: 'get_vm_area', bytes: 16n * PAGE, flags: [], start: lo, end: lo + 16n * PAGE }, 'EINVAL');
    // VM_NO_GUARD: exactly 16 pages fit; the first page is taken, so the range is full: EBUSY
    expect(k.call({ call: 'get_vm_area', bytes: 16n * PAGE, flags: ['VM_NO_GUARD'], start: lo, end: lo + 16n * PAGE })).toEqual({ ok: false, err: 'EBUSY' });
    expect(k.selfCheck!()).toEqual([]);
  });

  it('find_vm_area sees the guard page of a vm_struct, and free_vm_area releases a get_vm_area area', () => {
    const k = createKernel(configByName('x86_64'));
    const v = addrOf(k.call({ call: 'vmalloc', bytes: 2n * PAGE }));
    const a = addrOf(k.call({ call: 'get_vm_area', bytes: 5000n, flags: ['VM_IOREMAP'] }));
    // 5000 bytes -> 2 pages, 8 KiB: VM_IOREMAP alignment 8 KiB; 3 + 1 pages after the first area's 3
    expect(a).toBe(START + 4n * PAGE);
    expect(k.call({ call: 'find_vm_area', addr: v + 2n * PAGE })).toEqual({
      ok: true,
      value: { kind: 'vm', vm: { addr: v, size: 3n * PAGE, kind: 'vmalloc', nrPages: 2 } },
    });
    expect(k.call({ call: 'find_vm_area', addr: START + 3n * PAGE })).toEqual({ ok: true, value: { kind: 'vm', vm: null } });
    expect(rows(k)).toEqual([
      '0xffffc90000000000-0xffffc90000003000 12288 vmalloc pages=2',
      '0xffffc90000004000-0xffffc90000007000 12288 vm_area',
    ]);
    expect(k.call({ call: 'free_vm_area', addr: a })).toEqual(NONE);
    expect(k.call({ call: 'find_vm_area', addr: a })).toEqual({ ok: true, value: { kind: 'vm', vm: null } });
    expect(k.call({ call: 'purge_vmap_area_lazy' })).toEqual(NONE);
    expect(k.state().vmap.areas).toEqual([{ start: v, end: v + 3n * PAGE, lazy: false }]);
  });
});

describe('several vmalloc ranges (arm32 with a hole, examples.md E5)', () => {
  // E5 layout: hole range [0xc8000000, 0xce000000) (96 MiB) below the main range from 0xd0800000
  const e5: MachineConfig = {
    ...configByName('arm32'),
    name: 'arm32-e5',
    ram: {
      banks: [
        { start: 0x80000, count: 0x8000 },
        { start: 0x8e000, count: 0x2000 },
      ],
      kernel: { start: 0x80008, count: 0x800 },
      rootPt: 0x80004,
    },
    windows: [{ start: '0xffe00000', end: '0x100000000' }],
  };

  it('tries the hole range first, and a size only the main range can hold goes there', () => {
    const k = createKernel(e5);
    expect(addrOf(k.call({ call: 'get_vm_area', bytes: PAGE, flags: [] }))).toBe(0xc8000000n);
    expect(addrOf(k.call({ call: 'get_vm_area', bytes: 100n << 20n, flags: [] }))).toBe(0xd0800000n);
    expect(rows(k)[1]).toBe('0xd0800000-0xd6c01000 104861696 vm_area');
    expect(k.selfCheck!()).toEqual([]);
  });
});
