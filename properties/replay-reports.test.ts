// Every committed shrink report is replayed (checking.md §6): a "fixed" report must pass, an
// "open" one must still fail with the same signature, so a report never silently rots. Reports
// are validated first; a malformed one fails naming the file and the field.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readReport, replayReport } from './harness/replay.js';
import { PROJECT_ROOT } from './harness/report.js';

const dir = join(PROJECT_ROOT, 'shrink-reports');
const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : [];

describe(`replay of shrink-reports/ (${files.length} report${files.length === 1 ? '' : 's'})`, () => {
  it('the directory of committed reports exists', () => {
    expect(existsSync(dir)).toBe(true);
  });
  it.each(files)('%s replays as its status says', (file) => {
    const v = replayReport(readReport(join(dir, file)));
    expect(v.asExpected, `${file}: ${v.summary}`).toBe(true);
  });
});
