// src: the simulated machine's public surface.
export { Machine } from './machine.js';
export type { MachineState } from './machine.js';
export type { Geometry } from './geometry.js';
export { makeGeometry, addrEnd, indexAt, wrapVpn, vpnToAddr, addrToVpn, isPageAligned, canonicalVpn, isCanonicalVpn } from './geometry.js';
export type { WalkResult, PtErr, TableAllocator } from './pagetable.js';
export type { TouchResult } from './tlb.js';
