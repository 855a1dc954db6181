// src: the vmap area allocator and the vmalloc API — public surface of src/vmap.
export { Vmalloc } from './vmalloc.js';
export { VmapAllocator, type VmapHost, type VpnRange } from './allocator.js';
export { VmapArea, type AreaOwner, type VmStruct, type VmStructKind } from './area.js';
export { lazyMaxPages, fls } from './lazy.js';
export { RbTree, maxAugment, type RbNode, type Augment } from './rbtree.js';
export { checkRbTree } from './rbtree-check.js';
export { FreeTree, FreeBlock } from './free-tree.js';
export type { FreeSpace, FreeSpaceFactory, FreeSpaceFit } from './free-space.js';
