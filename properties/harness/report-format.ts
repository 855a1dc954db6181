// harness: the shrink report format (checking.md §6) and its validation. A malformed report is
// rejected with a message naming the file and the field: `x.json: field 'trace[3].pages': …`.
import type { MachineConfig, Op, OpName } from '../../api/index.js';
import { PRESETS } from '../../api/index.js';
import type { FailureKind } from './step.js';

export const REPORT_FORMAT = 'vmcheck-shrink-report';
export const REPORT_VERSION = 1;

export interface ShrinkReport {
  readonly format: typeof REPORT_FORMAT;
  readonly version: typeof REPORT_VERSION;
  /** the property that failed, e.g. 'vmap-refines-model' */
  readonly property: string;
  /** the implementation pair (properties/implementations.ts) */
  readonly pair: string;
  readonly configName: string;
  /** the whole configuration, so the report replays even if configs.ts changes */
  readonly config: MachineConfig;
  /** fast-check seed and counterexample path it came from (null: not from fast-check) */
  readonly seed: number | null;
  readonly path: string | null;
  /** the minimal trace */
  readonly trace: readonly Op[];
  /** 1-based op position of the failure in `trace` */
  readonly failingStep: number;
  /** what must still break on replay: kind, invariant or field, side */
  readonly signature: string;
  readonly kind: FailureKind;
  readonly where: string;
  readonly side: 'model' | 'impl';
  readonly message: string;
  /** the model's and the implementation's values, as strings */
  readonly model: string;
  readonly impl: string;
  readonly status: 'open' | 'fixed';
  /** yyyy-mm-dd */
  readonly created: string;
  readonly shrink: { readonly from: number; readonly to: number; readonly oneMinimal: boolean; readonly tries: number };
}

export class ReportFormatError extends Error {
  constructor(file: string, field: string, what: string) {
    super(`${file}: field '${field}': ${what}`);
    this.name = 'ReportFormatError';
  }
}

type FieldType = 'hex' | 'int' | 'nat' | 'bytes' | 'flags' | 'pick';
type Fields = Readonly<Record<string, readonly [FieldType, 'req' | 'opt']>>;

const TARGET: Fields = { ref: ['int', 'opt'], pick: ['pick', 'opt'], delta: ['int', 'opt'], addr: ['hex', 'opt'] };

/** Every op of api/ops.ts with its fields; `satisfies` keeps this list exhaustive. */
const OP_FIELDS = {
  map_pages: { va: ['hex', 'req'], pages: ['int', 'req'] },
  unmap_pages: TARGET,
  map_device: { va: ['hex', 'req'], phys: ['hex', 'req'], bytes: ['bytes', 'req'] },
  unmap_range: { start: ['hex', 'req'], end: ['hex', 'req'] },
  walk: { ref: ['int', 'req'], page: ['int', 'req'] },
  walk_addr: { addr: ['hex', 'req'] },
  touch: { ref: ['int', 'req'], page: ['int', 'req'], cpu: ['int', 'req'] },
  touch_addr: { addr: ['hex', 'req'], cpu: ['int', 'req'] },
  flush: { start: ['hex', 'req'], end: ['hex', 'req'] },
  flush_all: {},
  populate: { va: ['hex', 'req'], level: ['int', 'req'] },
  free_empty_tables: { start: ['hex', 'req'], end: ['hex', 'req'] },
  fail_alloc: { after: ['nat', 'req'] },
  vmalloc: { bytes: ['bytes', 'req'] },
  vfree: TARGET,
  vmap: { pages: ['int', 'req'], flags: ['flags', 'opt'] },
  vunmap: TARGET,
  get_vm_area: { bytes: ['bytes', 'req'], flags: ['flags', 'opt'], start: ['hex', 'opt'], end: ['hex', 'opt'] },
  free_vm_area: TARGET,
  ioremap: { phys: ['hex', 'req'], bytes: ['bytes', 'req'] },
  iounmap: TARGET,
  find_vm_area: { ref: ['int', 'req'], page: ['int', 'req'] },
  find_vm_area_addr: { addr: ['hex', 'req'] },
  vmallocinfo: {},
  purge_vmap_area_lazy: {},
  reclaim_and_purge: {},
  vm_map_ram: { pages: ['int', 'req'], cpu: ['int', 'req'] },
  vm_unmap_ram: { ...TARGET, count: ['int', 'opt'] },
  vm_unmap_aliases: {},
  add_memory: { pfn: ['nat', 'req'], pages: ['int', 'req'] },
  add_device: { pfn: ['nat', 'req'], pages: ['int', 'req'], reserve: ['int', 'req'], free: ['int', 'req'] },
  remove: { pfn: ['nat', 'req'], pages: ['int', 'req'] },
  remove_device: { pfn: ['nat', 'req'] },
  touch_page: { pfn: ['nat', 'req'], cpu: ['int', 'req'] },
} as const satisfies Record<OpName, Fields>;

const TARGET_OPS: ReadonlySet<string> = new Set(['unmap_pages', 'vfree', 'vunmap', 'free_vm_area', 'iounmap', 'vm_unmap_ram']);
const HEX = /^0x[0-9a-fA-F]+$/;
const FAILURE_KINDS: readonly FailureKind[] = ['result', 'state', 'invariant', 'unchanged', 'handles', 'self-check', 'exception'];

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class Checker {
  constructor(readonly file: string) {}
  fail(field: string, what: string): never {
    throw new ReportFormatError(this.file, field, what);
  }
  obj(v: unknown, field: string): Record<string, unknown> {
    if (!isObj(v)) this.fail(field, 'expected an object');
    return v;
  }
  str(v: unknown, field: string): string {
    if (typeof v !== 'string') this.fail(field, `expected a string, got ${JSON.stringify(v)}`);
    return v;
  }
  int(v: unknown, field: string, min = -Infinity): number {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
      this.fail(field, `expected an integer${min > -Infinity ? ` >= ${min}` : ''}, got ${JSON.stringify(v)}`);
    }
    return v;
  }
  hex(v: unknown, field: string): string {
    if (typeof v !== 'string' || !HEX.test(v)) this.fail(field, `expected a hex address like "0xffffc90000000000", got ${JSON.stringify(v)}`);
    return v;
  }
  arr(v: unknown, field: string): unknown[] {
    if (!Array.isArray(v)) this.fail(field, 'expected an array');
    return v;
  }
  oneOf<T extends string>(v: unknown, field: string, options: readonly T[]): T {
    if (typeof v !== 'string' || !options.includes(v as T)) this.fail(field, `expected one of ${options.join(', ')}, got ${JSON.stringify(v)}`);
    return v as T;
  }
  pfnRange(v: unknown, field: string): void {
    const o = this.obj(v, field);
    this.int(o['start'], `${field}.start`, 0);
    this.int(o['count'], `${field}.count`, 1);
  }
}

function checkOp(c: Checker, v: unknown, field: string): Op {
  const o = c.obj(v, field);
  const name = c.oneOf(o['op'], `${field}.op`, Object.keys(OP_FIELDS) as OpName[]);
  const spec: Fields = OP_FIELDS[name];
  for (const k of Object.keys(o)) {
    if (k !== 'op' && !(k in spec)) c.fail(`${field}.${k}`, `'${name}' has no such field`);
  }
  for (const [k, [type, need]] of Object.entries(spec)) {
    const x = o[k];
    const f = `${field}.${k}`;
    if (x === undefined) {
      if (need === 'req') c.fail(f, `missing (required by '${name}')`);
      continue;
    }
    if (type === 'hex') c.hex(x, f);
    else if (type === 'int') c.int(x, f);
    else if (type === 'nat') c.int(x, f, 0);
    else if (type === 'bytes') {
      if (typeof x === 'string') c.hex(x, f);
      else c.int(x, f, 0);
    } else if (type === 'flags') c.arr(x, f).forEach((fl, i) => c.oneOf(fl, `${f}[${i}]`, ['VM_NO_GUARD', 'VM_IOREMAP']));
    else c.oneOf(x, f, ['own', 'any', 'dead']);
  }
  if (TARGET_OPS.has(name) && (o['ref'] === undefined) === (o['addr'] === undefined)) {
    c.fail(`${field}.ref`, `'${name}' needs exactly one of 'ref' and 'addr'`);
  }
  return o as unknown as Op;
}

function checkConfig(c: Checker, v: unknown, field: string): MachineConfig {
  const o = c.obj(v, field);
  c.str(o['name'], `${field}.name`);
  c.oneOf(o['preset'], `${field}.preset`, Object.keys(PRESETS));
  const ram = c.obj(o['ram'], `${field}.ram`);
  c.arr(ram['banks'], `${field}.ram.banks`).forEach((b, i) => c.pfnRange(b, `${field}.ram.banks[${i}]`));
  c.pfnRange(ram['kernel'], `${field}.ram.kernel`);
  c.int(ram['rootPt'], `${field}.ram.rootPt`, 0);
  if (ram['noMap'] !== undefined) c.arr(ram['noMap'], `${field}.ram.noMap`).forEach((b, i) => c.pfnRange(b, `${field}.ram.noMap[${i}]`));
  c.arr(o['devices'], `${field}.devices`).forEach((d, i) => c.pfnRange(d, `${field}.devices[${i}]`));
  const cpus = c.obj(o['cpus'], `${field}.cpus`);
  for (const k of ['possible', 'online']) {
    const xs = c.arr(cpus[k], `${field}.cpus.${k}`);
    xs.forEach((x, i) => c.int(x, `${field}.cpus.${k}[${i}]`, 0));
    if (k === 'online' && xs.length === 0) c.fail(`${field}.cpus.online`, 'expected at least one online CPU');
  }
  c.int(o['lazyUnitBytes'], `${field}.lazyUnitBytes`, 0);
  c.arr(o['windows'], `${field}.windows`).forEach((w, i) => {
    const x = c.obj(w, `${field}.windows[${i}]`);
    c.hex(x['start'], `${field}.windows[${i}].start`);
    c.hex(x['end'], `${field}.windows[${i}].end`);
  });
  if (o['vmallocBytes'] !== undefined) c.int(o['vmallocBytes'], `${field}.vmallocBytes`, 0);
  if (o['vmemmapFallback'] !== undefined && typeof o['vmemmapFallback'] !== 'boolean') {
    c.fail(`${field}.vmemmapFallback`, 'expected a boolean');
  }
  return o as unknown as MachineConfig;
}

/** Validate a parsed report; throws ReportFormatError naming `file` and the first bad field. */
export function validateReport(v: unknown, file: string): ShrinkReport {
  const c = new Checker(file);
  const o = c.obj(v, '(report)');
  if (o['format'] !== REPORT_FORMAT) c.fail('format', `expected "${REPORT_FORMAT}", got ${JSON.stringify(o['format'])}`);
  if (o['version'] !== REPORT_VERSION) c.fail('version', `expected ${REPORT_VERSION}, got ${JSON.stringify(o['version'])}`);
  c.str(o['property'], 'property');
  c.str(o['pair'], 'pair');
  c.str(o['configName'], 'configName');
  checkConfig(c, o['config'], 'config');
  if (o['seed'] !== null) c.int(o['seed'], 'seed');
  if (o['path'] !== null) c.str(o['path'], 'path');
  const trace = c.arr(o['trace'], 'trace');
  if (trace.length === 0) c.fail('trace', 'expected at least one op');
  trace.forEach((op, i) => checkOp(c, op, `trace[${i}]`));
  c.int(o['failingStep'], 'failingStep', 0);
  if ((o['failingStep'] as number) > trace.length) c.fail('failingStep', `step ${String(o['failingStep'])} is past the end of the trace (${trace.length} ops)`);
  c.str(o['signature'], 'signature');
  c.oneOf(o['kind'], 'kind', FAILURE_KINDS);
  c.str(o['where'], 'where');
  c.oneOf(o['side'], 'side', ['model', 'impl']);
  c.str(o['message'], 'message');
  c.str(o['model'], 'model');
  c.str(o['impl'], 'impl');
  c.oneOf(o['status'], 'status', ['open', 'fixed']);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(c.str(o['created'], 'created'))) c.fail('created', 'expected yyyy-mm-dd');
  const sh = c.obj(o['shrink'], 'shrink');
  c.int(sh['from'], 'shrink.from', 0);
  c.int(sh['to'], 'shrink.to', 0);
  c.int(sh['tries'], 'shrink.tries', 0);
  if (typeof sh['oneMinimal'] !== 'boolean') c.fail('shrink.oneMinimal', 'expected a boolean');
  return o as unknown as ShrinkReport;
}

/** Parse and validate the text of a report file. */
export function parseReport(text: string, file: string): ShrinkReport {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ReportFormatError(file, '(report)', `not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  return validateReport(v, file);
}

/** The canonical text of a report (stable key order: as built). */
export function serializeReport(r: ShrinkReport): string {
  return JSON.stringify(r, null, 2) + '\n';
}
