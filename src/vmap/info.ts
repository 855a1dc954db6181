// src: what the vmap layer shows outside: /proc/vmallocinfo rows (vmap.md §5, calls.ts formatting)
// and the live vm_struct handles for AbstractState.mappings.
import type { MappingRec } from '../../api/index.js';
import type { VmapAllocator } from './allocator.js';
import type { VmapArea } from './area.js';

/**
 * 6.12's /proc/vmallocinfo, as the spec pins it: every busy area in address order,
 * `0x<start>-0x<end> <size> <kind>[ pages=<n>][ phys=0x<addr>]` (size in decimal bytes, guard
 * included; pages= for vmalloc, phys= for ioremap), then one `unpurged vm_area` row per lazy area.
 * Hex is lowercase, zero-padded to W/4 digits.
 */
export function vmallocinfoRows(va: VmapAllocator, pageShift: number, hexDigits: number): string[] {
  const sh = BigInt(pageShift);
  const hex = (x: bigint) => '0x' + x.toString(16).padStart(hexDigits, '0');
  const span = (a: VmapArea) => `${hex(BigInt(a.start) << sh)}-${hex(BigInt(a.end) << sh)} ${(BigInt(a.pages) << sh).toString()}`;
  const rows: string[] = [];
  for (const a of va.busy.list()) {
    const vm = a.vm;
    if (!vm) {
      rows.push(`${span(a)} vm_map_ram`);
      continue;
    }
    let row = `${span(a)} ${vm.kind}`;
    if (vm.kind === 'vmalloc') row += ` pages=${vm.pages.length}`;
    if (vm.kind === 'ioremap' && vm.phys !== null) row += ` phys=${hex(BigInt(vm.phys) << sh)}`;
    rows.push(row);
  }
  for (const a of va.lazy.list()) rows.push(`${span(a)} unpurged vm_area`);
  return rows;
}

/** Live vm_struct handles (vmalloc, vmap, ioremap, vm_area) in address order; vm_map_ram handles belong to the blocks layer. */
export function vmMappings(va: VmapAllocator, pageShift: number): MappingRec[] {
  const sh = BigInt(pageShift);
  const out: MappingRec[] = [];
  for (const a of va.busy.list()) {
    const vm = a.vm;
    if (vm) out.push({ kind: vm.kind, va: BigInt(a.start) << sh, pages: a.pages - vm.guard, guard: vm.guard });
  }
  return out;
}
