// `npm run hunt` — the main job (checking.md §7): generate traces over every configuration for a
// time budget, seed after seed, shrink each distinct failure to a 1-minimal trace and write one
// report per distinct signature. Progress goes to stderr about once a second; a summary table to
// stdout at the end. Exit 1 when anything failed, 0 otherwise, 2 on bad arguments.
import { CONFIGS, configByName } from '../properties/configs.js';
import { checkProperty } from '../properties/harness/check.js';
import { shownPath, writeReport } from '../properties/harness/report.js';
import type { Subsystem } from '../properties/gen/index.js';
import { SUBSYSTEMS } from '../properties/gen/index.js';
import { IMPLEMENTATIONS } from '../properties/implementations.js';
import { parseArgs, usageError } from './args.js';

const USAGE =
  'usage: npm run hunt -- [--seconds N] [--seed S] [--subsystem pagetable|vmap|vmemmap|all] [--config NAME] [--ops N] [--shard I/N] [--help]';
const args = parseArgs(
  process.argv.slice(2),
  { seconds: 'int', seed: 'int', subsystem: 'string', config: 'string', ops: 'int', shard: 'string', help: 'flag' },
  USAGE,
);
if (args._.length > 0) usageError(USAGE, `unexpected argument '${args._[0]}'`);
const seconds = Number(args['seconds'] ?? 60);
if (seconds < 1) usageError(USAGE, '--seconds must be at least 1');
const subsystemArg = String(args['subsystem'] ?? 'all');
if (!['pagetable', 'vmap', 'vmemmap', 'all'].includes(subsystemArg)) usageError(USAGE, `--subsystem ${subsystemArg}: expected pagetable, vmap, vmemmap or all`);
let configs = CONFIGS;
if (args['config'] !== undefined) {
  try {
    configs = [configByName(String(args['config']))];
  } catch (e) {
    usageError(USAGE, e instanceof Error ? e.message : String(e));
  }
}
const shardText = String(args['shard'] ?? '1/1');
const shardMatch = /^(\d+)\/(\d+)$/.exec(shardText);
const shard = shardMatch ? { i: Number(shardMatch[1]), n: Number(shardMatch[2]) } : null;
if (!shard || shard.n < 1 || shard.i < 1 || shard.i > shard.n) usageError(USAGE, `--shard ${shardText}: expected I/N with 1 <= I <= N`);
const ops = Number(args['ops'] ?? 300);
if (ops < 1) usageError(USAGE, '--ops must be at least 1');
const seed0 = args['seed'] !== undefined ? Number(args['seed']) : Date.now() % 1_000_000_000;

const PROPERTIES: Record<Subsystem, string> = { pagetable: 'pagetable-refines-model', vmap: 'vmap-refines-model', vmemmap: 'vmemmap-refines-model' };
const subsystems: Subsystem[] = subsystemArg === 'all' ? [...SUBSYSTEMS] : [subsystemArg as Subsystem];
const jobs = configs.flatMap((config) => subsystems.flatMap((subsystem) => IMPLEMENTATIONS.map((pair) => ({ config, subsystem, pair }))));

interface Found {
  property: string;
  signature: string;
  configs: Set<string>;
  hits: number;
  message: string;
  report: string | null;
  length: number;
}
const found = new Map<string, Found>();
/** coverage: traces that carried each label, per property */
const labels = new Map<string, Map<string, number>>();
const tracesPer = new Map<string, number>();
const t0 = Date.now();
const deadline = t0 + seconds * 1000;
let traces = 0;
let steps = 0;
let failures = 0;
let lastPrint = 0;
const progress = (force = false): void => {
  const now = Date.now();
  if (!force && now - lastPrint < 1000) return;
  lastPrint = now;
  const s = (now - t0) / 1000;
  process.stderr.write(
    `hunt ${s.toFixed(0)}s/${seconds}s · traces ${traces} · ops ${steps} · ${Math.round(steps / Math.max(s, 0.001))} ops/s · failures ${failures} (${found.size} distinct)\n`,
  );
};

console.error(
  `hunting for ${seconds}s from seed ${seed0} (shard ${shard.i}/${shard.n}), ${subsystems.join(' + ')} over ${configs.map((c) => c.name).join(', ')}, traces of ≤${ops} ops`,
);
const BATCH = 3; // traces per seed: small, so the budget is kept
for (let k = shard.i - 1; Date.now() < deadline; k += shard.n) {
  const job = jobs[k % jobs.length];
  if (!job) break;
  const property = PROPERTIES[job.subsystem];
  const remaining = Math.max(5, Math.round((deadline - Date.now()) / 1000));
  const r = checkProperty({
    property,
    subsystem: job.subsystem,
    pair: job.pair,
    config: job.config,
    settings: { seed: seed0 + k, runs: BATCH, ops, shrinkSeconds: Math.min(60, remaining), writeReports: false },
    deadline,
    wantShrink: (sig) => !found.has(`${property} ${sig}`),
    onTrace: (n) => {
      traces++;
      steps += n;
      progress();
    },
  });
  const l = labels.get(property) ?? new Map<string, number>();
  for (const [k, v] of r.labels) l.set(k, (l.get(k) ?? 0) + v);
  labels.set(property, l);
  tracesPer.set(property, (tracesPer.get(property) ?? 0) + r.traces);
  if (!r.found) continue;
  failures++;
  const key = `${property} ${r.found.failure.signature}`;
  const f = found.get(key);
  if (f) {
    f.hits++;
    f.configs.add(job.config.name);
    continue;
  }
  const path = writeReport(r.found.report, r.found.records, r.found.last);
  found.set(key, {
    property,
    signature: r.found.failure.signature,
    configs: new Set([job.config.name]),
    hits: 1,
    message: r.found.failure.message,
    report: shownPath(path),
    length: r.found.report.trace.length,
  });
  const n = r.found.report.trace.length;
  process.stderr.write(`FAIL ${r.found.failure.message}\n     → ${shownPath(path)} (${n} op${n === 1 ? '' : 's'})\n`);
}
progress(true);

const elapsed = (Date.now() - t0) / 1000;
console.log(`\n${traces} traces, ${steps} ops in ${elapsed.toFixed(1)}s (${Math.round(steps / elapsed)} ops/s), seeds from ${seed0}`);
for (const [property, l] of labels) {
  const n = tracesPer.get(property) ?? 0;
  console.log(`coverage, ${property} (${n} traces): ${[...l].sort().map(([k, v]) => `${k} ${Math.round((100 * v) / Math.max(n, 1))}%`).join(', ')}`);
}
if (found.size === 0) {
  console.log('no failures');
  process.exit(0);
}
const rows = [...found.values()].map((f) => [f.property, f.signature, [...f.configs].join(', '), String(f.hits), `${f.report} (${f.length} op${f.length === 1 ? '' : 's'})`]);
const head = ['property', 'signature', 'configurations', 'hits', 'report'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
console.log(line(head));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const r of rows) console.log(line(r));
process.exit(1);
