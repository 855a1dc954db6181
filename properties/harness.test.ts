// The harness itself: the commuting square reports the first broken clause, model first; a
// planted bug in a tiny fixture machine is caught, reduced to a 1-minimal trace with the same
// signature, and written as a report that validates and replays.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AbstractState, Call, Op, Result, SystemUnderTest } from '../api/index.js';
import { configByName } from './configs.js';
import { traceArb } from './gen/index.js';
import { checkProperty } from './harness/check.js';
import { tinyMachine } from './harness/fixtures/tiny-machine.js';
import type { TinyBug } from './harness/fixtures/tiny-machine.js';
import { geometryOf } from './harness/geometry.js';
import { reduceTrace } from './harness/reduce.js';
import { sameFailure } from './harness/same-failure.js';
import { parseReport } from './harness/report-format.js';
import { writeReport } from './harness/report.js';
import type { Pair, TraceOutcome } from './harness/runner.js';
import { runTrace } from './harness/runner.js';
import { newHandleTable, recordResult } from './harness/resolve.js';
import { checkFinal, commutingStep } from './harness/step.js';
import type { StepFailure } from './harness/step.js';
import { FULL_EVERY } from './harness/state-equal.js';

const toy = configByName('toy24');
const x86 = configByName('x86_64');
const settings = { seed: 7, runs: 20, ops: 120, shrinkSeconds: 60, writeReports: false };
const tinyPair = (bug?: TinyBug): Pair => ({ name: `tiny${bug ? `-${bug}` : ''}-vs-tiny`, impl: tinyMachine(bug), model: tinyMachine() });

/** A stub side: fixed result, fixed state (for testing one step by hand). */
function stub(result: Result, state: AbstractState, extra: Partial<SystemUnderTest> = {}): SystemUnderTest {
  return { call: () => result, state: () => state, isVmallocAddr: () => false, ...extra };
}

const base: AbstractState = tinyMachine()(x86).state();
const withLazy = (n: number): AbstractState => ({ ...base, vmap: { ...base.vmap, lazyNr: n } });
const unmapRam: Call = { call: 'vm_unmap_ram', addr: 0xffffc90000104000n, count: 4 };
const none: Result = { ok: true, value: { kind: 'none' } };
const geo = geometryOf(x86);

describe('one step (the commuting square)', () => {
  it('names the step, the call, the first differing field and both values, model first', () => {
    const out = commutingStep({ model: stub(none, withLazy(16)), impl: stub(none, withLazy(12)) }, { model: base, impl: base }, unmapRam, 7, geo, () => null);
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.failure.message).toBe('step 7 vm_unmap_ram(0xffffc90000104000, count=4) › vmap.lazyNr: model=16 impl=12');
    expect(out.failure.signature).toBe('state:vmap.lazyNr@impl');
  });

  it('compares results before states', () => {
    const out = commutingStep({ model: stub(none, base), impl: stub({ ok: false, err: 'ENOENT' }, base) }, { model: base, impl: base }, unmapRam, 1, geo, () => null);
    expect(!out.ok && out.failure.message).toBe('step 1 vm_unmap_ram(0xffffc90000104000, count=4) › result: model=ok impl=ENOENT');
  });

  it('reports a rejected call that changed the state', () => {
    const einval: Result = { ok: false, err: 'EINVAL' };
    const out = commutingStep({ model: stub(einval, withLazy(1)), impl: stub(einval, withLazy(1)) }, { model: base, impl: base }, unmapRam, 3, geo, () => null);
    expect(!out.ok && out.failure.signature).toBe('unchanged:vmap.lazyNr@model');
    expect(!out.ok && out.failure.message).toMatch(/rejected with EINVAL, but the model state changed at vmap.lazyNr: before=0 after=1/);
  });

  it('reports an invariant the (agreeing) model breaks as a model bug, by name', () => {
    const bad = { ...base, counters: { ...base.counters, badFlushes: 1 } };
    const out = commutingStep({ model: stub(none, bad), impl: stub(none, bad) }, { model: base, impl: base }, unmapRam, 2, geo, () => null);
    expect(!out.ok && out.failure.signature).toBe('invariant:flush-sane@model');
  });

  it("checks the harness's own handle table against the live mappings after an allocation", () => {
    // both sides agree that vmalloc(4096) returned an address, but neither lists a mapping for it
    const call: Call = { call: 'vmalloc', bytes: 4096n };
    const r: Result = { ok: true, value: { kind: 'addr', addr: 0xffffc90000000000n } };
    const changed = { ...base, step: 1 };
    const table = newHandleTable();
    const out = commutingStep({ model: stub(r, changed), impl: stub(r, changed) }, { model: base, impl: base }, call, 1, geo, (res) => {
      recordResult(call, res, table, geo);
      return table;
    });
    expect(!out.ok && out.failure.signature).toBe('handles:mappings@model');
    expect(!out.ok && out.failure.message).toMatch(/mappings\[0\]: harness=.*"kind":"vmalloc","va":"0xffffc90000000000","pages":1,"guard":1.* model=\(absent\)/);
  });

  it('runs the implementation self-check every FULL_EVERY steps and at the end, and turns exceptions into failures', () => {
    const broken = { model: stub(none, base), impl: stub(none, base, { selfCheck: () => ['red node with a red child'] }) };
    const sc = commutingStep(broken, { model: base, impl: base }, unmapRam, FULL_EVERY, geo, () => null);
    expect(!sc.ok && sc.failure.message).toMatch(/impl.selfCheck: red node with a red child$/);
    // between full steps the O(tree) self-checks wait; the end of the trace runs them
    expect(commutingStep(broken, { model: base, impl: base }, unmapRam, FULL_EVERY + 1, geo, () => null).ok).toBe(true);
    const fin = checkFinal({ model: base, impl: base }, FULL_EVERY + 1, unmapRam, geo, broken);
    expect(!fin.ok && fin.failure.signature).toBe('self-check:selfCheck@impl');
    const boom = stub(none, base, {
      call: () => {
        throw new Error('rb_erase on an empty tree');
      },
    });
    const ex = commutingStep({ model: stub(none, base), impl: boom }, { model: base, impl: base }, unmapRam, 5, geo, () => null);
    expect(!ex.ok && ex.failure.signature).toBe('exception:call@impl');
  });
});

describe('runTrace on the tiny fixture', () => {
  it('two copies of the same machine agree on generated page-table traces', () => {
    fc.assert(
      fc.property(traceArb(toy, 'pagetable', { ops: 80 }), (trace) => {
        const out = runTrace(tinyPair(), toy, trace);
        if (!out.ok) throw new Error(out.failure.message);
      }),
      { seed: 3, numRuns: 15 },
    );
  });
});

describe('reduceTrace', () => {
  it('finds the 1-minimal trace and shrinks arguments toward 0', () => {
    // fails iff a map_pages of >= 3 pages comes before some flush_all
    const fails = (t: readonly Op[]): boolean => {
      const i = t.findIndex((o) => o.op === 'map_pages' && o.pages >= 3);
      return i >= 0 && t.slice(i + 1).some((o) => o.op === 'flush_all');
    };
    const noise: Op[] = Array.from({ length: 30 }, (_, i) => ({ op: 'fail_alloc', after: i }));
    const trace: Op[] = [...noise, { op: 'map_pages', va: '0xf00000', pages: 9 }, ...noise, { op: 'flush_all' }, ...noise];
    const r = reduceTrace(trace, fails);
    expect(r.trace).toEqual([{ op: 'map_pages', va: '0xf00000', pages: 3 }, { op: 'flush_all' }]);
    expect(r.oneMinimal).toBe(true);
  });

  it('deletes two ops that only matter together even when they are not neighbours', () => {
    // fails iff a flush_all and a walk_addr are there and the two ioremaps are both there or
    // both gone (an op and the one undoing it): no single deletion and no span keeps it failing
    // — spans of 2 are [ioremap, flush_all] and [ioremap, walk_addr] — only the pair does
    const io = (phys: `0x${string}`): Op => ({ op: 'ioremap', phys, bytes: 4096 });
    const fails = (t: readonly Op[]): boolean => {
      const n = t.filter((o) => o.op === 'ioremap').length;
      return t.some((o) => o.op === 'flush_all') && t.some((o) => o.op === 'walk_addr') && n !== 1;
    };
    const trace: Op[] = [io('0x1000'), { op: 'flush_all' }, io('0x2000'), { op: 'walk_addr', addr: '0x0' }];
    const r = reduceTrace(trace, fails);
    expect(r.trace).toEqual([{ op: 'flush_all' }, { op: 'walk_addr', addr: '0x0' }]);
    expect(r.oneMinimal).toBe(true);
  });
});

describe('reduceTrace merges ops by growing a size', () => {
  const vmap = (pages: number): Op => ({ op: 'vmap', pages });
  it('two allocations that only fail together become one a few pages bigger', () => {
    // fails iff the vmap pages add up to at least 10 before a flush_all: no deletion keeps
    // it failing (5 < 10), and values only shrink — only deleting one vmap and growing the
    // other by 5 pages does
    const fails = (t: readonly Op[]): boolean => {
      const i = t.findIndex((o) => o.op === 'flush_all');
      return i >= 0 && t.slice(0, i).reduce((n, o) => n + (o.op === 'vmap' ? o.pages : 0), 0) >= 10;
    };
    const r = reduceTrace([vmap(5), { op: 'fail_alloc', after: 3 }, vmap(5), { op: 'flush_all' }], fails);
    expect(r.trace).toEqual([vmap(10), { op: 'flush_all' }]);
    expect(r.oneMinimal).toBe(true);
  });

  // fails iff there are a vmalloc of at least `small` bytes and two vfree, or one vmalloc of at
  // least `big` bytes (the allocation then fails on its own): no deletion keeps the 3-op trace failing
  const twoFreesOr = (big: bigint, small = 0n) => (t: readonly Op[]): boolean =>
    (t.some((o) => o.op === 'vmalloc' && BigInt(o.bytes) >= small) && t.filter((o) => o.op === 'vfree').length >= 2) ||
    t.some((o) => o.op === 'vmalloc' && BigInt(o.bytes) >= big);
  const frees: Op[] = [{ op: 'vfree', ref: 0 }, { op: 'vfree', ref: 0 }];

  it('a size grown by factors stands in for a deleted op, in pages of the given size', () => {
    // 1 page of 64 KiB, ×4 seven times: 2^14 pages = 2^30 bytes
    const r = reduceTrace([{ op: 'vmalloc', bytes: 65536 }, ...frees], twoFreesOr(1n << 30n), { pageBytes: 65536 });
    expect(r.trace).toEqual([{ op: 'vmalloc', bytes: 2 ** 30 }]);
    expect(r.oneMinimal).toBe(true);
  });

  it('a grown byte count past 2^53 stays exact (a hex string)', () => {
    const r = reduceTrace([{ op: 'vmalloc', bytes: '0x20000000000000' }, ...frees], twoFreesOr((1n << 53n) + 3n * 4096n, 1n << 53n));
    expect(r.trace).toEqual([{ op: 'vmalloc', bytes: '0x20000000003000' }]);
    expect(r.oneMinimal).toBe(true);
  });
});

describe('sameFailure: a shrunk candidate still fails the same way', () => {
  const failing = (signature: string, kind: StepFailure['kind'], side: 'model' | 'impl', last?: { model: AbstractState; impl: AbstractState }): TraceOutcome => ({
    ok: false,
    stats: { steps: 1, skipped: 0, labels: new Set() },
    failure: { step: 1, call: null, callText: 'x', kind, where: signature.slice(signature.indexOf(':') + 1, signature.lastIndexOf('@')), side, model: '', impl: '', message: '', signature },
    ...(last ? { last } : {}),
  });
  const counters = (flushes: number, flushedPages: number): AbstractState => ({ ...base, counters: { ...base.counters, flushes, flushedPages } });
  const sig = 'state:counters.flushedPages@impl';
  const never = (): TraceOutcome => {
    throw new Error('not re-run');
  };

  it('the exact signature, without re-running', () => {
    expect(sameFailure(sig, failing(sig, 'state', 'impl'), never)).toBe(true);
  });

  it('an earlier field also wrong: the same failure while the original field still differs', () => {
    const both = { model: counters(1, 8), impl: counters(0, 0) };
    const onlyFlushes = { model: counters(1, 8), impl: counters(0, 8) };
    expect(sameFailure(sig, failing('state:counters.flushes@impl', 'state', 'impl', both), never)).toBe(true);
    expect(sameFailure(sig, failing('state:counters.flushes@impl', 'state', 'impl', onlyFlushes), never)).toBe(false);
    // the states come from a re-run when the outcome has none
    expect(sameFailure(sig, failing('state:counters.flushes@impl', 'state', 'impl'), () => failing('', 'state', 'impl', both))).toBe(true);
    expect(sameFailure(sig, failing('state:counters.flushes@impl', 'state', 'impl'), () => failing('', 'state', 'impl', onlyFlushes))).toBe(false);
  });

  it('another side, another kind, or a passing trace is not', () => {
    const both = { model: counters(1, 8), impl: counters(0, 0) };
    expect(sameFailure(sig, failing('state:counters.flushes@model', 'state', 'model', both), never)).toBe(false);
    expect(sameFailure(sig, failing('invariant:areas-disjoint@impl', 'invariant', 'impl', both), never)).toBe(false);
    expect(sameFailure('invariant:areas-disjoint@impl', failing('invariant:guard-unmapped@impl', 'invariant', 'impl', both), never)).toBe(false);
    expect(sameFailure(sig, { ok: true, stats: { steps: 1, skipped: 0, labels: new Set() } }, never)).toBe(false);
  });
});

describe('a planted bug is caught, reduced and reported', () => {
  it.each<[TinyBug, string]>([
    ['unmap-keeps-last-leaf', 'state:leaves@impl'],
    ['tlb-never-hits', 'result:result@impl'],
    ['bad-flush-counts', 'state:counters.flushes@impl'],
  ])('%s → %s, 1-minimal', (bug, signature) => {
    const pair = tinyPair(bug);
    const r = checkProperty({ property: 'pagetable-refines-model', subsystem: 'pagetable', pair, config: toy, settings });
    const found = r.found;
    expect(found?.failure.signature).toBe(signature);
    if (!found) return;
    const trace = found.report.trace;
    expect(found.report.shrink.oneMinimal).toBe(true);
    // 1-minimal: without any one op, this failure is gone
    for (let i = 0; i < trace.length; i++) {
      const out = runTrace(pair, toy, [...trace.slice(0, i), ...trace.slice(i + 1)]);
      expect(!out.ok && out.failure.signature === signature).toBe(false);
    }
    // the report validates, round-trips and renders
    const dir = mkdtempSync(join(tmpdir(), 'vmcheck-report-'));
    const file = writeReport(found.report, found.records, found.last, dir);
    const back = parseReport(readFileSync(file, 'utf8'), file);
    expect(back).toEqual(JSON.parse(JSON.stringify(found.report)));
    const md = readFileSync(file.replace(/\.json$/, '.md'), 'utf8');
    expect(md).toContain(found.failure.message);
    expect(md).toMatch(/^›\s*\d+ {2}\w+\(/m); // the failing call, numbered and marked
    expect(md).toContain('## Address space after step');
  });
});
