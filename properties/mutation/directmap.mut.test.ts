// Mutation profile: the direct-map builder property, unchanged, with the profile's seed
// and run count (profile.ts), pinned while the property file loads (it reads them then).
import { ENV_PROFILE, withMutationEnv } from './profile.js';

const p = ENV_PROFILE.find((x) => x.file === 'directmap-builder.prop.test.ts')!;
await withMutationEnv(p.seed, p.runs, undefined, () => import('../directmap-builder.prop.test.js'));
