// The refinement properties as fixed traces for mutation testing (profile.ts): the traces are
// drawn once, when the test file loads, from the property's own generator and a fixed seed;
// each trace is one `it` that runs it through the commuting square (harness/runner.ts) and
// fails on the first step that does not commute or breaks an invariant. Drawing a trace runs
// gen/ and harness/geometry.ts only — never src/ — so no src/ code runs outside a test, and
// Stryker's perTest coverage maps every mutant to exactly the traces that execute it.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { traceArb } from '../gen/index.js';
import type { TraceOutcome } from '../harness/runner.js';
import { runTrace } from '../harness/runner.js';
import { IMPLEMENTATIONS } from '../implementations.js';
import type { TraceProfile } from './profile.js';

const pad = (n: number): string => String(n).padStart(2, '0');

/**
 * One `it` per fixed trace; `verdict` is the property file's own claim about a trace's outcome
 * (runTrace stops at the first step that does not commute or breaks an invariant).
 */
export function traceSuite(p: TraceProfile, verdict: (outcome: TraceOutcome) => void): void {
  for (const config of p.configs) {
    const traces = fc.sample(traceArb(config, p.subsystem, { ops: p.ops }), { seed: p.seed, numRuns: p.traces });
    // the title ends in ' ·' so that one configuration's name is never a prefix match of
    // another's in Stryker's test-name filter (x86_64 vs x86_64-la57)
    describe(`${p.property} · ${config.name} · seed ${p.seed} ·`, () => {
      for (const pair of IMPLEMENTATIONS) {
        traces.forEach((trace, i) => {
          it(`${pair.name} trace ${pad(i + 1)}/${pad(traces.length)} (${trace.length} ops): every step commutes and every invariant holds`, () => {
            verdict(runTrace(pair, config, trace));
          });
        });
      }
    });
  }
}
