// gen: vmap-level ops (vmap.md, vmap-blocks.md): vmalloc/vfree, vmap/vunmap, get_vm_area
// (VM_NO_GUARD, VM_IOREMAP, explicit start/end), ioremap/iounmap, find_vm_area, vmallocinfo,
// purges, vm_map_ram/vm_unmap_ram/vm_unmap_aliases — with bad input mixed in: zero and huge
// sizes, double frees, wrong kinds, interior and unaligned addresses, wrong counts. Two biases
// reach states a uniform mix does not: a streaming CPU whose vm_map_ram batches fill blocks, and
// __get_vm_area at the edges of the vmalloc space (its end; past a lower range).
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import type { Op, VmFlag } from '../../api/index.js';
import type { Geometry } from '../harness/geometry.js';
import { vaArb } from './addresses.js';
import type { OpArbs } from './machine-ops.js';
import { anyAddrArb } from './machine-ops.js';
import { bytesArb, countArb, cpuArb, hexOf, pagesArb, refArb } from './sizes.js';
import { targetArb } from './targets.js';

const flagsArb: Arbitrary<VmFlag[]> = fc.oneof(
  { arbitrary: fc.constant<VmFlag[]>([]), weight: 6 },
  { arbitrary: fc.constant<VmFlag[]>(['VM_NO_GUARD']), weight: 2 },
  { arbitrary: fc.constant<VmFlag[]>(['VM_IOREMAP']), weight: 2 },
  { arbitrary: fc.constant<VmFlag[]>(['VM_NO_GUARD', 'VM_IOREMAP']), weight: 1 },
);

function alignUpTo(x: bigint, a: bigint): bigint {
  return ((x + a - 1n) / a) * a;
}

/** ioremap: phys inside a device range (sometimes unaligned, crossing its end, or RAM). */
function ioremapArb(g: Geometry): Arbitrary<Op> {
  const ps = g.pageSize;
  const dev = g.config.devices.map((d) => ({ start: BigInt(d.start) * ps, end: BigInt(d.start + d.count) * ps }));
  const ram = g.config.ram.banks.map((b) => BigInt(b.start) * ps);
  const maxPages = Math.min(2 ** (g.preset.ioremapMaxOrder - g.pageShift) + 2, 1100);
  const inDevice = fc
    .tuple(fc.constantFrom(...dev), fc.integer({ min: 0, max: 4000 }), fc.integer({ min: 0, max: Number(ps) - 1 }), fc.boolean(), bytesArb(g, { maxPages }))
    .map(([d, k, off, aligned, bytes]): Op => {
      // a far-edge size (the largest leaf, or more) goes to a leaf-aligned phys: the huge-leaf
      // case it is there for (or a cheap rejection past the device), never a gigabyte of base
      // pages the model would map one by one
      if (BigInt(bytes) > BigInt(maxPages) * ps) return { op: 'ioremap', phys: hexOf(alignUpTo(d.start, 1n << BigInt(g.maxLeafShift))), bytes };
      const phys = d.start + BigInt(k) * ps + (aligned ? 0n : BigInt(off));
      return { op: 'ioremap', phys: hexOf(phys < d.end ? phys : d.start), bytes };
    });
  const atDeviceEnd = fc
    .tuple(fc.constantFrom(...dev), countArb(8))
    .map(([d, n]): Op => ({ op: 'ioremap', phys: hexOf(d.end - BigInt(n) * ps), bytes: Number(BigInt(n + 1) * ps) }));
  const inRam = fc
    .tuple(fc.constantFrom(...ram), countArb(4))
    .map(([p, n]): Op => ({ op: 'ioremap', phys: hexOf(p), bytes: Number(BigInt(n) * ps) }));
  return fc.oneof({ arbitrary: inDevice, weight: 8 }, { arbitrary: atDeviceEnd, weight: 1 }, { arbitrary: inRam, weight: 1 });
}

/**
 * __get_vm_area with an explicit [start, end): inside the main range mostly, or bad; sometimes
 * only one bound (the other is VMALLOC_START or VMALLOC_END, api/calls.ts).
 */
function explicitRangeArb(g: Geometry): Arbitrary<{ start?: bigint; end?: bigint }> {
  const main = g.mainVmalloc;
  const ps = g.pageSize;
  return fc
    .tuple(vaArb(g, [main], 1), countArb(2 * g.vmapBbmapBits), fc.integer({ min: 0, max: 9 }))
    .map(([s, n, bad]) => {
      const e = s + BigInt(n) * ps;
      if (bad === 0) return { start: e, end: s }; // start >= end
      if (bad === 1) return { start: s, end: main.end + g.blockSize }; // past VMALLOC_END
      if (bad === 2) return { start: s }; // [s, VMALLOC_END)
      if (bad === 3) return { end: e > main.end ? main.end : e }; // [VMALLOC_START, e)
      return { start: s, end: e > main.end ? main.end : e };
    });
}

/**
 * __get_vm_area at the edges of the vmalloc space (checking.md §5: region edges). A range at the
 * very end of the main range that the area fills exactly (guard page included, or VM_NO_GUARD),
 * so it ends at VMALLOC_END — or, when the end is taken already, fails there. And, with several
 * ranges (arm32 with holes), a size that no lower range can hold: the range's own size, one page
 * short once the guard is added, so the search over the ranges (vmap.md §5) moves on to a later one.
 */
function vmallocEdgeArb(g: Geometry): Arbitrary<Op> {
  const ps = g.pageSize;
  const main = g.mainVmalloc;
  const atEnd = fc.tuple(countArb(64), fc.boolean()).map(([n, noGuard]): Op => {
    const guardless = noGuard || n === 1;
    return {
      op: 'get_vm_area',
      bytes: hexOf(BigInt(guardless ? n : n - 1) * ps),
      ...(guardless ? { flags: ['VM_NO_GUARD'] as VmFlag[] } : {}),
      start: hexOf(main.end - BigInt(n) * ps),
      end: hexOf(main.end),
    };
  });
  const lower = g.vmallocRanges.filter((r) => r !== main && r.end - r.start < main.end - main.start);
  if (lower.length === 0) return atEnd;
  const pastRange = fc.constantFrom(...lower).map((r): Op => ({ op: 'get_vm_area', bytes: hexOf(r.end - r.start) }));
  return fc.oneof(atEnd, pastRange);
}

/**
 * The streaming CPU: the first online CPU maps batches of VMAP_MAX_ALLOC / 2 + 1 pages (a count
 * just past a power of two, which vb_alloc rounds up to a whole VMAP_MAX_ALLOC of block space for
 * half the caller pages), like a file system doing readahead. A block holds VMAP_BBMAP_BITS pages
 * (1024 on x86_64, 16 requests of the largest size) and only its own CPU allocates from it
 * (vmap-blocks.md §4); with every CPU taking every size, a block almost never fills in a few
 * hundred ops — one stray small request leaves a remainder that only more small requests can
 * use. So the other vm_map_ram requests go to the other online CPUs (and to bad CPUs), and this
 * one's blocks fill in a good share of traces on every preset.
 */
const STREAM_WEIGHT = 7;

function streamCpu(g: Geometry): number {
  return g.config.cpus.online[0] ?? 0;
}

function streamArb(g: Geometry): Arbitrary<Op> {
  return fc.constant<Op>({ op: 'vm_map_ram', pages: Math.floor(g.vmapMaxAlloc / 2) + 1, cpu: streamCpu(g) });
}

/** The CPU of every other vm_map_ram request: an online CPU but the streaming one (if there is another), sometimes a bad one. */
function otherCpuArb(g: Geometry): Arbitrary<number> {
  const rest = g.config.cpus.online.filter((c) => c !== streamCpu(g));
  if (rest.length === 0) return cpuArb(g);
  return fc.oneof({ arbitrary: fc.constantFrom(...rest), weight: 12 }, { arbitrary: cpuArb(g), weight: 1 });
}

export function vmapOpArbs(g: Geometry): OpArbs {
  const vmallocAddr = vaArb(g, g.vmallocRanges, 1);
  const target = targetArb(g, vmallocAddr);
  const maxPages = Math.min(4 * g.vmapBbmapBits, 4096);
  const bytes = bytesArb(g, { maxPages });
  const getVmArea: Arbitrary<Op> = fc
    .tuple(bytes, flagsArb, fc.oneof({ arbitrary: fc.constant(null), weight: 4 }, { arbitrary: explicitRangeArb(g), weight: 1 }))
    .map(([b, flags, r]): Op => ({
      op: 'get_vm_area',
      bytes: b,
      ...(flags.length > 0 ? { flags } : {}),
      ...(r?.start !== undefined ? { start: hexOf(r.start) } : {}),
      ...(r?.end !== undefined ? { end: hexOf(r.end) } : {}),
    }));
  const getVmAreaAll = fc.oneof({ arbitrary: getVmArea, weight: 4 }, { arbitrary: vmallocEdgeArb(g), weight: 1 });
  const vmRamPages = fc.oneof(
    { arbitrary: pagesArb(g, { max: g.vmapMaxAlloc }), weight: 10 },
    { arbitrary: fc.constantFrom(g.vmapMaxAlloc + 1, 2 * g.vmapMaxAlloc), weight: 2 },
    { arbitrary: fc.constant(0), weight: 1 },
  );
  return {
    vmalloc: { arb: bytes.map((b): Op => ({ op: 'vmalloc', bytes: b })), weight: 10 },
    vfree: { arb: target.map((t): Op => ({ op: 'vfree', ...t })), weight: 6 },
    vmap: {
      arb: fc
        .tuple(pagesArb(g, { max: 2 * g.vmapMaxAlloc + 2 }), fc.oneof({ arbitrary: fc.constant<VmFlag[]>([]), weight: 12 }, { arbitrary: flagsArb, weight: 1 }))
        .map(([pages, flags]): Op => ({ op: 'vmap', pages, ...(flags.length > 0 ? { flags } : {}) })),
      weight: 4,
    },
    vunmap: { arb: target.map((t): Op => ({ op: 'vunmap', ...t })), weight: 3 },
    get_vm_area: { arb: getVmAreaAll, weight: 4 },
    free_vm_area: { arb: target.map((t): Op => ({ op: 'free_vm_area', ...t })), weight: 3 },
    ioremap: { arb: ioremapArb(g), weight: 4 },
    iounmap: { arb: target.map((t): Op => ({ op: 'iounmap', ...t })), weight: 3 },
    find_vm_area: {
      arb: fc.tuple(refArb, fc.integer({ min: 0, max: 70 })).map(([ref, page]): Op => ({ op: 'find_vm_area', ref, page })),
      weight: 2,
    },
    find_vm_area_addr: { arb: anyAddrArb(g).map((a): Op => ({ op: 'find_vm_area_addr', addr: hexOf(a) })), weight: 1 },
    vmallocinfo: { arb: fc.constant<Op>({ op: 'vmallocinfo' }), weight: 1 },
    purge_vmap_area_lazy: { arb: fc.constant<Op>({ op: 'purge_vmap_area_lazy' }), weight: 1 },
    reclaim_and_purge: { arb: fc.constant<Op>({ op: 'reclaim_and_purge' }), weight: 1 },
    vm_map_ram: {
      arb: fc.oneof(
        { arbitrary: fc.tuple(vmRamPages, otherCpuArb(g)).map(([pages, cpu]): Op => ({ op: 'vm_map_ram', pages, cpu })), weight: 10 },
        { arbitrary: streamArb(g), weight: STREAM_WEIGHT },
      ),
      weight: 10 + STREAM_WEIGHT,
    },
    vm_unmap_ram: {
      arb: fc
        .tuple(target, fc.oneof({ arbitrary: fc.constant(null), weight: 10 }, { arbitrary: fc.integer({ min: 0, max: g.vmapMaxAlloc + 1 }), weight: 1 }))
        .map(([t, count]): Op => ({ op: 'vm_unmap_ram', ...t, ...(count === null ? {} : { count }) })),
      weight: 8,
    },
    vm_unmap_aliases: { arb: fc.constant<Op>({ op: 'vm_unmap_aliases' }), weight: 2 },
  };
}
