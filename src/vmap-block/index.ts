// src: the per-CPU vmap block allocator and vm_map_ram's public surface.
export { VmMapRam, LargeMapping, type MapRamMachine } from './vm-map-ram.js';
export { VmapBlocks, type BlockMachine } from './blocks.js';
export { VmapBlock, VmapBlockQueue, type SubAlloc } from './block.js';
export { blockSizes, countOrder, type BlockSizes } from './sizes.js';
