// harness: a vitest reporter that closes the run with the combined coverage-label table
// (label-summary.ts) and writes the records to reports/labels.json (reports/ is git-ignored).
// The counts travel in each test's task meta, so there is no shared file that parallel workers
// append to and no stale data from an earlier run; a run without refinement tests prints nothing.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Reporter, TestModule } from 'vitest/node';
import type { LabelRecord } from './label-summary.js';
import { combinedLabelTable } from './label-summary.js';

/** reports/labels.json in the project (this file is properties/harness/label-reporter.ts) */
export const LABELS_JSON = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'), 'reports', 'labels.json');

export default class LabelReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const records: LabelRecord[] = [];
    let steps = 0;
    let tests = 0;
    for (const m of testModules) {
      for (const t of m.children.allTests()) {
        const r = t.meta().vmcheckLabels;
        if (r) records.push(r);
        const n = t.meta().vmcheckSteps;
        if (n !== undefined) {
          steps += n;
          tests++;
        }
      }
    }
    if (tests > 0) process.stdout.write(`\nchecked operations: ${steps.toLocaleString('en-US')} steps through the commuting square in ${tests} property tests\n`);
    if (records.length === 0) return;
    mkdirSync(dirname(LABELS_JSON), { recursive: true });
    writeFileSync(LABELS_JSON, JSON.stringify(records, null, 1) + '\n');
    process.stdout.write(`\n${combinedLabelTable(records)}(records: reports/labels.json)\n`);
  }
}
