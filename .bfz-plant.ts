import fc from 'fast-check';
import { configByName } from './properties/configs.js';
import { traceArb } from './properties/gen/index.js';
import { runTrace } from './properties/harness/runner.js';
import { reduceTrace } from './properties/harness/reduce.js';
import { Kernel } from './src/index.js';
import { createModel } from './model/index.js';
import type { MachineConfig } from './api/index.js';

// planted bug: vm_unmap_aliases walks only the free lists (full blocks are missed), as a careless port would
function buggy(config: MachineConfig) {
  const k = new Kernel(config);
  const blocks = k.vmMapRam.blocks as any;
  blocks.vmUnmapAliases = function () {
    let start = Infinity, end = -Infinity, flush = false;
    for (const q of this.queues) for (const b of [...q.freeList()]) {
      if (b.dirtyMax > 0 && b.dirty !== this.bits) { start = Math.min(start, b.start + b.dirtyMin); end = Math.max(end, b.start + b.dirtyMax); b.dirtyMin = this.bits; b.dirtyMax = 0; flush = true; this.version++; }
    }
    return this.vmap.purgeVmapAreaLazy(flush ? [start, end] : null, 'explicit');
  };
  return k;
}
const only = process.env.ONLY; // 'invariants': compare nothing but invariants (model = impl)
const pair = { name: 'planted', impl: buggy, model: only ? buggy : createModel };
const config = configByName('toy24');
let found: any = null;
fc.assert(fc.property(traceArb(config, 'vmap', { ops: 200 }), (t) => {
  const out = runTrace(pair, config, t);
  if (!out.ok && !found) found = { t, sig: out.failure.signature };
  return true;
}), { numRuns: 300, seed: 5 });
if (!found) console.log('not caught');
else {
  const r = reduceTrace(found.t, (c) => { const o = runTrace(pair, config, c); return !o.ok && o.failure.signature === found.sig; });
  const o = runTrace(pair, config, r.trace);
  console.log(JSON.stringify(r.trace), r.oneMinimal, !o.ok && o.failure.message);
}
