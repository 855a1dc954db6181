// src: the five hot-plug calls of api/calls.ts, dispatched onto one Vmemmap — the single
// entry point the Kernel facade forwards them to.
import { match } from 'ts-pattern';
import type { Call, Result } from '../../api/index.js';
import type { Vmemmap } from './hotplug.js';

export type VmemmapCallName = 'add_memory' | 'add_device' | 'remove' | 'remove_device' | 'touch_page';
export type VmemmapCall = Extract<Call, { call: VmemmapCallName }>;

export function isVmemmapCall(c: Call): c is VmemmapCall {
  return c.call === 'add_memory' || c.call === 'add_device' || c.call === 'remove' || c.call === 'remove_device' || c.call === 'touch_page';
}

export function vmemmapCall(vm: Vmemmap, c: VmemmapCall): Result {
  return match(c)
    .with({ call: 'add_memory' }, (c) => vm.addMemory(c.pfn, c.pages))
    .with({ call: 'add_device' }, (c) => vm.addDevice(c.pfn, c.pages, c.reserve, c.free))
    .with({ call: 'remove' }, (c) => vm.remove(c.pfn, c.pages))
    .with({ call: 'remove_device' }, (c) => vm.removeDevice(c.pfn))
    .with({ call: 'touch_page' }, (c) => vm.touchPage(c.pfn, c.cpu))
    .exhaustive();
}
