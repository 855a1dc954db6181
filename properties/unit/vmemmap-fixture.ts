// Test fixture for the vmemmap unit tests: one configuration booted on both sides — the
// optimized Machine + Vmemmap (src/) and the reference Machine + ModelVmemmap (model/) — driven
// call by call, each side's abstract state read the way the harness reads it. Until the
// Kernel facades forward the hot-plug calls, this is how the vmemmap is exercised on its own.
import type { AbstractState, Call, MachineConfig, Result } from '../../api/index.js';
import { Machine as ModelMachine } from '../../model/machine.js';
import { leafRuns, tableRecs } from '../../model/state.js';
import { ModelVmemmap, modelVmemmapCall } from '../../model/vmemmap.js';
import { Machine } from '../../src/machine/index.js';
import { Vmemmap, vmemmapCall, type VmemmapCall } from '../../src/vmemmap/index.js';
import { configByName } from '../configs.js';
import { geometryOf } from '../harness/geometry.js';
import type { InvariantCtx } from '../invariants/context.js';

export type HotplugCall = VmemmapCall | { readonly call: 'fail_alloc'; readonly after: number };

export interface Side {
  call(c: HotplugCall): Result;
  state(): AbstractState;
}

const EMPTY = { mappings: [], vmap: { areas: [], lazyNr: 0 }, blocks: { blocks: [], freeLists: [] } } as const;

export function srcSide(config: MachineConfig): Side & { readonly machine: Machine; readonly vm: Vmemmap } {
  const machine = new Machine(config);
  const vm = new Vmemmap(machine);
  vm.boot();
  return {
    machine,
    vm,
    call(c) {
      let r: Result = { ok: true, value: { kind: 'none' } };
      if (c.call === 'fail_alloc') machine.failAlloc(c.after);
      else r = vmemmapCall(vm, c);
      machine.step++;
      return r;
    },
    state: () => ({ ...machine.toModel(), ...EMPTY, vmemmap: vm.toModel() }),
  };
}

export function modelSide(config: MachineConfig): Side & { readonly machine: ModelMachine; readonly vm: ModelVmemmap } {
  const machine = new ModelMachine(config);
  const vm = new ModelVmemmap(machine);
  vm.boot();
  return {
    machine,
    vm,
    call(c) {
      let r: Result = { ok: true, value: { kind: 'none' } };
      if (c.call === 'fail_alloc') machine.pm.failAlloc(c.after);
      else r = modelVmemmapCall(vm, c);
      machine.step++;
      return r;
    },
    state: () => ({
      step: machine.step,
      failAfter: machine.pm.failAfter,
      owners: machine.pm.ownerRuns(),
      leaves: leafRuns(machine.pt, machine.preset.pageShift),
      tables: tableRecs(machine.pt),
      tlb: machine.tlb.runs(),
      counters: machine.tlb.counters,
      warnings: [...machine.warnings],
      ...EMPTY,
      vmemmap: vm.state(),
    }),
  };
}

/** Both sides of one configuration; `name` or a configuration with overrides. */
export function bothSides(config: string | MachineConfig): { readonly name: string; readonly side: Side }[] {
  const c = typeof config === 'string' ? configByName(config) : config;
  return [
    { name: 'src', side: srcSide(c) },
    { name: 'model', side: modelSide(c) },
  ];
}

/** A configuration derived from a listed one. */
export function derive(name: string, patch: Partial<MachineConfig>): MachineConfig {
  return { ...configByName(name), ...patch, name: `${name}+${Object.keys(patch).join('+')}` };
}

export function ctxOf(config: MachineConfig, call: Call | null = null): InvariantCtx {
  return { config, geo: geometryOf(config), call, result: null };
}

export const OK: Result = { ok: true, value: { kind: 'none' } };
export const err = (e: string): Result => ({ ok: false, err: e }) as Result;

/** The state apart from what a failed call may legitimately change (TLB flushes and counters, the step). */
export function sansCounters(s: AbstractState): Omit<AbstractState, 'counters' | 'tlb' | 'step' | 'failAfter'> {
  const { counters: _c, tlb: _t, step: _s, failAfter: _f, ...rest } = s;
  return rest;
}
