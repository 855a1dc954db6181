// src: the x86-64 direct-map builder, init_mem_mapping (layout.md §4).
export { initMemMapping } from './init-mem-mapping.js';
export type { InitMemMappingOptions } from './init-mem-mapping.js';
export type { AllocObserver } from './alloc-low-pages.js';
export { splitMemRange } from './split.js';
export type { MapRange } from './split.js';
