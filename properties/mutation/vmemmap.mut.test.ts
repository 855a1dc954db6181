// Mutation profile: vmemmap refines the model (a property kept under unit/), unchanged, with the profile's seed
// and run count (profile.ts), pinned while the property file loads (it reads them then).
import { ENV_PROFILE, withMutationEnv } from './profile.js';

const p = ENV_PROFILE.find((x) => x.file === 'unit/vmemmap-refines.test.ts')!;
await withMutationEnv(p.seed, p.runs, undefined, () => import('../unit/vmemmap-refines.test.js'));
