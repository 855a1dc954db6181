// Unit: the plug-in free-space indexes of variants/ (the FreeSpace seam, src/vmap/free-space.ts).
// The sorted array must answer exactly as the interface states — the lowest aligned fit a
// brute-force scan of a page bitmap finds, blocks equal to the bitmap's free runs after any carves
// and releases — and the wrong variant must really carry its mistake (an unaligned fit).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SortedArrayFreeSpace, type FreeRange } from '../../variants/sorted-array-vmap/index.js';
import { UnalignedFreeSpace } from '../../variants/wrong-vmap/index.js';

const SEED = Number(process.env.VMCHECK_SEED ?? 424242);
const N = 256; // pages in the test space [BASE, BASE + N)
const BASE = 32;

/** brute force: the lowest addr = k·align in [vstart, vend - size] whose pages are all free */
function bruteLowestFit(free: readonly boolean[], size: number, align: number, vstart: number, vend: number): number | null {
  for (let a = Math.ceil(vstart / align) * align; a + size <= vend; a += align) {
    let ok = true;
    for (let p = a; p < a + size; p++) if (!free[p]) ok = false;
    if (ok) return a;
  }
  return null;
}

function blockAt(s: SortedArrayFreeSpace, vpn: number): FreeRange {
  const b = s.blocks().find((r) => r.start <= vpn && vpn < r.end);
  if (!b) throw new Error(`no free block holds ${vpn}`);
  return b;
}

const spans = (s: SortedArrayFreeSpace): [number, number][] => s.blocks().map((b) => [b.start, b.end]);

const ops = fc.array(fc.record({ start: fc.integer({ min: BASE, max: BASE + N - 1 }), len: fc.integer({ min: 1, max: 30 }), release: fc.boolean() }), {
  maxLength: 60,
  size: 'max', // the default size ("small") stops at 10 ops
});
const queries = fc.array(
  fc.record({
    size: fc.integer({ min: 1, max: 48 }),
    alignLog: fc.integer({ min: 0, max: 6 }),
    vstart: fc.integer({ min: 0, max: BASE + N }),
    span: fc.integer({ min: 1, max: N + 2 * BASE }),
  }),
  { minLength: 1, maxLength: 20 },
);

describe(`sorted-array free space (seed ${SEED})`, () => {
  it('after any carves and releases its blocks are the free runs of a bitmap and every search returns the brute-force lowest aligned fit', () => {
    fc.assert(
      fc.property(ops, queries, (os, qs) => {
        const s = new SortedArrayFreeSpace([[BASE, BASE + N]]);
        const free: boolean[] = [];
        for (let p = BASE; p < BASE + N; p++) free[p] = true;
        for (const { start, len, release } of os) {
          const end = Math.min(start + len, BASE + N);
          const range = Array.from({ length: end - start }, (_, i) => start + i);
          if (!release && range.every((p) => free[p])) {
            s.carve(blockAt(s, start), start, end - start);
            for (const p of range) free[p] = false;
          } else if (release && range.every((p) => !free[p])) {
            expect(s.release(start, end)).toBeNull();
            for (const p of range) free[p] = true;
          }
          expect(s.check()).toEqual([]);
        }
        const runs: [number, number][] = [];
        for (let p = BASE; p < BASE + N; p++) {
          if (!free[p]) continue;
          const top = runs[runs.length - 1];
          if (top && top[1] === p) top[1] = p + 1;
          else runs.push([p, p + 1]);
        }
        expect(spans(s)).toEqual(runs);
        for (const q of qs) {
          const align = 2 ** q.alignLog;
          const vend = q.vstart + q.span;
          const fit = s.findLowestFit(q.size, align, q.vstart, vend);
          expect(fit ? fit.addr : null).toBe(bruteLowestFit(free, q.size, align, q.vstart, vend));
          if (fit) expect(fit.block.start <= fit.addr && fit.addr + q.size <= fit.block.end).toBe(true);
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  // tries: free blocks [0,2) [5,9) [12,20), pages 0..19:  |FF...FFFF...FFFFFFFF|
  // expects: 3 pages aligned to 4 skip [5,9) (its only aligned start 8 leaves 1 page) and land at
  // 12; unaligned they take 5; vstart and vend clip the blocks exactly.
  it('an aligned fit that fails in a block with enough raw size keeps searching to the right', () => {
    const s = new SortedArrayFreeSpace([
      [0, 2],
      [5, 9],
      [12, 20],
    ]);
    expect(s.findLowestFit(3, 4, 0, 20)?.addr).toBe(12);
    expect(s.findLowestFit(3, 1, 0, 20)?.addr).toBe(5);
    expect(s.findLowestFit(3, 1, 6, 20)?.addr).toBe(6);
    expect(s.findLowestFit(3, 1, 7, 20)?.addr).toBe(12);
    expect(s.findLowestFit(8, 4, 0, 20)?.addr).toBe(12);
    expect(s.findLowestFit(8, 4, 0, 19)).toBeNull();
  });

  it('releasing a range between two free blocks merges all three into one', () => {
    const s = new SortedArrayFreeSpace([[0, 30]]);
    s.carve(blockAt(s, 10), 10, 10); // |..........XXXXXXXXXX..........|
    expect(spans(s)).toEqual([
      [0, 10],
      [20, 30],
    ]);
    expect(s.release(10, 20)).toBeNull();
    expect(spans(s)).toEqual([[0, 30]]);
  });

  // free [0,10) [20,30): [15,25) runs into the block at 20; [5,12) starts inside the block at 0
  it('releasing a range that overlaps free space returns where it overlaps and changes nothing', () => {
    const s = new SortedArrayFreeSpace([[0, 30]]);
    s.carve(blockAt(s, 10), 10, 10);
    expect(s.release(15, 25)).toBe(20);
    expect(s.release(5, 12)).toBe(5);
    expect(spans(s)).toEqual([
      [0, 10],
      [20, 30],
    ]);
  });

  it('the wrong variant hands out an unaligned fit: 3 pages aligned to 4 at 5, where the lowest aligned fit is 12', () => {
    const s = new UnalignedFreeSpace([
      [0, 2],
      [5, 9],
      [12, 20],
    ]);
    expect(s.findLowestFit(3, 4, 0, 20)?.addr).toBe(5);
  });
});
