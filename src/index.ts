// src: the optimized implementation's public surface.
export { createKernel, Kernel, type KernelDeps } from './kernel.js';
export { Machine } from './machine/index.js';
export type { MachineState } from './machine/index.js';
