// Unit tests: per-CPU TLBs, stale entries, flush semantics and cost counters (machine.md §4).
// toy24 config: CPUs 0, 1, 3 online (so a flush costs 2 IPIs); first free pfn 0x121.
import { describe, it, expect } from 'vitest';
import { configByName } from '../configs.js';
import { Machine } from '../../src/machine/index.js';

const toy = () => new Machine(configByName('toy24'));
const vpn = (a: bigint) => Number(a >> 12n);

describe('touch', () => {
  it('a miss walks and caches; the next touch hits', () => {
    const m = toy();
    m.vmapPageRange(vpn(0xf00000n), [0x200]);
    expect(m.touch(0, vpn(0xf00000n))).toEqual({ pfn: 0x200, fromTlb: false });
    expect(m.touch(0, vpn(0xf00abcn))).toEqual({ pfn: 0x200, fromTlb: true });
    expect(m.toModel().tlb).toEqual([
      { cpu: 0, runs: [{ va: 0xf00000n, pages: 1, pfn: 0x200 }] },
      { cpu: 1, runs: [] },
      { cpu: 3, runs: [] },
    ]);
  });

  it('a stale entry survives a page-table change until a flush', () => {
    const m = toy();
    m.vmapPageRange(vpn(0xf00000n), [0x200]);
    m.touch(0, vpn(0xf00000n));
    m.vunmapPageRange(vpn(0xf00000n), vpn(0xf01000n));
    m.vmapPageRange(vpn(0xf00000n), [0x300]);
    expect(m.touch(0, vpn(0xf00000n))).toEqual({ pfn: 0x200, fromTlb: true }); // stale
    expect(m.touch(1, vpn(0xf00000n))).toEqual({ pfn: 0x300, fromTlb: false });
    m.flushTlbKernelRange(vpn(0xf00000n), vpn(0xf01000n));
    expect(m.touch(0, vpn(0xf00000n))).toEqual({ pfn: 0x300, fromTlb: false });
  });

  it('an unmapped address is a fault and caches nothing', () => {
    const m = toy();
    expect(m.touch(3, vpn(0xf00000n))).toBeNull();
    expect(m.toModel().tlb[2]).toEqual({ cpu: 3, runs: [] });
  });

  it('inside a huge leaf only the touched base page is cached', () => {
    const m = toy();
    m.vmapRange(vpn(0xf00000n), 1 << 12, 0x1000, 20);
    expect(m.touch(0, vpn(0xf12345n))).toEqual({ pfn: 0x1012, fromTlb: false });
    expect(m.touch(0, vpn(0xf13000n))).toEqual({ pfn: 0x1013, fromTlb: false });
    expect(m.toModel().tlb[0]!.runs).toEqual([{ va: 0xf12000n, pages: 2, pfn: 0x1012 }]);
  });
});

describe('flushes', () => {
  it('flush_tlb_kernel_range drops [start, end) on every CPU and counts 1 flush, online-1 IPIs, the pages', () => {
    const m = toy();
    m.vmapPageRange(vpn(0xf00000n), [0x200, 0x201, 0x202]);
    for (const cpu of [0, 1, 3]) for (let p = 0; p < 3; p++) m.touch(cpu, vpn(0xf00000n) + p);
    m.flushTlbKernelRange(vpn(0xf01000n), vpn(0xf03000n));
    const s = m.toModel();
    for (const t of s.tlb) expect(t.runs).toEqual([{ va: 0xf00000n, pages: 1, pfn: 0x200 }]);
    expect(s.counters).toMatchObject({ flushes: 1, ipis: 2, flushedPages: 2, badFlushes: 0 });
  });

  it('a range flush much larger than the TLB (the whole 2^24 space) drops everything', () => {
    const m = toy();
    m.vmapPageRange(vpn(0xfff000n), [0x200]);
    m.touch(1, vpn(0xfff000n));
    m.flushTlbKernelRange(0, 1 << 12);
    expect(m.toModel().tlb[1]!.runs).toEqual([]);
    expect(m.toModel().counters.flushedPages).toBe(4096);
  });

  it('flush_tlb_all drops every entry, counts a flush and its IPIs but no pages', () => {
    const m = toy();
    m.vmapPageRange(vpn(0xf00000n), [0x200]);
    m.touch(0, vpn(0xf00000n));
    m.flushTlbAll();
    const s = m.toModel();
    expect(s.tlb[0]!.runs).toEqual([]);
    expect(s.counters).toMatchObject({ flushes: 1, ipis: 2, flushedPages: 0 });
  });

  it('a flush with start == end is counted as bad too (flush sanity needs start < end)', () => {
    const m = toy();
    m.vmapPageRange(vpn(0xf00000n), [0x200]);
    m.touch(0, vpn(0xf00000n));
    m.flushTlbKernelRange(vpn(0xf00000n), vpn(0xf00000n));
    const s = m.toModel();
    expect(s.counters).toMatchObject({ flushes: 1, badFlushes: 1, flushedPages: 0 });
    expect(s.tlb[0]!.runs).toEqual([{ va: 0xf00000n, pages: 1, pfn: 0x200 }]);
  });

  it('x86_64: flushing the whole 32 TiB vmalloc range drops the one cached entry (and counts 2^33 pages)', () => {
    const m = new Machine(configByName('x86_64'));
    const start = vpn(0xffffc90000000000n);
    m.vmapPageRange(start + 5, [0x3000]);
    m.touch(2, start + 5);
    m.flushTlbKernelRange(start, vpn(0xffffe90000000000n));
    const s = m.toModel();
    expect(s.tlb[2]!.runs).toEqual([]);
    expect(s.counters.flushedPages).toBe(2 ** 33);
  });

  it('a flush with start >= end is counted as bad and drops nothing', () => {
    const m = toy();
    m.vmapPageRange(vpn(0xf00000n), [0x200]);
    m.touch(0, vpn(0xf00000n));
    m.flushTlbKernelRange(vpn(0xf01000n), vpn(0xf00000n));
    const s = m.toModel();
    expect(s.counters.badFlushes).toBe(1);
    expect(s.tlb[0]!.runs.length).toBe(1);
  });
});

describe('touch needs an online cpu', () => {
  it('touch on an offline cpu (2 on toy24) is refused', () => {
    expect(() => toy().touch(2, vpn(0xf00000n))).toThrow(/cpu 2/);
  });
});

describe('warnings', () => {
  it('a state read earlier keeps its warnings when later ones are added', () => {
    const m = toy();
    m.warn('overlap', 0xf00000n);
    const early = m.warnings;
    const earlyState = m.toModel().warnings;
    m.step = 1;
    m.warn('overlap', 0xf10000n);
    expect(early).toEqual([{ kind: 'overlap', addr: 0xf00000n, step: 0 }]);
    expect(earlyState).toEqual(early);
    expect(m.warnings.length).toBe(2);
  });

  it('a warning records kind, address and the step it happened in', () => {
    const m = toy();
    m.step = 7;
    m.warn('overlap', 0xf00000n);
    expect(m.toModel().warnings).toEqual([{ kind: 'overlap', addr: 0xf00000n, step: 7 }]);
  });
});

// the range's end is exclusive on both of Tlb.flushRange's paths: iterating the cached entries
// (few cached, long range) and iterating the range's pages (many cached, short range); and a
// flush that drops entries shows in the state's TLB runs at once (machine.md §4)
describe('flush_tlb_kernel_range keeps the page at its end', () => {
  const map4 = (m: Machine): void => {
    m.vmapPageRange(vpn(0xf00000n), [0x200, 0x201, 0x202, 0x203]);
  };

  it('few cached entries, a range of 3 pages: the entry just past the range stays', () => {
    const m = toy();
    map4(m);
    m.touch(0, vpn(0xf03000n));
    m.flushTlbKernelRange(vpn(0xf00000n), vpn(0xf03000n));
    expect(m.touch(0, vpn(0xf03000n))).toEqual({ pfn: 0x203, fromTlb: true });
  });

  it('many cached entries, a range of 1 page: only that page goes, and the state shows it', () => {
    const m = toy();
    map4(m);
    for (const a of [0xf00000n, 0xf01000n, 0xf02000n, 0xf03000n]) m.touch(0, vpn(a));
    expect(m.toModel().tlb[0]!.runs).toEqual([{ va: 0xf00000n, pages: 4, pfn: 0x200 }]);
    m.flushTlbKernelRange(vpn(0xf01000n), vpn(0xf02000n));
    expect(m.toModel().tlb[0]!.runs).toEqual([
      { va: 0xf00000n, pages: 1, pfn: 0x200 },
      { va: 0xf02000n, pages: 2, pfn: 0x202 },
    ]);
    expect(m.touch(0, vpn(0xf02000n))).toEqual({ pfn: 0x202, fromTlb: true });
  });
});
