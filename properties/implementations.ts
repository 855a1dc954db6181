// The implementations every refinement property runs on, as data: each entry is an
// implementation and the model it must refine (api/sut.ts). Plug in another implementation —
// a different allocator policy, a port of another kernel version — with one more line.
import { createModel } from '../model/index.js';
import { createKernel } from '../src/index.js';
import { createSortedArrayKernel } from '../variants/sorted-array-vmap/index.js';
import { createWrongVmapKernel } from '../variants/wrong-vmap/index.js';
import type { Pair } from './harness/runner.js';

export const IMPLEMENTATIONS: readonly Pair[] = [
  { name: 'kernel-vs-model', impl: createKernel, model: createModel },
];

// Other implementations of one subsystem (variants/), checked by properties/plug-in.test.ts on a
// few configurations with a small budget rather than by every property on every configuration:
// that would double `npm test`. `correct: true` — the suite must accept it; false — it carries a
// deliberate mistake and the suite must reject it. To run every property on a variant, move its
// line into IMPLEMENTATIONS.
export interface Variant extends Pair {
  readonly correct: boolean;
}

export const VARIANTS: readonly Variant[] = [
  { name: 'sorted-array-vmap-vs-model', impl: createSortedArrayKernel, model: createModel, correct: true },
  { name: 'wrong-vmap-vs-model', impl: createWrongVmapKernel, model: createModel, correct: false },
];

/** a pair by name, among IMPLEMENTATIONS and then VARIANTS (so a variant's report replays too) */
export function pairByName(name: string): Pair {
  const all: readonly Pair[] = [...IMPLEMENTATIONS, ...VARIANTS];
  const p = all.find((x) => x.name === name);
  if (!p) throw new Error(`unknown implementation pair '${name}' (known: ${all.map((x) => x.name).join(', ')})`);
  return p;
}
