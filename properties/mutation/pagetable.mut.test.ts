// Mutation profile: pagetable-refines-model as fixed short traces on every configuration, one `it`
// per trace (profile.ts, traces.ts). Coverage-label minimums are not checked here: the full
// property checks them.
import { expect } from 'vitest';
import { TRACE_PROFILE } from './profile.js';
import { traceSuite } from './traces.js';

// every step commutes and keeps every invariant: no failure, so no message
traceSuite(TRACE_PROFILE.find((x) => x.property === 'pagetable-refines-model')!, (o) => {
  expect(o.ok ? null : o.failure.message).toBeNull();
});
