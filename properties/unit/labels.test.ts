// Coverage labels (checking.md §5, harness/labels.ts) are earned by the step that reaches the
// state they name, and not before: each case runs a hand-written trace through both sides and
// reads the labels of the trace so far. Expectations come from the spec's arithmetic.
import { describe, expect, it } from 'vitest';
import type { Op } from '../../api/index.js';
import { configByName } from '../configs.js';
import { runTrace } from '../harness/runner.js';
import { IMPLEMENTATIONS } from '../implementations.js';

const pair = IMPLEMENTATIONS[0];

function labelsAfter(configName: string, trace: readonly Op[]): Set<string> {
  if (!pair) throw new Error('no implementation pair');
  const o = runTrace(pair, configByName(configName), trace);
  if (!o.ok) throw new Error(o.failure.message);
  return o.stats.labels;
}

describe('labels: blocks', () => {
  // toy24: VMAP_MAX_ALLOC 8, VMAP_BBMAP_BITS 32; 5 pages round up to 8, so four requests of one
  // CPU use its block up: |AAAABBBBCCCCDDDD....| in units of 2 pages
  const burst: Op = { op: 'vm_map_ram', pages: 5, cpu: 0 };

  it('block filled: the fourth 5-page vm_map_ram on one CPU takes a 32-page block\'s last free page', () => {
    expect(labelsAfter('toy24', [burst, burst, burst])).not.toContain('block filled');
    expect(labelsAfter('toy24', [burst, burst, burst, burst])).toContain('block filled');
  });

  it('block filled: requests on two CPUs go to two blocks, neither full', () => {
    expect(labelsAfter('toy24', [burst, burst, { ...burst, cpu: 1 }, { ...burst, cpu: 1 }])).not.toContain('block filled');
  });
});

describe('labels: the edges of the vmalloc space', () => {
  it('area ending at VMALLOC_END: __get_vm_area of the last two pages of [VMALLOC_START, VMALLOC_END) on x86_64 (one page + guard)', () => {
    const atEnd: Op = { op: 'get_vm_area', bytes: 0x1000, start: '0xffffe8ffffffe000', end: '0xffffe90000000000' };
    expect(labelsAfter('x86_64', [{ op: 'vmalloc', bytes: 0x1000 }])).not.toContain('area ending at VMALLOC_END');
    expect(labelsAfter('x86_64', [atEnd])).toContain('area ending at VMALLOC_END');
  });

  // arm32-holes (examples.md E5): the hole's range [0xc8000000, 0xce000000) is tried first; the
  // main range [0xd0800000, 0xff800000) after it
  it('multi-range vmalloc: a small vmalloc lands in the hole range, tried first; none is earned', () => {
    expect(labelsAfter('arm32-holes', [{ op: 'vmalloc', bytes: 0x1000 }])).not.toContain('multi-range vmalloc');
  });

  it('multi-range vmalloc: get_vm_area of the hole range\'s whole size does not fit there with its guard page and goes to the main range', () => {
    expect(labelsAfter('arm32-holes', [{ op: 'get_vm_area', bytes: '0x6000000' }])).toContain('multi-range vmalloc');
  });
});

describe('labels: flushes', () => {
  it('ranged flush: flush_tlb_kernel_range over two pages; a flush with start >= end is EINVAL and earns none', () => {
    expect(labelsAfter('x86_64', [{ op: 'flush', start: '0xffffe90000002000', end: '0xffffe90000000000' }])).not.toContain('ranged flush');
    expect(labelsAfter('x86_64', [{ op: 'flush', start: '0xffffe90000000000', end: '0xffffe90000002000' }])).toContain('ranged flush');
  });
});

describe('labels: hot-plug with an altmap (x86_64: one section of 0x8000 pfns, its memmap one PMD of 512 pfns)', () => {
  // a device of one whole section at pfn 0x10000 (PMD aligned: no padding) needs 512 altmap pages
  const device = (free: number): Op => ({ op: 'add_device', pfn: 0x10000, pages: 0x8000, reserve: 0, free });

  it('altmap exhausted: 511 free altmap pages cannot hold the PMD; the generic policy fails with ENOMEM', () => {
    const l = labelsAfter('x86_64', [device(511)]);
    expect(l).toContain('ENOMEM');
    expect(l).toContain('altmap exhausted');
    expect(l).not.toContain('vmemmap fallback taken');
  });

  it('altmap exhausted: 512 free altmap pages are exactly enough, and nothing is earned', () => {
    const l = labelsAfter('x86_64', [device(512)]);
    expect(l).not.toContain('altmap exhausted');
    expect(l).not.toContain('ENOMEM');
  });

  it('vmemmap fallback taken: under the powerpc policy the PMD comes from RAM and the add succeeds', () => {
    const l = labelsAfter('x86_64-vmemmap-fallback', [device(511)]);
    expect(l).not.toContain('ENOMEM');
    expect(l).toContain('altmap exhausted');
    expect(l).toContain('vmemmap fallback taken');
  });

  it('altmap exhausted: not earned when an injected failure stopped the add before the altmap was asked', () => {
    // one sub-section before the section: its piece comes first and takes base pages from RAM
    // (vmemmap.md §4), where the injected failure strikes; the section's PMD is never asked for
    const l = labelsAfter('x86_64', [{ op: 'fail_alloc', after: 0 }, { op: 'add_device', pfn: 0xfe00, pages: 0x8200, reserve: 0, free: 511 }]);
    expect(l).toContain('injected allocation failure');
    expect(l).not.toContain('altmap exhausted');
  });
});
