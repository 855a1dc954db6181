// Coverage labels each refinement property is meant to reach (checking.md §5), with the declared
// minimum share of traces per configuration. hunt and drawn-configs read them from here; the
// minimums are the ones the *-refines-model properties declare for the fixed configurations.
import type { MachineConfig } from '../api/index.js';
import { PRESETS } from '../api/index.js';
import type { Subsystem } from './gen/index.js';

/** The report/property name of each subsystem's refinement property. */
export const PROPERTY_OF: Readonly<Record<Subsystem, string>> = {
  pagetable: 'pagetable-refines-model',
  vmap: 'vmap-refines-model',
  vmemmap: 'vmemmap-refines-model',
};

/**
 * The labels a subsystem's traces should reach (labels.ts names them): hunt shows how many of
 * them it has seen so far and lists each in its label table, seen or not.
 */
export const DECLARED_LABELS: Readonly<Record<Subsystem, readonly string[]>> = {
  pagetable: ['EBUSY', 'ENOMEM', 'huge leaf', 'range ending at 2^W', 'table freed', 'tlb hit', 'injected allocation failure', 'ranged flush'],
  vmap: [
    'block created',
    'block filled',
    'block released',
    'fragmented block released',
    '8+ areas',
    'explicit purge',
    'purge by threshold',
    'purge on allocation failure',
    'injected allocation failure',
    'area ending at VMALLOC_END',
    'multi-range vmalloc',
  ],
  vmemmap: ['EEXIST', 'ENOENT', 'ENOMEM', 'altmap exhausted', 'vmemmap fallback taken', 'injected allocation failure'],
};

const topWindow = (c: MachineConfig): boolean => c.windows.some((w) => BigInt(w.end) === 1n << BigInt(PRESETS[c.preset].bitsPerLong));

/** The declared minimum share (0..1) of traces on `config` carrying each label. */
export function minimumsFor(subsystem: Subsystem, config: MachineConfig): Readonly<Record<string, number>> {
  switch (subsystem) {
    case 'pagetable':
      return { EBUSY: 0.3, 'huge leaf': 0.3, ...(topWindow(config) ? { 'range ending at 2^W': 0.3 } : {}) };
    case 'vmap':
      // an eager configuration purges at the end of every freeing op: an explicit purge finds nothing lazy
      return { 'block created': 0.3, '8+ areas': 0.3, ...(config.lazyUnitBytes > 0 ? { 'explicit purge': 0.2 } : {}) };
    case 'vmemmap':
      // a preset without a vmemmap has no hot-plug ops
      return PRESETS[config.preset].vmemmapStart === null ? {} : { EEXIST: 0.5, ENOENT: 0.3, ENOMEM: 0.3 };
  }
}
