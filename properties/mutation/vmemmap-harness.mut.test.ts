// Mutation profile: vmemmap-refines-model (hot-plug through the Kernel facades) as fixed short
// traces on every configuration with a vmemmap, one `it` per trace (profile.ts, traces.ts).
import { TRACE_PROFILE } from './profile.js';
import { traceSuite } from './traces.js';

traceSuite(TRACE_PROFILE.find((x) => x.property === 'vmemmap-refines-model')!);
