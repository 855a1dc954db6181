// gen: numbers biased toward boundaries (checking.md §5): 1 page, powers of two and their
// neighbours, VMAP_MAX_ALLOC and one more, a block, the largest leaf, table spans, region edges.
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import type { Hex } from '../../api/index.js';
import type { Geometry } from '../harness/geometry.js';

export function hexOf(a: bigint): Hex {
  return `0x${a.toString(16)}`;
}

/** A small count, mostly 1..8, sometimes a power of two or a neighbour of one up to `max`. */
export function countArb(max: number): Arbitrary<number> {
  const pow: number[] = [];
  for (let p = 1; p <= max; p *= 2) pow.push(p - 1, p, p + 1);
  const edges = [...new Set(pow.filter((x) => x >= 1 && x <= max))];
  return fc.oneof(
    { arbitrary: fc.integer({ min: 1, max: Math.min(8, max) }), weight: 6 },
    { arbitrary: fc.constantFrom(...edges), weight: 3 },
    { arbitrary: fc.integer({ min: 1, max }), weight: 1 },
  );
}

/** Page counts for map_pages/vmap/vm_map_ram: small, powers of two, table-sized (entries ± 1). */
export function pagesArb(g: Geometry, opts: { max: number }): Arbitrary<number> {
  const entries = 2 ** (g.preset.levels[g.levels - 1]?.bits ?? 0);
  const edges = [entries - 1, entries, entries + 1, g.vmapMaxAlloc, g.vmapMaxAlloc + 1, 2 * g.vmapMaxAlloc].filter(
    (x) => x >= 1 && x <= opts.max,
  );
  return fc.oneof(
    { arbitrary: countArb(Math.min(opts.max, 2 * g.vmapMaxAlloc)), weight: 8 },
    { arbitrary: edges.length > 0 ? fc.constantFrom(...edges) : fc.constant(1), weight: 2 },
  );
}

/** Byte sizes for vmalloc/get_vm_area/ioremap: unaligned ones too, 0 and "huge" rarely. */
export function bytesArb(g: Geometry, opts: { maxPages: number }): Arbitrary<number | Hex> {
  const ps = Number(g.pageSize);
  const edges = new Set<number>([1, ps - 1, ps, ps + 1, 2 * ps, 3 * ps - 1]);
  for (let p = ps; p <= opts.maxPages * ps; p *= 2) edges.add(p).add(p - 1).add(p + 1).add(p + ps);
  for (const n of [g.vmapMaxAlloc, g.vmapMaxAlloc + 1, g.vmapBbmapBits]) if (n <= opts.maxPages) edges.add(n * ps);
  const max = opts.maxPages * ps;
  const inRange = [...edges].filter((x) => x >= 1 && x <= max);
  const vmallocSize = g.mainVmalloc.end - g.mainVmalloc.start;
  const leaf = 1n << BigInt(g.maxLeafShift);
  return fc.oneof(
    { arbitrary: fc.integer({ min: 1, max: 8 }).map((n) => n * ps), weight: 8 },
    { arbitrary: fc.constantFrom(...inRange), weight: 4 },
    { arbitrary: fc.integer({ min: 1, max: Math.min(max, 64 * ps) }), weight: 2 },
    // bad input and far edges: zero, the largest leaf, more than the whole vmalloc space
    { arbitrary: fc.constantFrom<number | Hex>(0, hexOf(leaf), hexOf(vmallocSize + g.pageSize), hexOf(g.top - g.pageSize)), weight: 1 },
  );
}

/** A CPU number: an online one mostly; sometimes a possible-but-offline one or one past NR_CPUS. */
export function cpuArb(g: Geometry): Arbitrary<number> {
  const online = g.config.cpus.online;
  const offline = g.config.cpus.possible.filter((c) => !online.includes(c));
  const bad = [...offline, g.preset.nrCpus, Math.max(...g.config.cpus.possible) + 1];
  return fc.oneof({ arbitrary: fc.constantFrom(...online), weight: 12 }, { arbitrary: fc.constantFrom(...bad), weight: 1 });
}

/** A reference index: small, so that it usually names one of the first live handles. */
export const refArb: Arbitrary<number> = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 3 }), weight: 3 },
  { arbitrary: fc.integer({ min: 0, max: 40 }), weight: 1 },
);

/** A page index inside a mapping (taken modulo pages + guard by the harness). */
export const pageIndexArb: Arbitrary<number> = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 4 }), weight: 3 },
  { arbitrary: fc.integer({ min: 0, max: 1100 }), weight: 1 },
);
