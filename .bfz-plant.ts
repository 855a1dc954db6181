import fc from 'fast-check';
import { configByName } from './properties/configs.js';
import { traceArb } from './properties/gen/index.js';
import { runTrace } from './properties/harness/runner.js';
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
try {
  fc.assert(fc.property(traceArb(config, 'vmap', { ops: 200 }), (t) => {
    const out = runTrace(pair, config, t);
    if (!out.ok) throw new Error(out.failure.message + '\n' + JSON.stringify(t.filter((_, i) => i < out.failure.step)));
  }), { numRuns: 300, seed: 5 });
  console.log('not caught');
} catch (e) { console.log(String(e).split('\n').filter(l => /^step|Shrunk/.test(l)).slice(0, 6).join('\n')); }
