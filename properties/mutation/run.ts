// `npm run mutation [-- <stryker args>]` — mutation testing of src/ (checking.md §8): prints the
// deterministic profile (tests, properties, seeds, runs, ops per trace), runs Stryker
// (stryker.config.mjs) with any extra arguments passed through (e.g. `--mutate
// src/vmap/free-tree.ts`, `--incremental false`), then summarises reports/mutation/mutation.json:
// the score overall and per folder, and every surviving / uncovered mutant by file:line with its
// mutator, the original code and the replacement.
//   npm run mutation -- --report-only    summarise the last report without running Stryker
// Exit status: Stryker's when it fails, else 0.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CONFIGS } from '../configs.js';
import { IMPLEMENTATIONS } from '../implementations.js';
import { ENV_PROFILE, REFINEMENT_PROFILE } from './profile.js';

const ROOT = join(import.meta.dirname, '..', '..');
const REPORT = join(ROOT, 'reports', 'mutation', 'mutation.json');
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
  for (const r of REFINEMENT_PROFILE) {
    const traces = r.runs * CONFIGS.length * pairs;
    console.log(
      `  ${r.property.padEnd(24)} seed ${r.seed}, ${r.runs} runs × ≤${r.ops} ops on ${CONFIGS.length} configurations × ${pairs} pair(s) = ${traces} traces, ≤${traces * r.ops} ops`,
    );
  }
  for (const e of ENV_PROFILE) {
    const name = e.file.replace('.prop.test.ts', '');
    console.log(`  ${name.padEnd(24)} seed ${e.seed}, VMCHECK_RUNS=${e.runs} (the property file unchanged)`);
  }
  console.log('  shrinking off (VMCHECK_SHRINK_SECONDS=0), no shrink reports written (VMCHECK_REPORTS=0)\n');
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

function summarise(): void {
  if (!existsSync(REPORT)) {
    console.error(`no report at ${relative(ROOT, REPORT)}`);
    process.exitCode = 1;
    return;
  }
  const r = JSON.parse(readFileSync(REPORT, 'utf8')) as ReportJson;
  const total = emptyTally();
  const perFolder = new Map<string, Tally>();
  const perFile = new Map<string, Tally>();
  const open: { file: string; m: Mutant; orig: string }[] = [];
  for (const [file, f] of Object.entries(r.files)) {
    const rel = relative(ROOT, join(ROOT, file)).replaceAll('\\', '/');
    const folder = folderOf(rel);
    if (!perFolder.has(folder)) perFolder.set(folder, emptyTally());
    const ft = emptyTally();
    for (const m of f.mutants) {
      add(total, m.status);
      add(perFolder.get(folder)!, m.status);
      add(ft, m.status);
      if (m.status === 'Survived' || m.status === 'NoCoverage') open.push({ file: rel, m, orig: original(f.source, m) });
    }
    perFile.set(rel, ft);
  }
  const tests = r.testFiles ? Object.values(r.testFiles).reduce((n, t) => n + t.tests.length, 0) : 0;
  const head = `${'where'.padEnd(34)} ${'score'.padStart(7)} ${'killed'.padStart(6)} ${'timeout'.padStart(7)} ${'survived'.padStart(8)} ${'no cov'.padStart(6)} ${'errors'.padStart(6)}`;
  const row = (name: string, t: Tally): string =>
    `${name.padEnd(34)} ${score(t)} ${String(t.killed).padStart(6)} ${String(t.timeout).padStart(7)} ${String(t.survived).padStart(8)} ${String(t.noCoverage).padStart(6)} ${String(t.other).padStart(6)}`;
  console.log(`\nmutation summary (${relative(ROOT, REPORT)}; ${tests} tests in the profile)`);
  console.log(head);
  for (const f of [...FOLDERS, ...[...perFolder.keys()].filter((k) => !FOLDERS.includes(k)).sort()]) {
    const t = perFolder.get(f);
    if (!t) continue;
    console.log(row(f, t));
    for (const [file, ft] of [...perFile].filter(([file]) => folderOf(file) === f).sort()) console.log(row('  ' + file.slice(f.length + 1), ft));
  }
  console.log(row('all', total));
  open.sort((a, b) => a.file.localeCompare(b.file) || a.m.location.start.line - b.m.location.start.line || a.m.location.start.column - b.m.location.start.column);
  console.log(`\nsurvivors (${open.length}): file:line:col  status  mutator  original → replacement`);
  for (const { file, m, orig } of open) {
    const where = `${file}:${m.location.start.line}:${m.location.start.column}`;
    const tag = m.status === 'NoCoverage' ? 'no-coverage' : 'survived';
    console.log(`  ${where}  ${tag}  ${m.mutatorName}  ${orig} → ${oneLine(m.replacement ?? '')}`);
  }
  console.log(`\nmutation score: ${score(total).trim()} (${total.killed + total.timeout} detected of ${total.killed + total.timeout + total.survived + total.noCoverage})`);
}

// ------------------------------------------------------------------ main

const args = process.argv.slice(2);
const reportOnly = args.includes('--report-only');
printProfile();
let status = 0;
if (!reportOnly) {
  const t0 = Date.now();
  const bin = join(ROOT, 'node_modules', '.bin', 'stryker');
  const res = spawnSync(bin, ['run', 'stryker.config.mjs', ...args], { cwd: ROOT, stdio: 'inherit' });
  status = res.status ?? 1;
  console.log(`\nstryker finished in ${((Date.now() - t0) / 60_000).toFixed(1)} min (exit ${status})`);
}
summarise();
if (status !== 0) process.exitCode = status;
