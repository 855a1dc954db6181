// Configurations drawn per trace (gen/config.ts, checking.md §5): every drawn configuration is
// valid data and boots on both sides with equal boot states; names spell out every choice, so
// they are unique; the draw reaches every preset and every kind of variation; a failure on a
// drawn configuration is reported with the whole configuration and replays from the JSON alone.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MachineConfig } from '../../api/index.js';
import { PRESETS } from '../../api/index.js';
import { CONFIGS, arm32Windows, toyRam, x86Ram, x86Windows } from '../configs.js';
import { DRAWN_PRESETS, configArb } from '../gen/config.js';
import { checkProperty } from '../harness/check.js';
import { tinyMachine } from '../harness/fixtures/tiny-machine.js';
import { parseReport } from '../harness/report-format.js';
import { writeReport } from '../harness/report.js';
import { runTrace } from '../harness/runner.js';
import { IMPLEMENTATIONS } from '../implementations.js';

const SEED = 424243;
const sample = (n: number, opts = {}): MachineConfig[] => fc.sample(configArb(opts), { seed: SEED, numRuns: n });

/** Structural validity: what a configuration promises in api/config.ts and the presets allow. */
function problems(c: MachineConfig): string[] {
  const out: string[] = [];
  const p = PRESETS[c.preset];
  const banks = c.ram.banks;
  banks.forEach((b, i) => {
    const prev = banks[i - 1];
    if (b.count < 1) out.push(`bank ${i} is empty`);
    if (prev && b.start < prev.start + prev.count) out.push(`bank ${i} is not above bank ${i - 1}`);
  });
  const first = banks[0];
  if (!first) return ['no RAM bank'];
  const inFirst = (pfn: number): boolean => pfn >= first.start && pfn < first.start + first.count;
  if (!inFirst(c.ram.kernel.start) || !inFirst(c.ram.kernel.start + c.ram.kernel.count - 1)) out.push('kernel image outside the first bank');
  if (!inFirst(c.ram.rootPt)) out.push('root table outside the first bank');
  for (const d of c.devices) {
    if (banks.some((b) => d.start < b.start + b.count && b.start < d.start + d.count)) out.push(`device ${d.start} overlaps RAM`);
  }
  if (c.devices.length === 0) out.push('no device range (ioremap and map_device need one)');
  const { possible, online } = c.cpus;
  if (possible.some((x, i) => i > 0 && x <= (possible[i - 1] ?? -1))) out.push('possible CPUs not ascending');
  if (possible.some((x) => x >= p.nrCpus)) out.push('a possible CPU at or above NR_CPUS');
  if (online.length === 0) out.push('no online CPU');
  if (online.some((x) => !possible.includes(x))) out.push('an online CPU that is not possible');
  if (online.some((x, i) => i > 0 && x <= (online[i - 1] ?? -1))) out.push('online CPUs not ascending');
  if (c.vmemmapFallback && p.vmemmapStart === null) out.push('vmemmap fallback on a preset without a vmemmap');
  if (c.windows.length === 0) out.push('no window');
  return out;
}

describe('configurations drawn per trace', () => {
  it('builders reproduce the fixed shapes: x86 RAM from pfn 0 with the kernel at 16 MiB, arm32 windows in the upper half of lowmem, the toy kernel at its bank start', () => {
    expect(x86Ram()).toEqual({ banks: [{ start: 0, count: 0x4000 }], kernel: { start: 0x1000, count: 0x800 }, rootPt: 0x1400 });
    expect(x86Windows('x86_64', true)).toEqual([
      { start: '0xffffe90000000000', end: '0xffffe90080000000' },
      { start: '0xffffffffc0000000', end: '0x10000000000000000' },
    ]);
    // 256 MiB at PAGE_OFFSET 0xc0000000: lowmem image [0xc0000000, 0xd0000000), upper half from 0xc8000000
    expect(arm32Windows(0x10000, true)).toEqual([
      { start: '0xc8000000', end: '0xd0000000' },
      { start: '0xffe00000', end: '0x100000000' },
    ]);
    // arm32-holes (E5): a 128 MiB first bank, window right below the hole's image at 0xc8000000
    expect(arm32Windows(0x8000, false)).toEqual([{ start: '0xc4000000', end: '0xc8000000' }]);
    expect(toyRam()).toEqual({ banks: [{ start: 0x100, count: 0x300 }], kernel: { start: 0x100, count: 0x20 }, rootPt: 0x120 });
    expect(CONFIGS.map((c) => c.name)).toEqual(['x86_64', 'x86_64-smalllazy-gaps', 'x86_64-eager', 'x86_64-la57', 'arm64-64k', 'arm32', 'arm32-holes', 'toy24', 'toy24-eager']);
  });

  it('every drawn configuration is valid data: ascending banks, kernel and root table in the first bank, devices off RAM, online a non-empty subset of possible below NR_CPUS', () => {
    for (const c of sample(400)) expect(problems(c), c.name).toEqual([]);
  });

  it('two different drawn configurations never share a name, and every name starts with drawn:<preset>/', () => {
    const byName = new Map<string, string>();
    for (const c of sample(600)) {
      expect(c.name.startsWith(`drawn:${c.preset}/`), c.name).toBe(true);
      const json = JSON.stringify({ ...c, name: '' });
      const seen = byName.get(c.name);
      if (seen !== undefined) expect(json, `two configurations named ${c.name}`).toBe(seen);
      byName.set(c.name, json);
    }
    // the names are not all alike: hundreds of different configurations in 600 draws
    expect(byName.size).toBeGreaterThan(300);
  });

  it('the draw reaches every preset, gaps in the possible CPUs, online sets with and without CPU 0, eager and lazy units, second banks, arm32 holes and vmalloc=, no top window, and the vmemmap fallback', () => {
    const cs = sample(600);
    expect(new Set(cs.map((c) => c.preset))).toEqual(new Set(DRAWN_PRESETS));
    const has = (what: string, f: (c: MachineConfig) => boolean): void => expect(cs.some(f), what).toBe(true);
    has('a gap in the possible CPUs', (c) => c.cpus.possible.some((x, i) => x !== i));
    has('more than one online CPU', (c) => c.cpus.online.length > 1);
    has('an offline possible CPU', (c) => c.cpus.online.length < c.cpus.possible.length);
    has('CPU 0 offline', (c) => !c.cpus.online.includes(0));
    has('eager', (c) => c.lazyUnitBytes === 0);
    has("the preset's own lazy unit", (c) => c.lazyUnitBytes === PRESETS[c.preset].lazyUnitBytes);
    has('a small lazy unit', (c) => c.lazyUnitBytes > 0 && c.lazyUnitBytes < PRESETS[c.preset].lazyUnitBytes);
    has('a second RAM bank', (c) => c.ram.banks.length === 2);
    has('an arm32 hole of 96 MiB (a vmalloc range)', (c) => c.preset === 'arm32' && c.ram.banks.length === 2 && c.ram.banks[1]!.start - c.ram.banks[0]!.start - c.ram.banks[0]!.count === 0x6000);
    has('arm32 vmalloc=', (c) => c.vmallocBytes !== undefined);
    has('no top window', (c) => !c.windows.some((w) => BigInt(w.end) === 1n << BigInt(PRESETS[c.preset].bitsPerLong)));
    has('the vmemmap fallback', (c) => c.vmemmapFallback === true);
    has('two device ranges', (c) => c.devices.length === 2);
    // the toy's windows: sometimes only the low one
    has('toy24 without its top window', (c) => c.preset === 'toy24' && c.windows.every((w) => w.end !== '0x1000000'));
  });

  it('the presets option restricts the draw', () => {
    expect(new Set(sample(60, { presets: ['arm64-64k', 'toy24'] }).map((c) => c.preset))).toEqual(new Set(['arm64-64k', 'toy24']));
  });

  it('every drawn configuration boots on both sides: model and implementation boot, their boot states are equal and every invariant holds', () => {
    const pair = IMPLEMENTATIONS[0];
    if (!pair) throw new Error('no implementation pair');
    fc.assert(
      fc.property(configArb(), (c) => {
        const o = runTrace(pair, c, []);
        if (!o.ok) throw new Error(`${c.name}: ${o.failure.message}`);
      }),
      { seed: SEED, numRuns: 120 },
    );
  });

  it('a failure on a drawn configuration is shrunk and reported with the whole configuration; the JSON alone replays it', () => {
    const pair = { name: 'tiny-bad-flush-counts-vs-tiny', impl: tinyMachine('bad-flush-counts'), model: tinyMachine() };
    const settings = { seed: 11, runs: 30, ops: 60, shrinkSeconds: 30, writeReports: false };
    const r = checkProperty({ property: 'pagetable-refines-model', subsystem: 'pagetable', pair, config: configArb({ presets: ['toy24'] }), settings });
    const found = r.found;
    expect(found?.failure.signature).toBe('state:counters.flushes@impl');
    if (!found) return;
    expect(found.report.configName).toMatch(/^drawn:toy24\//);
    expect(found.report.config.name).toBe(found.report.configName);
    const dir = mkdtempSync(join(tmpdir(), 'vmcheck-drawn-'));
    const file = writeReport(found.report, found.records, found.last, dir);
    const back = parseReport(readFileSync(file, 'utf8'), file);
    expect(back.config).toEqual(JSON.parse(JSON.stringify(found.report.config)));
    const again = runTrace(pair, back.config, back.trace);
    expect(!again.ok && again.failure.signature).toBe('state:counters.flushes@impl');
  });
});
