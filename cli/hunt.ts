// `npm run hunt` — the main job (checking.md §7): generate traces for a time budget, seed after
// seed, over the fixed configurations and over configurations drawn per trace (gen/config.ts),
// shrink each distinct failure to a 1-minimal trace and write one report per distinct signature.
// A progress bar on stderr (in place on a TTY, a line a second otherwise), a line every minute
// with throughput and RSS; at the end the label tables, the summary and the failures on stdout.
// Exit 1 when anything failed, 0 otherwise, 2 on bad arguments.
import type { Arbitrary } from 'fast-check';
import type { MachineConfig } from '../api/index.js';
import { CONFIGS, EXTRA_CONFIGS, configByName } from '../properties/configs.js';
import { PROPERTY_OF } from '../properties/coverage.js';
import { VMEMMAP_PRESETS, configArb } from '../properties/gen/config.js';
import type { Subsystem } from '../properties/gen/index.js';
import { SUBSYSTEMS } from '../properties/gen/index.js';
import { checkProperty } from '../properties/harness/check.js';
import { shownPath, writeReport } from '../properties/harness/report.js';
import type { Pair } from '../properties/harness/runner.js';
import { IMPLEMENTATIONS } from '../properties/implementations.js';
import { parseArgs, usageError } from './args.js';
import { HuntMeter } from './hunt-meter.js';

const USAGE = `usage: npm run hunt -- [options]
  --seconds N        time budget in seconds (default 60)
  --seed S           first seed (default: from the clock); job j of shard I/N runs seed S + j·N + I − 1,
                     so shards never repeat a seed and every shard runs every job
  --subsystem X      pagetable | vmap | vmemmap | all (default all)
  --config C         all: the fixed configurations and drawn ones, interleaved (default);
                     fixed: properties/configs.ts only; drawn: configurations drawn per trace only;
                     or one configuration by name (${[...CONFIGS, ...EXTRA_CONFIGS].map((c) => c.name).join(', ')})
  --ops N            longest trace (default 300)
  --shard I/N        run shard I of N (default 1/1)
  --help             this text
Progress on stderr: redrawn in place on a TTY, a line a second otherwise; every 60 s a line
"minute N: ops/s this minute, RSS, peak RSS, heap". At the end: per property the label table (share
of traces, declared minimum, BELOW when missed), a summary table, and the failures.
Reports: shrink-reports/ ($VMCHECK_REPORT_DIR), one per distinct signature.
Exit 0: no failure; 1: a failure, or a declared label minimum missed over at least 50 traces it applies to
(checking.md §5); 2: bad arguments.`;

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
const configArg = String(args['config'] ?? 'all');
let fixedConfigs: readonly MachineConfig[] = CONFIGS;
if (configArg === 'drawn') fixedConfigs = [];
else if (configArg !== 'all' && configArg !== 'fixed') {
  try {
    fixedConfigs = [configByName(configArg)];
  } catch (e) {
    usageError(USAGE, e instanceof Error ? e.message : String(e));
  }
}
const withDrawn = configArg === 'all' || configArg === 'drawn';
const shardText = String(args['shard'] ?? '1/1');
const shardMatch = /^(\d+)\/(\d+)$/.exec(shardText);
const shard = shardMatch ? { i: Number(shardMatch[1]), n: Number(shardMatch[2]) } : null;
if (!shard || shard.n < 1 || shard.i < 1 || shard.i > shard.n) usageError(USAGE, `--shard ${shardText}: expected I/N with 1 <= I <= N`);
const ops = Number(args['ops'] ?? 300);
if (ops < 1) usageError(USAGE, '--ops must be at least 1');
const seed0 = args['seed'] !== undefined ? Number(args['seed']) : Date.now() % 1_000_000_000;

const subsystems: Subsystem[] = subsystemArg === 'all' ? [...SUBSYSTEMS] : [subsystemArg as Subsystem];

interface Job {
  readonly subsystem: Subsystem;
  readonly pair: Pair;
  /** a fixed configuration, or null: drawn per trace */
  readonly config: MachineConfig | null;
}
const fixedJobs: Job[] = fixedConfigs.flatMap((config) => subsystems.flatMap((subsystem) => IMPLEMENTATIONS.map((pair) => ({ config, subsystem, pair }))));
const drawnJobs: Job[] = withDrawn ? subsystems.flatMap((subsystem) => IMPLEMENTATIONS.map((pair) => ({ config: null, subsystem, pair }))) : [];
// --config all: every fixed job is followed by a drawn one, so half the time goes to drawn configurations
const jobs: Job[] = fixedJobs.length === 0 ? drawnJobs : drawnJobs.length === 0 ? fixedJobs : fixedJobs.flatMap((j, k) => [j, drawnJobs[k % drawnJobs.length] as Job]);
/** the configurations drawn per trace; hot-plug traces need a vmemmap (as drawn-configs.prop.test.ts) */
const DRAW: Readonly<Record<Subsystem, Arbitrary<MachineConfig>>> = {
  pagetable: configArb(),
  vmap: configArb(),
  vmemmap: configArb({ presets: VMEMMAP_PRESETS }),
};

interface Found {
  readonly property: string;
  readonly signature: string;
  /** the first few configurations it was hit on (capped: drawn names are all different), and how many more */
  readonly configs: Set<string>;
  moreConfigs: number;
  hits: number;
  readonly report: string | null;
  readonly length: number;
}
const MAX_CONFIG_NAMES = 4;
const found = new Map<string, Found>();
const foundAs = new Map<string, string>();
let failures = 0;
const failuresOf = (property?: string): { failures: number; distinct: number } => {
  const fs = [...found.values()].filter((f) => property === undefined || f.property === property);
  return { failures: fs.reduce((n, f) => n + f.hits, 0), distinct: fs.length };
};
const meter = new HuntMeter(seconds, subsystems, () => ({ failures, distinct: found.size }));
const deadline = meter.t0 + seconds * 1000;

const over = [...fixedConfigs.map((c) => c.name), ...(withDrawn ? ['configurations drawn per trace'] : [])].join(', ');
meter.say(
  `hunting for ${seconds}s from seed ${seed0} (shard ${shard.i}/${shard.n}), ${subsystems.join(' + ')} over ${over}, traces of ≤${ops} ops; RSS ${meter.rssStart.toFixed(0)} MiB`,
);
const BATCH = 3; // traces per seed: small, so the budget is kept and jobs rotate
let lastSeed = seed0 + shard.i - 1;
for (let j = 0; Date.now() < deadline; j++) {
  const job = jobs[j % jobs.length];
  if (!job) break;
  const seed = seed0 + j * shard.n + shard.i - 1;
  lastSeed = seed;
  const property = PROPERTY_OF[job.subsystem];
  const remaining = Math.max(5, Math.round((deadline - Date.now()) / 1000));
  const r = checkProperty({
    property,
    subsystem: job.subsystem,
    pair: job.pair,
    config: job.config ?? DRAW[job.subsystem],
    settings: { seed, runs: BATCH, ops, shrinkSeconds: Math.min(60, remaining), writeReports: false },
    deadline,
    wantShrink: (sig) => !found.has(`${property} ${sig}`) && !foundAs.has(`${property} ${sig}`),
    onTrace: (n, t) => meter.trace(job.subsystem, n, t.config, t.labels),
  });
  if (!r.found) continue;
  failures++;
  // a failure found as signature A may shrink to a trace whose first differing field is B
  // (same-failure.ts): later A's count as hits of B's report, unshrunk
  const asKey = `${property} ${r.found.foundAs}`;
  const key = foundAs.get(asKey) ?? `${property} ${r.found.failure.signature}`;
  foundAs.set(asKey, key);
  const configName = r.found.report.configName;
  const f = found.get(key);
  if (f) {
    f.hits++;
    if (f.configs.has(configName)) continue;
    if (f.configs.size < MAX_CONFIG_NAMES) f.configs.add(configName);
    else f.moreConfigs++;
    continue;
  }
  const path = writeReport(r.found.report, r.found.records, r.found.last);
  const n = r.found.report.trace.length;
  found.set(key, { property, signature: r.found.failure.signature, configs: new Set([configName]), moreConfigs: 0, hits: 1, report: shownPath(path), length: n });
  meter.say(`FAIL ${r.found.failure.message}\n     on ${configName} → ${shownPath(path)} (${n} op${n === 1 ? '' : 's'})`);
}
meter.done();

const elapsed = (Date.now() - meter.t0) / 1000;
const firstSeed = seed0 + shard.i - 1;
const seeds = shard.n === 1 ? `seeds ${firstSeed}..${lastSeed}` : `seeds ${firstSeed}..${lastSeed} step ${shard.n} (shard ${shard.i}/${shard.n})`;
console.log(`\n${seeds}, ${elapsed.toFixed(1)} s, ${meter.memory()}`);
for (const line of meter.labelTables()) console.log(line);
console.log('');
for (const line of meter.summaryTable(failuresOf)) console.log(line);
const below = meter.belowMinimum();
if (below.length > 0) console.log(`\ncoverage: declared minimum missed (checking.md §5): ${below.join('; ')}`);
if (found.size === 0) {
  console.log('\nno failures');
  process.exit(below.length > 0 ? 1 : 0);
}
const rows = [...found.values()].map((f) => [
  f.property,
  f.signature,
  [...f.configs].join(', ') + (f.moreConfigs > 0 ? ` (+${f.moreConfigs} hits elsewhere)` : ''),
  String(f.hits),
  `${f.report} (${f.length} op${f.length === 1 ? '' : 's'})`,
]);
const head = ['property', 'signature', 'configurations', 'hits', 'report'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
console.log(`\n${line(head)}`);
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const r of rows) console.log(line(r));
process.exit(1);
