// Unit: Kernel.selfCheck reports what its parts' structural checks report — the vmap trees
// (Vmalloc.selfCheck) and the vm_map_ram blocks (VmMapRam.check) — and nothing on a sound
// state. Each part is broken by hand (as vmap-check / blocks-check do) and the kernel-level
// check must carry the violation the part reports.
//
// toy24: the vmalloc range is vpn [2048, 3584); vmalloc(4 KiB) takes 0x800000 (vpn 2048, + guard);
// vm_map_ram(1, cpu 0) then opens cpu 0's first 32-page block after it, at 0x820000 (vpn 2080).
import { describe, expect, it } from 'vitest';
import { Kernel } from '../../src/index.js';
import { configByName } from '../configs.js';

function sound(): Kernel {
  const k = new Kernel(configByName('toy24'));
  expect(k.call({ call: 'vmalloc', bytes: 0x1000n })).toEqual({ ok: true, value: { kind: 'addr', addr: 0x800000n } });
  expect(k.call({ call: 'vm_map_ram', pages: 1, cpu: 0 })).toEqual({ ok: true, value: { kind: 'addr', addr: 0x820000n } });
  return k;
}

describe('Kernel.selfCheck', () => {
  it('is clean on a sound state', () => {
    expect(sound().selfCheck()).toEqual([]);
  });

  it('carries a broken vmap tree: a busy area marked lazy', () => {
    const k = sound();
    k.vmalloc.allocator.busy.containing(2048)!.lazy = true;
    const out = k.selfCheck();
    expect(out).toContain('busy tree: area at 2048 is marked lazy');
    expect(out).toEqual(k.vmalloc.selfCheck());
  });

  it('carries a broken block: a live counter that disagrees with the sub-allocations', () => {
    const k = sound();
    const b = k.vmMapRam.blocks.blockAt(2080)!;
    b.live = 5;
    const out = k.selfCheck();
    expect(out).toContain('block vpn 2080: live = 5, sub-allocations hold 1');
    expect(out).toEqual(k.vmMapRam.check());
  });
});
