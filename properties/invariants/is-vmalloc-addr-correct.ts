// invariant is-vmalloc-addr-correct (checking.md §4, layout.md §3): the implementation's
// is_vmalloc_addr(a) equals the model's at every probe. Unlike the other invariants it asks both
// systems under test, not one state, so the step harness runs it as its own named check after the
// state invariants (harness/step.ts), on the state the step left.
//
// Probes are a deterministic function of the configuration, the step and the state, so every
// failure replays (layout.md §3): every vmalloc range edge and its neighbours (edge - 1, edge,
// edge + 1) from the harness's own geometry, 0 and 2^W - 1, the start and end of every live or
// lazy area ± 1, and a few pseudo-random addresses drawn from the step number and the
// configuration name — half anywhere in [0, 2^W), half near a vmalloc range (where a wrong
// granule bit hides).
import type { AbstractState, Addr, SystemUnderTest } from '../../api/index.js';
import { hex } from '../harness/geometry.js';
import type { InvariantCtx } from './context.js';

export const IS_VMALLOC_ADDR_CORRECT = 'is-vmalloc-addr-correct';

/** pseudo-random addresses per step */
const RANDOM_PROBES = 4;

/** FNV-1a over the text, continuing from hash h (the offset basis for a fresh hash): a 32-bit seed. */
function fnv1a(text: string, h = 0x811c9dc5): number {
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

const prefixHash = new Map<string, number>();

/** fnv1a(`${name}:${step}`), the hash of `${name}:` made once per configuration name */
function stepSeed(name: string, step: number): number {
  let h = prefixHash.get(name);
  if (h === undefined) {
    h = fnv1a(`${name}:`);
    prefixHash.set(name, h);
  }
  return fnv1a(String(step), h);
}


/** xorshift32: the next state (never 0 from a non-zero state). */
function xorshift(x: number): number {
  x ^= x << 13;
  x >>>= 0;
  x ^= x >>> 17;
  x ^= x << 5;
  return x >>> 0;
}

/** `n` pseudo-random bigints in [0, 2^bits), from the seed (64 random bits each, reduced). */
function draws(seed: number, n: number, bits: number): Addr[] {
  let x = seed === 0 ? 0x9e3779b9 : seed;
  const out: Addr[] = [];
  for (let i = 0; i < n; i++) {
    x = xorshift(x);
    const hi = BigInt(x);
    x = xorshift(x);
    out.push(BigInt.asUintN(bits, (hi << 32n) | BigInt(x)));
  }
  return out;
}

/** the area edges start0, end0, start1, ... — non-decreasing for sorted, disjoint areas */
function edgesOf(areas: AbstractState['vmap']['areas']): Addr[] {
  const out: Addr[] = [];
  for (const a of areas) out.push(a.start, a.end);
  return out;
}

function nonDecreasing(xs: readonly Addr[]): boolean {
  for (let i = 1; i < xs.length; i++) if (xs[i - 1]! > xs[i]!) return false;
  return true;
}

/**
 * Push onto `out` every edge of `now` that is no edge of `was` (a set difference). Both edge
 * lists are non-decreasing whenever the areas are sorted and disjoint, as they are in a sound
 * state: then one merge walk, no hashing of bigints. Otherwise (a broken state, which
 * areas-disjoint reports) the plain set difference.
 */
function newEdges(was: AbstractState['vmap']['areas'], now: AbstractState['vmap']['areas'], out: Addr[]): void {
  const a = edgesOf(was);
  const b = edgesOf(now);
  if (!nonDecreasing(a) || !nonDecreasing(b)) {
    const old = new Set(a);
    for (const e of b) if (!old.has(e)) out.push(e);
    return;
  }
  let i = 0;
  for (const e of b) {
    while (i < a.length && a[i]! < e) i++;
    if (i >= a.length || a[i] !== e) out.push(e);
  }
}

/** The probe addresses for one step, ascending, inside [0, 2^W). */
export function vmallocAddrProbes(state: AbstractState, ctx: InvariantCtx, step: number, before: AbstractState | null = null): Addr[] {
  const g = ctx.geo;
  const top = g.top;
  const edges: Addr[] = [];
  // the fixed edges (0, 2^W - 1, the vmalloc ranges') on full steps only (`before` null): their
  // answers were taken at boot and every FULL_EVERY steps since
  if (before === null) {
    edges.push(0n, top - 1n);
    for (const r of g.vmallocRanges) edges.push(r.start, r.end);
  }
  // incremental (`before` given): only the edges of areas the step created or moved — the others
  // were probed at an earlier step; the harness passes no `before` every FULL_EVERY steps
  if (before === null) for (const a of state.vmap.areas) edges.push(a.start, a.end);
  else if (before.vmap.areas !== state.vmap.areas) newEdges(before.vmap.areas, state.vmap.areas, edges);
  const probes: Addr[] = [];
  for (const e of edges) {
    // e - 1, e, e + 1 inside [0, 2^W)
    if (e >= 1n && e - 1n < top) probes.push(e - 1n);
    if (e >= 0n && e < top) probes.push(e);
    if (e >= -1n && e + 1n < top) probes.push(e + 1n);
  }
  const seed = stepSeed(ctx.config.name, step);
  const half = Math.floor(RANDOM_PROBES / 2);
  for (const a of draws(seed, RANDOM_PROBES - half, g.w)) probes.push(a);
  // near a vmalloc range: within one range length (at least 4 MiB) either side of it
  const ranges = g.vmallocRanges;
  const near = draws(xorshift(seed ^ 0x5bd1e995), 2 * half, 62);
  for (let i = 0; i < half && ranges.length > 0; i++) {
    const r = ranges[Number(near[2 * i]! % BigInt(ranges.length))]!;
    const pad = r.end - r.start > 4n << 20n ? r.end - r.start : 4n << 20n;
    const lo = r.start > pad ? r.start - pad : 0n;
    const hi = r.end + pad < top ? r.end + pad : top;
    probes.push(lo + (near[2 * i + 1]! % (hi - lo)));
  }
  // ascending, each once (sorted, then adjacent repeats dropped: no hashing of bigints)
  probes.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  let n = 0;
  for (const a of probes) if (n === 0 || probes[n - 1] !== a) probes[n++] = a;
  probes.length = n;
  return probes;
}

export interface VmallocAddrDisagreement {
  readonly addr: Addr;
  readonly model: boolean;
  readonly impl: boolean;
  /** `is_vmalloc_addr(0x…): model=true impl=false` */
  readonly message: string;
}

/** The first probe where the implementation's is_vmalloc_addr differs from the model's, or null. */
export function isVmallocAddrCorrect(
  sides: { readonly model: SystemUnderTest; readonly impl: SystemUnderTest },
  state: AbstractState,
  ctx: InvariantCtx,
  step: number,
  before: AbstractState | null = null,
): VmallocAddrDisagreement | null {
  for (const a of vmallocAddrProbes(state, ctx, step, before)) {
    const model = sides.model.isVmallocAddr(a);
    const impl = sides.impl.isVmallocAddr(a);
    if (model !== impl) return { addr: a, model, impl, message: `is_vmalloc_addr(${hex(a, ctx.geo.w)}): model=${model} impl=${impl}` };
  }
  return null;
}
