// bugs: hot-plug traces for the vmemmap bugs. The harness's generator has no hot-plug subsystem
// yet (properties/gen: 'pagetable' and 'vmap'), so the vmemmap bugs are hunted with these traces
// through the harness's own runTrace (the Kernel facades forward the hot-plug calls; commuting
// square, every invariant) and reduceTrace. When properties/gen gets a 'vmemmap' subsystem, the
// driver uses it through checkProperty instead (driver.ts) and this file can go.
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import type { MachineConfig, Op } from '../api/index.js';
import { PRESETS } from '../api/index.js';

/**
 * Hot-plug traces over a grid of pfns just above boot RAM (three sections), so adds, removes and
 * touches meet: sub-section and whole-section adds (x86: whole sections get huge vmemmap
 * chunks), devices with small reserves (altmap padding) and free counts around the memmap size,
 * removals by raw pfn on the same grid, touches of struct pages, fault injection.
 */
export function hotplugTraceArb(config: MachineConfig, ops: number): Arbitrary<Op[]> {
  const p = PRESETS[config.preset];
  const ss = 2 ** (p.subsectionShift - p.pageShift);
  const sec = 2 ** (p.sectionSizeBits - p.pageShift);
  const perSec = sec / ss;
  const ramEnd = Math.max(...config.ram.banks.map((b) => b.start + b.count));
  const base = Math.ceil(ramEnd / sec) * sec;
  const ramStart = Math.min(...config.ram.banks.map((b) => b.start));
  const pfn = fc.oneof(
    { arbitrary: fc.constantFrom(0, 1, 2, perSec - 1, perSec, perSec + 1, 2 * perSec).map((k) => base + k * ss), weight: 4 },
    { arbitrary: fc.integer({ min: 0, max: 3 * perSec - 1 }).map((k) => base + k * ss), weight: 2 },
    { arbitrary: fc.constantFrom(base + 1, base - ss), weight: 1 },
  );
  const pages = fc.oneof(
    { arbitrary: fc.constantFrom(1, 2, 4, perSec, 2 * perSec).map((n) => n * ss), weight: 3 },
    { arbitrary: fc.integer({ min: 1, max: 2 * perSec }).map((n) => n * ss), weight: 1 },
  );
  const section = fc.tuple(fc.integer({ min: 0, max: 2 }), fc.constantFrom(1, 2)).map(([j, n]) => ({ pfn: base + j * sec, pages: n * sec }));
  const cpu = fc.constantFrom(...config.cpus.online);
  const memmapPages = Math.ceil((sec * 64) / 2 ** p.pageShift);
  const free = fc.constantFrom(0, 1, 16, 64, memmapPages - 1, memmapPages, 2 * memmapPages + 2, 4096);
  const device = (where: Arbitrary<{ pfn: number; pages: number }>): Arbitrary<Op> =>
    fc.tuple(where, fc.constantFrom(0, 1, 2, 3, 16), free).map(([w, reserve, f]): Op => ({
      op: 'add_device',
      pfn: w.pfn,
      pages: w.pages,
      reserve: Math.min(reserve, w.pages),
      free: Math.max(0, Math.min(f, w.pages - Math.min(reserve, w.pages))),
    }));
  const op: Arbitrary<Op> = fc.oneof(
    { arbitrary: fc.tuple(pfn, pages).map(([a, n]): Op => ({ op: 'add_memory', pfn: a, pages: n })), weight: 4 },
    { arbitrary: section.map((s): Op => ({ op: 'add_memory', pfn: s.pfn, pages: s.pages })), weight: 2 },
    { arbitrary: device(fc.tuple(pfn, pages).map(([a, n]) => ({ pfn: a, pages: n }))), weight: 2 },
    { arbitrary: device(section), weight: 2 },
    { arbitrary: fc.tuple(pfn, pages).map(([a, n]): Op => ({ op: 'remove', pfn: a, pages: n })), weight: 3 },
    { arbitrary: pfn.map((a): Op => ({ op: 'remove_device', pfn: a })), weight: 3 },
    {
      arbitrary: fc
        .tuple(fc.oneof(pfn, fc.integer({ min: ramStart, max: base + 3 * sec - 1 })), fc.integer({ min: 0, max: ss - 1 }), cpu)
        .map(([a, off, c]): Op => ({ op: 'touch_page', pfn: a + off, cpu: c })),
      weight: 2,
    },
    { arbitrary: fc.integer({ min: 0, max: 12 }).map((after): Op => ({ op: 'fail_alloc', after })), weight: 1 },
  );
  return fc.array(op, { minLength: Math.max(1, Math.floor(ops / 2)), maxLength: ops });
}
