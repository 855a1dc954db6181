// model: the public surface of the reference model (re-exports only).
export { ModelKernel, createModel } from './kernel.js';
export { lowestFit } from './vmap.js';
export type { VmapArea } from './vmap.js';
