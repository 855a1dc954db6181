// Property: the three refinement properties (pagetable, vmap, vmemmap-refines-model) on
// configurations drawn per trace (checking.md §5, gen/config.ts): preset, RAM banks, devices,
// windows, possible CPUs with gaps and an online subset, lazy unit (eager included), vmemmap
// fallback — the configuration and the trace are drawn together and shrunk together. A failure is
// reduced and reported like every property's; the report embeds the drawn configuration, so
// `npm run replay -- <report.json>` reproduces it from the JSON alone. Few runs (the fixed
// configurations get the long runs); `npm run hunt` draws configurations for as long as it runs.
import { describe, expect, it } from 'vitest';
import type { Subsystem } from './gen/index.js';
import { PROPERTY_OF } from './coverage.js';
import { VMEMMAP_PRESETS, configArb } from './gen/config.js';
import type { ConfigArbOptions } from './gen/config.js';
import { checkProperty } from './harness/check.js';
import { shownPath } from './harness/report.js';
import { settingsFromEnv } from './harness/settings.js';
import { labelTable } from './harness/suite.js';
import { IMPLEMENTATIONS } from './implementations.js';

/** traces per subsystem and longest trace (VMCHECK_RUNS / VMCHECK_OPS override) */
const cases: readonly { subsystem: Subsystem; runs: number; draw: ConfigArbOptions }[] = [
  { subsystem: 'pagetable', runs: 12, draw: {} },
  { subsystem: 'vmap', runs: 10, draw: {} },
  // hot-plug needs a vmemmap: arm32 has none
  { subsystem: 'vmemmap', runs: 12, draw: { presets: VMEMMAP_PRESETS } },
];
const OPS = 250;

for (const { subsystem, runs, draw } of cases) {
  const s = settingsFromEnv({ runs, ops: OPS });
  describe(`drawn configurations · ${subsystem} · seed ${s.seed}, ${s.runs} runs × ≤${s.ops} ops`, () => {
    for (const pair of IMPLEMENTATIONS) {
      it(`${pair.name}: every step commutes and every invariant holds on every drawn configuration`, ({ task }) => {
        const property = PROPERTY_OF[subsystem];
        const names = new Set<string>();
        const r = checkProperty({ property, subsystem, pair, config: configArb(draw), settings: s, onTrace: (_n, t) => names.add(t.config.name) });
        task.meta.vmcheckSteps = r.steps;
        const rate = r.elapsedMs > 0 ? Math.round((1000 * r.steps) / r.elapsedMs) : 0;
        console.log(
          `${property} · drawn · ${pair.name}: ${r.traces} traces on ${names.size} configurations, ${r.steps} steps (${r.skipped} skipped), ` +
            `${(r.elapsedMs / 1000).toFixed(1)} s, ${rate} steps/s\n  ${[...names].join('\n  ')}\n${labelTable(r)}`,
        );
        if (r.found) {
          const where = r.found.reportPath ? `\nreport: ${shownPath(r.found.reportPath)} (and .md)` : '';
          const n = r.found.report.trace.length;
          throw new Error(`${r.found.failure.message}\nconfiguration: ${r.found.report.configName}\nminimal trace: ${n} op${n === 1 ? '' : 's'}${where}`);
        }
        // the configuration is drawn per trace, not once per run
        expect(names.size, 'distinct drawn configurations').toBeGreaterThan(r.traces / 2);
      });
    }
  });
}
