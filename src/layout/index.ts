// src: kernel virtual layouts and is_vmalloc_addr (layout.md).
export { kernelLayout, vmallocRanges } from './layout.js';
export { VmallocAddrMap, makeIsVmallocAddr } from './is-vmalloc-addr.js';
export { vmallocLayout } from './vmalloc-layout.js';
export type { VmallocLayout } from './vmalloc-layout.js';
export { arm32Layout, arm32VmallocSize } from './arm32.js';
export type { Arm32Layout } from './arm32.js';
