// The trace generators (checking.md §5): every generated op is well-formed (it validates as a
// shrink-report trace), machine-level mappings land inside the configuration's windows, and the
// boundary bias reaches what it promises — ranges ending exactly at the top of the address
// space, huge-leaf-sized device mappings, swarm traces that leave op kinds out.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Op } from '../api/index.js';
import { CONFIGS } from './configs.js';
import { SUBSYSTEMS, traceArb } from './gen/index.js';
import { geometryOf, hexToAddr } from './harness/geometry.js';
import { validateReport } from './harness/report-format.js';

const sample = (c: (typeof CONFIGS)[number], sub: (typeof SUBSYSTEMS)[number], n = 20): Op[][] =>
  fc.sample(traceArb(c, sub, { ops: 200 }), { seed: 11, numRuns: n });

describe.each(CONFIGS)('generated traces on $name', (config) => {
  const g = geometryOf(config);
  it.each(SUBSYSTEMS)('%s: every op validates as a report trace', (sub) => {
    for (const trace of sample(config, sub)) {
      const report = {
        format: 'vmcheck-shrink-report',
        version: 1,
        property: 'p',
        pair: 'p',
        configName: config.name,
        config,
        seed: 0,
        path: null,
        trace,
        failingStep: 0,
        signature: 's',
        kind: 'state',
        where: 'w',
        side: 'impl',
        message: 'm',
        model: '',
        impl: '',
        status: 'open',
        created: '2026-01-01',
        shrink: { from: 1, to: 1, oneMinimal: true, tries: 0 },
      };
      expect(() => validateReport(report, 'generated')).not.toThrow();
    }
  });

  it('map_pages ranges are page aligned and inside one window; some end at the window end', () => {
    let atEnd = 0;
    for (const trace of sample(config, 'pagetable')) {
      for (const op of trace) {
        if (op.op !== 'map_pages') continue;
        const va = hexToAddr(op.va);
        const end = va + BigInt(op.pages) * g.pageSize;
        expect(va % g.pageSize).toBe(0n);
        const w = g.windows.find((x) => x.start <= va && va < x.end);
        expect(w, `${op.va} in a window`).toBeDefined();
        if (w && end === w.end) atEnd++;
      }
    }
    expect(atEnd).toBeGreaterThan(0);
  });

  it('map_device reaches the largest leaf size the windows and device ranges allow', () => {
    const sizes = new Set<bigint>();
    for (const trace of sample(config, 'pagetable')) {
      for (const op of trace) if (op.op === 'map_device') sizes.add(typeof op.bytes === 'number' ? BigInt(op.bytes) : BigInt(op.bytes));
    }
    const huge = g.preset.leafShifts.filter((s) => s > g.pageShift).map((s) => 1n << BigInt(s));
    expect(huge.some((h) => [...sizes].some((b) => b >= h && b % h === 0n))).toBe(true);
  });
});

describe('swarm testing', () => {
  it('leaves whole op kinds out of some traces', () => {
    const config = CONFIGS[0];
    if (!config) throw new Error('no configuration');
    const kinds = sample(config, 'vmap', 40).map((t) => new Set(t.map((o) => o.op)).size);
    expect(Math.min(...kinds)).toBeLessThan(Math.max(...kinds));
  });
});
