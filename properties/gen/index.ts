// gen: public surface — trace arbitraries for the properties and the hunt CLI.
export { opArbsFor, SUBSYSTEMS, traceArb } from './trace.js';
export type { Subsystem, TraceArbOptions } from './trace.js';
export { hexOf } from './sizes.js';
