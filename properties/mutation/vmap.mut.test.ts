// Mutation profile: vmap-refines-model as fixed short traces on every configuration, one `it`
// per trace (profile.ts, traces.ts). Coverage-label minimums are not checked here: the full
// property checks them.
import { TRACE_PROFILE } from './profile.js';
import { traceSuite } from './traces.js';

traceSuite(TRACE_PROFILE.find((x) => x.property === 'vmap-refines-model')!);
