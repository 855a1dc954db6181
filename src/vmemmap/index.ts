// src: the sparse vmemmap populator and memory hot-plug — public surface (re-exports only).
export { Vmemmap, ALTMAP_LEAK_WARNING } from './hotplug.js';
export { vmemmapCall, isVmemmapCall } from './dispatch.js';
export type { VmemmapCall, VmemmapCallName } from './dispatch.js';
export { VmemAltmap, altmapAllocBlockBuf, vmemAltmapFree } from './altmap.js';
export { vmemmapGeometry, pfnToVmemmapVpn, memmapSpan, STRUCT_PAGE_SIZE } from './geometry.js';
export type { VmemmapGeometry } from './geometry.js';
