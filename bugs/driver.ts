// bugs: the child-process side of `npm run bugs`. Runs inside a scratch copy of the project with
// one planted bug applied (or none, for the baseline), so everything it imports — src/ above
// all — is that copy's. Reads a job (job.ts) from the file named on the command line and writes
// the result as JSON to job.out.
//
// hunt: per seed, generate and check traces with the harness until the first failure or the
//   budget; the failure is shrunk by the harness (fast-check, then the reducer) and the seed
//   reports when it was found, by what, and how short it got. Also replays the hand trace.
// baseline: replay traces (every bug's shrunk and hand traces) and run the vitest properties;
//   on the unpatched code all of them must pass, or a "catch" was not the bug's doing.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MachineConfig, Op } from '../api/index.js';
import { PRESETS } from '../api/index.js';
import { CONFIGS, EXTRA_CONFIGS, configByName } from '../properties/configs.js';
import { checkProperty } from '../properties/harness/check.js';
import { geometryOf } from '../properties/harness/geometry.js';
import { PROJECT_ROOT } from '../properties/harness/report.js';
import type { Pair } from '../properties/harness/runner.js';
import { runTrace } from '../properties/harness/runner.js';
import { firstViolation } from '../properties/harness/step.js';
import { IMPLEMENTATIONS } from '../properties/implementations.js';
import type { Subsystem } from '../properties/gen/index.js';
import type { BaselineJob, BaselineResult, HandTrace, HuntJob, HuntResult, Job, RunSpec, SeedResult } from './job.js';

/** traces per checkProperty call before moving to the next configuration (as hunt does) */
const BATCH = 4;
const DEFAULT_OPS = 100;

type HarnessSpec = Extract<RunSpec, { kind: 'harness' }>;

function pairFor(): Pair {
  const p = IMPLEMENTATIONS[0];
  if (!p) throw new Error('no implementation pair');
  return p;
}

/** the configurations a subsystem runs on by default */
function configsFor(spec: HarnessSpec): MachineConfig[] {
  if (spec.configs) return spec.configs.map(configByName);
  // as vmemmap-refines-model: every configuration whose preset has a vmemmap
  if (spec.subsystem === 'vmemmap') return [...CONFIGS, ...EXTRA_CONFIGS].filter((c) => PRESETS[c.preset].vmemmapStart !== null);
  return [...CONFIGS];
}

/**
 * The invariant (checking.md §4) the implementation's own state breaks right after the failing
 * step of `trace`, or null: would the invariants alone, without the model, have caught the bug?
 */
function implInvariant(pair: Pair, config: MachineConfig, trace: readonly Op[]): string | null {
  const o = runTrace(pair, config, trace, { record: true });
  if (o.ok) return null;
  if (o.failure.kind === 'invariant') return o.failure.where;
  if (!o.last) return null;
  const ctx = { config, geo: geometryOf(config), call: o.failure.call, result: o.failure.implResult ?? null };
  try {
    return firstViolation(o.last.impl, ctx)?.[0] ?? null;
  } catch (e) {
    return `(invariant threw: ${e instanceof Error ? e.message : String(e)})`;
  }
}

function noCatch(seed: number, traces: number, steps: number): SeedResult {
  return {
    seed,
    caught: false,
    ttfMs: null,
    traces,
    steps,
    config: null,
    signature: null,
    where: null,
    implInvariant: null,
    message: null,
    fromLength: null,
    shrunkLength: null,
    oneMinimal: null,
    shrunk: null,
  };
}

/** a subsystem the harness generates: its checkProperty, configuration after configuration, until a failure or the budget */
function huntHarness(job: HuntJob, spec: HarnessSpec, seed: number, seedIndex: number): SeedResult {
  const configs = configsFor(spec);
  const pair = pairFor();
  const ops = spec.ops ?? DEFAULT_OPS;
  const t0 = Date.now();
  const deadline = t0 + job.seconds * 1000;
  let lastTrace = t0;
  let traces = 0;
  let steps = 0;
  for (let k = 0; Date.now() < deadline; k++) {
    const config = configs[(seedIndex + k) % configs.length]!;
    const r = checkProperty({
      property: job.property,
      subsystem: spec.subsystem as Subsystem,
      pair,
      config,
      settings: { seed: seed * 100_003 + k, runs: BATCH, ops, shrinkSeconds: job.shrinkSeconds, writeReports: false },
      deadline,
      onTrace: (n) => {
        lastTrace = Date.now();
        traces++;
        steps += n;
      },
    });
    if (!r.found) continue;
    const rep = r.found.report;
    return {
      seed,
      caught: true,
      ttfMs: lastTrace - t0,
      traces,
      steps,
      config: config.name,
      signature: rep.signature,
      where: rep.where,
      implInvariant: implInvariant(pair, config, rep.trace),
      message: rep.message,
      fromLength: rep.shrink.from,
      shrunkLength: rep.trace.length,
      oneMinimal: rep.shrink.oneMinimal,
      shrunk: rep.trace,
    };
  }
  return noCatch(seed, traces, steps);
}

interface VitestOutcome {
  readonly ok: boolean;
  readonly ttfMs: number;
  readonly check: string | null;
  readonly message: string | null;
}

/** run one vitest property file with VMCHECK_SEED; the first failing test (in file order) is the catch */
function runVitest(file: string, seed: number): VitestOutcome {
  const out = join(PROJECT_ROOT, 'reports', 'vitest.json');
  rmSync(out, { force: true });
  const bin = join(PROJECT_ROOT, 'node_modules', '.bin', 'vitest');
  // json for statuses and durations; the default reporter's text for the "Caused by:" line, where
  // fast-check's wrapped error shows the property's own message (`<setup> › <check>: <detail>`)
  const r = spawnSync(bin, ['run', file, '--reporter=json', '--reporter=default'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, VMCHECK_SEED: String(seed), NO_COLOR: '1', FORCE_COLOR: '0' },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (!existsSync(out)) return { ok: false, ttfMs: 0, check: 'vitest', message: `vitest wrote no report (exit ${r.status}): ${(r.stderr || r.stdout).slice(-400)}` };
  const rep = JSON.parse(readFileSync(out, 'utf8')) as {
    testResults: { message?: string; assertionResults: { status: string; duration?: number; title: string; failureMessages: string[] }[] }[];
  };
  const text = `${r.stdout}\n${r.stderr}`.replace(/\x1b\[[0-9;]*m/g, '');
  const cause = /Caused by: (?:Error: )?(.*)/.exec(text)?.[1] ?? null;
  let t = 0;
  for (const f of rep.testResults) {
    if (f.assertionResults.length === 0 && f.message) return { ok: false, ttfMs: t, check: 'exception', message: f.message.split('\n')[0] ?? f.message };
    for (const a of f.assertionResults) {
      t += a.duration ?? 0;
      if (a.status !== 'failed') continue;
      const msg = cause ?? a.failureMessages.join('\n').split('\n').find((l) => l.trim() !== '') ?? '';
      const named = /› ([a-z][a-z0-9-]*): /.exec(msg);
      const check = named?.[1] ?? `exception: ${msg.slice(0, 50)}`;
      return { ok: false, ttfMs: t, check, message: `${a.title}: ${msg.slice(0, 400)}` };
    }
  }
  return { ok: true, ttfMs: t, check: null, message: null };
}

function huntVitest(file: string, seed: number): SeedResult {
  const v = runVitest(file, seed);
  if (v.ok) return noCatch(seed, 0, 0);
  // the counterexample is one generated layout / boot: a "trace" of one input
  return {
    seed,
    caught: true,
    ttfMs: Math.round(v.ttfMs),
    traces: 0,
    steps: 0,
    config: null,
    signature: v.check,
    where: v.check,
    implInvariant: null,
    message: v.message,
    fromLength: 1,
    shrunkLength: 1,
    oneMinimal: true,
    shrunk: null,
  };
}

function replay(config: string, trace: readonly Op[]): { ok: boolean; signature: string | null; message: string | null } {
  const o = runTrace(pairFor(), configByName(config), trace);
  return o.ok ? { ok: true, signature: null, message: null } : { ok: false, signature: o.failure.signature, message: o.failure.message };
}

function hunt(job: HuntJob): HuntResult {
  const seeds: SeedResult[] = [];
  const spec = job.run;
  for (const [i, seed] of job.seeds.entries()) {
    const r = spec.kind === 'vitest' ? huntVitest(spec.file, seed) : huntHarness(job, spec, seed, i);
    seeds.push(r);
    // a partial result after every seed: if a later seed hangs and the runner kills us, these stay
    writeFileSync(job.out, JSON.stringify({ bug: job.bug, via: null, seeds, hand: null, partial: true }));
    process.stderr.write(`${job.bug} seed ${seed}: ${r.caught ? `caught in ${r.ttfMs} ms (${r.signature}), shrunk ${r.fromLength} → ${r.shrunkLength}` : 'not caught'}\n`);
  }
  let hand: HuntResult['hand'] = null;
  if (job.hand && spec.kind === 'harness') {
    const h: HandTrace = job.hand;
    const r = replay(h.config, h.trace);
    hand = { fails: !r.ok, signature: r.signature, message: r.message };
  }
  const via = spec.kind === 'vitest' ? `vitest ${spec.file}` : `checkProperty (${spec.subsystem})`;
  return { bug: job.bug, via, seeds, hand };
}

function baseline(job: BaselineJob): BaselineResult {
  const replays = job.replays.map((x) => {
    const r = replay(x.config, x.trace);
    return { id: x.id, ok: r.ok, message: r.message };
  });
  const vitest = job.vitest.map((v) => {
    const r = runVitest(v.file, v.seed);
    return { file: v.file, ok: r.ok, message: r.message };
  });
  return { replays, vitest };
}

const path = process.argv[2];
if (!path) {
  console.error('usage: tsx bugs/driver.ts <job.json>');
  process.exit(2);
}
const job = JSON.parse(readFileSync(path, 'utf8')) as Job;
const result = job.mode === 'hunt' ? hunt(job) : baseline(job);
writeFileSync(job.out, JSON.stringify(result));
