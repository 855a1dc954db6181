// `npm run mutation [-- <src paths>] [-- <stryker args>]` — mutation testing of src/ (checking.md
// §8): prints the deterministic profile (tests, properties, seeds, traces, ops per trace), runs
// Stryker (stryker.config.mjs) and summarises its JSON report: the score overall, per folder and
// per file, the tests run against mutants, the time, and every surviving / uncovered mutant by
// file:line with its mutator, the original code and the replacement.
//   npm run mutation                              all of src/ (index.ts re-exports excluded), as the
//                                                 parts of PARTS one after another, reports merged
//   npm run mutation -- --whole                   all of src/ in one Stryker run (slower, see PARTS)
//   npm run mutation -- src/vmap-block src/kernel.ts   a subset: folders or files
//   npm run mutation -- src/layout --force        other arguments go to Stryker as they are (--force:
//                                                 ignore the incremental file, test every mutant)
//   npm run mutation -- --report-only [a.json ...]    summarise (merge) reports without running
// A subset run keeps its own incremental file and a copy of its report in reports/mutation/
// (<subset>.json), so per-folder runs can be merged with --report-only.
// Exit status: Stryker's when it fails, else 0.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { IMPLEMENTATIONS } from '../implementations.js';
import { SEEDED_PROFILE, TRACE_PROFILE } from './profile.js';

const ROOT = join(import.meta.dirname, '..', '..');
const REPORT_DIR = join(ROOT, 'reports', 'mutation');
const REPORT = join(REPORT_DIR, 'mutation.json');
/** the folders the score is broken down by (issue 8); any other file counts under its own folder */
const FOLDERS = ['src/machine', 'src/vmap', 'src/vmap-block', 'src/vmemmap', 'src/layout', 'src/directmap'];

// ------------------------------------------------------------------ the profile

function countFiles(dir: string, suffix: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith(suffix)).length;
}

function printProfile(): void {
  const p = (s: string): string => join(ROOT, 'properties', s);
  const reports = existsSync(join(ROOT, 'shrink-reports')) ? readdirSync(join(ROOT, 'shrink-reports')).filter((f) => f.endsWith('.json')).length : 0;
  const pairs = IMPLEMENTATIONS.length;
  console.log('mutation profile (vitest.mutation.config.ts, properties/mutation/profile.ts):');
  console.log(`  unit test files          ${countFiles(p('unit'), '.test.ts')} (properties/unit)`);
  console.log(`  invariant tests          properties/invariants.test.ts`);
  console.log(`  replayed shrink-reports  ${reports} (properties/replay-reports.test.ts)`);
  for (const r of TRACE_PROFILE) {
    const traces = r.traces * r.configs.length * pairs;
    console.log(
      `  ${r.property.padEnd(24)} seed ${r.seed}, ${r.traces} traces × ≤${r.ops} ops on ${r.configs.length} configurations × ${pairs} pair(s) = ${traces} tests, ≤${traces * r.ops} ops`,
    );
  }
  for (const e of SEEDED_PROFILE) {
    const name = e.file.replace(/(\.prop)?\.test\.ts$/, '');
    console.log(`  ${name.padEnd(24)} seed ${e.seed}, ${e.runs} runs (the property's checks as they are)`);
  }
  console.log('  shrinking off (VMCHECK_SHRINK_SECONDS=0; fast-check endOnFailure), no shrink reports written (VMCHECK_REPORTS=0)\n');
}

// ------------------------------------------------------------------ the report

interface Pos {
  readonly line: number;
  readonly column: number;
}
interface Mutant {
  readonly id: string;
  readonly mutatorName: string;
  readonly replacement?: string;
  readonly status: string;
  readonly location: { readonly start: Pos; readonly end: Pos };
  readonly coveredBy?: readonly string[];
  readonly killedBy?: readonly string[];
  readonly testsCompleted?: number;
  readonly static?: boolean;
}
interface ReportJson {
  readonly files: Record<string, { readonly source: string; readonly mutants: readonly Mutant[] }>;
  readonly testFiles?: Record<string, { readonly tests: readonly unknown[] }>;
}

interface Tally {
  killed: number;
  timeout: number;
  survived: number;
  noCoverage: number;
  other: number;
}
const emptyTally = (): Tally => ({ killed: 0, timeout: 0, survived: 0, noCoverage: 0, other: 0 });

function add(t: Tally, status: string): void {
  if (status === 'Killed') t.killed++;
  else if (status === 'Timeout') t.timeout++;
  else if (status === 'Survived') t.survived++;
  else if (status === 'NoCoverage') t.noCoverage++;
  else t.other++; // CompileError, RuntimeError, Ignored, Pending: not in the score (Stryker's definition)
}

/** Stryker's mutation score: detected / (detected + undetected), errors and ignored left out */
function score(t: Tally): string {
  const valid = t.killed + t.timeout + t.survived + t.noCoverage;
  return valid === 0 ? '   -  ' : `${((100 * (t.killed + t.timeout)) / valid).toFixed(2).padStart(6)}%`;
}

function folderOf(file: string): string {
  return FOLDERS.find((f) => file.startsWith(f + '/')) ?? file.split('/').slice(0, -1).join('/');
}

/** the original text a mutant replaces, on one line */
function original(source: string, m: Mutant): string {
  const lines = source.split('\n');
  const { start, end } = m.location;
  let text: string;
  if (start.line === end.line) text = (lines[start.line - 1] ?? '').slice(start.column - 1, end.column - 1);
  else text = [(lines[start.line - 1] ?? '').slice(start.column - 1), ...lines.slice(start.line, end.line - 1), (lines[end.line - 1] ?? '').slice(0, end.column - 1)].join(' ');
  return oneLine(text);
}

function oneLine(s: string, max = 90): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}

// ------------------------------------------------------------------ the equivalent lists

const EQUIVALENT_DIR = join(ROOT, 'properties', 'mutation', 'equivalent');

/**
 * The lines of src/ with a survivor judged equivalent: every table row of
 * properties/mutation/equivalent/<folder>.md starts with `file.ts:LINE[, LINE…] [(×n)]`, the
 * file relative to src/<folder>/ (or to src/ when no such folder exists: kernel.md). A listed
 * line counts every survivor on it as judged; a survivor on no listed line is open.
 */
function equivalentLines(dir = EQUIVALENT_DIR): Set<string> {
  const out = new Set<string>();
  if (!existsSync(dir)) return out;
  for (const md of readdirSync(dir).filter((f) => f.endsWith('.md') && f !== 'README.md')) {
    const folder = md.replace(/\.md$/, '');
    const base = existsSync(join(ROOT, 'src', folder)) && statSync(join(ROOT, 'src', folder)).isDirectory() ? `src/${folder}/` : 'src/';
    for (const row of readFileSync(join(dir, md), 'utf8').split('\n')) {
      const cell = /^\|\s*([\w./-]+\.ts):([^|]*)\|/.exec(row);
      if (!cell) continue;
      const lines = cell[2]!.replace(/\(×\d+\)/g, '').match(/\d+/g) ?? [];
      for (const l of lines) out.add(`${base}${cell[1]}:${l}`);
    }
  }
  return out;
}

function summarise(reports: readonly string[], elapsedMs: number | null): void {
  const missing = reports.filter((f) => !existsSync(f));
  if (missing.length > 0) {
    console.error(`no report at ${missing.map((f) => relative(ROOT, f)).join(', ')}`);
    process.exitCode = 1;
    return;
  }
  // merged by file: a later report of the same file replaces an earlier one
  const files = new Map<string, ReportJson['files'][string]>();
  let tests = 0;
  for (const path of reports) {
    const r = JSON.parse(readFileSync(path, 'utf8')) as ReportJson;
    for (const [file, f] of Object.entries(r.files)) files.set(relative(ROOT, join(ROOT, file)).replaceAll('\\', '/'), f);
    tests = Math.max(tests, r.testFiles ? Object.values(r.testFiles).reduce((n, t) => n + t.tests.length, 0) : 0);
  }
  const total = emptyTally();
  const perFolder = new Map<string, Tally>();
  const perFile = new Map<string, Tally>();
  const open: { file: string; m: Mutant; orig: string }[] = [];
  let testRuns = 0;
  let statics = 0;
  for (const [rel, f] of files) {
    const folder = folderOf(rel);
    if (!perFolder.has(folder)) perFolder.set(folder, emptyTally());
    const ft = emptyTally();
    for (const m of f.mutants) {
      add(total, m.status);
      add(perFolder.get(folder)!, m.status);
      add(ft, m.status);
      testRuns += m.testsCompleted ?? 0;
      if (m.static) statics++;
      if (m.status === 'Survived' || m.status === 'NoCoverage') open.push({ file: rel, m, orig: original(f.source, m) });
    }
    perFile.set(rel, ft);
  }
  const head = `${'where'.padEnd(34)} ${'score'.padStart(7)} ${'killed'.padStart(6)} ${'timeout'.padStart(7)} ${'survived'.padStart(8)} ${'no cov'.padStart(6)} ${'errors'.padStart(6)}`;
  const row = (name: string, t: Tally): string =>
    `${name.padEnd(34)} ${score(t)} ${String(t.killed).padStart(6)} ${String(t.timeout).padStart(7)} ${String(t.survived).padStart(8)} ${String(t.noCoverage).padStart(6)} ${String(t.other).padStart(6)}`;
  console.log(`\nmutation summary (${reports.map((f) => relative(ROOT, f)).join(', ')}; ${tests} tests in the profile)`);
  console.log(head);
  for (const f of [...FOLDERS, ...[...perFolder.keys()].filter((k) => !FOLDERS.includes(k)).sort()]) {
    const t = perFolder.get(f);
    if (!t) continue;
    console.log(row(f, t));
    for (const [file, ft] of [...perFile].filter(([file]) => folderOf(file) === f).sort()) console.log(row('  ' + file.slice(f.length + 1), ft));
  }
  console.log(row('all', total));
  open.sort((a, b) => a.file.localeCompare(b.file) || a.m.location.start.line - b.m.location.start.line || a.m.location.start.column - b.m.location.start.column);
  const listed = equivalentLines();
  const judged = open.filter(({ file, m }) => listed.has(`${file}:${m.location.start.line}`));
  const unlisted = open.filter(({ file, m }) => !listed.has(`${file}:${m.location.start.line}`));
  const judgedBy = new Map<string, number>();
  for (const { file } of judged) judgedBy.set(folderOf(file), (judgedBy.get(folderOf(file)) ?? 0) + 1);
  console.log(
    `\nsurvivors judged equivalent (on a line listed in properties/mutation/equivalent/): ${judged.length}` +
      (judged.length > 0 ? ` (${[...judgedBy].map(([f, n]) => `${f} ${n}`).join(', ')})` : ''),
  );
  console.log(`survivors open (on no listed line: killed by no test, judged by nobody) (${unlisted.length}): file:line:col  status  mutator  original → replacement`);
  for (const { file, m, orig } of unlisted) {
    const where = `${file}:${m.location.start.line}:${m.location.start.column}`;
    const tag = m.status === 'NoCoverage' ? 'no-coverage' : 'survived';
    console.log(`  ${where}  ${tag}  ${m.mutatorName}  ${orig} → ${oneLine(m.replacement ?? '')}`);
  }
  const mutants = total.killed + total.timeout + total.survived + total.noCoverage + total.other;
  console.log(
    `\nrun counts: ${mutants} mutants (${statics} static: run against every test), ${testRuns} test runs against mutants` +
      (mutants > 0 ? ` (${(testRuns / mutants).toFixed(1)} per mutant)` : ''),
  );
  if (elapsedMs !== null) console.log(`time: ${(elapsedMs / 60_000).toFixed(1)} min` + (mutants > 0 ? ` (${(elapsedMs / 1000 / mutants).toFixed(2)} s per mutant)` : ''));
  const detected = total.killed + total.timeout;
  const valid = detected + total.survived + total.noCoverage;
  console.log(`mutation score: ${score(total).trim()} (${detected} detected of ${valid})`);
  if (valid - judged.length > 0) {
    console.log(
      `mutation score without the ${judged.length} survivors judged equivalent: ${((100 * detected) / (valid - judged.length)).toFixed(2)}% (${detected} detected of ${valid - judged.length}; ${unlisted.length} open)`,
    );
  }
}

// ------------------------------------------------------------------ main

/** `src/vmap-block` → the Stryker globs for its files (re-exporting index.ts files excluded) */
function mutateGlobs(paths: readonly string[]): string {
  const globs = paths.map((p) => {
    const clean = p.replace(/\/+$/, '');
    const abs = join(ROOT, clean);
    return existsSync(abs) && statSync(abs).isDirectory() ? `${clean}/**/*.ts` : clean;
  });
  return [...globs, '!src/**/index.ts'].join(',');
}

/**
 * `npm run mutation` without paths runs src/ as these parts, one Stryker run each, and merges
 * their reports. One Stryker run over all of src/ instruments every file for every mutant run:
 * its dry run took 53 s (46 s of tests; a profiler shared the cores for part of it) where the
 * part src/vmap + src/kernel.ts took 12 s (8.5 s of tests), and each mutant run pays for the
 * coverage and switch checks of all 37 files, not only its part's. Each part keeps its own incremental file, so
 * the parts are the same runs as `npm run mutation -- <part>` and share their results.
 */
const PARTS: readonly (readonly string[])[] = [['src/vmap', 'src/kernel.ts'], ['src/vmap-block'], ['src/layout'], ['src/vmemmap'], ['src/directmap'], ['src/machine']];

function slugOf(paths: readonly string[]): string {
  return paths.map((p) => p.replace(/^src\/?/, '').replace(/\.ts$/, '').replaceAll('/', '-') || 'src').join('+');
}

/** src/ files (re-exporting index.ts excluded) that no part names: they would go unmutated */
function outsideParts(): string[] {
  const all = readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })
    .map((f) => `src/${f.replaceAll('\\', '/')}`)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('/index.ts'));
  const named = PARTS.flat();
  return all.filter((f) => !named.some((p) => f === p || f.startsWith(`${p}/`)));
}

/** One Stryker run over `paths` (all of stryker.config.mjs's `mutate` when empty). */
function runStryker(paths: readonly string[], rest: readonly string[]): { status: number; elapsed: number; report: string } {
  const slug = paths.length === 0 ? null : slugOf(paths);
  const extra = [...rest];
  if (paths.length > 0) {
    extra.push('--mutate', mutateGlobs(paths));
    // each subset keeps its own incremental file: one subset's run does not discard another's
    if (!rest.includes('--incrementalFile')) extra.push('--incrementalFile', `reports/mutation/stryker-incremental-${slug}.json`);
  }
  console.log(`stryker run stryker.config.mjs ${extra.join(' ')}\n`);
  const t0 = Date.now();
  const bin = join(ROOT, 'node_modules', '.bin', 'stryker');
  const res = spawnSync(bin, ['run', 'stryker.config.mjs', ...extra], { cwd: ROOT, stdio: 'inherit' });
  const status = res.status ?? 1;
  const elapsed = Date.now() - t0;
  console.log(`\nstryker finished in ${(elapsed / 60_000).toFixed(1)} min (exit ${status})`);
  let report = REPORT;
  if (slug && status === 0 && existsSync(REPORT)) {
    report = join(REPORT_DIR, `${slug}.json`);
    copyFileSync(REPORT, report);
    console.log(`report kept as ${relative(ROOT, report)}`);
  }
  return { status, elapsed, report };
}

const args = process.argv.slice(2);
const reportOnly = args.includes('--report-only');
const whole = args.includes('--whole');
const paths = args.filter((a) => /^(\.\/)?src(\/|$)/.test(a)).map((a) => a.replace(/^\.\//, ''));
const rest = args.filter((a) => a !== '--report-only' && a !== '--whole' && !paths.includes(a) && !paths.includes(a.replace(/^\.\//, '')));
printProfile();
let status = 0;
let elapsed: number | null = null;
let reports = [REPORT];
if (reportOnly) {
  const named = rest.filter((a) => a.endsWith('.json'));
  if (named.length > 0) reports = named.map((f) => join(process.cwd(), f));
} else if (paths.length > 0 || whole) {
  const r = runStryker(paths, rest);
  status = r.status;
  elapsed = r.elapsed;
  reports = [r.report];
} else {
  const missed = outsideParts();
  if (missed.length > 0) {
    console.error(`properties/mutation/run.ts: PARTS names no part for ${missed.join(', ')}`);
    process.exit(2);
  }
  elapsed = 0;
  reports = [];
  for (const part of PARTS) {
    console.log(`\n=== part ${PARTS.indexOf(part) + 1}/${PARTS.length}: ${part.join(' ')}`);
    const r = runStryker(part, rest);
    elapsed += r.elapsed;
    if (r.status !== 0) {
      status = r.status;
      break;
    }
    reports.push(r.report);
  }
}
if (reportOnly || status === 0) summarise(reports, elapsed);
if (status !== 0) process.exitCode = status;
