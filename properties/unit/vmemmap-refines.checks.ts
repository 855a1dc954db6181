// The vmemmap refinement property's checks, one per configuration (vmemmap-refines.test.ts
// asserts them with its seed and budget; the mutation profile, properties/mutation/
// vmemmap.mut.test.ts, with its own).
//
// On random hot-plug traces (with fault injection), the optimized vmemmap (src) and
// the model agree call by call — results and the whole abstract state — and both states satisfy
// vmemmap-backed and altmap-accounting; a removal leaves every vmemmap unit outside the
// removed memmap mapped exactly as before. Until the harness drives hot-plug ops through the
// Kernel facades, this is the commuting square of the vmemmap on its own.
import { expect } from 'vitest';
import fc from 'fast-check';
import type { AbstractState, MachineConfig, PfnRange } from '../../api/index.js';
import { PRESETS } from '../../api/index.js';
import { configByName } from '../configs.js';
import { altmapAccounting } from '../invariants/altmap-accounting.js';
import { vmemmapBacked, vmemmapGeo, vmemmapUnits } from '../invariants/vmemmap-backed.js';
import { ctxOf, derive, modelSide, srcSide, type HotplugCall } from './vmemmap-fixture.js';
import type { SeededCheck } from '../harness/settings.js';


const CONFIGS: MachineConfig[] = [
  derive('x86_64', { devices: [] }),
  { ...derive('x86_64', { devices: [] }), name: 'x86_64-fallback', vmemmapFallback: true },
  configByName('x86_64-la57'),
  configByName('arm64-64k'),
  { ...configByName('arm64-64k'), name: 'arm64-64k-fallback', vmemmapFallback: true },
  configByName('toy24'),
];

/** A removal or touch naming live memory by reference (k-th live run or device), resolved at run time. */
type RefOp =
  | { readonly ref: 'remove'; readonly k: number; readonly skip: number; readonly take: number }
  | { readonly ref: 'remove_device'; readonly k: number }
  | { readonly ref: 'touch_page'; readonly k: number; readonly at: number; readonly cpu: number };
type TraceOp = HotplugCall | RefOp;

function resolve(op: TraceOp, s: AbstractState, ss: number): HotplugCall | null {
  if ('call' in op) return op;
  const present = s.vmemmap?.present ?? [];
  if (op.ref === 'remove_device') {
    const alts = s.vmemmap?.altmaps ?? [];
    const a = alts[op.k % Math.max(1, alts.length)];
    return a ? { call: 'remove_device', pfn: a.basePfn } : null;
  }
  const runs = op.ref === 'remove' ? present.filter((r) => r.kind === 'ram') : present;
  const r = runs[op.k % Math.max(1, runs.length)];
  if (!r) return null;
  const n = r.count / ss;
  if (op.ref === 'touch_page') return { call: 'touch_page', pfn: r.pfn + (op.at % r.count), cpu: op.cpu };
  const skip = op.skip % n;
  return { call: 'remove', pfn: r.pfn + skip * ss, pages: (1 + (op.take % (n - skip))) * ss };
}

/** Calls over a grid of pfns just above boot RAM (a few sections), so adds and removes meet. */
function callArb(config: MachineConfig): fc.Arbitrary<TraceOp> {
  const p = PRESETS[config.preset];
  const ss = 2 ** (p.subsectionShift - p.pageShift);
  const sec = 2 ** (p.sectionSizeBits - p.pageShift);
  const ramEnd = Math.max(...config.ram.banks.map((b: PfnRange) => b.start + b.count));
  const base = Math.ceil(ramEnd / sec) * sec;
  const perSec = sec / ss;
  const pfn = fc.oneof(
    fc.constantFrom(0, 1, 2, 31, 32, perSec - 1, perSec, perSec + 1, 2 * perSec - 1).map((k) => base + k * ss),
    fc.integer({ min: 0, max: 3 * perSec }).map((k) => base + k * ss),
    fc.constantFrom(base + 1, Math.max(0, base - ss)), // unaligned; the last boot sub-section
  );
  const pages = fc.oneof(fc.constantFrom(1, 2, 32, perSec, perSec, 2 * perSec).map((n) => n * ss), fc.integer({ min: 1, max: 2 * perSec }).map((n) => n * ss));
  const cpu = fc.constantFrom(...config.cpus.online, 99);
  const nat = fc.nat({ max: 1 << 20 });
  const w = (arbitrary: fc.Arbitrary<TraceOp>, weight: number) => ({ arbitrary, weight });
  return fc.oneof(
    w(fc.record({ call: fc.constant('add_memory' as const), pfn, pages }), 4),
    // whole sections at section boundaries (x86: huge chunks), to be cut by removals
    w(fc.record({ call: fc.constant('add_memory' as const), pfn: fc.integer({ min: 0, max: 2 }).map((j) => base + j * sec), pages: fc.constantFrom(sec, 2 * sec) }), 2),
    w(fc.record({ ref: fc.constant('remove' as const), k: nat, skip: fc.oneof(fc.constant(0), nat), take: nat }), 3),
    w(fc.record({ ref: fc.constant('remove_device' as const), k: nat }), 3),
    w(fc.record({ ref: fc.constant('touch_page' as const), k: nat, at: nat, cpu: fc.constantFrom(...config.cpus.online) }), 2),
    w(
      fc
        .record({ pfn, pages, reserve: fc.constantFrom(0, 1, 2), free: fc.constantFrom(0, 1, 16, 512, 1024, 2048, 4096) })
        .map((r) => ({ call: 'add_device' as const, ...r, free: Math.min(r.free, r.pages - r.reserve) })),
      3,
    ),
    w(fc.record({ call: fc.constant('remove' as const), pfn, pages }), 1),
    w(fc.record({ call: fc.constant('remove_device' as const), pfn }), 1),
    w(fc.record({ call: fc.constant('touch_page' as const), pfn, cpu }), 1),
    w(fc.record({ call: fc.constant('fail_alloc' as const), after: fc.integer({ min: 0, max: 12 }) }), 1),
  );
}

/** Units before a removal that lie outside the removed memmap (widened to units meeting it) must be unchanged. */
function unitsOutsideKept(before: AbstractState, after: AbstractState, config: MachineConfig, start: number, count: number): string | null {
  const ctx = ctxOf(config);
  const v = vmemmapGeo(ctx)!;
  const ps = ctx.geo.pageSize;
  let lo = v.start + BigInt(start - v.basePfn) * 64n;
  let hi = v.start + BigInt(start + count - v.basePfn) * 64n;
  lo -= lo % ps;
  hi = ((hi + ps - 1n) / ps) * ps;
  const was = vmemmapUnits(before, ctx, v);
  for (const u of was) {
    const end = u.va + BigInt(u.pages) * ps;
    if (u.va < hi && lo < end) [lo, hi] = [u.va < lo ? u.va : lo, end > hi ? end : hi];
  }
  const now = new Map(vmemmapUnits(after, ctx, v).map((u) => [u.va, u]));
  for (const u of was) {
    if (u.va >= lo && u.va < hi) continue;
    const n = now.get(u.va);
    if (!n || n.pfn !== u.pfn || n.pages !== u.pages) return `vmemmap unit ${u.va.toString(16)} outside the removed range changed`;
  }
  return null;
}

export const VMEMMAP_REFINES_CHECKS: readonly SeededCheck[] = CONFIGS.map((config) => ({
  name: `${config.name}: results and states agree, both sides keep vmemmap-backed and altmap-accounting, removals are local`,
  numRuns: (runs) => runs,
  property: () =>
    fc.property(fc.array(callArb(config), { minLength: 1, maxLength: 14 }), (calls) => {
      const impl = srcSide(config);
      const model = modelSide(config);
      const ctx = ctxOf(config);
      expect(impl.state()).toEqual(model.state());
      const ss = 2 ** (PRESETS[config.preset].subsectionShift - PRESETS[config.preset].pageShift);
      for (const [i, op] of calls.entries()) {
        const before = impl.state();
        const c = resolve(op, before, ss);
        if (!c) continue;
        const rm = model.call(c);
        const ri = impl.call(c);
        expect(ri, `step ${i} ${JSON.stringify(c)}: result`).toEqual(rm);
        const s = impl.state();
        expect(s, `step ${i} ${JSON.stringify(c)}: state`).toEqual(model.state());
        // a device removed while its altmap page still holds a neighbour's memmap warns by
        // the spec (see vmemmap-hotplug.test.ts); the trace is over there
        if (s.warnings.length > 0) return;
        for (const [name, inv] of [['vmemmap-backed', vmemmapBacked], ['altmap-accounting', altmapAccounting]] as const) {
          expect(inv(s, ctx), `step ${i} ${JSON.stringify(c)}: ${name}`).toBe(null);
        }
        if (ri.ok && (c.call === 'remove' || c.call === 'remove_device')) {
          const count = c.call === 'remove' ? c.pages : (before.vmemmap?.altmaps.find((a) => a.basePfn === c.pfn)?.endPfn ?? c.pfn) - c.pfn + 1;
          expect(unitsOutsideKept(before, s, config, c.pfn, count)).toBe(null);
        }
      }
    }),
}));
