// The shrink report format (checking.md §6): a report survives a write/read round trip
// unchanged, and a malformed one is rejected with a message naming the file and the field.
import { describe, expect, it } from 'vitest';
import type { Op } from '../api/index.js';
import { configByName } from './configs.js';
import type { ShrinkReport } from './harness/report-format.js';
import { parseReport, serializeReport, validateReport } from './harness/report-format.js';

const trace: Op[] = [
  { op: 'vm_map_ram', pages: 4, cpu: 1 },
  { op: 'vm_unmap_ram', ref: 0, count: 4 },
  { op: 'get_vm_area', bytes: '0x3000', flags: ['VM_NO_GUARD'], start: '0xffffc90000000000', end: '0xffffc90000100000' },
  { op: 'vfree', ref: 2, pick: 'dead', delta: -4096 },
  { op: 'touch_addr', addr: '0xffffffffffffffff', cpu: 0 },
];

const report: ShrinkReport = {
  format: 'vmcheck-shrink-report',
  version: 1,
  property: 'vmap-refines-model',
  pair: 'kernel-vs-model',
  configName: 'x86_64',
  config: configByName('x86_64'),
  seed: 20241117,
  path: '3:0:1',
  trace,
  failingStep: 2,
  signature: 'state:vmap.lazyNr@impl',
  kind: 'state',
  where: 'vmap.lazyNr',
  side: 'impl',
  message: 'step 2 vm_unmap_ram(0xffffc90000000000, count=4) › vmap.lazyNr: model=16 impl=12',
  model: '16',
  impl: '12',
  status: 'open',
  created: '2026-11-22',
  shrink: { from: 240, to: 5, oneMinimal: true, tries: 311 },
};

/** The report as JSON data with one field replaced (path: dot/bracket list of keys). */
function mutated(path: (string | number)[], value: unknown): unknown {
  const copy = JSON.parse(serializeReport(report)) as Record<string, unknown>;
  let o: Record<string | number, unknown> = copy;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (value === undefined) delete o[last];
  else o[last] = value;
  return copy;
}

describe('shrink report format', () => {
  it('round-trips: serialize, parse and validate give back the same report', () => {
    expect(parseReport(serializeReport(report), 'r.json')).toEqual(report);
  });

  it.each<[string, (string | number)[], unknown, RegExp]>([
    ['a missing status', ['status'], undefined, /^bad\.json: field 'status': expected one of open, fixed/],
    ['an unknown op', ['trace', 1, 'op'], 'vm_unmap_everything', /^bad\.json: field 'trace\[1\]\.op': expected one of .*vm_unmap_aliases/],
    ['a non-integer page count', ['trace', 0, 'pages'], 4.5, /^bad\.json: field 'trace\[0\]\.pages': expected an integer, got 4.5/],
    ['a decimal address', ['trace', 4, 'addr'], '12345', /^bad\.json: field 'trace\[4\]\.addr': expected a hex address/],
    ['a field the op does not have', ['trace', 0, 'count'], 3, /^bad\.json: field 'trace\[0\]\.count': 'vm_map_ram' has no such field/],
    ['an unknown preset', ['config', 'preset'], 'riscv', /^bad\.json: field 'config\.preset': expected one of/],
    ['a failing step past the trace', ['failingStep'], 9, /^bad\.json: field 'failingStep': step 9 is past the end of the trace/],
    ['a wrong version', ['version'], 2, /^bad\.json: field 'version': expected 1, got 2/],
    ['a bad flag', ['trace', 2, 'flags', 0], 'VM_USERMAP', /^bad\.json: field 'trace\[2\]\.flags\[0\]': expected one of VM_NO_GUARD, VM_IOREMAP/],
  ])('rejects %s, naming the file and the field', (_what, path, value, message) => {
    expect(() => validateReport(mutated(path, value), 'bad.json')).toThrow(message);
  });

  it('rejects text that is not JSON, naming the file', () => {
    expect(() => parseReport('{ "format": ', 'broken.json')).toThrow(/^broken\.json: field '\(report\)': not JSON/);
  });

  it('rejects a free op with neither a ref nor an address', () => {
    expect(() => validateReport(mutated(['trace', 3], { op: 'vfree' }), 'bad.json')).toThrow(/field 'trace\[3\]\.ref': 'vfree' needs exactly one of 'ref' and 'addr'/);
  });
});
