// The SVG picture of a shrink report (checking.md §6) is well-formed XML — parsed here by saxes, a
// strict, conformance-tested XML parser, not by string matching — with an <svg> root that has a
// width, a height and a viewBox, and one titled <rect> per area, block, mapping, leaf run, TLB
// run and present memmap, each title naming its exact range. The expected ranges come from the
// spec and hand arithmetic on the hand-written trace below, never from the picture itself.
import { SaxesParser } from 'saxes';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Call, MachineConfig } from '../../api/index.js';
import { PRESETS } from '../../api/index.js';
import { createModel } from '../../model/index.js';
import { CONFIGS, configByName, EXTRA_CONFIGS } from '../configs.js';
import { geometryOf } from '../harness/geometry.js';
import { pictureSvg } from '../harness/picture-svg.js';

interface El {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: El[];
  text: string;
}

/** Parse with saxes; any well-formedness error fails the test with the parser's messages. */
function parseXml(xml: string): El {
  const p = new SaxesParser();
  const errors: string[] = [];
  const doc: El = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: El[] = [doc];
  p.on('error', (e) => errors.push(e.message));
  p.on('opentag', (t) => {
    const el: El = { name: t.name, attrs: { ...t.attributes }, children: [], text: '' };
    stack[stack.length - 1]?.children.push(el);
    stack.push(el);
  });
  p.on('closetag', () => void stack.pop());
  p.on('text', (t) => {
    const top = stack[stack.length - 1];
    if (top) top.text += t;
  });
  p.write(xml).close();
  expect(errors, 'XML well-formedness errors').toEqual([]);
  expect(doc.children).toHaveLength(1);
  return doc.children[0] as El;
}

function all(el: El, pred: (e: El) => boolean): El[] {
  return [...(pred(el) ? [el] : []), ...el.children.flatMap((c) => all(c, pred))];
}

/** The <title> texts of the rects of one class inside `el`. */
function titles(el: El, cls: string): string[] {
  return all(el, (e) => e.name === 'rect' && e.attrs['class'] === cls).map((r) => r.children.find((c) => c.name === 'title')?.text ?? '');
}

function band(svg: El, name: string): El {
  const b = all(svg, (e) => e.name === 'g' && e.attrs['class'] === `band ${name}`);
  expect(b, `one ${name} band`).toHaveLength(1);
  return b[0] as El;
}

function svgOf(config: MachineConfig, calls: readonly Call[], title = 'test'): El {
  const m = createModel(config);
  for (const c of calls) expect(m.call(c), JSON.stringify(c, (_, v: unknown) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v))).toMatchObject({ ok: true });
  return parseXml(pictureSvg(m.state(), geometryOf(config), title));
}

function expectRoot(svg: El): void {
  expect(svg.name).toBe('svg');
  expect(svg.attrs['xmlns']).toBe('http://www.w3.org/2000/svg');
  const w = Number(svg.attrs['width']);
  const h = Number(svg.attrs['height']);
  expect(w).toBeGreaterThan(0);
  expect(h).toBeGreaterThan(0);
  expect(svg.attrs['viewBox']).toBe(`0 0 ${w} ${h}`);
}

describe('picture-svg: the boot state', () => {
  it.each([...CONFIGS, ...EXTRA_CONFIGS].map((c) => ({ name: c.name, c })))('$name: well-formed, an svg root with width, height and viewBox, no area', ({ c }) => {
    const svg = svgOf(c, []);
    expectRoot(svg);
    expect(all(svg, (e) => e.name === 'rect' && ['busy', 'lazy', 'block', 'mapping'].includes(e.attrs['class'] ?? ''))).toEqual([]);
    // boot RAM's memmap is populated at boot (vmemmap.md §4): a vmemmap band with its struct pages; arm32 has none
    const vmemmap = all(svg, (e) => e.attrs['class'] === 'band vmemmap');
    expect(vmemmap).toHaveLength(PRESETS[c.preset].vmemmapStart === null ? 0 : 1);
  });

  it('x86_64: the struct pages of boot RAM [pfn 0, 0x4000) are vmemmap [0xffffea0000000000, +0x4000 * 64)', () => {
    const svg = svgOf(configByName('x86_64'), []);
    expect(titles(band(svg, 'vmemmap'), 'present')).toEqual(['struct pages of boot pfns [0x0, 0x4000) [0xffffea0000000000, 0xffffea0000100000)']);
  });
});

describe('picture-svg: after a short trace on x86_64', () => {
  // vmalloc space from VMALLOC_START = 0xffffc90000000000, 4 KiB pages, lowest fit (vmap.md §2):
  //   1 vmalloc(2 pages)       A = [c9..0000, c9..3000)   2 pages + guard
  //   2 vmalloc(1 page)        B = [c9..3000, c9..5000)   1 page + guard
  //   3 vfree(A)               A lazy (lazy_max_pages = fls(4) * 8192: no purge)
  //   4 vm_map_ram(1, cpu 0)   a block of VMAP_BLOCK_SIZE = 1024 pages, aligned to it: [c9..400000, c9..800000)
  //   5 map_pages(0xffffe90000000000, 2)   a machine-level mapping in the first window
  //   6 touch(cpu 1, B)        one TLB run on cpu 1
  //   7 add_memory(0x8000, 0x200)  one sub-section of RAM at 128 MiB: struct pages
  //                            [vmemmap(0x8000), vmemmap(0x8200)) = [ea..200000, ea..208000), 8 base pages from RAM
  //   |lll BB .... bbbbbbbbbbbbbbbb|   (l lazy, B busy, b block)
  const V = 0xffffc90000000000n;
  const calls: Call[] = [
    { call: 'vmalloc', bytes: 0x2000n },
    { call: 'vmalloc', bytes: 0x1000n },
    { call: 'vfree', addr: V },
    { call: 'vm_map_ram', pages: 1, cpu: 0 },
    { call: 'map_pages', va: 0xffffe90000000000n, pages: 2 },
    { call: 'touch', cpu: 1, va: V + 0x3000n },
    { call: 'add_memory', pfn: 0x8000, pages: 0x200 },
  ];
  let svg: El;
  beforeAll(() => {
    svg = svgOf(configByName('x86_64'), calls, 'after step 7 <model> & "friends"');
  });

  it('is well-formed with an svg root that has width, height and viewBox', () => {
    expectRoot(svg);
  });

  it('escapes its title: the parsed title reads back exactly', () => {
    expect(svg.children.find((c) => c.name === 'title')?.text).toBe('after step 7 <model> & "friends"');
  });

  it('the vmalloc band has one rect per area: the busy one, the lazy one and the block, with their ranges', () => {
    const vm = band(svg, 'vmalloc');
    expect(titles(vm, 'busy')).toEqual(['busy area [0xffffc90000003000, 0xffffc90000005000)']);
    expect(titles(vm, 'lazy')).toEqual(['lazy area [0xffffc90000000000, 0xffffc90000003000)']);
    expect(titles(vm, 'block')).toEqual(['block of cpu 0 [0xffffc90000400000, 0xffffc90000800000)']);
  });

  it('the vmalloc band shows the two mapped pages (B and the block\'s first) and the TLB run of cpu 1', () => {
    const vm = band(svg, 'vmalloc');
    const leaves = titles(vm, 'leaf');
    expect(leaves).toHaveLength(2);
    expect(leaves[0]).toMatch(/^1 pages \[0xffffc90000003000, 0xffffc90000004000\) -> pfn 0x[0-9a-f]+ \(pte\)$/);
    expect(leaves[1]).toMatch(/^1 pages \[0xffffc90000400000, 0xffffc90000401000\) -> pfn 0x[0-9a-f]+ \(pte\)$/);
    expect(titles(vm, 'tlb')).toEqual([expect.stringMatching(/^cpu 1 caches \[0xffffc90000003000, 0xffffc90000004000\) -> pfn 0x/)]);
  });

  it('the window band shows the machine-level mapping and leaves over exactly its 2 pages', () => {
    const w = band(svg, 'window');
    expect(titles(w, 'mapping')).toEqual(['pages mapping [0xffffe90000000000, 0xffffe90000002000), 2 pages']);
    const pages = titles(w, 'leaf').reduce((n, t) => n + Number(/^(\d+) pages/.exec(t)?.[1] ?? 0), 0);
    expect(pages).toBe(2);
  });

  it('the vmemmap band shows the struct pages of boot RAM and of the added sub-section, and 256 + 8 base pages mapping them', () => {
    const vmm = band(svg, 'vmemmap');
    expect(titles(vmm, 'present')).toEqual([
      'struct pages of boot pfns [0x0, 0x4000) [0xffffea0000000000, 0xffffea0000100000)',
      'struct pages of ram pfns [0x8000, 0x8200) [0xffffea0000200000, 0xffffea0000208000)',
    ]);
    // x86: memory smaller than a section gets base pages (vmemmap.md §4): 0x4000 * 64 B = 256 pages, 0x200 * 64 B = 8
    const pages = titles(vmm, 'leaf').reduce((n, t) => n + Number(/^(\d+) pages/.exec(t)?.[1] ?? 0), 0);
    expect(pages).toBe(256 + 8);
    expect(titles(vmm, 'huge')).toEqual([]);
  });
});
