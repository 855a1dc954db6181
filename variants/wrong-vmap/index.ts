// variants: the deliberately wrong vmap free space (the suite must reject it) — public surface.
export { createWrongVmapKernel } from './kernel.js';
export { UnalignedFreeSpace, unalignedFreeSpace } from './free-space.js';
