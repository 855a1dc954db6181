// Property: the suite is not tied to src/ (checking.md, api/sut.ts). The vmap refinement property
// runs on the VARIANTS of properties/implementations.ts — src/ with its free-space tree swapped
// for another index through createKernel's `freeSpace` seam — and must accept the correct one
// (variants/sorted-array-vmap) and reject the deliberately wrong one (variants/wrong-vmap, whose
// search forgets to round the candidate up to the requested alignment).
//
// Small fixed budget: this shows the plug-in seam works, it is not the main run of the property
// (that is vmap-refines-model.prop.test.ts on IMPLEMENTATIONS). No shrink reports are written:
// a variant's failure is the expected outcome here, not a bug to file.
import { describe, expect, it } from 'vitest';
import type { Call } from '../api/index.js';
import { configByName } from './configs.js';
import { checkProperty } from './harness/check.js';
import type { Settings } from './harness/settings.js';
import { settingsFromEnv } from './harness/settings.js';
import { VARIANTS } from './implementations.js';

const CONFIGS = ['toy24', 'x86_64', 'arm32-holes'].map(configByName);
const env = settingsFromEnv({ runs: 8, ops: 200 });
// the wrong variant fails on its first aligned request: a short shrink budget suffices
const SETTINGS: Settings = { ...env, shrinkSeconds: Math.min(env.shrinkSeconds, 1), writeReports: false };

/** calls that ask the allocator for an alignment above one page: ioremap (VM_IOREMAP), get_vm_area with VM_IOREMAP, vm_map_ram's new block (VMAP_BLOCK_SIZE) */
const ALIGNED: ReadonlySet<Call['call']> = new Set(['ioremap', 'get_vm_area', 'vm_map_ram']);

const correct = VARIANTS.filter((v) => v.correct);
const wrong = VARIANTS.filter((v) => !v.correct);

describe.each(CONFIGS)(`plug-in · vmap · $name · seed ${SETTINGS.seed}, ${SETTINGS.runs} runs × ≤${SETTINGS.ops} ops`, (config) => {
  it.each(correct)('$name: a correct variant refines the model (every step commutes, every invariant holds)', (pair) => {
    const r = checkProperty({ property: 'plug-in', subsystem: 'vmap', pair, config, settings: SETTINGS });
    console.log(`plug-in · ${config.name} · ${pair.name}: ${r.traces} traces, ${r.steps} steps, ${(r.elapsedMs / 1000).toFixed(1)} s`);
    expect(r.found?.failure.message ?? null).toBeNull();
    expect(r.traces).toBe(SETTINGS.runs);
    // the traces reached the allocator: areas were allocated and blocks created, not only rejected calls
    expect(r.labels.get('block created') ?? 0).toBeGreaterThan(0);
  });

  it.each(wrong)('$name: a wrong variant is rejected at an aligned allocation, the result differs (impl at fault)', (pair) => {
    const r = checkProperty({ property: 'plug-in', subsystem: 'vmap', pair, config, settings: SETTINGS });
    expect(r.found).not.toBeNull();
    const f = r.found!.failure;
    console.log(`plug-in · ${config.name} · ${pair.name}: rejected after ${r.traces} trace(s), shrunk to ${r.found!.report.trace.length} ops\n  ${f.message}`);
    expect(f.kind).toBe('result');
    expect(f.where).toBe('result');
    expect(f.side).toBe('impl');
    expect(f.signature).toBe('result:result@impl');
    expect(ALIGNED.has(f.call!.call)).toBe(true);
    // both returned an area; the wrong one lies lower: the unaligned candidate the model rounds past
    const addr = (s: string): bigint => BigInt(s);
    expect(addr(f.impl)).toBeLessThan(addr(f.model));
  });
});
