// variants: the sorted-array vmap free space (a correct plug-in implementation) — public surface.
export { createSortedArrayKernel } from './kernel.js';
export { SortedArrayFreeSpace, sortedArrayFreeSpace, alignUp, type FreeRange } from './free-space.js';
