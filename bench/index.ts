// `npm run bench` — every workload of checking.md §9 in one process, one run: a table on stdout
// and the same numbers as JSON (bench/results/latest.json, or BENCH_OUT), with the machine
// described at the top. Time-bounded throughout (about 4–5 minutes of CPU on 2 cores; section 4, the
// harness over every configuration × subsystem, is about 2 of them).
//   BENCH_SCALE   multiplies the timed budgets (default 1)
//   BENCH_UNMAPS  small unmaps counted for the per-CPU blocks flush figure (default 10^6)
//   BENCH_OUT     where the JSON goes
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIGS } from '../properties/configs.js';
import { SUBSYSTEMS } from '../properties/gen/index.js';
import { benchBlocks, type BlocksSection } from './blocks.js';
import { describeMachine, startSpan } from './env.js';
import { num, table, times } from './format.js';
import { harnessTotals, measureHarness, type HarnessRow } from './harness-speed.js';
import { benchLazyFlush } from './lazy-flush.js';
import { target, type Target } from './targets.js';
import { benchVmapAlloc, type AllocRow } from './vmap-alloc.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const envNum = (name: string, fallback: number): number => {
  const v = process.env[name];
  const n = v === undefined || v === '' ? fallback : Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}=${v}: expected a positive number`);
  return n;
};
const scale = envNum('BENCH_SCALE', 1);
const unmaps = Math.round(envNum('BENCH_UNMAPS', 1e6));
const out = process.env['BENCH_OUT'] ?? path.join(here, 'results', 'latest.json');

const print = (s = ''): void => console.log(s);
const progress = (s: string): void => console.error(s);
const total = startSpan();
const machine = describeMachine();

print(`vmcheck bench — ${machine.startedAt}`);
print(`machine: ${machine.os} · ${machine.cpuModel} · ${machine.cores} cores · node ${machine.node} · load average at start ${machine.loadAvgStart.join(' ')}`);
print('rates are per CPU-second of this single-threaded process (simulated CPUs are not threads); wall times are in the JSON');
print();

// ---------------------------------------------------------------- 1. vmap allocator
progress('1. vmap allocator, implementation vs model ...');
const alloc = benchVmapAlloc(progress, scale);
const row = (side: 'impl' | 'model', p: AllocRow['path'], live: number) => alloc.rows.find((r) => r.side === side && r.path === p && r.live === live);
print(`1. vmap area allocator: implementation (src) vs model — ${alloc.config}, lazy_max_pages 24,576`);
print("   path 'allocator': alloc_vmap_area + free_unmap_vmap_area + end-of-op drain, called directly on both sides");
print("   path 'call()':    get_vm_area(4 KiB) + free_vm_area through SystemUnderTest.call() on both sides");
print('   one area = 1 page + guard page; no page allocated, nothing mapped: RAM is not a limit. op = one free or one allocation;');
print('   steady-state mix at a fixed live count (free a random live area, allocate one); rates: the median of 5 timed rounds. Model populations are written');
print(`   directly (checked equal to a by-calls build at 10^3: ${alloc.buildChecked ? 'yes' : 'NO'}); the model is time-bounded, not skipped.`);
const allocRows: string[][] = [];
for (const p of ['allocator', 'call()'] as const) {
  for (const live of [1e3, 1e4, 1e5, 1e6]) {
    const i = row('impl', p, live);
    const m = row('model', p, live);
    if (!i) continue;
    allocRows.push([
      p,
      num(live),
      num(i.opsPerSec),
      num(i.usPerOp),
      m ? num(m.opsPerSec) : '—',
      m ? num(m.usPerOp) : '—',
      m ? `${num(m.ops)}` : '—',
      m ? times(i.opsPerSec / m.opsPerSec) : '—',
      num(i.nodesPerOp),
      num(i.purges),
    ]);
  }
}
print(table(['path', 'live', 'impl ops/s', 'impl µs/op', 'model ops/s', 'model µs/op', 'model ops', 'impl/model', 'nodes/op', 'purges'], allocRows));
const growth = (p: AllocRow['path']) => {
  const a = row('impl', p, 1e3)!;
  const b = row('impl', p, 1e6)!;
  return { nodes: b.nodesPerOp! / a.nodesPerOp!, time: b.usPerOp / a.usPerOp, a, b };
};
for (const p of ['allocator', 'call()'] as const) {
  const g = growth(p);
  print(
    `  growth 10^3 → 10^6 (${p}): nodes/op ${num(g.a.nodesPerOp)} → ${num(g.b.nodesPerOp)} (${times(g.nodes)}), µs/op ${num(g.a.usPerOp)} → ${num(g.b.usPerOp)} (${times(g.time)})`,
);
}
print();

// ---------------------------------------------------------------- 2. lazy vs eager
progress('2. lazy vs eager flushing ...');
const lazy = benchLazyFlush(progress, Math.round(50_000 * Math.max(scale, 0.2)));
print(`2. lazy vs eager flushing of freed areas — x86_64, ${lazy.online} CPUs online, ${num(lazy.live)} live vmalloc areas of 1..4 pages`);
print('   steady state: vfree a random live area, vmalloc a new one, touch one of its pages from a random CPU; same seed both rows');
print(
  table(
    ['mode', 'lazy_max_pages', 'frees', 'flushes', 'IPIs', 'flushes/1000 frees', 'IPIs/1000 frees', 'frees/flush', 'pairs/s'],
    lazy.rows.map((r) => [r.mode === 'lazy' ? 'lazy (kernel formula)' : 'eager (lazyUnitBytes 0)', num(r.lazyMaxPages), num(r.frees), num(r.flushes), num(r.ipis), num(r.flushesPer1000), num(r.ipisPer1000), num(r.freesPerFlush), num(r.pairsPerSec)]),
  ),
);
const [lz, eg] = lazy.rows;
if (lz && eg) print(`  lazy flushing: ${times(eg.flushesPer1000 / lz.flushesPer1000)} fewer flushes and IPIs per 1,000 frees`);
print();

// ---------------------------------------------------------------- 3. per-CPU blocks
progress('3. per-CPU vmap blocks ...');
const blocks: BlocksSection = benchBlocks(progress, { scale, unmaps, baselineUnmaps: Math.min(unmaps, 200_000) });
print(`3. per-CPU vmap blocks: vm_map_ram + touch + vm_unmap_ram — x86_64, possible CPUs 0..7, VMAP_BBMAP_BITS ${blocks.vmapBbmapBits}`);
if (!blocks.available) {
  print(`  not measured: ${blocks.note}`);
} else {
  print('   one cycle = vm_map_ram(1..4 pages, cpu) + touch(cpu, first page) + vm_unmap_ram, CPUs round-robin; ' + blocks.note);
  const one = blocks.throughput.find((r) => r.online === 1);
  print(
    table(
      ['online CPUs', 'cycles/s (median round)', 'slowest round', 'fastest round', 'vs 1 CPU', 'cycles', 'flushes/1000 unmaps', 'IPIs/1000 unmaps', 'blocks released'],
      blocks.throughput.map((r) => [
        String(r.online),
        num(r.cyclesPerSec),
        num(r.minPerSec),
        num(r.maxPerSec),
        one ? `${r.cyclesPerSec >= one.cyclesPerSec ? '+' : ''}${((100 * r.cyclesPerSec) / one.cyclesPerSec - 100).toFixed(1)} %` : '—',
        num(r.cycles),
        num(r.flushesPer1000),
        num(r.ipisPer1000),
        num(r.blocksReleased),
      ]),
    ),
  );
  print('  flushes and IPIs per 1,000 small unmaps, steady state, 4 CPUs online:');
  print(
    table(
      ['mapping path', 'unmaps', 'flushes', 'IPIs', 'flushes/1000 unmaps', 'IPIs/1000 unmaps', 'cycles/s'],
      blocks.flushes.map((r) => [r.mode, num(r.unmaps), num(r.flushes), num(r.ipis), num(r.flushesPer1000), num(r.ipisPer1000), num(r.cyclesPerSec)]),
    ),
  );
  print(`  blocks vs baseline: ${times(blocks.flushReduction)} fewer flushes, ${times(blocks.ipiReduction)} fewer IPIs per 1,000 unmaps`);
}
print();

// ---------------------------------------------------------------- 4. harness speed
progress('4. harness speed ...');
const harnessSettings = { traces: Math.max(2, Math.round(6 * scale)), ops: 300, seed: 1, rounds: 2 };
const harnessSpan = startSpan();
let harnessRows: HarnessRow[] = [];
let harnessError: string | null = null;
try {
  harnessRows = measureHarness({
    configs: CONFIGS,
    subsystems: SUBSYSTEMS,
    ...harnessSettings,
    onRow: (r) => progress(`   ${r.config} / ${r.subsystem}: ${r.ops} steps, ${num(r.cpuMs / 1000)} s CPU`),
  });
} catch (e) {
  harnessError = e instanceof Error ? e.message : String(e);
}
const harnessTotal = harnessTotals(harnessRows);
const harnessTime = harnessSpan();
const measured = (x: number): number => (harnessError || harnessRows.length === 0 ? NaN : x);
const harnessTargets = [
  target(8, 'harness: checked ops/s per core, all invariants on (harness only, all configurations × subsystems)', measured(harnessTotal.harnessOpsPerCpuSec), 'min', 20_000, 'ops/s'),
  target(8, 'harness: checked ops/s per core, all invariants on (in situ: end to end minus the time inside the sides, wall)', measured(harnessTotal.inSituOpsPerSec), 'min', 20_000, 'ops/s'),
  target(8, 'harness: checked ops/s per core, all invariants on (end to end, both sides)', measured(harnessTotal.endToEndOpsPerCpuSec), 'min', 20_000, 'ops/s'),
] as const;
print(
  `4. harness speed — every configuration × subsystem, ${harnessSettings.traces} traces × ≤${harnessSettings.ops} ops each (seed ${harnessSettings.seed}), every invariant on;`,
);
print(
  `   steady state: one warm-up round over all cells, then per cell ${harnessSettings.rounds} timed rounds (rates over the timed rounds; one trace's recording alive at a time)`,
);
print('   harness only: runTrace over both sides replayed from the trace\'s recording, right after it was made (results, the same state');
print('   objects, is_vmalloc_addr answers): the comparisons, invariants, probes, handle table and labels, CPU time; in situ: the');
print('   end-to-end run\'s wall time minus the wall time inside the sides (a cross-check, idle machine only); end to end: both sides, CPU time');
if (harnessError) print(`  not measured: ${harnessError}`);
if (harnessRows.length > 0) {
  print(
    table(
      ['configuration', 'subsystem', 'steps', 'harness-only ops/s', 'in-situ ops/s', 'end-to-end ops/s'],
      harnessRows.map((r) => [r.config, r.subsystem, num(r.ops), num(r.harnessOpsPerCpuSec), num(r.inSituOpsPerSec), num(r.endToEndOpsPerCpuSec)]),
      2,
    ),
  );
  print(
    `  total (weighted by steps): ${num(harnessTotal.ops)} steps in ${num(harnessTotal.traces)} trace runs; ` +
      `harness only ${num(harnessTotal.harnessOpsPerCpuSec)} ops/s (${num(harnessTotal.harnessTracesPerCpuSec)} traces/s), in situ ${num(harnessTotal.inSituOpsPerSec)} ops/s, ` +
      `end to end ${num(harnessTotal.endToEndOpsPerCpuSec)} ops/s (${num(harnessTotal.endToEndTracesPerCpuSec)} traces/s)`,
  );
  const [h, situ] = harnessTargets;
  print(
    `  target (issue 8): ≥ ${num(h.limit)} checked ops/s per core — harness only: ${h.pass ? 'met' : `NOT met (${h.miss})`}; ` +
      `in situ: ${situ.pass ? 'met' : `NOT met (${situ.miss})`}`,
  );
  for (const r of harnessRows) for (const f of r.failures) print(`  FAILED TRACE ${r.config}/${r.subsystem}: ${f}`);
}
print();

// ---------------------------------------------------------------- targets
const targets: Target[] = [];
const i5 = row('impl', 'allocator', 1e5);
const m5 = row('model', 'allocator', 1e5);
const c5 = row('impl', 'call()', 1e5);
const cm5 = row('model', 'call()', 1e5);
targets.push(target(3, 'impl ≥ 100× model at 10^5 live areas (allocator path)', i5 && m5 ? i5.opsPerSec / m5.opsPerSec : NaN, 'min', 100, '×'));
targets.push(target(3, 'impl ≥ 100× model at 10^5 live areas (call() path)', c5 && cm5 ? c5.opsPerSec / cm5.opsPerSec : NaN, 'min', 100, '×'));
const ga = growth('allocator');
const gc = growth('call()');
targets.push(target(3, 'tree nodes visited per op, growth 10^3 → 10^6 (allocator path)', ga.nodes, 'max', 2.2, '×'));
targets.push(target(3, 'time per op, growth 10^3 → 10^6 (allocator path)', ga.time, 'max', 4, '×'));
targets.push(target(3, 'time per op, growth 10^3 → 10^6 (call() path)', gc.time, 'max', 4, '×'));
if (blocks.available) {
  const lazyRow = blocks.flushes[0]!;
  targets.push(target(4, `blocks: fewer flushes per 1,000 unmaps than vmap/vunmap eager (${num(lazyRow.unmaps)} unmaps, 4 CPUs)`, blocks.flushReduction, 'min', 100, '×'));
  targets.push(target(4, 'blocks: fewer IPIs per 1,000 unmaps than vmap/vunmap eager', blocks.ipiReduction, 'min', 100, '×'));
  const one = blocks.throughput.find((r) => r.online === 1)!;
  const worst = Math.max(...blocks.throughput.map((r) => Math.abs(r.cyclesPerSec / one.cyclesPerSec - 1)));
  targets.push(target(4, 'blocks: map+touch+unmap throughput within ±15 % from 1 to 8 CPUs (largest deviation from 1 CPU)', 100 * worst, 'max', 15, '%'));
} else {
  targets.push(target(4, 'per-CPU blocks targets', NaN, 'min', 100, '×', blocks.note));
}
targets.push(...harnessTargets);

print('targets');
print(
  table(
    ['issue', 'target', 'measured', 'limit', 'result'],
    targets.map((t) => [
      `#${t.issue}`,
      t.what,
      `${num(t.measured)}${t.unit === '×' ? '×' : ` ${t.unit}`}`,
      `${t.kind === 'min' ? '≥' : '≤'} ${num(t.limit)}${t.unit === '×' ? '×' : ` ${t.unit}`}`,
      t.pass ? 'PASS' : `MISS (${t.miss})`,
    ]),
    2,
  ),
);

const span = total();
const result = {
  machine,
  loadAvgEnd: os.loadavg().map((x) => Math.round(x * 100) / 100),
  settings: { scale, unmaps },
  vmapAllocator: alloc,
  lazyFlush: lazy,
  blocks,
  harness: {
    ...harnessSettings,
    rows: harnessRows,
    totals: harnessTotal,
    error: harnessError,
    totalMs: { wall: Math.round(harnessTime.wallMs), cpu: Math.round(harnessTime.cpuMs) },
  },
  targets,
  totalMs: { wall: Math.round(span.wallMs), cpu: Math.round(span.cpuMs) },
};
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(result, (_k, v) => (v === Infinity ? 'Infinity' : v), 2) + '\n');
print();
print(`total ${num(span.wallMs / 1000)} s wall, ${num(span.cpuMs / 1000)} s CPU; load average at end ${result.loadAvgEnd.join(' ')}`);
print(`JSON: ${path.resolve(out)}`);
