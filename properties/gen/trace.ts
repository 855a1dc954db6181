// gen: whole traces (checking.md §5). Long by default (hundreds of ops). Swarm testing: each
// trace first draws a subset of op kinds to leave out entirely, so some traces hammer a few
// kinds (only allocations and frees, say) and reach states a uniform mix never does.
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import type { MachineConfig, Op, OpName } from '../../api/index.js';
import { geometryOf } from '../harness/geometry.js';
import type { OpArbs } from './machine-ops.js';
import { machineOpArbs } from './machine-ops.js';
import { vmapOpArbs } from './vmap-ops.js';
import { vmemmapOpArbs } from './vmemmap.js';

/**
 * 'pagetable': machine-level ops only; 'vmap': vmap-level ops plus touch, fault injection, flushes;
 * 'vmemmap': memory hot-plug (gen/vmemmap.ts) plus fault injection, flushes and a little vmalloc.
 */
export type Subsystem = 'pagetable' | 'vmap' | 'vmemmap';
export const SUBSYSTEMS: readonly Subsystem[] = ['pagetable', 'vmap', 'vmemmap'];

/** Machine ops a vmap trace keeps: touching mappings, fault injection, flushes. */
const VMAP_EXTRAS: readonly OpName[] = ['touch', 'touch_addr', 'walk', 'fail_alloc', 'flush', 'flush_all'];

/** Machine and vmap ops a vmemmap trace keeps: fault injection, flushes, RAM traffic that competes with the memmap. */
const VMEMMAP_EXTRAS: readonly OpName[] = ['fail_alloc', 'flush_all', 'vmalloc', 'vfree', 'unmap_pages'];

/** Kinds never left out by swarm selection: something has to allocate. */
const ANCHORS: Record<Subsystem, readonly OpName[]> = {
  pagetable: ['map_pages'],
  vmap: ['vmalloc', 'vm_map_ram'],
  vmemmap: ['add_memory', 'add_device'],
};

export function opArbsFor(config: MachineConfig, subsystem: Subsystem): OpArbs {
  const g = geometryOf(config);
  const machine = machineOpArbs(g);
  if (subsystem === 'pagetable') return machine;
  if (subsystem === 'vmemmap') {
    // hot-plug ops dominate; the extras keep a low weight (a preset without a vmemmap has only them)
    const all: OpArbs = { ...machine, ...vmapOpArbs(g) };
    const out: OpArbs = {};
    for (const k of VMEMMAP_EXTRAS) {
      const a = all[k];
      if (a) out[k] = { arb: a.arb, weight: 1 };
    }
    return { ...out, ...vmemmapOpArbs(g) };
  }
  const vmap = vmapOpArbs(g);
  const extras: OpArbs = {};
  for (const k of VMAP_EXTRAS) if (machine[k]) extras[k] = machine[k];
  return { ...extras, ...vmap };
}

export interface TraceArbOptions {
  /** longest trace (the shortest is half of it) */
  readonly ops: number;
  /** swarm testing: leave out a random subset of op kinds per trace (default true) */
  readonly swarm?: boolean;
}

export function traceArb(config: MachineConfig, subsystem: Subsystem, opts: TraceArbOptions): Arbitrary<Op[]> {
  const arbs = opArbsFor(config, subsystem);
  const kinds = Object.keys(arbs) as OpName[];
  const optional = kinds.filter((k) => !ANCHORS[subsystem].includes(k));
  const length = { minLength: Math.max(1, Math.floor(opts.ops / 2)), maxLength: opts.ops };
  const build = (leaveOut: readonly OpName[]): Arbitrary<Op[]> => {
    const chosen = kinds
      .filter((k) => !leaveOut.includes(k))
      .map((k) => {
        const a = arbs[k];
        if (!a) throw new Error(`no arbitrary for ${k}`);
        return { arbitrary: a.arb, weight: a.weight };
      });
    return fc.array(fc.oneof(...chosen), length);
  };
  if (opts.swarm === false) return build([]);
  // leave out at most half of the optional kinds, and nothing in a quarter of the traces
  const leaveOut = fc.oneof(
    { arbitrary: fc.constant<OpName[]>([]), weight: 1 },
    { arbitrary: fc.subarray(optional, { maxLength: Math.floor(optional.length / 2) }), weight: 3 },
  );
  return leaveOut.chain(build);
}
