// Mutation profile: vmap-refines-model on every configuration, fixed seed, short traces
// (profile.ts). Coverage-label minimums are not checked here: the full property checks them.
import { refinementSuite } from '../harness/suite.js';
import { REFINEMENT_PROFILE, withMutationEnv } from './profile.js';

const p = REFINEMENT_PROFILE.find((x) => x.property === 'vmap-refines-model')!;
await withMutationEnv(p.seed, p.runs, p.ops, () => refinementSuite({ property: p.property, subsystem: p.subsystem, runs: p.runs, ops: p.ops }));
