// Coverage labels each refinement property is meant to reach (checking.md §5), with the declared
// minimum share of traces per configuration. hunt and drawn-configs read them from here; the
// minimums are the ones the *-refines-model properties declare for the fixed configurations.
import type { MachineConfig } from '../api/index.js';
import { PRESETS } from '../api/index.js';
import type { Subsystem } from './gen/index.js';
import { geometryOf } from './harness/geometry.js';

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
    'ENOMEM',
    'injected allocation failure',
    'ranged flush',
    'area ending at VMALLOC_END',
    'range ending at 2^W',
    'multi-range vmalloc',
  ],
  vmemmap: ['EEXIST', 'ENOENT', 'ENOMEM', 'altmap exhausted', 'vmemmap fallback taken', 'injected allocation failure', 'ranged flush', 'table freed'],
};

const topWindow = (c: MachineConfig): boolean => c.windows.some((w) => BigInt(w.end) === 1n << BigInt(PRESETS[c.preset].bitsPerLong));

/**
 * The declared minimum share (0..1) of traces on `config` carrying each label: each a little under
 * the lowest share measured on the fixed configurations at the default seed, keyed on what the
 * configuration is (lazy or eager, CPUs online, vmalloc ranges, a window at the top, fallback
 * policy), never on its name, so that a drawn configuration gets the rules that fit it.
 */
export function minimumsFor(subsystem: Subsystem, config: MachineConfig): Readonly<Record<string, number>> {
  switch (subsystem) {
    case 'pagetable':
      return {
        EBUSY: 0.3,
        ENOMEM: 0.5,
        'injected allocation failure': 0.5,
        'huge leaf': 0.3,
        'table freed': 0.6,
        'ranged flush': 0.8,
        'tlb hit': 0.35,
        ...(topWindow(config) ? { 'range ending at 2^W': 0.3 } : {}),
      };
    case 'vmap': {
      const g = geometryOf(config);
      // two CPUs online: every small request shares the one CPU besides the streaming one
      // (gen/vmap-ops.ts), whose blocks seldom lose every live mapping, so releases are rarer
      const released = config.cpus.online.length > 2 ? 0.25 : 0.05;
      return {
        '8+ areas': 0.7,
        // a fragmented release needs a block left with no live mapping while still under its
        // fill: measured 8–83 % by configuration, 24 % on toy24 at 50 traces
        'fragmented block released': config.cpus.online.length > 2 ? 0.15 : 0.05,
        ENOMEM: 0.5,
        'injected allocation failure': 0.5,
        'ranged flush': 0.8,
        'block created': 0.8,
        'block filled': 0.4,
        'block released': released,
        'area ending at VMALLOC_END': 0.3,
        // an eager configuration purges at the end of every freeing op: nothing lazy is left for
        // an explicit purge or a failed allocation; the threshold purge is common only where
        // lazy_max_pages() is small next to the traffic (x86_64's 96 MiB is not)
        ...(config.lazyUnitBytes > 0 ? { 'explicit purge': 0.6, 'purge on allocation failure': 0.15 } : {}),
        ...(config.lazyUnitBytes > 0 && g.lazyMaxPages <= 1024 ? { 'purge by threshold': 0.15 } : {}),
        ...(g.vmallocRanges.length > 1 ? { 'multi-range vmalloc': 0.4 } : {}),
        ...(topWindow(config) ? { 'range ending at 2^W': 0.3 } : {}),
      };
    }
    case 'vmemmap':
      // a preset without a vmemmap has no hot-plug ops; on arm64-64k one last-level table maps
      // 512 MiB of memmap, which boot RAM's memmap shares, so a removal never empties a table there
      return PRESETS[config.preset].vmemmapStart === null
        ? {}
        : {
            EEXIST: 0.5,
            ENOENT: 0.3,
            ENOMEM: 0.3,
            'injected allocation failure': 0.6,
            'ranged flush': 0.8,
            'altmap exhausted': 0.35,
            ...(config.vmemmapFallback === true ? { 'vmemmap fallback taken': 0.35 } : {}),
            ...(config.preset !== 'arm64-64k' ? { 'table freed': 0.5 } : {}),
          };
  }
}
