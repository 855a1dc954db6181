// Property: memory hot-plug over the sparse vmemmap (add_memory, add_device with an altmap,
// remove, remove_device, touch_page) of the implementation refines the model — results, abstract
// states (present sub-sections, altmaps, the memmap's leaves and tables, ownership) and every
// invariant, vmemmap-backed and altmap-accounting included, after every op of a generated trace
// (checking.md §2, vmemmap.md). Runs on every configuration with a vmemmap, and on one with the
// powerpc fallback policy.
import { PRESETS } from '../api/index.js';
import { CONFIGS, EXTRA_CONFIGS } from './configs.js';
import { expect } from 'vitest';
import { minimumsFor } from './coverage.js';
import { refinementSuite } from './harness/suite.js';

const withVmemmap = [...CONFIGS, ...EXTRA_CONFIGS].filter((c) => PRESETS[c.preset].vmemmapStart !== null);

refinementSuite({
  property: 'vmemmap-refines-model',
  subsystem: 'vmemmap',
  configs: withVmemmap,
  runs: (c) => (c.preset === 'toy24' ? 320 : 120),
  ops: 500,
  // what the generator must reach, per configuration (checking.md §5): coverage.ts
  minimums: (c) => minimumsFor('vmemmap', c),
  // every step of every trace commutes and keeps every invariant; the generator reached what it must
  verdict: (run) => {
    expect(run.failure, run.failure ?? undefined).toBeNull();
    expect(run.belowMinimum, run.belowMinimum.join('; ')).toEqual([]);
  },
});
