// `npm run bench:harness` — how many ops per second the harness itself checks (checking.md §9:
// "traces and operations checked per second by the harness itself"). Generated traces are run
// once on the real pair while every result and state is recorded; then the commuting square is
// re-checked against the recording, so the figure excludes the cost of the two sides.
//   npm run bench:harness -- [--config NAME] [--subsystem pagetable|vmap] [--traces N] [--ops N]
import fc from 'fast-check';
import type { AbstractState, Call, Result, SystemUnderTest } from '../api/index.js';
import { CONFIGS, configByName } from '../properties/configs.js';
import type { Subsystem } from '../properties/gen/index.js';
import { traceArb } from '../properties/gen/index.js';
import { geometryOf } from '../properties/harness/geometry.js';
import { changesHandles, newHandleTable, recordResult, resolveOp } from '../properties/harness/resolve.js';
import type { Snapshot } from '../properties/harness/step.js';
import { checkBoot, commutingStep } from '../properties/harness/step.js';
import { IMPLEMENTATIONS } from '../properties/implementations.js';
import { parseArgs } from './args.js';

/** CPU time of this process in ms: per-core figures that do not depend on the machine's load. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

interface Tape {
  results: Result[];
  states: AbstractState[]; // [boot, after call 1, ...]
}

/** A side that replays a recording. */
function player(t: Tape): SystemUnderTest {
  let i = 0;
  return {
    call: (_c: Call) => t.results[i++] as Result,
    state: () => t.states[i] as AbstractState,
    isVmallocAddr: () => false,
  };
}

function recorder(inner: SystemUnderTest, t: Tape): SystemUnderTest {
  t.states.push(inner.state());
  return {
    call: (c) => {
      const r = inner.call(c);
      t.results.push(r);
      t.states.push(inner.state());
      return r;
    },
    state: () => t.states[t.states.length - 1] as AbstractState,
    isVmallocAddr: (a) => inner.isVmallocAddr(a),
  };
}

const USAGE = 'usage: npm run bench:harness -- [--config NAME] [--subsystem pagetable|vmap] [--traces N] [--ops N]';
const args = parseArgs(process.argv.slice(2), { config: 'string', subsystem: 'string', traces: 'int', ops: 'int', help: 'flag' }, USAGE);
const subsystem = (args['subsystem'] ?? 'pagetable') as Subsystem;
if (subsystem !== 'pagetable' && subsystem !== 'vmap') {
  console.error(USAGE);
  process.exit(2);
}
const configs = args['config'] ? [configByName(String(args['config']))] : CONFIGS;
const pair = IMPLEMENTATIONS[0];
if (!pair) throw new Error('no implementation pair');
const nTraces = Number(args['traces'] ?? 20);
const ops = Number(args['ops'] ?? 300);

console.log(`harness throughput, ${subsystem} traces (${nTraces} × ≤${ops} ops per configuration), pair ${pair.name}, node ${process.version}`);
console.log('ops per CPU-second (one core):');
console.log('configuration            ops   checked ops/s (harness only)   end-to-end ops/s (with both sides)');
for (const [k, config] of [configs[0], ...configs].entries()) {
  if (!config) continue;
  const warmUp = k === 0; // the first round only warms the JIT up
  const geo = geometryOf(config);
  const traces = fc.sample(traceArb(config, subsystem, { ops }), { seed: 1, numRuns: nTraces });
  const tapes: { calls: Call[]; model: Tape; impl: Tape }[] = [];
  const t0 = cpuMs();
  for (const trace of traces) {
    const model: Tape = { results: [], states: [] };
    const impl: Tape = { results: [], states: [] };
    const sides = { model: recorder(pair.model(config), model), impl: recorder(pair.impl(config), impl) };
    const calls: Call[] = [];
    const table = newHandleTable();
    let snap: Snapshot | null = null;
    const boot = checkBoot(sides, geo);
    if (!boot.ok) break;
    snap = boot.after;
    for (const op of trace) {
      const c = resolveOp(op, table, geo);
      if (!c) continue;
      calls.push(c);
      const out = commutingStep(sides, snap, c, calls.length, geo, (r) => (recordResult(c, r, table, geo), changesHandles(c) ? table : null));
      if (!out.ok) break;
      snap = out.after;
    }
    tapes.push({ calls: calls.slice(0, model.results.length), model, impl });
  }
  const endToEnd = cpuMs() - t0;
  let n = 0;
  const t1 = cpuMs();
  for (const tape of tapes) {
    const sides = { model: player(tape.model), impl: player(tape.impl) };
    const boot = checkBoot(sides, geo);
    if (!boot.ok) continue;
    let snap = boot.after;
    const table = newHandleTable();
    for (const c of tape.calls) {
      const out = commutingStep(sides, snap, c, ++n, geo, (r) => (recordResult(c, r, table, geo), changesHandles(c) ? table : null));
      if (!out.ok) break;
      snap = out.after;
    }
  }
  const harness = cpuMs() - t1;
  const rate = (ms: number): string => String(Math.round((1000 * n) / ms)).padStart(10);
  if (warmUp) continue;
  console.log(`${config.name.padEnd(24)} ${String(n).padStart(5)}   ${rate(harness)}                     ${rate(endToEnd)}`);
}
