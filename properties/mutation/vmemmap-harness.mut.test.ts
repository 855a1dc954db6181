// Mutation profile: vmemmap-refines-model (hot-plug through the Kernel facades) as fixed short
// traces on every configuration with a vmemmap, one `it` per trace (profile.ts, traces.ts).
import { expect } from 'vitest';
import { TRACE_PROFILE } from './profile.js';
import { traceSuite } from './traces.js';

// every step commutes and keeps every invariant: no failure, so no message
traceSuite(TRACE_PROFILE.find((x) => x.property === 'vmemmap-refines-model')!, (o) => {
  expect(o.ok ? null : o.failure.message).toBeNull();
});
