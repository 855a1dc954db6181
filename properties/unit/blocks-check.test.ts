// Unit: the vm_map_ram self-check (src/vmap-block: VmapBlocks.check, VmMapRam.check) must FAIL
// on broken block state — a check never seen failing is untested (checking.md §4). Each test
// builds a sound toy24 state through the kernel, breaks one thing by hand and expects exactly
// the violation it planted (vmap-blocks.md §2: the free list, the index, the block's area,
// free + live + dirty = VMAP_BBMAP_BITS, the dirty range; §3: a large mapping's area).
// toy24: blocks are 32 pages, VMAP_MAX_ALLOC 8; the first block is at 0x800000 = vpn 2048
// (block number 64); the main vmalloc range is vpn [2048, 3584).
import { describe, expect, it } from 'vitest';
import { Kernel } from '../../src/index.js';
import type { LargeMapping, VmapBlock, VmapBlockQueue } from '../../src/vmap-block/index.js';
import type { VmapArea } from '../../src/vmap/index.js';
import { configByName } from '../configs.js';

const TOY = configByName('toy24');
const VPN = 2048;

/**
 * cpu 0's block at 0x800000 after vm_map_ram(2) and vm_map_ram(1):
 *   |AAB.............................|  A offset 0 order 1, B offset 2 order 0; free 29, live 3
 */
function sound(): { k: Kernel; b: VmapBlock; q: VmapBlockQueue; index: Map<number, VmapBlock> } {
  const k = new Kernel(TOY);
  expect(k.call({ call: 'vm_map_ram', pages: 2, cpu: 0 })).toEqual({ ok: true, value: { kind: 'addr', addr: 0x800000n } });
  expect(k.call({ call: 'vm_map_ram', pages: 1, cpu: 0 })).toEqual({ ok: true, value: { kind: 'addr', addr: 0x802000n } });
  const blocks = k.vmMapRam.blocks;
  const b = blocks.blockAt(VPN)!;
  const q = blocks.queues.find((x) => x.cpu === 0)!;
  const index = (blocks as unknown as { index: Map<number, VmapBlock> }).index;
  return { k, b, q, index };
}

const check = (k: Kernel): string[] => k.vmMapRam.check();
const w = <T>(x: T): { -readonly [K in keyof T]: T[K] } => x as { -readonly [K in keyof T]: T[K] };

describe('vm_map_ram self-check: the sound state', () => {
  it('passes on the sound state, with a valid dirty range and with a dirty range reaching the block end', () => {
    const { k, b } = sound();
    expect([b.free, b.live, b.dirty, b.queued]).toEqual([29, 3, 0, true]);
    expect(check(k)).toEqual([]);
    expect(k.call({ call: 'vm_unmap_ram', addr: 0x800000n, count: 2 })).toEqual({ ok: true, value: { kind: 'none' } });
    expect([b.dirty, b.dirtyMin, b.dirtyMax]).toEqual([2, 0, 2]);
    expect(check(k)).toEqual([]);
    b.dirtyMax = 32; // [0, 32): wider than needed but inside the block
    expect(check(k)).toEqual([]);
  });
});

describe('vm_map_ram self-check reports a broken free list or index', () => {
  it('a wrong back link on the free list', () => {
    const { k, b } = sound();
    b.prev = b;
    expect(check(k)).toEqual([`cpu 0: free list back link broken at block vpn ${VPN}`]);
  });

  it('a block on the free list not marked queued (and so queued disagreeing with free > 0)', () => {
    const { k, b } = sound();
    b.queued = false;
    expect(check(k)).toEqual([`cpu 0: block vpn ${VPN} on the free list is not marked queued`, `block vpn ${VPN}: free = 29 but on the free list = false`]);
  });

  it('a block on the free list that is not one of its CPU blocks (and so on no list at all)', () => {
    const { k, b, q } = sound();
    q.blocks.delete(b);
    expect(check(k)).toEqual([`cpu 0: block vpn ${VPN} on the free list is not one of its blocks`, `block vpn ${VPN} is in the index but on no CPU's list`]);
  });

  it('a free-list tail that is not the last block', () => {
    const { k, q } = sound();
    q.tail = null;
    expect(check(k)).toEqual(['cpu 0: free list tail is not its last block']);
  });

  it('a block kept by another CPU than its own', () => {
    const { k, b } = sound();
    w(b).cpu = 1;
    expect(check(k)).toEqual([`block vpn ${VPN} of cpu 1 is kept by cpu 0`]);
  });

  it('a block missing from the index, and a block indexed under the wrong number', () => {
    const a = sound();
    a.index.delete(64);
    expect(check(a.k)).toEqual([`block vpn ${VPN} of cpu 0 is not in the index`]);
    const c = sound();
    c.index.set(65, c.b);
    expect(check(c.k)).toEqual([`block vpn ${VPN} is indexed as block number 65`]);
  });
});

describe('vm_map_ram self-check reports a misplaced block or a wrong area', () => {
  /** the block moved to an area at `start` (a copy: the allocator's own trees are untouched) */
  const moveTo = (b: VmapBlock, start: number): void => {
    b.area = { ...b.area, start, end: start + 32 } as VmapArea;
  };

  it('a block start off the block alignment, below the main range, or reaching past its end is misplaced', () => {
    for (const start of [VPN + 1, VPN - 32, 3584 - 16, 3584]) {
      const { k, b } = sound();
      moveTo(b, start);
      expect(check(k), `start ${start}`).toContain(`block vpn ${start} is misplaced`);
    }
    // the last block of the main range is in place
    const { k, b } = sound();
    moveTo(b, 3584 - 32);
    expect(check(k)).not.toContain(`block vpn ${3584 - 32} is misplaced`);
  });

  it('an area that is lazy, of the wrong size, of another owner type or owned by another block', () => {
    const msg = `block vpn ${VPN}: its area is not a busy VMAP_BLOCK_SIZE area owned by it`;
    const breaks: ((a: VmapArea) => void)[] = [
      (a) => (a.lazy = true),
      (a) => (a.end = a.end + 1),
      (a) => (a.owner = { type: 'vm', vm: null } as unknown as VmapArea['owner']),
      (a) => (a.owner = { type: 'vm_map_ram', data: null }),
    ];
    for (const [i, brk] of breaks.entries()) {
      const { k, b } = sound();
      brk(b.area);
      expect(check(k), `break ${i}`).toEqual([msg]);
    }
  });
});

describe('vm_map_ram self-check reports wrong block accounting', () => {
  it('a sub-allocation past the bump pointer (free too large) also breaks free + live + dirty', () => {
    const { k, b } = sound();
    b.free = 30;
    expect(check(k)).toEqual([`block vpn ${VPN}: sub-allocation at 2 beyond the bump pointer`, `block vpn ${VPN}: free 30 + live 3 + dirty 0 != 32`]);
  });

  it('a used-map page that does not name its sub-allocation', () => {
    const { k, b } = sound();
    b.subStart[1] = -1;
    expect(check(k)).toEqual([`block vpn ${VPN}: used map wrong at page 1`]);
  });

  it('a live counter that disagrees with the sub-allocations', () => {
    const { k, b } = sound();
    b.live = 5;
    expect(check(k)).toEqual([`block vpn ${VPN}: live = 5, sub-allocations hold 3`]);
  });

  it('a dirty counter that breaks free + live + dirty', () => {
    const { k, b } = sound();
    b.dirty = 1;
    expect(check(k)).toEqual([`block vpn ${VPN}: free 29 + live 3 + dirty 1 != 32`]);
  });

  it('a dirty range that is neither empty (32, 0) nor inside the block', () => {
    for (const [lo, hi] of [
      [5, 3],
      [2, 2],
      [0, 33],
      [-1, 2],
      [32, 5],
      [5, 0],
    ] as const) {
      const { k, b } = sound();
      b.dirtyMin = lo;
      b.dirtyMax = hi;
      expect(check(k), `[${lo}, ${hi})`).toEqual([`block vpn ${VPN}: dirty range [${lo}, ${hi}) is neither empty nor inside the block`]);
    }
  });

  it('a fully dirty block that is still live (it should have been released)', () => {
    const { k, b } = sound();
    k.call({ call: 'vm_unmap_ram', addr: 0x800000n, count: 2 });
    k.call({ call: 'vm_unmap_ram', addr: 0x802000n, count: 1 });
    expect(check(k)).toEqual([]);
    b.free = 0;
    b.dirty = 32;
    b.queued = false;
    b.dirtyMin = 0;
    b.dirtyMax = 32;
    expect(check(k)).toContain(`block vpn ${VPN} is fully dirty but still live`);
  });
});

describe('vm_map_ram self-check reports a broken large mapping', () => {
  /** a large vm_map_ram of 9 pages (> VMAP_MAX_ALLOC 8): its own area, no block */
  function large(): { k: Kernel; start: number; big: LargeMapping; map: Map<number, LargeMapping> } {
    const k = new Kernel(TOY);
    const r = k.call({ call: 'vm_map_ram', pages: 9, cpu: 0 });
    if (!r.ok || r.value.kind !== 'addr') throw new Error('vm_map_ram(9) failed');
    const start = Number(r.value.addr >> 12n);
    const map = (k.vmMapRam as unknown as { large: Map<number, LargeMapping> }).large;
    return { k, start, big: map.get(start)!, map };
  }

  it('the sound large mapping passes', () => {
    const { k, big } = large();
    expect(big.count).toBe(9);
    expect(check(k)).toEqual([]);
  });

  it('a large mapping whose area is keyed elsewhere, lazy, of another size or owner is reported', () => {
    const msg = (start: number): string => `large vm_map_ram at vpn ${start}: its area is not a busy area of 9 pages owned by it`;
    const a = large();
    a.map.set(a.start + 1, a.big);
    expect(check(a.k)).toEqual([msg(a.start + 1)]);
    const breaks: ((x: VmapArea) => void)[] = [
      (x) => (x.lazy = true),
      (x) => (x.end = x.end + 1),
      (x) => (x.owner = { type: 'vm', vm: null } as unknown as VmapArea['owner']),
      (x) => (x.owner = { type: 'vm_map_ram', data: null }),
    ];
    for (const [i, brk] of breaks.entries()) {
      const { k, start, big } = large();
      brk(big.area);
      expect(check(k), `break ${i}`).toEqual([msg(start)]);
    }
  });

  it('a large mapping of no more than VMAP_MAX_ALLOC pages is reported', () => {
    const { k, start, big } = large();
    w(big).count = 8;
    expect(check(k)).toContain(`large vm_map_ram at vpn ${start} has only 8 pages`);
  });
});
