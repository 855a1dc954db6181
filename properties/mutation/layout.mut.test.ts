// Mutation profile: the layout / is_vmalloc_addr property, unchanged, with the profile's seed
// and run count (profile.ts). The env is pinned before the property file is loaded, because it
// reads VMCHECK_SEED / VMCHECK_RUNS when it loads.
import { ENV_PROFILE, pinMutationEnv } from './profile.js';

const p = ENV_PROFILE.find((x) => x.file === 'layout-is-vmalloc-addr.prop.test.ts')!;
pinMutationEnv(p.seed, p.runs);
await import('../layout-is-vmalloc-addr.prop.test.js');
