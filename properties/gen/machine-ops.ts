// gen: machine-level ops (machine.md, checking.md §1): map_pages / map_device inside the
// configuration's windows, unmapping (sometimes cutting a huge leaf), walks, touches, flushes
// (including start >= end), populate, free_empty_tables, fault injection.
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import type { Op, OpName } from '../../api/index.js';
import type { AddrSpan, Geometry } from '../harness/geometry.js';
import { alignedIn, vaArb } from './addresses.js';
import { countArb, cpuArb, hexOf, pageIndexArb, pagesArb, refArb } from './sizes.js';
import { targetArb } from './targets.js';

export type OpArbs = Partial<Record<OpName, { readonly arb: Arbitrary<Op>; readonly weight: number }>>;

/** Any interesting address: in the windows, the vmalloc space, or the top page of the space. */
export function anyAddrArb(g: Geometry): Arbitrary<bigint> {
  const regions: AddrSpan[] = [...g.windows, ...g.vmallocRanges];
  return fc.oneof(
    { arbitrary: vaArb(g, regions, 1), weight: 8 },
    { arbitrary: fc.constantFrom(0n, g.top - g.pageSize, g.top - 1n, g.mainVmalloc.end - 1n), weight: 1 },
  );
}

/** [start, end) pairs over the windows: short ranges at boundaries, whole windows, start >= end, unaligned. */
function rangeArb(g: Geometry, regions: readonly AddrSpan[]): Arbitrary<[bigint, bigint]> {
  const ps = g.pageSize;
  const short = countArb(1024).chain((pages) =>
    vaArb(g, regions, pages).map((va): [bigint, bigint] => {
      const r = regions.find((x) => x.start <= va && va < x.end);
      const end = va + BigInt(pages) * ps;
      return [va, r && end > r.end ? r.end : end];
    }),
  );
  return fc.oneof(
    { arbitrary: short, weight: 8 },
    { arbitrary: fc.constantFrom(...regions).map((r): [bigint, bigint] => [r.start, r.end]), weight: 2 },
    { arbitrary: short.map(([s, e]): [bigint, bigint] => [e, s]), weight: 1 }, // start >= end
    { arbitrary: short.map(([s, e]): [bigint, bigint] => [s, s === e ? e : s]), weight: 1 }, // empty
    { arbitrary: short.map(([s, e]): [bigint, bigint] => [s + 1n, e]), weight: 1 }, // unaligned
  );
}

/** map_device: va and phys aligned to a leaf size (so huge leaves can be used), or plain pages. */
function mapDeviceArb(g: Geometry): Arbitrary<Op> {
  const ps = g.pageSize;
  const devices = g.config.devices.map((d) => ({ start: BigInt(d.start) * ps, end: BigInt(d.start + d.count) * ps }));
  const huge = g.preset.leafShifts
    .filter((s) => s > g.pageShift)
    .flatMap((s) => {
      const vas = g.windows.flatMap((w) => alignedIn(w, s));
      const phys = devices.flatMap((d) => alignedIn(d, s));
      if (vas.length === 0 || phys.length === 0) return [];
      const leaf = 1n << BigInt(s);
      return [
        fc
          .tuple(fc.constantFrom(...vas), fc.constantFrom(...phys), fc.integer({ min: 1, max: 2 }), fc.integer({ min: -2, max: 2 }))
          .map(([va, phys, n, extra]): Op => {
            const bytes = BigInt(n) * leaf + BigInt(extra) * ps;
            return { op: 'map_device', va: hexOf(va), phys: hexOf(phys), bytes: hexOf(bytes > 0n ? bytes : ps) };
          }),
      ];
    });
  const small = fc
    .tuple(countArb(600), fc.constantFrom(...devices), fc.integer({ min: 0, max: 2000 }))
    .chain(([pages, d, k]) =>
      vaArb(g, g.windows, pages).map((va): Op => {
        const phys = d.start + BigInt(k) * ps;
        return { op: 'map_device', va: hexOf(va), phys: hexOf(phys), bytes: Number(BigInt(pages) * ps) };
      }),
    );
  return huge.length > 0 ? fc.oneof({ arbitrary: small, weight: 2 }, { arbitrary: fc.oneof(...huge), weight: 3 }) : small;
}

/** unmap_range that starts one page into a huge leaf's span, to cut it (EINVAL). */
function cutHugeArb(g: Geometry): Arbitrary<Op> | null {
  const big = g.preset.leafShifts.filter((s) => s > g.pageShift);
  const starts = big.flatMap((s) => g.windows.flatMap((w) => alignedIn(w, s)));
  if (starts.length === 0) return null;
  return fc
    .tuple(fc.constantFrom(...starts), fc.integer({ min: 1, max: 3 }))
    .map(([s, n]): Op => ({ op: 'unmap_range', start: hexOf(s + g.pageSize), end: hexOf(s + BigInt(n + 1) * g.pageSize) }));
}

export function machineOpArbs(g: Geometry): OpArbs {
  const ps = g.pageSize;
  const maxMap = 2 * 2 ** (g.preset.levels[g.levels - 1]?.bits ?? 0) + 1;
  const mapPages = pagesArb(g, { max: Math.min(maxMap, 1025) }).chain((pages) =>
    vaArb(g, g.windows, pages).map((va): Op => ({ op: 'map_pages', va: hexOf(va), pages })),
  );
  const ranges = rangeArb(g, g.windows);
  const cut = cutHugeArb(g);
  const unmapRange: Arbitrary<Op> = ranges.map(([s, e]): Op => ({ op: 'unmap_range', start: hexOf(s), end: hexOf(e) }));
  const addr = anyAddrArb(g);
  const windowAddr = vaArb(g, g.windows, 1);
  return {
    map_pages: { arb: mapPages, weight: 10 },
    unmap_pages: { arb: targetArb(g, windowAddr).map((t): Op => ({ op: 'unmap_pages', ...t })), weight: 5 },
    map_device: { arb: mapDeviceArb(g), weight: 4 },
    unmap_range: { arb: cut ? fc.oneof({ arbitrary: unmapRange, weight: 3 }, { arbitrary: cut, weight: 1 }) : unmapRange, weight: 2 },
    walk: { arb: fc.tuple(refArb, pageIndexArb).map(([ref, page]): Op => ({ op: 'walk', ref, page })), weight: 3 },
    walk_addr: { arb: addr.map((a): Op => ({ op: 'walk_addr', addr: hexOf(a) })), weight: 1 },
    touch: {
      arb: fc.tuple(refArb, pageIndexArb, cpuArb(g)).map(([ref, page, cpu]): Op => ({ op: 'touch', ref, page, cpu })),
      weight: 6,
    },
    touch_addr: { arb: fc.tuple(addr, cpuArb(g)).map(([a, cpu]): Op => ({ op: 'touch_addr', addr: hexOf(a), cpu })), weight: 2 },
    flush: { arb: ranges.map(([s, e]): Op => ({ op: 'flush', start: hexOf(s), end: hexOf(e) })), weight: 2 },
    flush_all: { arb: fc.constant<Op>({ op: 'flush_all' }), weight: 1 },
    populate: {
      arb: fc
        .tuple(windowAddr, fc.oneof({ arbitrary: fc.integer({ min: 1, max: g.levels - 1 }), weight: 8 }, { arbitrary: fc.constantFrom(0, g.levels), weight: 1 }))
        .map(([va, level]): Op => ({ op: 'populate', va: hexOf(va - (va % ps)), level })),
      weight: 2,
    },
    free_empty_tables: {
      arb: ranges.map(([s, e]): Op => ({ op: 'free_empty_tables', start: hexOf(s), end: hexOf(e) })),
      weight: 2,
    },
    fail_alloc: { arb: fc.integer({ min: 0, max: 4 }).map((after): Op => ({ op: 'fail_alloc', after })), weight: 1 },
  };
}
