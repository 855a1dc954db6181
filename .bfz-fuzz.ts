import fc from 'fast-check';
import { CONFIGS } from './properties/configs.js';
import { traceArb } from './properties/gen/index.js';
import { runTrace } from './properties/harness/runner.js';
import { createKernel } from './src/index.js';
import { createModel } from './model/index.js';

const pair = { name: 'src', impl: createKernel, model: createModel };
const runs = Number(process.env.RUNS ?? 30);
const seed = Number(process.env.SEED ?? 1);
const sub = (process.env.SUB ?? 'vmap') as 'vmap';
const labels = new Map<string, number>();
for (const config of CONFIGS) {
  if (process.env.CFG && config.name !== process.env.CFG) continue;
  let fails = 0;
  try {
    fc.assert(
      fc.property(traceArb(config, sub, { ops: Number(process.env.OPS ?? 150) }), (trace) => {
        const out = runTrace(pair, config, trace);
        for (const l of out.stats.labels) labels.set(l, (labels.get(l) ?? 0) + 1);
        if (!out.ok) {
          fails++;
          throw new Error(out.failure.message);
        }
      }),
      { numRuns: runs, seed },
    );
    console.log(config.name, 'ok');
  } catch (e) {
    console.log(config.name, 'FAIL', String(e).slice(0, 3000));
  }
}
console.log([...labels].sort().map(([k, v]) => `${k}:${v}`).join('  '));
