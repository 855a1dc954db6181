// The implementations every refinement property runs on, as data: each entry is an
// implementation and the model it must refine (api/sut.ts). Plug in another implementation —
// a different allocator policy, a port of another kernel version — with one more line.
import { createModel } from '../model/index.js';
import { createKernel } from '../src/index.js';
import type { Pair } from './harness/runner.js';

export const IMPLEMENTATIONS: readonly Pair[] = [
  { name: 'kernel-vs-model', impl: createKernel, model: createModel },
];

export function pairByName(name: string): Pair {
  const p = IMPLEMENTATIONS.find((x) => x.name === name);
  if (!p) throw new Error(`unknown implementation pair '${name}' (known: ${IMPLEMENTATIONS.map((x) => x.name).join(', ')})`);
  return p;
}
