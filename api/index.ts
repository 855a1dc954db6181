// api: the shared vocabulary of src/, model/ and properties/ — types and plain data only.
export type * from './addr.js';
export type * from './calls.js';
export type * from './config.js';
export type * from './ops.js';
export type * from './state.js';
export type * from './sut.js';
export { ERRNOS, REJECTING_ERRNOS } from './errors.js';
export type { Errno } from './errors.js';
export { OWNERS } from './owners.js';
export type { Owner } from './owners.js';
export { PRESETS } from './presets.js';
export type { Level, Preset, PresetName } from './presets.js';
export type * from './layout.js';
export type * from './directmap.js';
