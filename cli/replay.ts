// `npm run replay -- <report.json>` — replay one shrink report step by step: each call with its
// resolved arguments and result, a one-line summary of the state after it, the failure, and a
// picture of the address space at the end. Exit 0 when the outcome is what the report's status
// says (open: still fails the same way; fixed: passes), 1 otherwise, 2 on bad arguments.
import { formatCall, formatResult } from '../properties/harness/format.js';
import { geometryOf } from '../properties/harness/geometry.js';
import { picture, summary } from '../properties/harness/picture.js';
import { readReport, replayReport } from '../properties/harness/replay.js';
import { parseArgs, usageError } from './args.js';

const USAGE = 'usage: npm run replay -- <shrink-reports/….json> [--no-picture] [--help]';
const args = parseArgs(process.argv.slice(2), { 'no-picture': 'flag', help: 'flag' }, USAGE);
const file = args._[0];
if (!file || args._.length > 1) usageError(USAGE, file ? 'one report at a time' : 'which report?');

let report;
try {
  report = readReport(file);
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
}
const g = geometryOf(report.config);
console.log(`${report.property} · ${report.configName} · ${report.pair} — status ${report.status}, signature ${report.signature}`);
console.log(`${report.trace.length} ops (seed ${report.seed ?? '-'}); state after each step: areas busy+lazy, lazy_nr, blocks, mappings, leaves, tables, free pfns, tlb, flushes`);
const width = String(report.trace.length).length;
const v = replayReport(report, {
  record: true,
  onStep: (rec, after) => {
    if (!rec.call || !rec.modelResult) return;
    const line = `${String(rec.step).padStart(width)}  ${formatCall(rec.call, g.w)} = ${formatResult(rec.modelResult, g.w)}`;
    console.log(`${line}\n${' '.repeat(width + 2)}[${summary(after.model)}]`);
  },
  onSkip: (rec) => console.log(`${String(rec.step).padStart(width)}  (skipped: ${JSON.stringify(rec.op)} names nothing live)`),
});
if (!v.outcome.ok) {
  const f = v.outcome.failure;
  if (f.call) {
    const m = f.modelResult ? formatResult(f.modelResult, g.w) : '';
    const i = f.implResult ? formatResult(f.implResult, g.w) : '';
    const res = f.modelResult ? ` = ${m}${m === i ? '' : ` (impl: ${i})`}` : '';
    console.log(`${String(f.step).padStart(width)}  ${formatCall(f.call, g.w)}${res}   <- fails here`);
  }
  console.log(`\n${f.message}`);
  console.log(`  model: ${f.model}\n  impl:  ${f.impl}`);
}
if (!args['no-picture'] && v.outcome.last) console.log(`\naddress space at the end (model):\n${picture(v.outcome.last.model, g).join('\n')}`);
console.log(`\n${v.asExpected ? 'as expected' : 'NOT as expected'}: ${v.summary}`);
process.exit(v.asExpected ? 0 : 1);
