// bench: lazy vs eager TLB flushing of freed vmap areas (vmap.md §3-4, issue 3 deliver 5).
//
// The same workload on two machines with 4 CPUs online that differ only in lazy_max_pages():
// the kernel formula (fls(4) · 32 MiB = 24,576 pages) vs the eager configuration
// (lazyUnitBytes 0: a purge, hence a flush, at the end of every call that freed an area).
// Workload: 4,096 live vmalloc areas of 1..4 pages (not timed to build); steady state = vfree a
// uniformly random live area, vmalloc a new one, touch one of its pages from a random online
// CPU (so stale TLB entries exist for the flushes to drop). Warm-up, then count flushes and
// IPIs (machine counters: online - 1 IPIs per flush) over a fixed number of frees.
import type { Addr, Result } from '../api/index.js';
import { Kernel } from '../src/index.js';
import { benchConfig, KERNEL_LAZY_UNIT } from './configs.js';
import { collectGarbage, prng, randInt, startSpan, type Span } from './env.js';

const ONLINE = 4;
const LIVE = 4096;
const SEED = 0xf1a5;

export interface FlushRow {
  readonly mode: 'lazy' | 'eager';
  readonly lazyMaxPages: number;
  readonly frees: number;
  readonly flushes: number;
  readonly ipis: number;
  readonly flushesPer1000: number;
  readonly ipisPer1000: number;
  /** frees per flush */
  readonly freesPerFlush: number;
  /** steady-state pairs (vfree + vmalloc + touch) per CPU-second */
  readonly pairsPerSec: number;
  readonly span: Span;
}

export interface FlushSection {
  readonly online: number;
  readonly live: number;
  readonly rows: readonly FlushRow[];
}

function addrOf(r: Result): Addr {
  if (!r.ok || r.value.kind !== 'addr') throw new Error(`bench: vmalloc failed (${r.ok ? r.value.kind : r.err})`);
  return r.value.addr;
}

function run(mode: 'lazy' | 'eager', frees: number, warm: number): FlushRow {
  const k = new Kernel(benchConfig({ online: ONLINE, lazyUnitBytes: mode === 'lazy' ? KERNEL_LAZY_UNIT : 0 }));
  const rand = prng(SEED);
  const cpus = k.config.cpus.online;
  const live: { addr: Addr; pages: number }[] = [];
  const vmalloc = (): void => {
    const pages = 1 + randInt(rand, 4);
    const addr = addrOf(k.call({ call: 'vmalloc', bytes: BigInt(pages) * 4096n }));
    live.push({ addr, pages });
    const t = k.call({ call: 'touch', cpu: cpus[randInt(rand, cpus.length)]!, va: addr + BigInt(randInt(rand, pages)) * 4096n });
    if (!t.ok) throw new Error(`bench: touch failed: ${t.err}`);
  };
  const pair = (): void => {
    const i = randInt(rand, live.length);
    const a = live[i]!;
    live[i] = live[live.length - 1]!;
    live.pop();
    const r = k.call({ call: 'vfree', addr: a.addr });
    if (!r.ok) throw new Error(`bench: vfree failed: ${r.err}`);
    vmalloc();
  };
  for (let i = 0; i < LIVE; i++) vmalloc();
  for (let i = 0; i < warm; i++) pair();
  collectGarbage();
  const tlb = k.machine.tlb;
  const f0 = tlb.flushes;
  const i0 = tlb.ipis;
  const stop = startSpan();
  for (let i = 0; i < frees; i++) pair();
  const span = stop();
  const flushes = tlb.flushes - f0;
  const ipis = tlb.ipis - i0;
  return {
    mode,
    lazyMaxPages: k.vmalloc.allocator.lazyMaxPages,
    frees,
    flushes,
    ipis,
    flushesPer1000: (1000 * flushes) / frees,
    ipisPer1000: (1000 * ipis) / frees,
    freesPerFlush: flushes === 0 ? Infinity : frees / flushes,
    pairsPerSec: (1000 * frees) / span.cpuMs,
    span,
  };
}

export function benchLazyFlush(log: (s: string) => void, frees = 100_000): FlushSection {
  const rows = (['lazy', 'eager'] as const).map((mode) => {
    const r = run(mode, frees, 20_000);
    log(`  ${mode.padEnd(5)} ${r.frees} frees: ${r.flushes} flushes, ${r.ipis} IPIs (${Math.round(r.span.cpuMs)} ms CPU)`);
    return r;
  });
  return { online: ONLINE, live: LIVE, rows };
}
