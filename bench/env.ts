// bench: the machine the numbers were measured on, the clocks, and a seeded PRNG.
//
// Rates are per CPU-second of this (single-threaded) process: the figures then say what one
// core does and depend less on what else runs on the machine. Wall time is kept beside them.
import os from 'node:os';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface MachineInfo {
  readonly os: string;
  readonly cpuModel: string;
  readonly cores: number;
  readonly node: string;
  readonly loadAvgStart: readonly number[];
  readonly startedAt: string;
}

export function describeMachine(): MachineInfo {
  const cpus = os.cpus();
  return {
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    loadAvgStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
    startedAt: new Date().toISOString(),
  };
}

/** CPU time (user + system) of this process, in ms */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export function wallMs(): number {
  return performance.now();
}

/** A span measured on both clocks. */
export interface Span {
  readonly cpuMs: number;
  readonly wallMs: number;
}

export function startSpan(): () => Span {
  const c = cpuMs();
  const w = wallMs();
  return () => ({ cpuMs: cpuMs() - c, wallMs: wallMs() - w });
}

/**
 * Run `step` (which does some operations and returns how many) until `budgetMs` of wall time
 * has passed or `maxOps` operations were done; the clock is read every `batch` steps only.
 */
export function timed(step: () => number, budgetMs: number, maxOps = Infinity, batch = 64): { ops: number; span: Span } {
  const stop = startSpan();
  const w0 = wallMs();
  let ops = 0;
  while (ops < maxOps) {
    for (let i = 0; i < batch && ops < maxOps; i++) ops += step();
    if (wallMs() - w0 >= budgetMs) break;
  }
  return { ops, span: stop() };
}

/** mulberry32: a small seeded PRNG, so every run draws the same workload */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** a random integer in [0, n) */
export function randInt(rand: () => number, n: number): number {
  return Math.floor(rand() * n);
}

let gcFn: (() => void) | null | undefined;

/**
 * A full garbage collection before a measured slice, so that a slice does not pay for garbage
 * that earlier work (another machine, another section) left behind. Node exposes gc() only with
 * --expose-gc; the flag can be set at run time and the function fetched from a fresh context.
 */
export function collectGarbage(): void {
  if (gcFn === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      gcFn = runInNewContext('gc') as () => void;
    } catch {
      gcFn = null;
    }
  }
  gcFn?.();
}
