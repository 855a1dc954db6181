// Unit: the error paths of the vmalloc API (vmap.md §5, checking.md §3, api/calls.ts) on both
// sides, src/ and the model. A rejected call (EINVAL, ENOENT) and an EBUSY with nothing to purge
// leave the state exactly unchanged but for the step counter; an ENOMEM after the area exists
// leaves that area lazy (guard counted), its pages freed, and nothing else (vmap.md §5: "lazy-
// freed exactly as vfree would"). Every scenario runs on both sides with the same expectations
// (so the results agree), and then the two final states must be equal.
import { describe, it, expect } from 'vitest';
import type { AbstractState, Addr, Call, Errno, MachineConfig, Result, SutFactory, SystemUnderTest } from '../../api/index.js';
import { createKernel } from '../../src/index.js';
import { createModel } from '../../model/index.js';
import { configByName } from '../configs.js';

const SIDES: readonly [string, SutFactory][] = [
  ['impl', createKernel],
  ['model', createModel],
];
const PAGE = 4096n;
const X86 = configByName('x86_64');
const START = 0xffffc90000000000n; // x86_64 VMALLOC_START
const DEV = 0x400000000n; // x86_64 device memory: pfns [0x400000, 0x480000)
const TOY = configByName('toy24'); // vmalloc range [0x800000, 0xe00000), 4 KiB pages, RAM pfns [0x100, 0x400)
const TOY_START = 0x800000n;
const TOY_VMALLOC_BYTES = 0x600000n;
/** toy24 with MMIO at physical 0 (as on many SoCs): pfn 0 is a valid ioremap target */
const TOY_DEV0: MachineConfig = { ...TOY, name: 'toy24-dev0', devices: [{ start: 0, count: 0x100 }, ...TOY.devices] };

const NONE: Result = { ok: true, value: { kind: 'none' } };
const addr = (a: Addr): Result => ({ ok: true, value: { kind: 'addr', addr: a } });
const err = (e: Errno): Result => ({ ok: false, err: e });
const noStep = (s: AbstractState) => ({ ...s, step: 0 });

function addrOf(r: Result): Addr {
  if (!r.ok || r.value.kind !== 'addr') throw new Error(`expected an address, got ${JSON.stringify(r, (_, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v))}`);
  return r.value.addr;
}

/** c fails with e and the state is exactly as before, but for the step counter */
function unchanged(k: SystemUnderTest, c: Call, e: Errno): void {
  const before = noStep(k.state());
  expect(k.call(c)).toEqual(err(e));
  expect(noStep(k.state())).toEqual(before);
}

/**
 * c fails with ENOMEM after its area [va, va + pages) (guard included) was allocated: the area is
 * now lazy, vmap_lazy_nr grew by its pages, the armed fault fired; owners, leaves, tables,
 * mappings and everything else are as before (no page-table page was allocated before the
 * injected failure: on a fresh x86_64 nothing maps the vmalloc range yet, so the first counted
 * allocation of the mapping is its first table).
 */
function lazyAfterEnomem(k: SystemUnderTest, c: Call, va: Addr, pages: number): void {
  const before = noStep(k.state());
  expect(before.tables.filter((t) => t.va >= START && t.va < 0xffffe90000000000n)).toEqual([]);
  expect(k.call(c)).toEqual(err('ENOMEM'));
  expect(noStep(k.state())).toEqual({
    ...before,
    failAfter: null,
    vmap: { areas: [...before.vmap.areas, { start: va, end: va + BigInt(pages) * PAGE, lazy: true }], lazyNr: before.vmap.lazyNr + pages },
  });
}

const freePages = (s: AbstractState): number => s.owners.filter((r) => r.owner === 'free').reduce((n, r) => n + r.count, 0);

// ---------------------------------------------------------------- the scenarios, as data

interface Scenario {
  readonly title: string;
  readonly config: MachineConfig;
  /** the calls, each with its expectation derived from the spec */
  readonly run: (k: SystemUnderTest) => void;
}

const SCENARIOS: readonly Scenario[] = [
  {
    // a 0-byte ioremap is EINVAL even at an unaligned phys, where round_up(phys + 0) would still
    // span one page (api/calls.ts: kernel `if (!size) return NULL`); a negative size likewise
    title: 'ioremap of 0 or a negative number of bytes is EINVAL, also at an unaligned phys',
    config: X86,
    run: (k) => {
      unchanged(k, { call: 'ioremap', phys: DEV + 0x123n, bytes: 0n }, 'EINVAL');
      unchanged(k, { call: 'ioremap', phys: DEV + 0x123n, bytes: -1n }, 'EINVAL');
      unchanged(k, { call: 'ioremap', phys: DEV + 0x123n, bytes: -PAGE }, 'EINVAL');
    },
  },
  {
    // pfn 2^58: far past any physical address (and past what a pfn as a JS number holds exactly)
    title: 'ioremap of a phys beyond every physical address is EINVAL',
    config: X86,
    run: (k) => {
      unchanged(k, { call: 'ioremap', phys: 1n << 70n, bytes: PAGE }, 'EINVAL');
      unchanged(k, { call: 'ioremap', phys: (1n << 70n) + 0x123n, bytes: 1n << 40n }, 'EINVAL');
    },
  },
  {
    // tries: ioremap(0, 4096) where pfn 0 is device memory
    //   0x800000 |D G|   one page + guard at VMALLOC_START (VM_IOREMAP alignment of 4 KiB: 4 KiB)
    // expects: the address, phys=0x000000 in the listing, iounmap frees it
    title: 'ioremap of physical address 0 maps it when pfn 0 is device memory',
    config: TOY_DEV0,
    run: (k) => {
      expect(k.call({ call: 'ioremap', phys: 0n, bytes: PAGE })).toEqual(addr(TOY_START));
      expect(k.call({ call: 'vmallocinfo' })).toEqual({ ok: true, value: { kind: 'rows', rows: ['0x800000-0x802000 8192 ioremap phys=0x000000'] } });
      expect(k.call({ call: 'walk', va: TOY_START + 0x10n })).toEqual({ ok: true, value: { kind: 'walk', pfn: 0, level: 2 } });
      expect(k.call({ call: 'iounmap', addr: TOY_START })).toEqual(NONE);
    },
  },
  {
    // api/calls.ts: a count past 2^53 holds no exact number: malformed, EINVAL before anything
    // (the model once took vmap(2^53) to ENOMEM and armed fail_alloc(2^53))
    title: 'a count that is an integer but not a safe one is EINVAL: vmap, fail_alloc, map_pages',
    config: X86,
    run: (k) => {
      unchanged(k, { call: 'vmap', pages: 2 ** 53, flags: [] }, 'EINVAL');
      unchanged(k, { call: 'fail_alloc', after: 2 ** 53 }, 'EINVAL');
      unchanged(k, { call: 'fail_alloc', after: 2 ** 60 }, 'EINVAL');
      unchanged(k, { call: 'map_pages', va: START, pages: 2 ** 53 }, 'EINVAL');
    },
  },
  {
    // a physical address is unsigned (phys_addr_t): a negative one is bad input, even when
    // rounding it down would land on device memory at pfn 0 (found in review: the model once
    // mapped pfn 0 for ioremap(-1, 2) and returned an address below its own area)
    title: 'ioremap of a negative physical address is EINVAL, even with device memory at pfn 0',
    config: TOY_DEV0,
    run: (k) => {
      unchanged(k, { call: 'ioremap', phys: -1n, bytes: 2n }, 'EINVAL');
      unchanged(k, { call: 'ioremap', phys: -PAGE, bytes: 2n * PAGE }, 'EINVAL');
    },
  },
  {
    // picture (x86_64): |V G|. .|I I I G|  V = vmalloc(4096) at START, I = ioremap(DEV + 0x123,
    // 0x2000): 3 pages, 16 KiB aligned at START + 0x4000, returned as START + 0x4123; then a
    // vm_map_ram block somewhere above. iounmap wants exactly the address ioremap returned
    // (checking.md §3): everything else is EINVAL, nothing changes
    title: 'iounmap of an address outside the vmalloc space, of another kind, or of an interior page is EINVAL',
    config: X86,
    run: (k) => {
      expect(k.call({ call: 'vmalloc', bytes: PAGE })).toEqual(addr(START));
      expect(k.call({ call: 'ioremap', phys: DEV + 0x123n, bytes: 0x2000n })).toEqual(addr(START + 0x4123n));
      const ram = addrOf(k.call({ call: 'vm_map_ram', pages: 1, cpu: 0 }));
      unchanged(k, { call: 'iounmap', addr: 0xffff888000000000n }, 'EINVAL'); // the direct map
      unchanged(k, { call: 'iounmap', addr: START - PAGE + 0x123n }, 'EINVAL'); // just below VMALLOC_START
      unchanged(k, { call: 'iounmap', addr: START }, 'EINVAL'); // a vmalloc area's start
      unchanged(k, { call: 'iounmap', addr: ram }, 'EINVAL'); // a vm_map_ram block
      unchanged(k, { call: 'iounmap', addr: START + 0x5123n }, 'EINVAL'); // interior page, same in-page offset
      unchanged(k, { call: 'iounmap', addr: START + 0x7123n }, 'EINVAL'); // its guard page
      expect(k.call({ call: 'iounmap', addr: START + 0x4123n })).toEqual(NONE);
    },
  },
  {
    // vmap takes the caller pages first, never fault-injected: one page more than is free is
    // ENOMEM with the pages taken so far given back (vmap.md §5, calls.ts)
    title: 'vmap of more caller pages than RAM has free is ENOMEM and changes nothing',
    config: TOY,
    run: (k) => {
      unchanged(k, { call: 'vmap', pages: freePages(k.state()) + 1, flags: [] }, 'ENOMEM');
      unchanged(k, { call: 'vmap', pages: 0x10000, flags: [] }, 'ENOMEM');
    },
  },
  {
    // tries: get_vm_area of the whole toy24 vmalloc range (6 MiB - 4 KiB + the guard), then
    // vmap(1) and ioremap(1 page). No area fits; the purge-and-retry finds nothing lazy and no
    // block (vmap.md §2: nothing changed but what the purge did): EBUSY, vmap's caller page freed
    title: 'vmap and ioremap in a full vmalloc space are EBUSY and change nothing',
    config: TOY,
    run: (k) => {
      expect(k.call({ call: 'get_vm_area', bytes: TOY_VMALLOC_BYTES - PAGE, flags: [] })).toEqual(addr(TOY_START));
      unchanged(k, { call: 'vmap', pages: 1, flags: [] }, 'EBUSY');
      unchanged(k, { call: 'ioremap', phys: 0x1000000n, bytes: PAGE }, 'EBUSY');
    },
  },
  {
    // fail_alloc(0): the caller pages are not counted, the first page-table page is: vmap's
    // vmap_page_range fails after the area [START, START + 3 pages) exists
    title: 'vmap whose page-table allocation fails is ENOMEM: caller pages freed, the area lazy with its guard',
    config: X86,
    run: (k) => {
      expect(k.call({ call: 'fail_alloc', after: 0 })).toEqual(NONE);
      lazyAfterEnomem(k, { call: 'vmap', pages: 2, flags: [] }, START, 3);
      // the lazy range is not handed out again before a purge
      expect(k.call({ call: 'vmap', pages: 2, flags: [] })).toEqual(addr(START + 3n * PAGE));
    },
  },
  {
    // fail_alloc(2): vmalloc's two data pages succeed, the first page-table page fails
    title: 'vmalloc whose page-table allocation fails is ENOMEM: data pages freed, the area lazy with its guard',
    config: X86,
    run: (k) => {
      expect(k.call({ call: 'fail_alloc', after: 2 })).toEqual(NONE);
      lazyAfterEnomem(k, { call: 'vmalloc', bytes: 2n * PAGE }, START, 3);
    },
  },
  {
    // fail_alloc(0): ioremap allocates no pages, its vmap_range's first table fails
    title: 'ioremap whose page-table allocation fails is ENOMEM and leaves its area lazy',
    config: X86,
    run: (k) => {
      expect(k.call({ call: 'fail_alloc', after: 0 })).toEqual(NONE);
      lazyAfterEnomem(k, { call: 'ioremap', phys: DEV + 0x10n, bytes: 0x100n }, START, 2);
    },
  },
];

// each scenario on both sides with the same expectations, then the two final states compared
describe('vmalloc API error paths, on src/ and on the model', () => {
  it.each(SCENARIOS.map((s) => [s.title, s] as const))('%s', (_title, s) => {
    const sides = SIDES.map(([side, boot]) => {
      const k = boot(s.config);
      try {
        s.run(k);
      } catch (e) {
        if (e instanceof Error) e.message = `${side}: ${e.message}`;
        throw e;
      }
      return k;
    });
    expect(sides[0]!.state()).toEqual(sides[1]!.state());
  });
});
