// Unit: random vmalloc-level call sequences keep src/vmap's structural self-check clean after
// every call — both red-black trees, subtree_max_size, free ∪ busy ∪ lazy = the vmalloc space
// exactly and disjoint — and vmap_lazy_nr at most lazy_max_pages() when a call returns.
// (Agreement with the model is the harness's job; this guards the structures themselves.)
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Kernel } from '../../src/index.js';
import { CONFIGS } from '../configs.js';
import type { Call } from '../../api/index.js';

const SEED = Number(process.env.VMCHECK_SEED ?? 424242);

const step = fc.oneof(
  fc.record({ t: fc.constant('vmalloc' as const), n: fc.integer({ min: 1, max: 70000 }) }),
  fc.record({ t: fc.constant('free' as const), n: fc.nat(), kind: fc.constantFrom('vfree', 'vunmap', 'free_vm_area', 'iounmap') }),
  fc.record({ t: fc.constant('vmap' as const), n: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ t: fc.constant('gva' as const), n: fc.integer({ min: 1, max: 300000 }), io: fc.boolean(), ng: fc.boolean() }),
  fc.record({ t: fc.constant('ioremap' as const), n: fc.integer({ min: 0, max: 0x3ff }), len: fc.integer({ min: 1, max: 80000 }) }),
  fc.record({ t: fc.constantFrom('purge' as const, 'reclaim' as const, 'info' as const) }),
  fc.record({ t: fc.constant('fail' as const), n: fc.integer({ min: 0, max: 5 }) }),
);

describe.each(CONFIGS.filter((c) => ['toy24', 'toy24-eager', 'x86_64-smalllazy-gaps', 'arm32'].includes(c.name)))(
  `vmap self-check on $name (seed ${SEED})`,
  (config) => {
    it('every call leaves the vmap trees sound and the lazy list drained below lazy_max_pages()', () => {
      fc.assert(
        fc.property(fc.array(step, { maxLength: 120 }), (steps) => {
          const k = new Kernel(config);
          const page = BigInt(k.machine.geometry.pageSize);
          const dev = config.devices[0]!;
          const live: bigint[] = [];
          for (const s of steps) {
            let c: Call;
            switch (s.t) {
              case 'vmalloc':
                c = { call: 'vmalloc', bytes: BigInt(s.n) };
                break;
              case 'free':
                c = { call: s.kind, addr: live.length ? live[s.n % live.length]! : 0n } as Call;
                break;
              case 'vmap':
                c = { call: 'vmap', pages: s.n, flags: [] };
                break;
              case 'gva':
                c = { call: 'get_vm_area', bytes: BigInt(s.n), flags: [...(s.io ? ['VM_IOREMAP' as const] : []), ...(s.ng ? ['VM_NO_GUARD' as const] : [])] };
                break;
              case 'ioremap':
                c = { call: 'ioremap', phys: BigInt(dev.start + (s.n % dev.count)) * page + 0x10n, bytes: BigInt(s.len) };
                break;
              case 'purge':
                c = { call: 'purge_vmap_area_lazy' };
                break;
              case 'reclaim':
                c = { call: 'reclaim_and_purge' };
                break;
              case 'info':
                c = { call: 'vmallocinfo' };
                break;
              case 'fail':
                c = { call: 'fail_alloc', after: s.n };
                break;
            }
            const r = k.call(c);
            if (r.ok && r.value.kind === 'addr') live.push(r.value.addr);
            expect(k.selfCheck()).toEqual([]);
            const st = k.state();
            const lazyPages = st.vmap.areas.filter((a) => a.lazy).reduce((n, a) => n + Number((a.end - a.start) / page), 0);
            expect(st.vmap.lazyNr).toBe(lazyPages);
            expect(st.vmap.lazyNr).toBeLessThanOrEqual(k.vmalloc.allocator.lazyMaxPages);
            expect(st.warnings).toEqual([]);
          }
        }),
        { seed: SEED, numRuns: 60 },
      );
    });
  },
);
