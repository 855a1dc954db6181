// Unit tests: which virtual page numbers have a translation at all (canonical addresses), where a
// tree position sits in the W-bit space, and the W-bit wrap of range ends (machine.md §1, §3).
// Expectations are hand-computed from the preset tables:
//   x86_64     W 64, 4 KiB pages: 2^52 vpns; the 48-bit tree covers 2^36 pages, sign-extended from
//              bit 47: canonical are [0, 0x0000800000000000) and [0xffff800000000000, 2^64).
//   arm64-64k  W 64, 64 KiB pages: 2^48 vpns; the 48-bit tree (TTBR1) is the top 2^32 pages:
//              canonical is [0xffff000000000000, 2^64) only.
//   toy24      the tree covers the whole 2^24 space (2^12 vpns).
import { describe, it, expect } from 'vitest';
import { PRESETS, type Preset } from '../../api/index.js';
import { canonicalVpn, isCanonicalVpn, isPageAligned, makeGeometry, Machine, vpnToAddr, wrapVpn } from '../../src/machine/index.js';
import { configByName } from '../configs.js';

const x86 = makeGeometry(PRESETS.x86_64);
const arm = makeGeometry(PRESETS['arm64-64k']);
const toy = makeGeometry(PRESETS.toy24);
const x86Vpn = (a: bigint): number => Number(a >> 12n);
const armVpn = (a: bigint): number => Number(a >> 16n);

describe('isCanonicalVpn', () => {
  it('x86_64: both halves of the sign-extended 48-bit space are canonical, their edges included', () => {
    expect(isCanonicalVpn(x86, 0)).toBe(true);
    expect(isCanonicalVpn(x86, x86Vpn(0x00007ffffffff000n))).toBe(true);
    expect(isCanonicalVpn(x86, x86Vpn(0xffff800000000000n))).toBe(true);
    expect(isCanonicalVpn(x86, x86Vpn(0xfffffffffffff000n))).toBe(true);
  });

  it('x86_64: the hole between the halves is not canonical, nor the vpn 2^52 (2^64 bytes)', () => {
    expect(isCanonicalVpn(x86, x86Vpn(0x0000800000000000n))).toBe(false);
    expect(isCanonicalVpn(x86, x86Vpn(0xffff7ffffffff000n))).toBe(false);
    expect(isCanonicalVpn(x86, 2 ** 52)).toBe(false);
  });

  it('arm64-64k: only the top 2^48 bytes (TTBR1) are canonical; user and hole addresses are not', () => {
    expect(isCanonicalVpn(arm, 0)).toBe(false);
    expect(isCanonicalVpn(arm, armVpn(0x0000000000010000n))).toBe(false);
    expect(isCanonicalVpn(arm, armVpn(0xfffeffffffff0000n))).toBe(false);
    expect(isCanonicalVpn(arm, armVpn(0xffff000000000000n))).toBe(true);
    expect(isCanonicalVpn(arm, armVpn(0xffffffffffff0000n))).toBe(true);
    expect(isCanonicalVpn(arm, 2 ** 48)).toBe(false);
  });

  it('toy24: every vpn of the 2^24 space is canonical, the vpn 2^12 (2^24 bytes) is not', () => {
    expect(isCanonicalVpn(toy, 0)).toBe(true);
    expect(isCanonicalVpn(toy, 4095)).toBe(true);
    expect(isCanonicalVpn(toy, 4096)).toBe(false);
  });

  it('x86_64: a page mapped at 0xffff800000000000 is not reached through 0x0000800000000000 (same pgd index 256)', () => {
    const m = new Machine(configByName('x86_64'));
    expect(m.vmapPageRange(x86Vpn(0xffff800000000000n), [0x3000]).err).toBeNull();
    expect(m.walk(x86Vpn(0xffff800000000000n))).toEqual({ pfn: 0x3000, level: 3 });
    expect(m.walk(x86Vpn(0x0000800000000000n))).toBeNull();
    // the first kernel-half pgd entry (index 256) reports its canonical address
    expect(m.toModel().tables[0]).toMatchObject({ level: 1, va: 0xffff800000000000n });
  });
});

describe('canonicalVpn', () => {
  it('x86_64: tree position 2^35 (pgd index 256) is 0xffff800000000000, position 2^35 - 1 stays low', () => {
    expect(vpnToAddr(x86, canonicalVpn(x86, 2 ** 35))).toBe(0xffff800000000000n);
    expect(vpnToAddr(x86, canonicalVpn(x86, 2 ** 35 - 1))).toBe(0x00007ffffffff000n);
  });

  it('arm64-64k: every tree position lies in the top 2^48 bytes', () => {
    expect(vpnToAddr(arm, canonicalVpn(arm, 2 ** 32 - 1))).toBe(0xffffffffffff0000n);
  });

  it('toy24: a tree position is its own address', () => {
    expect(canonicalVpn(toy, 0xf00)).toBe(0xf00);
  });
});

describe('makeGeometry', () => {
  it('a PAGE_OFFSET sign-extended from the tree top bit (0xffff800000000000, the lowest one) places the tree as x86 does', () => {
    const p: Preset = { ...PRESETS.x86_64, pageOffset: 0xffff800000000000n };
    expect(makeGeometry(p).treeMode).toBe('sign-extend');
  });

  it('a preset whose table bits exceed W - PAGE_SHIFT is rejected', () => {
    const levels = [{ name: 'pgd', bits: 5 }, ...PRESETS.toy24.levels.slice(1)]; // 5 + 4 + 4 = 13 > 24 - 12
    expect(() => makeGeometry({ ...PRESETS.toy24, levels })).toThrow(/toy24/);
  });
});

describe('wrapVpn and isPageAligned', () => {
  it('the end 2^W wraps to 0; ends below it are unchanged', () => {
    expect(wrapVpn(toy, 4096)).toBe(0);
    expect(wrapVpn(toy, 4095)).toBe(4095);
    expect(wrapVpn(x86, 2 ** 52)).toBe(0);
  });

  it('page alignment looks only at the low PAGE_SHIFT bits, exactly at the top of the 64-bit space', () => {
    expect(isPageAligned(x86, 0x1000n)).toBe(true);
    expect(isPageAligned(x86, 0xfffffffffffff000n)).toBe(true);
    expect(isPageAligned(x86, 0x1001n)).toBe(false);
    expect(isPageAligned(x86, 0xffffffffffffffffn)).toBe(false);
    expect(isPageAligned(arm, 0x8000n)).toBe(false);
    expect(isPageAligned(arm, 0x10000n)).toBe(true);
  });
});
