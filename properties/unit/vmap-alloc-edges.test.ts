// Unit: edges of alloc_vmap_area, its WARN paths and its self-check (src/vmap/allocator.ts), and
// two cost claims of the augmented free tree (src/vmap/free-tree.ts) that the broad tests
// (vmap-alloc, vmap-free-tree, vmap-free-tree-check) leave open. On a recording host, no machine;
// addresses are vpns (pages). The WARN tests break the allocator's state by hand (an area in a
// tree it was never carved for) — the only way to reach the kernel's "vmalloc bug" WARNs.
import { describe, expect, it } from 'vitest';
import { FreeTree, VmapAllocator, VmapArea } from '../../src/vmap/index.js';
import { MAX_EXACT_ORDER } from '../../src/vmap/free-tree.js';
import { OWNER, recordingHost } from './vmap-host-fixture.js';

const spans = (xs: readonly { start: number; end: number }[]): [number, number][] => xs.map((x) => [x.start, x.end]);

describe('alloc_vmap_area argument edges (vmap.md §2)', () => {
  // tries: 4 pages in the window [6, 10) of an empty space [0, 16)
  //   0     6   10     16
  //   |.....[AAAA).....|
  // expects: size == vend - vstart is accepted (only size > vend - vstart is the early EINVAL):
  // the area fills the window exactly
  it('a size of exactly vend - vstart is accepted and fills the window', () => {
    const va = new VmapAllocator(recordingHost().host, [[0, 16]], 1000);
    const a = va.allocVmapArea(4, 1, 6, 10, OWNER) as VmapArea;
    expect([a.start, a.end]).toEqual([6, 10]);
    expect(spans(va.free.blocks())).toEqual([
      [0, 6],
      [10, 16],
    ]);
    expect(va.allocVmapArea(1, 1, 6, 10, OWNER)).toBe('EBUSY');
  });

  // "Accepted input: … vstart < vend … Anything else is EINVAL with no state change": bounds that
  // do not compare as vstart < vend — NaN, or vstart = vend = Infinity — are rejected up front,
  // never searched (a search would fail and purge the lazy area on the way to EBUSY).
  it('bounds that do not satisfy vstart < vend (NaN, or both Infinity) are EINVAL with no purge', () => {
    const { host, log } = recordingHost();
    const va = new VmapAllocator(host, [[0, 16]], 1000);
    va.freeVmapAreaNoflush(va.allocVmapArea(4, 1, 0, 16, OWNER) as VmapArea);
    const before = va.toModel(12);
    expect(va.allocVmapArea(1, 1, Number.NaN, 16, OWNER)).toBe('EINVAL');
    expect(va.allocVmapArea(1, 1, 0, Number.NaN, OWNER)).toBe('EINVAL');
    expect(va.allocVmapArea(1, 1, Infinity, Infinity, OWNER)).toBe('EINVAL');
    expect(log).toEqual([]);
    expect(va.toModel(12)).toEqual(before);
  });
});

describe('WARN paths: overlaps the kernel reports as "vmalloc bug" and survives', () => {
  // insert_vmap_area → find_va_links: a new busy area overlapping a busy neighbour is WARNed
  // and not linked. Reached here by a busy area X that was never carved out of the free tree
  // (free space is still all of [0, 16)).
  //   left:  X = [0, 4), 2 pages from vstart 2: the fit [2, 4) lies inside X (X is the floor of 2)
  //          |XX[XX)..........|
  //   right: X = [4, 8), 2 pages from vstart 3: the fit [3, 5); no busy area at or below 3
  //          |...[X|XXX)........|
  // expects: WARN overlap at vstart, the busy tree still holds X alone
  it.each([
    ['left', 0, 4, 2],
    ['right', 4, 8, 3],
  ] as const)('an area overlapping its %s busy neighbour is WARNed and not inserted', (_side, xs, xe, vstart) => {
    const { host, log } = recordingHost();
    const va = new VmapAllocator(host, [[0, 16]], 1000);
    va.busy.insert(new VmapArea(xs, xe, OWNER));
    va.allocVmapArea(2, 1, vstart, 16, OWNER);
    expect(log).toEqual([`warn overlap ${vstart}`]);
    expect(spans(va.busy.list())).toEqual([[xs, xe]]);
  });

  // __purge_vmap_area_lazy → merge_or_add_vmap_area → find_va_links: a lazy area overlapping free
  // space is WARNed and dropped (the free tree is left as it was).
  // tries: lazy L = [4, 6) planted over the free block [0, 16); purge
  // expects: one flush over [4, 6), WARN overlap at 4, free space still exactly [0, 16), nothing lazy
  it('a purged lazy area that overlaps free space is WARNed and dropped', () => {
    const { host, log } = recordingHost();
    const va = new VmapAllocator(host, [[0, 16]], 1000);
    va.lazy.add(new VmapArea(4, 6, OWNER));
    expect(va.purgeVmapAreaLazy()).toBe(true);
    expect(log).toEqual(['flush 4-6', 'warn overlap 4']);
    expect(spans(va.free.blocks())).toEqual([[0, 16]]);
    expect(va.lazy.nr).toBe(0);
  });

  // free_unmap_vmap_area: clearing the page-table entries cannot fail in the kernel, which
  // WARNs (vunmap_pmd_range: WARN_ON for a huge entry only partly in range) and goes on freeing.
  it('a failed vunmap_page_range is WARNed and the area is still lazy-freed', () => {
    const { host, log } = recordingHost('EINVAL');
    const va = new VmapAllocator(host, [[0, 16]], 1000);
    const a = va.allocVmapArea(4, 1, 0, 16, OWNER) as VmapArea;
    va.freeUnmapVmapArea(a);
    expect(log).toEqual(['unmap 0-4', 'warn vunmap 0']);
    expect([a.lazy, va.lazy.nr]).toEqual([true, 4]);
  });
});

describe('VmapAllocator.check(): free, busy and lazy ranges tile the vmalloc space', () => {
  // tries: two busy areas planted inside the one free block [0, 16) (never carved)
  //   |FF[BB)FF[BB)FFFFFFFF|   B = [2, 4) and [6, 8), both inside F = [0, 16)
  // expects: each of them is reported against the free block that contains it — the second one
  // too, although the first ends before it starts
  it('reports every area inside a larger one, not only the first', () => {
    const va = new VmapAllocator(recordingHost().host, [[0, 16]], 1000);
    va.busy.insert(new VmapArea(2, 4, OWNER));
    va.busy.insert(new VmapArea(6, 8, OWNER));
    const out = va.check();
    expect(out).toContain('vmap space: busy area at 2 overlaps a free block ending at 16');
    expect(out).toContain('vmap space: busy area at 6 overlaps a free block ending at 16');
  });

  // tries: vmalloc ranges [4, 8) and [0, 4) that touch (given unsorted): one stretch [0, 8)
  // expects: clean when all free, and clean when one area spans the seam and fills everything
  it('vmalloc ranges that touch are one stretch of space: no false coverage gap', () => {
    const ranges: [number, number][] = [
      [4, 8],
      [0, 4],
    ];
    const va = new VmapAllocator(recordingHost().host, ranges, 1000);
    expect(va.check()).toEqual([]);
    expect((va.allocVmapArea(8, 1, 0, 8, OWNER) as VmapArea).start).toBe(0);
    expect(va.check()).toEqual([]);
  });

  // tries: A [0, 4), B [4, 8), C [8, 12) busy, [12, 16) free; B dropped from the busy tree by
  // hand (a leak: its range is in no tree)
  //   |AAAA....CCCCFFFF|
  // expects: exactly one line, listing each covered stretch apart
  it('a leaked range is reported as a gap, with the covered stretches listed one by one', () => {
    const va = new VmapAllocator(recordingHost().host, [[0, 16]], 1000);
    const [, b] = [0, 1, 2].map(() => va.allocVmapArea(4, 1, 0, 16, OWNER) as VmapArea);
    va.busy.erase(b!);
    expect(va.check()).toEqual(['vmap space: covered [0, 4) [8, 16), want [0, 16)']);
  });
});

describe('findLowestFit cost claims (free-tree.ts: O(log n) up to 2^MAX_EXACT_ORDER pages)', () => {
  // tries: n one-page blocks just past multiples of A = 2^MAX_EXACT_ORDER pages, none holding an
  // A-aligned page, then one block at n·A:
  //   |.F...(A)|.F...(A)| ... |F|
  // ask for 1 page aligned to A. Every block has the raw size; only the last has an aligned fit.
  // expects: the last block, found in O(log n) nodes — MAX_EXACT_ORDER itself is still an order
  // with its own aligned maximum ("only alignments ABOVE 2^MAX_EXACT_ORDER pages fall back")
  it('an alignment of exactly 2^MAX_EXACT_ORDER pages is still searched in O(log n)', () => {
    const A = 2 ** MAX_EXACT_ORDER;
    const n = 2000;
    const ranges: [number, number][] = [];
    for (let k = 0; k < n; k++) ranges.push([k * A + 1, k * A + 2]);
    ranges.push([n * A, n * A + 1]);
    const t = new FreeTree(ranges);
    t.findLowestFit(1, A, 0, 1); // switch the order on outside the measurement
    const v0 = t.visited;
    expect(t.findLowestFit(1, A, 0, n * A + 1)?.addr).toBe(n * A);
    expect(t.visited - v0).toBeLessThanOrEqual(3 * 2 * Math.log2(n + 2));
  });

  // The aligned maxima are switched on once, by the first search that needs an order ("one O(n)
  // pass, so trees that only see page-aligned requests pay nothing"); a search is a query: it
  // must not rebuild them (that would make every search O(n)). Counted through the augment hook.
  it('a search recomputes no augmented value unless it needs a new alignment order', () => {
    const ranges: [number, number][] = [];
    for (let k = 0; k < 64; k++) ranges.push([8 * k + 3, 8 * k + 6]); // |...FFF..| x 64
    const t = new FreeTree(ranges);
    const aug = t.tree.augment!;
    const recompute = aug.recompute.bind(aug);
    let calls = 0;
    aug.recompute = (b) => (calls++, recompute(b));
    expect(t.findLowestFit(2, 1, 0, 1000)?.addr).toBe(3);
    expect(calls).toBe(0); // page-aligned: nothing to switch on
    expect(t.findLowestFit(1, 4, 0, 1000)?.addr).toBe(4);
    expect(calls).toBe(64); // orders 1 and 2 switched on: one pass over the 64 blocks
    calls = 0;
    expect(t.findLowestFit(1, 4, 5, 1000)?.addr).toBe(12);
    expect(t.findLowestFit(1, 2, 0, 1000)?.addr).toBe(4);
    expect(t.findLowestFit(2, 1, 4, 1000)?.addr).toBe(4);
    expect(calls).toBe(0);
  });
});
