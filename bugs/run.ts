// `npm run bugs` — the bug benchmark (checking.md §8). For every planted bug of
// bugs/catalogue.json: copy the project to a scratch directory (node_modules symlinked), apply
// bugs/<name>.patch with `patch -p1` (a patch that no longer applies is reported and fails the
// run), and run the bug's property in a child process (bugs/driver.ts inside the copy) over
// several seeds with a time budget each. Then one unpatched copy replays every shrunk and hand
// trace — each must pass there, or the catch was not the bug's doing — and runs the vitest
// properties. Prints a table (bug, caught, by which property and invariant or field, median
// time to failure, median shrunk length against the hand-written shortest) and writes
// bugs/results/latest.json. Exit 1 if any bug survives, does not apply, or was caught spuriously.
//
//   npm run bugs -- [--only NAME[,NAME...]] [--seconds N] [--seeds K] [--seed S] [--jobs J] [--shrink-seconds N]
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, usageError } from '../cli/args.js';
import type { BaselineJob, BaselineResult, CatalogueEntry, HuntJob, HuntResult, SeedResult } from './job.js';
import { formatTable, median, type Row } from './table.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SCRATCH = join(os.tmpdir(), 'vmbugs-run');
/** what the scratch copy leaves out (node_modules comes back as a symlink) */
const SKIP = new Set(['node_modules', '.git', 'reports', 'shrink-reports', 'coverage', '.stryker-tmp']);

const USAGE = 'usage: npm run bugs -- [--only NAME[,NAME...]] [--seconds N] [--seeds K] [--seed S] [--jobs J] [--shrink-seconds N] [--help]';
const args = parseArgs(process.argv.slice(2), { only: 'string', seconds: 'int', seeds: 'int', seed: 'int', jobs: 'int', 'shrink-seconds': 'int', help: 'flag' }, USAGE);
if (args._.length > 0) usageError(USAGE, `unexpected argument '${args._[0]}'`);
const seconds = Number(args['seconds'] ?? 20);
const nSeeds = Number(args['seeds'] ?? 3);
const seed0 = Number(args['seed'] ?? 1);
const jobs = Math.max(1, Number(args['jobs'] ?? 2));
const shrinkSeconds = Number(args['shrink-seconds'] ?? 30);
if (seconds < 1 || nSeeds < 1) usageError(USAGE, '--seconds and --seeds must be at least 1');

const catalogue = JSON.parse(readFileSync(join(ROOT, 'bugs', 'catalogue.json'), 'utf8')) as CatalogueEntry[];
const names = new Set<string>();
for (const e of catalogue) {
  if (names.has(e.name)) usageError(USAGE, `catalogue: '${e.name}' is listed twice`);
  names.add(e.name);
}
let selected = catalogue;
if (args['only'] !== undefined) {
  const want = String(args['only']).split(',');
  for (const w of want) if (!names.has(w)) usageError(USAGE, `--only ${w}: no such bug (see bugs/catalogue.json)`);
  selected = catalogue.filter((e) => want.includes(e.name));
}
const seeds = Array.from({ length: nSeeds }, (_, i) => seed0 + i);

// ---------------------------------------------------------------- scratch copies

function scratchCopy(name: string): string {
  const dir = join(SCRATCH, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const entry of readdirSync(ROOT)) {
    if (SKIP.has(entry)) continue;
    cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

interface ChildOutcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

/** process groups of the children still running: ended with us (Ctrl-C) as they are detached */
const liveGroups = new Set<number>();

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    for (const pid of liveGroups) killGroup(pid);
    process.exit(130);
  });
}

function runChild(cmd: string, argv: readonly string[], cwd: string, timeoutMs: number): Promise<ChildOutcome> {
  return new Promise((done) => {
    // its own process group, so that a timeout ends the driver and everything it started (vitest)
    const child = spawn(cmd, argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    if (child.pid !== undefined) liveGroups.add(child.pid);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) killGroup(child.pid);
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (child.pid !== undefined) liveGroups.delete(child.pid);
      done({ code, stdout, stderr, timedOut });
    });
  });
}

function applyPatch(dir: string, patch: string): Promise<ChildOutcome> {
  return runChild('patch', ['-p1', '--batch', '--forward', '--no-backup-if-mismatch', '-i', patch], dir, 30_000);
}

/** the driver runs as `node --import tsx bugs/driver.ts` in the copy: one process, no wrapper in between */
function runDriver(dir: string, jobPath: string, timeoutMs: number): Promise<ChildOutcome> {
  return runChild(process.execPath, ['--import', 'tsx', 'bugs/driver.ts', jobPath], dir, timeoutMs);
}

// ---------------------------------------------------------------- one bug

type Status = 'caught' | 'survived' | 'does not apply' | 'driver failed';

interface BugOutcome {
  readonly entry: CatalogueEntry;
  readonly status: Status;
  readonly detail: string | null;
  readonly result: HuntResult | null;
  readonly elapsedMs: number;
}

async function runBug(entry: CatalogueEntry): Promise<BugOutcome> {
  const t0 = Date.now();
  const patch = join(ROOT, 'bugs', `${entry.name}.patch`);
  const out = (status: Status, detail: string | null, result: HuntResult | null = null): BugOutcome => ({ entry, status, detail, result, elapsedMs: Date.now() - t0 });
  if (!existsSync(patch)) return out('does not apply', `bugs/${entry.name}.patch is missing`);
  const dir = scratchCopy(entry.name);
  const p = await applyPatch(dir, patch);
  if (p.code !== 0) return out('does not apply', (p.stdout + p.stderr).trim().split('\n').slice(-3).join(' | '));
  const job: HuntJob = {
    mode: 'hunt',
    bug: entry.name,
    property: entry.property,
    run: entry.run,
    seeds,
    seconds,
    shrinkSeconds,
    hand: entry.hand,
    out: join(dir, 'bugs', 'results', 'hunt.json'),
  };
  mkdirSync(dirname(job.out), { recursive: true });
  const jobPath = join(dir, 'bugs', 'results', 'job.json');
  writeFileSync(jobPath, JSON.stringify(job));
  // generous: each seed may spend its budget finding, up to 1.25x the shrink budget shrinking, plus start-up
  const limit = (nSeeds * (seconds + 1.5 * shrinkSeconds + 15) + 30) * 1000;
  const c = await runDriver(dir, jobPath, limit);
  const result = existsSync(job.out) ? (JSON.parse(readFileSync(job.out, 'utf8')) as HuntResult) : null;
  if (c.timedOut || c.code !== 0 || !result || result.partial) {
    // a seed that never came back (a hang: the harness has no time limit per call) counts as a miss
    const why = c.timedOut ? `killed after ${Math.round(limit / 1000)} s (a call did not return)` : `exit ${c.code}`;
    const detail = `${why}: ${errorLine(c.stderr)}`;
    if (!result || result.seeds.length === 0) return out('driver failed', detail);
    const seedsDone = result.seeds.length;
    return out(result.seeds.some((s) => s.caught) ? 'caught' : 'driver failed', `${detail} (${seedsDone}/${nSeeds} seeds finished)`, result);
  }
  rmSync(dir, { recursive: true, force: true });
  return out(result.seeds.some((s) => s.caught) ? 'caught' : 'survived', null, result);
}

/** the line of a child's stderr that says what went wrong (an Error, a TypeScript or module error), else its last line */
function errorLine(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return lines.find((l) => /Error|error TS|Cannot find|ERR_/.test(l)) ?? lines[lines.length - 1] ?? '';
}

async function pool<T, R>(items: readonly T[], n: number, f: (x: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await f(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return results;
}

// ---------------------------------------------------------------- baseline

async function runBaseline(outcomes: readonly BugOutcome[]): Promise<BaselineResult | string> {
  const replays: BaselineJob['replays'][number][] = [];
  for (const o of outcomes) {
    const run = o.entry.run;
    if (run.kind !== 'harness' || !o.result) continue;
    for (const s of o.result.seeds) {
      if (s.caught && s.shrunk && s.config) replays.push({ id: `${o.entry.name}#${s.seed}`, subsystem: run.subsystem, config: s.config, trace: s.shrunk });
    }
    if (o.entry.hand) replays.push({ id: `${o.entry.name}#hand`, subsystem: run.subsystem, config: o.entry.hand.config, trace: o.entry.hand.trace });
  }
  const files = [...new Set(outcomes.flatMap((o) => (o.entry.run.kind === 'vitest' ? [o.entry.run.file] : [])))];
  const dir = scratchCopy('baseline');
  const job: BaselineJob = { mode: 'baseline', replays, vitest: files.flatMap((file) => seeds.map((seed) => ({ file, seed }))), out: join(dir, 'bugs', 'results', 'baseline.json') };
  mkdirSync(dirname(job.out), { recursive: true });
  const jobPath = join(dir, 'bugs', 'results', 'job.json');
  writeFileSync(jobPath, JSON.stringify(job));
  const c = await runDriver(dir, jobPath, 600_000);
  if (c.timedOut || c.code !== 0 || !existsSync(job.out)) return `baseline driver failed (${c.timedOut ? 'timeout' : `exit ${c.code}`}): ${errorLine(c.stderr)}`;
  const r = JSON.parse(readFileSync(job.out, 'utf8')) as BaselineResult;
  rmSync(dir, { recursive: true, force: true });
  return r;
}

// ---------------------------------------------------------------- main

const T0 = Date.now();
console.error(`bug benchmark: ${selected.length} bugs × ${nSeeds} seeds (from ${seed0}) × ≤${seconds} s, shrink ≤${shrinkSeconds} s, ${jobs} jobs`);
let done = 0;
const outcomes = await pool(selected, jobs, async (e) => {
  const o = await runBug(e);
  done++;
  const caught = o.result ? o.result.seeds.filter((s) => s.caught).length : 0;
  console.error(`[${String(done).padStart(2)}/${selected.length}] ${e.name}: ${o.status}${o.result ? ` (${caught}/${nSeeds} seeds)` : ''}${o.detail ? ` — ${o.detail}` : ''} · ${(o.elapsedMs / 1000).toFixed(0)} s`);
  return o;
});

const base = await runBaseline(outcomes);
const baseFail = new Map<string, string>();
const baseProblems: string[] = [];
if (typeof base === 'string') baseProblems.push(base);
else {
  for (const r of base.replays) if (!r.ok) baseFail.set(r.id, r.message ?? 'fails');
  for (const v of base.vitest) if (!v.ok) baseProblems.push(`unpatched ${v.file} fails: ${v.message}`);
}

const rows: Row[] = outcomes.map((o) => {
  const seedsOf = o.result?.seeds ?? [];
  const caught = seedsOf.filter((s) => s.caught);
  // a seed counts as caught only if its shrunk trace passes on the unpatched code
  const spurious = caught.filter((s) => baseFail.has(`${o.entry.name}#${s.seed}`)).map((s) => s.seed);
  const real = caught.filter((s) => !spurious.includes(s.seed));
  // time to failure over every seed, a seed that did not catch the bug counting as never
  const ttf = median(seedsOf.map((s) => (s.caught && !spurious.includes(s.seed) ? (s.ttfMs ?? Infinity) : Infinity)));
  const shrunk = median(real.map((s) => s.shrunkLength ?? Infinity));
  // the harness signature (kind:field@side) names what broke: a result, a state field, an invariant, a self-check
  const by = mostCommon(real.map((s) => shortSignature(s.signature ?? s.where ?? '?')));
  const inv = mostCommon(real.map((s) => s.implInvariant ?? '-'));
  const handBad = o.entry.hand && o.result?.hand && !o.result.hand.fails ? 'hand trace passes on the patched code' : null;
  const handBase = baseFail.get(`${o.entry.name}#hand`);
  let status: string = o.status;
  if (o.status === 'caught' && real.length === 0) status = 'spurious';
  return {
    name: o.entry.name,
    subsystem: o.entry.subsystem,
    status,
    seeds: `${real.length}/${nSeeds}`,
    property: o.entry.property,
    by: by ?? '-',
    implInvariant: o.entry.run.kind === 'vitest' ? 'n/a' : (inv ?? '-'),
    ttfMs: ttf,
    shrunk,
    hand: o.entry.handLength,
    oneMinimal: real.every((s) => s.oneMinimal !== false),
    notes: [o.detail, handBad, handBase ? `hand trace fails unpatched: ${handBase}` : null, spurious.length ? `seeds ${spurious.join(',')} fail unpatched too` : null].filter((x): x is string => x !== null),
  };
});

/** `result:result@impl` → `result`, `self-check:selfCheck@impl` → `self-check`, `state:owners@impl` → `state:owners` */
function shortSignature(sig: string): string {
  const m = /^([a-z-]+):(.*?)(@impl)?$/.exec(sig);
  if (!m) return sig;
  const [, kind, where, impl] = m;
  const plain = where === kind || (kind === 'self-check' && where === 'selfCheck');
  return `${plain ? kind : `${kind}:${where}`}${impl ? '' : (/@\w+$/.exec(sig)?.[0] ?? '')}`;
}

function mostCommon(xs: readonly string[]): string | null {
  const n = new Map<string, number>();
  for (const x of xs) n.set(x, (n.get(x) ?? 0) + 1);
  let best: string | null = null;
  for (const [k, v] of n) if (best === null || v > (n.get(best) ?? 0)) best = k;
  return best;
}

const elapsed = (Date.now() - T0) / 1000;
console.log(formatTable(rows));
const caughtRows = rows.filter((r) => r.status === 'caught');
const overallTtf = median(rows.map((r) => r.ttfMs));
const within = caughtRows.filter((r) => Number.isFinite(r.shrunk) && r.shrunk - r.hand <= 1).length;
console.log(
  `\n${caughtRows.length}/${rows.length} caught · median time to failure across the catalogue ${Number.isFinite(overallTtf) ? `${(overallTtf / 1000).toFixed(2)} s` : 'n/a'}` +
    ` · shrunk within one op of the hand-written trace: ${within}/${caughtRows.length} · ${elapsed.toFixed(0)} s wall, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'})`,
);
for (const p of baseProblems) console.log(`baseline: ${p}`);

const latest = {
  date: new Date().toISOString(),
  settings: { seeds, seconds, shrinkSeconds, jobs },
  machine: { cores: os.cpus().length, cpu: os.cpus()[0]?.model ?? null, node: process.version },
  elapsedSeconds: elapsed,
  summary: { bugs: rows.length, caught: caughtRows.length, medianTtfMs: Number.isFinite(overallTtf) ? overallTtf : null, shrunkWithinOne: within },
  baselineProblems: baseProblems,
  bugs: rows.map((r, i) => ({
    ...r,
    ttfMs: Number.isFinite(r.ttfMs) ? r.ttfMs : null,
    shrunk: Number.isFinite(r.shrunk) ? r.shrunk : null,
    seeds: (outcomes[i]?.result?.seeds ?? []).map((s: SeedResult) => ({ ...s })),
    via: outcomes[i]?.result?.via ?? null,
    hand: { length: r.hand, replay: outcomes[i]?.result?.hand ?? null },
  })),
};
mkdirSync(join(ROOT, 'bugs', 'results'), { recursive: true });
writeFileSync(join(ROOT, 'bugs', 'results', 'latest.json'), JSON.stringify(latest, null, 1) + '\n');
console.log('results: bugs/results/latest.json');
process.exit(caughtRows.length === rows.length && baseProblems.length === 0 ? 0 : 1);
