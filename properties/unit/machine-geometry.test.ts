// Unit tests: preset geometry and the wrap-safe p?d_addr_end (machine.md §1, §3).
// Expectations are hand-computed from the preset tables.
import { describe, it, expect } from 'vitest';
import { PRESETS } from '../../api/index.js';
import { addrEnd, addrToVpn, canonicalVpn, indexAt, makeGeometry, vpnToAddr } from '../../src/machine/index.js';

const toy = makeGeometry(PRESETS.toy24);
const x86 = makeGeometry(PRESETS.x86_64);

describe('geometry', () => {
  it('toy24: 3 levels of 4 bits over 4 KiB pages, leaves at every level, 2^12 virtual pages', () => {
    expect(toy.entryPages).toEqual([256, 16, 1]);
    expect(toy.leafAllowed).toEqual([true, true, true]);
    expect(toy.vpnLimit).toBe(4096);
  });

  it('x86_64: 512 GiB / 1 GiB / 2 MiB / 4 KiB entries, huge leaves at pud and pmd only', () => {
    expect(x86.entryPages).toEqual([2 ** 27, 2 ** 18, 2 ** 9, 1]);
    expect(x86.leafAllowed).toEqual([false, true, true, true]);
    expect(x86.vpnLimit).toBe(2 ** 52);
    expect(x86.maxLeafShift).toBe(30);
  });

  it('arm32: 2 MiB pgd entries may be leaves; arm64-64k: 512 MiB pmd leaves', () => {
    const a = makeGeometry(PRESETS.arm32);
    expect(a.entryPages).toEqual([512, 1]);
    expect(a.leafAllowed).toEqual([true, true]);
    const b = makeGeometry(PRESETS['arm64-64k']);
    expect(b.entryPages).toEqual([2 ** 26, 2 ** 13, 1]);
    expect(b.leafAllowed).toEqual([false, true, true]);
  });

  it('arm64-64k: the 48-bit tree is the top of the space (TTBR1), so tree position 0 is 0xffff000000000000', () => {
    const b = makeGeometry(PRESETS['arm64-64k']);
    expect(b.treeMode).toBe('upper');
    expect(vpnToAddr(b, canonicalVpn(b, 0))).toBe(0xffff000000000000n);
    expect(x86.treeMode).toBe('sign-extend');
    expect(toy.treeMode).toBe('full');
  });

  it('vpn <-> address is exact at the top of the 64-bit space', () => {
    expect(addrToVpn(x86, 0xffffffffffffffffn)).toBe(2 ** 52 - 1);
    expect(vpnToAddr(x86, 2 ** 52 - 1)).toBe(0xfffffffffffff000n);
    expect(addrToVpn(x86, 1n << 64n)).toBe(2 ** 52);
  });

  it('pgd_index ignores the sign-extension bits; tree positions map back to canonical addresses', () => {
    // 0xffffe90000000000: bits 47..39 = 0x1d2 (466)
    expect(indexAt(x86, 0, addrToVpn(x86, 0xffffe90000000000n))).toBe(466);
    expect(vpnToAddr(x86, canonicalVpn(x86, 466 * 2 ** 27))).toBe(0xffffe90000000000n);
    expect(vpnToAddr(x86, canonicalVpn(x86, 255 * 2 ** 27))).toBe(0x00007f8000000000n);
  });
});

describe('p?d_addr_end is wrap-safe', () => {
  it('the last pgd entry of toy24 ends at `end` = 0 (2^24 wrapped), not at a boundary', () => {
    // boundary of entry 15 is 0x1000 pages = 2^24 bytes, which wraps to 0: 0 - 1 = max, not < end - 1
    expect(addrEnd(toy, 0, 0xf00, 0)).toBe(0);
  });

  it('an interior entry stops at its boundary when end is the top', () => {
    expect(addrEnd(toy, 0, 0xe00, 0)).toBe(0xf00);
    expect(addrEnd(toy, 1, 0xfe3, 0)).toBe(0xff0);
  });

  it('an end inside the entry wins over the boundary', () => {
    expect(addrEnd(toy, 1, 0xff5, 0xff8)).toBe(0xff8);
    expect(addrEnd(toy, 0, 0x000, 0x080)).toBe(0x080);
  });

  it('x86_64: the pgd entry holding 0xffffff8000000000 ends at the top (0)', () => {
    expect(addrEnd(x86, 0, addrToVpn(x86, 0xffffff8000000000n), 0)).toBe(0);
    expect(addrEnd(x86, 2, addrToVpn(x86, 0xffffffffffe00000n), 0)).toBe(0);
    expect(addrEnd(x86, 2, addrToVpn(x86, 0xffffffffffc00000n), 0)).toBe(addrToVpn(x86, 0xffffffffffe00000n));
  });
});
