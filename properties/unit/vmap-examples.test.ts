// Unit: the worked examples E2 and E3 (shared/spec/examples.md) on the x86_64 preset, through the
// Kernel facade (src/kernel.ts) — the vmalloc API over the real machine.
import { describe, it, expect } from 'vitest';
import { createKernel } from '../../src/index.js';
import { configByName } from '../configs.js';
import type { MachineConfig } from '../../api/index.js';

const MiB = 1n << 20n;

describe('worked examples on x86_64', () => {
  // E2. tries: vmalloc(12288), vmallocinfo, vmalloc(1), touch of page 3 (the guard) of the first
  //   0xffffc90000000000      0xffffc90000004000  0xffffc90000006000
  //   |DDD G|                 |D G|
  // expects: 3 pages + guard at the start of the vmalloc range, the listing row, the next area
  // right after the first one's guard, and EFAULT on the guard page.
  it('E2: vmalloc(12288) takes 3 pages plus a guard at VMALLOC_START and lists as one vmalloc row', () => {
    const k = createKernel(configByName('x86_64'));
    expect(k.call({ call: 'vmalloc', bytes: 12288n })).toEqual({ ok: true, value: { kind: 'addr', addr: 0xffffc90000000000n } });
    expect(k.call({ call: 'vmallocinfo' })).toEqual({
      ok: true,
      value: { kind: 'rows', rows: ['0xffffc90000000000-0xffffc90000004000 16384 vmalloc pages=3'] },
    });
    expect(k.call({ call: 'vmalloc', bytes: 1n })).toEqual({ ok: true, value: { kind: 'addr', addr: 0xffffc90000004000n } });
    expect(k.call({ call: 'touch', cpu: 0, va: 0xffffc90000000000n + 3n * 4096n })).toEqual({ ok: false, err: 'EFAULT' });
    expect(k.selfCheck!()).toEqual([]);
  });

  // E3. 4 CPUs online: lazy_max_pages() = fls(4) * 32 MiB / 4 KiB = 24576.
  // tries: two 64 MiB vmallocs, vfree both
  // expects: the first vfree leaves 16385 lazy pages (guard included) and no flush; the second
  // brings vmap_lazy_nr to 32770 > 24576, so the end-of-call drain issues ONE flush over the hull
  // of both areas (3 IPIs) and vmap_lazy_nr drops to 0.
  it('E3: the second 64 MiB vfree crosses lazy_max_pages and one flush over both areas drains the lazy list', () => {
    // E3 needs 2 x 64 MiB of data pages: the x86_64 configuration with 512 MiB of RAM
    const base = configByName('x86_64');
    const config: MachineConfig = { ...base, name: 'x86_64-512M', ram: { ...base.ram, banks: [{ start: 0, count: 0x20000 }] } };
    const k = createKernel(config);
    const a = k.call({ call: 'vmalloc', bytes: 64n * MiB });
    const b = k.call({ call: 'vmalloc', bytes: 64n * MiB });
    if (!a.ok || a.value.kind !== 'addr' || !b.ok || b.value.kind !== 'addr') throw new Error('vmalloc failed');
    const flushes0 = k.state().counters.flushes;
    expect(k.call({ call: 'vfree', addr: a.value.addr })).toEqual({ ok: true, value: { kind: 'none' } });
    let s = k.state();
    expect(s.vmap.lazyNr).toBe(16385);
    expect(s.counters.flushes).toBe(flushes0);
    expect(k.call({ call: 'vfree', addr: b.value.addr }).ok).toBe(true);
    s = k.state();
    expect(s.vmap.lazyNr).toBe(0);
    expect(s.vmap.areas).toEqual([]);
    expect(s.counters.flushes).toBe(flushes0 + 1);
    expect(s.counters.ipis).toBe(3);
    expect(s.counters.flushedPages).toBe(2 * 16385);
    expect(k.selfCheck!()).toEqual([]);
  });
});
