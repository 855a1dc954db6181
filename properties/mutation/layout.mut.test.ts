// Mutation profile: the layout / is_vmalloc_addr property, unchanged, with the profile's seed
// and run count (profile.ts), pinned while the property file loads (it reads them then).
import { ENV_PROFILE, withMutationEnv } from './profile.js';

const p = ENV_PROFILE.find((x) => x.file === 'layout-is-vmalloc-addr.prop.test.ts')!;
await withMutationEnv(p.seed, p.runs, undefined, () => import('../layout-is-vmalloc-addr.prop.test.js'));
