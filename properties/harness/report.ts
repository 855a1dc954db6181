// harness: writing a shrink report — shrink-reports/<yyyy-mm-dd>-<property>-<short-hash>.json
// plus a .md beside it that reads like a kernel bug report (checking.md §6): numbered calls with
// resolved arguments and hex results, the broken invariant or field, model vs implementation,
// and a picture of the address space at the failing step (text, and an SVG beside it).
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MachineConfig, Op } from '../../api/index.js';
import { formatCall, formatResult } from './format.js';
import { geometryOf } from './geometry.js';
import { picture } from './picture.js';
import { pictureSvg } from './picture-svg.js';
import type { ShrinkReport } from './report-format.js';
import { REPORT_FORMAT, REPORT_VERSION, serializeReport } from './report-format.js';
import type { Snapshot, StepFailure } from './step.js';
import type { StepRecord } from './runner.js';

/** The project root (this file is properties/harness/report.ts). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where reports go: $VMCHECK_REPORT_DIR, else shrink-reports/ in the project. */
export function reportDir(): string {
  const d = process.env['VMCHECK_REPORT_DIR'];
  return d ? resolve(d) : join(PROJECT_ROOT, 'shrink-reports');
}

export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

export function shortHash(property: string, signature: string, configName: string, trace: readonly Op[]): string {
  return createHash('sha1').update(JSON.stringify([property, signature, configName, trace])).digest('hex').slice(0, 8);
}

export interface ReportInput {
  readonly property: string;
  readonly pair: string;
  readonly config: MachineConfig;
  readonly seed: number | null;
  readonly path: string | null;
  readonly trace: readonly Op[];
  readonly failure: StepFailure;
  readonly shrink: ShrinkReport['shrink'];
}

export function buildReport(x: ReportInput): ShrinkReport {
  const f = x.failure;
  return {
    format: REPORT_FORMAT,
    version: REPORT_VERSION,
    property: x.property,
    pair: x.pair,
    configName: x.config.name,
    config: x.config,
    seed: x.seed,
    path: x.path,
    trace: x.trace,
    failingStep: f.step,
    signature: f.signature,
    kind: f.kind,
    where: f.where,
    side: f.side,
    message: f.message,
    model: f.model,
    impl: f.impl,
    status: 'open',
    created: today(),
    shrink: x.shrink,
  };
}

/** The Markdown rendering; `records`/`last` come from re-running the trace with recording on. */
export function renderMarkdown(r: ShrinkReport, records: readonly StepRecord[], last: Snapshot | undefined, jsonName: string): string {
  const g = geometryOf(r.config);
  const w = g.w;
  const lines: string[] = [];
  const what =
    r.kind === 'invariant' ? `invariant \`${r.where}\`` : r.kind === 'state' ? `state field \`${r.where}\`` : `${r.kind} \`${r.where}\``;
  lines.push(`# ${r.property}: ${what} (${r.side === 'model' ? 'model' : 'implementation'})`, '');
  lines.push('```', r.message, '```', '');
  lines.push(`- status: **${r.status}**, found ${r.created}`);
  lines.push(`- configuration: \`${r.configName}\` (preset \`${r.config.preset}\`, online CPUs ${r.config.cpus.online.join(', ')})`);
  lines.push(`- implementations: \`${r.pair}\``);
  const path = r.path === null ? '-' : r.path.length > 48 ? `${r.path.slice(0, 48)}…` : r.path;
  lines.push(`- seed ${r.seed ?? '-'}, path \`${path}\` (the full path is in the JSON)`);
  lines.push(`- trace: ${r.trace.length} op${r.trace.length === 1 ? '' : 's'} (from ${r.shrink.from}; ${r.shrink.oneMinimal ? '1-minimal' : 'reduction cut short'}, ${r.shrink.tries} tries)`);
  lines.push(`- signature: \`${r.signature}\``);
  lines.push(`- replay: \`npm run replay -- shrink-reports/${jsonName}\``, '');
  lines.push('## Calls', '', '```');
  const width = String(r.trace.length).length;
  for (const rec of records) {
    const n = String(rec.step).padStart(width);
    const mark = rec.step === r.failingStep ? '›' : ' ';
    if (rec.call === null) {
      lines.push(`${mark}${n}  (skipped: ${JSON.stringify(rec.op)} names nothing live)`);
      continue;
    }
    const call = formatCall(rec.call, w);
    if (rec.modelResult && rec.implResult) {
      const m = formatResult(rec.modelResult, w);
      const i = formatResult(rec.implResult, w);
      const here = rec.step === r.failingStep ? '   <- fails here' : '';
      lines.push(`${mark}${n}  ${call} = ${m}${m === i ? '' : `   (impl: ${i})`}${here}`);
    } else lines.push(`${mark}${n}  ${call}   <- fails here`);
  }
  lines.push('```', '');
  lines.push('## What broke', '');
  if (r.kind === 'invariant') {
    lines.push(`Invariant \`${r.where}\` does not hold after step ${r.failingStep}:`, '', `> ${r.model}`, '');
    lines.push('The implementation\'s state equals the model\'s here, so the model (or the spec) is at fault.', '');
  } else if (r.kind === 'handles') {
    lines.push(`The harness's own handle table disagrees with the model's live mappings at \`${r.where}\`.`, '');
  }
  lines.push('| | value |', '|---|---|');
  lines.push(`| model | \`${r.model.replace(/\|/g, '\\|')}\` |`);
  lines.push(`| implementation | \`${r.impl.replace(/\|/g, '\\|')}\` |`, '');
  if (last) {
    lines.push(`## Address space after step ${r.failingStep} (model)`, '', `![address space](${jsonName.replace(/\.json$/, '.svg')})`, '');
    lines.push('```', ...picture(last.model, g), '```', '');
    // where the two states differ, the implementation's picture too
    if (r.kind === 'state' || r.kind === 'unchanged') {
      lines.push(`## Address space after step ${r.failingStep} (implementation)`, '', '```', ...picture(last.impl, g), '```', '');
    }
  }
  lines.push('## Trace (JSON)', '', '```json', JSON.stringify(r.trace), '```', '');
  return lines.join('\n');
}

/** Write the report and its rendering; returns the JSON path. */
export function writeReport(r: ShrinkReport, records: readonly StepRecord[], last: Snapshot | undefined, dir = reportDir()): string {
  mkdirSync(dir, { recursive: true });
  const base = `${r.created}-${r.property}-${shortHash(r.property, r.signature, r.configName, r.trace)}`;
  const json = join(dir, `${base}.json`);
  writeFileSync(json, serializeReport(r));
  writeFileSync(join(dir, `${base}.md`), renderMarkdown(r, records, last, `${base}.json`));
  if (last) {
    const g = geometryOf(r.config);
    writeFileSync(join(dir, `${base}.svg`), pictureSvg(last.model, g, `${r.property} · ${r.configName} · after step ${r.failingStep} (model)`));
  }
  return json;
}

/** A path for messages: relative to the project when inside it. */
export function shownPath(p: string): string {
  const rel = relative(PROJECT_ROOT, p);
  return rel.startsWith('..') ? p : rel;
}
