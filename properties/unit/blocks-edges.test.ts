// Unit: per-CPU vmap block behaviours the short refinement traces reach rarely (found by
// mutation testing, issue 8): free-list surgery when a block fills up or is released behind
// another, the VMAP_PURGE_THRESHOLD boundary, block order after an address is reused, the state
// read after EVERY call (a cached view must never go stale), vm_unmap_ram's error choices, a
// large vm_map_ram that finds no area, and the block-size formula. Both sides (src/ and the
// model); expectations by hand from vmap-blocks.md and checking.md §3.
// toy24: blocks of 32 pages (128 KiB), VMAP_MAX_ALLOC 8, VMAP_PURGE_THRESHOLD 8; the main
// vmalloc range [0x800000, 0xe00000); CPUs 0, 1, 3. Pictures: one character per page of a
// block, A/B/.. live sub-allocations, d dirty, . never used.
import { describe, expect, it } from 'vitest';
import type { AbstractState, Addr, MachineConfig, Preset, Result, SutFactory, SystemUnderTest } from '../../api/index.js';
import { PRESETS } from '../../api/index.js';
import { createModel } from '../../model/index.js';
import { createKernel } from '../../src/index.js';
import { blockSizes } from '../../src/vmap-block/index.js';
import { configByName } from '../configs.js';

const SIDES: readonly [string, SutFactory][] = [
  ['impl', createKernel],
  ['model', createModel],
];
const TOY = configByName('toy24');
/** lazy unit 1 MiB: lazy_max_pages = 512, so released blocks stay lazy until a purge */
const LAZY: MachineConfig = { ...TOY, name: 'toy24-lazy512', lazyUnitBytes: 1 << 20 };
const addr = (a: Addr): Result => ({ ok: true, value: { kind: 'addr', addr: a } });
const NONE: Result = { ok: true, value: { kind: 'none' } };
const err = (e: string): Result => ({ ok: false, err: e }) as Result;
const mapRam = (k: SystemUnderTest, pages: number, cpu: number): Result => k.call({ call: 'vm_map_ram', pages, cpu });
const unmapRam = (k: SystemUnderTest, a: Addr, count: number): Result => k.call({ call: 'vm_unmap_ram', addr: a, count });
const starts = (s: AbstractState): Addr[] => s.blocks.blocks.map((b) => b.start);
const freeList = (s: AbstractState, cpu: number): readonly Addr[] => s.blocks.freeLists.find((f) => f.cpu === cpu)!.starts;
/** the state without the call counter: a rejected call changes nothing else (checking.md §3) */
const sansStep = (s: AbstractState): AbstractState => ({ ...s, step: 0 });
const selfCheck = (k: SystemUnderTest): void => expect(k.selfCheck?.() ?? []).toEqual([]);

describe.each(SIDES)('toy24 free-list surgery (%s)', (_side, boot) => {
  // tries: cpu 0 fills A (4 × 8 pages: free 0, off the free list), then 8 more pages open B;
  // then A's four mappings are unmapped, the state read after each call
  //   A 0x800000 |AAAAAAAA BBBBBBBB CCCCCCCC DDDDDDDD| → |dddd...dddd| released
  //   B 0x820000 |EEEEEEEE ........................|
  // expects: A, which was not on the free list, is released without touching it: B stays
  // cpu 0's only free block; the state after the last unmap no longer shows A
  it('releasing a full block that left the free list keeps the other blocks on it', () => {
    const k = boot(LAZY);
    for (let i = 0; i < 4; i++) expect(mapRam(k, 8, 0)).toEqual(addr(0x800000n + BigInt(i) * 0x8000n));
    expect(mapRam(k, 8, 0)).toEqual(addr(0x820000n));
    expect(freeList(k.state(), 0)).toEqual([0x820000n]);
    for (let i = 0; i < 4; i++) {
      expect(unmapRam(k, 0x800000n + BigInt(i) * 0x8000n, 8)).toEqual(NONE);
      const s = k.state();
      expect(starts(s), `after unmap ${i}`).toEqual(i < 3 ? [0x800000n, 0x820000n] : [0x820000n]);
      expect(freeList(s, 0)).toEqual([0x820000n]);
    }
    selfCheck(k);
  });

  // tries: cpu 0: A gets 8 + 8 + 8 + 4 (4 pages left); 8 pages do not fit A: B opens behind it
  // and three more 8-page requests fill B
  //   A 0x800000 |AAAAAAAA BBBBBBBB CCCCCCCC DDDD....|  free 4: stays at the head
  //   B 0x820000 |EEEEEEEE FFFFFFFF GGGGGGGG HHHHHHHH|  full: leaves the list from behind A
  // expects: cpu 0's free list is [A] — B was unlinked from the tail, A untouched
  it('a block that fills up behind an older block leaves the older one at the head', () => {
    const k = boot(LAZY);
    for (const n of [8, 8, 8, 4]) mapRam(k, n, 0);
    expect(mapRam(k, 8, 0)).toEqual(addr(0x820000n));
    expect(freeList(k.state(), 0)).toEqual([0x800000n, 0x820000n]);
    for (let i = 1; i < 4; i++) expect(mapRam(k, 8, 0)).toEqual(addr(0x820000n + BigInt(i) * 0x8000n));
    expect(freeList(k.state(), 0)).toEqual([0x800000n]);
    // the head still serves: 4 pages go to A's last 4
    expect(mapRam(k, 4, 0)).toEqual(addr(0x81c000n));
    expect(freeList(k.state(), 0)).toEqual([]);
    selfCheck(k);
  });

  // tries: cpu 0 maps 1, 1, 1 page(s): offsets 0, 1, 2 (the one at offset 1 is live throughout)
  //   A |ABC.............................| then C unmapped: |ABd.............................|
  // expects: a never-used page and a freed page are mapped by nothing live: ENOENT, not EINVAL,
  // and nothing changes
  it('vm_unmap_ram of a never-used page or of a freed page of a live block is ENOENT', () => {
    const k = boot(TOY);
    for (let i = 0; i < 3; i++) expect(mapRam(k, 1, 0)).toEqual(addr(0x800000n + BigInt(i) * 0x1000n));
    const s0 = k.state();
    expect(unmapRam(k, 0x805000n, 1)).toEqual(err('ENOENT'));
    expect(sansStep(k.state())).toEqual(sansStep(s0));
    expect(unmapRam(k, 0x802000n, 1)).toEqual(NONE);
    const s1 = k.state();
    expect(unmapRam(k, 0x802000n, 1)).toEqual(err('ENOENT'));
    expect(sansStep(k.state())).toEqual(sansStep(s1));
  });
});

describe.each(SIDES)('toy24 vm_unmap_aliases and the purge threshold (%s)', (_side, boot) => {
  // tries: A gets 8 + 8 + 8 (free 8 = VMAP_PURGE_THRESHOLD), all unmapped: fragmented
  //   A |dddddddd dddddddd dddddddd ........|
  // expects: free < threshold is false: vm_unmap_aliases keeps A (usable) and only flushes and
  // resets its dirty range; with one page more taken (free 7 < 8), A is released
  it('a fragmented block with exactly VMAP_PURGE_THRESHOLD free pages is kept, one page fewer and it is released', () => {
    const k = boot(LAZY);
    for (let i = 0; i < 3; i++) mapRam(k, 8, 0);
    for (let i = 0; i < 3; i++) unmapRam(k, 0x800000n + BigInt(i) * 0x8000n, 8);
    expect(k.call({ call: 'vm_unmap_aliases' })).toEqual(NONE);
    let s = k.state();
    expect(s.blocks.blocks).toEqual([{ cpu: 0, start: 0x800000n, free: 8, dirty: 24, dirtyMin: 32, dirtyMax: 0, onFreeList: true, subs: [] }]);
    const j = boot(LAZY);
    for (let i = 0; i < 3; i++) mapRam(j, 8, 0);
    mapRam(j, 1, 0);
    for (let i = 0; i < 3; i++) unmapRam(j, 0x800000n + BigInt(i) * 0x8000n, 8);
    unmapRam(j, 0x818000n, 1);
    expect(j.call({ call: 'vm_unmap_aliases' })).toEqual(NONE);
    s = j.state();
    expect(s.blocks.blocks).toEqual([]);
    expect(freeList(s, 0)).toEqual([]);
    selfCheck(k);
    selfCheck(j);
  });

  // tries: cpus 0 and 1 each map 8 + 1 and unmap the 1 (a dirty range [8, 9) each, a live
  // mapping each); cpu 3 maps 8 + 8 + 8 + 1 and unmaps all (fragmented, free 7)
  //   cpu 0 A 0x800000 |AAAAAAAA d.......................|
  //   cpu 1 B 0x820000 |AAAAAAAA d.......................|
  //   cpu 3 C 0x840000 |dddddddd dddddddd dddddddd d.......|
  // expects: one vm_unmap_aliases resets both dirty ranges and releases C, and the state read
  // right after shows all three changes
  it('one vm_unmap_aliases resets two dirty ranges and releases a nearly used-up block', () => {
    const k = boot(LAZY);
    for (const [cpu, base] of [
      [0, 0x800000n],
      [1, 0x820000n],
    ] as const) {
      expect(mapRam(k, 8, cpu)).toEqual(addr(base));
      expect(mapRam(k, 1, cpu)).toEqual(addr(base + 0x8000n));
      expect(unmapRam(k, base + 0x8000n, 1)).toEqual(NONE);
    }
    for (const n of [8, 8, 8, 1]) mapRam(k, n, 3);
    for (const off of [0x0n, 0x8000n, 0x10000n]) unmapRam(k, 0x840000n + off, 8);
    unmapRam(k, 0x858000n, 1);
    const s0 = k.state();
    expect(s0.blocks.blocks.map((b) => [b.cpu, b.dirtyMin, b.dirtyMax])).toEqual([
      [0, 8, 9],
      [1, 8, 9],
      [3, 0, 25],
    ]);
    expect(k.call({ call: 'vm_unmap_aliases' })).toEqual(NONE);
    const s = k.state();
    expect(s.blocks.blocks.map((b) => [b.cpu, b.start, b.dirtyMin, b.dirtyMax])).toEqual([
      [0, 0x800000n, 32, 0],
      [1, 0x820000n, 32, 0],
    ]);
    expect(freeList(s, 3)).toEqual([]);
    selfCheck(k);
  });

  // tries: cpu 0's block A at 0x800000 and cpu 1's block B at 0x820000; A released (4 × 8
  // pages unmapped; toy24's lazy threshold purges it at once); cpu 3 then needs a block
  // expects: cpu 3's block reuses 0x800000 and the blocks are listed by address, not by age
  it('a block that reuses a released lower address is listed before the older block above it', () => {
    const k = boot(TOY);
    for (let i = 0; i < 4; i++) mapRam(k, 8, 0);
    expect(mapRam(k, 1, 1)).toEqual(addr(0x820000n));
    for (let i = 0; i < 4; i++) unmapRam(k, 0x800000n + BigInt(i) * 0x8000n, 8);
    expect(starts(k.state())).toEqual([0x820000n]);
    expect(mapRam(k, 1, 3)).toEqual(addr(0x800000n));
    const s = k.state();
    expect(s.blocks.blocks.map((b) => [b.cpu, b.start])).toEqual([
      [3, 0x800000n],
      [1, 0x820000n],
    ]);
    selfCheck(k);
  });
});

describe.each(SIDES)('toy24 vm_map_ram / vm_unmap_ram errors (%s)', (_side, boot) => {
  it('vm_unmap_ram with count 0, a negative or a fractional count is EINVAL, even where nothing is mapped', () => {
    const k = boot(TOY);
    expect(mapRam(k, 1, 0)).toEqual(addr(0x800000n));
    const s0 = k.state();
    for (const count of [0, -1, 1.5]) {
      expect(unmapRam(k, 0x900000n, count), `free space, count ${count}`).toEqual(err('EINVAL'));
      expect(unmapRam(k, 0x800000n, count), `live mapping, count ${count}`).toEqual(err('EINVAL'));
    }
    expect(sansStep(k.state())).toEqual(sansStep(s0));
  });

  // a large mapping covers exactly its pages; inside it but not at its start is EINVAL (checking.md §3)
  it('vm_unmap_ram inside a large mapping with its count, but not at its start, is EINVAL', () => {
    const k = boot(TOY);
    const r = mapRam(k, 9, 0);
    expect(r.ok).toBe(true);
    const a = r.ok && r.value.kind === 'addr' ? r.value.addr : 0n;
    const s0 = k.state();
    expect(unmapRam(k, a + 0x1000n, 9)).toEqual(err('EINVAL'));
    expect(unmapRam(k, a + 0x8000n, 1)).toEqual(err('EINVAL'));
    expect(sansStep(k.state())).toEqual(sansStep(s0));
    expect(unmapRam(k, a, 9)).toEqual(NONE);
  });

  // tries: ioremap the toy's 4 MiB of device memory (an area of 4 MiB + a guard page out of the
  // 6 MiB main range), leaving under 2 MiB = 512 pages; then vm_map_ram(600) on cpu 0
  // expects: the caller pages exist (RAM has ~700 free) but no area of 600 pages does, even
  // after purge-and-retry: EBUSY, and the caller pages are freed again (state as before)
  it('a large vm_map_ram that finds no area is EBUSY and frees its caller pages', () => {
    const k = boot(TOY);
    expect(k.call({ call: 'ioremap', phys: 0x1000000n, bytes: 0x400000n }).ok).toBe(true);
    const s0 = k.state();
    expect(mapRam(k, 600, 0)).toEqual(err('EBUSY'));
    const s = k.state();
    expect(s.owners).toEqual(s0.owners);
    expect(s.mappings).toEqual(s0.mappings);
    expect(s.leaves).toEqual(s0.leaves);
  });

  // possible CPUs are a set (vmap-blocks.md §2); one free list per possible CPU, ascending (api/state.ts, model's choice)
  it('free lists are listed by CPU number whatever order the configuration names the CPUs in', () => {
    const k = boot({ ...TOY, name: 'toy24-cpus-unsorted', cpus: { possible: [3, 0, 1], online: [3, 0, 1] } });
    expect(mapRam(k, 1, 3)).toEqual(addr(0x800000n));
    expect(k.state().blocks.freeLists.map((f) => f.cpu)).toEqual([0, 1, 3]);
  });
});

describe('VMAP_BBMAP_BITS and its sanity check (vmap-blocks.md §1, new_vmap_block BUG_ON)', () => {
  const preset = (over: Partial<Preset>): Preset => ({ ...PRESETS['x86_64'], ...over });

  it('128 GiB of vmalloc space over 64 CPUs gives the 1024-page cap', () => {
    // 2^25 pages / 64 / 16 = 32768 > 2 · 64: min(1024, 32768) = 1024
    expect(blockSizes(PRESETS['x86_64'])).toEqual({ vmapMaxAlloc: 64, bbmapBits: 1024, purgeThreshold: 256 });
  });

  it('a small vmalloc space per CPU falls back to 2 · VMAP_MAX_ALLOC pages', () => {
    // 64 MiB = 2^14 pages / 64 CPUs / 16 = 16 < 2 · 64 = 128
    expect(blockSizes(preset({ vmallocSpace: 64n << 20n }))).toEqual({ vmapMaxAlloc: 64, bbmapBits: 128, purgeThreshold: 32 });
  });

  it('stated toy sizes win, and a block no larger than roundup_pow_of_two(VMAP_MAX_ALLOC) is refused', () => {
    expect(blockSizes(preset({ vmapMaxAlloc: 8, vmapBbmapBits: 9 }))).toEqual({ vmapMaxAlloc: 8, bbmapBits: 9, purgeThreshold: 2 });
    expect(() => blockSizes(preset({ vmapMaxAlloc: 8, vmapBbmapBits: 8 }))).toThrow('VMAP_BBMAP_BITS 8 must exceed');
    expect(() => blockSizes(preset({ vmapMaxAlloc: 5, vmapBbmapBits: 8 }))).toThrow('VMAP_BBMAP_BITS 8 must exceed');
  });
});
