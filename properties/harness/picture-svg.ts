// harness: the address-space picture as SVG (checking.md §6: "text, plus an SVG beside it").
// One band per region that holds something (the vmalloc ranges, the vmemmap, the machine-level
// windows); in each band three rows: what should be there (busy and lazy areas, per-CPU blocks,
// machine-level mappings; in the vmemmap, the struct pages of present memory), what is mapped
// (leaves, base or huge), and pages cached in some TLB. Positions are linear in the band's hull,
// so small things get at least one pixel. Every box is a <rect> with a class saying what it is
// and a <title> with its exact range, so a browser shows the addresses on hover and a test can
// read them back with an XML parser (properties/unit/picture-svg.test.ts). Text goes through
// esc(): titles come from callers and may hold `&`, `<` or `>`.
import type { AbstractState } from '../../api/index.js';
import type { AddrSpan, Geometry } from './geometry.js';
import { hex } from './geometry.js';
import { vmemmapOf, vmemmapSpan } from './vmemmap-geo.js';

const WIDTH = 960;
const ROW = 18;
const BAND = 4 * ROW + 26;

/** What a box shows; also its class attribute. */
export type BoxKind = 'busy' | 'lazy' | 'block' | 'mapping' | 'present' | 'leaf' | 'huge' | 'tlb';

const FILL: Readonly<Record<BoxKind, string>> = {
  busy: '#4a7bd0',
  lazy: '#b0b0b0',
  block: '#2f9e9e',
  mapping: '#8e5bc2',
  present: '#c9a227',
  leaf: '#5cc27a',
  huge: '#1d7a3a',
  tlb: '#e08a2c',
};

interface Box extends AddrSpan {
  readonly row: number;
  readonly kind: BoxKind;
  readonly title: string;
}

/** XML character data and attribute values: the five characters XML reserves. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function boxesOf(s: AbstractState, g: Geometry): Box[] {
  const ps = g.pageSize;
  const A = (a: bigint): string => hex(a, g.w);
  const blockStarts = new Set(s.blocks.blocks.map((b) => b.start));
  const cpuOf = new Map(s.blocks.blocks.map((b) => [b.start, b.cpu]));
  const boxes: Box[] = s.vmap.areas.map((a) => {
    const kind: BoxKind = a.lazy ? 'lazy' : blockStarts.has(a.start) ? 'block' : 'busy';
    const what = kind === 'block' ? `block of cpu ${cpuOf.get(a.start)}` : `${kind} area`;
    return { start: a.start, end: a.end, row: 0, kind, title: `${what} [${A(a.start)}, ${A(a.end)})` };
  });
  for (const m of s.mappings) {
    if (m.kind !== 'pages' && m.kind !== 'device') continue;
    const end = m.va + BigInt(m.pages) * ps;
    boxes.push({ start: m.va, end, row: 0, kind: 'mapping', title: `${m.kind} mapping [${A(m.va)}, ${A(end)}), ${m.pages} pages` });
  }
  for (const p of s.vmemmap?.present ?? []) {
    const start = vmemmapOf(g, p.pfn);
    const end = vmemmapOf(g, p.pfn + p.count);
    if (start === null || end === null) continue;
    const pfns = `pfns [0x${p.pfn.toString(16)}, 0x${(p.pfn + p.count).toString(16)})`;
    boxes.push({ start, end, row: 0, kind: 'present', title: `struct pages of ${p.kind} ${pfns} [${A(start)}, ${A(end)})` });
  }
  for (const l of s.leaves) {
    const end = l.va + BigInt(l.pages) * ps;
    const kind: BoxKind = l.level < g.levels - 1 ? 'huge' : 'leaf';
    const level = g.preset.levels[l.level]?.name ?? `level ${l.level}`;
    boxes.push({ start: l.va, end, row: 1, kind, title: `${l.pages} pages [${A(l.va)}, ${A(end)}) -> pfn 0x${l.pfn.toString(16)} (${level})` });
  }
  for (const c of s.tlb) {
    for (const r of c.runs) {
      const end = r.va + BigInt(r.pages) * ps;
      boxes.push({ start: r.va, end, row: 2, kind: 'tlb', title: `cpu ${c.cpu} caches [${A(r.va)}, ${A(end)}) -> pfn 0x${r.pfn.toString(16)}` });
    }
  }
  return boxes;
}

export function pictureSvg(s: AbstractState, g: Geometry, title: string): string {
  const A = (a: bigint): string => hex(a, g.w);
  const boxes = boxesOf(s, g);
  const vmemmap = vmemmapSpan(g);
  const regions: (AddrSpan & { readonly name: string })[] = [
    ...g.vmallocRanges.map((r) => ({ ...r, name: 'vmalloc' })),
    ...(vmemmap ? [{ ...vmemmap, name: 'vmemmap' }] : []),
    ...g.windows.map((r) => ({ ...r, name: 'window' })),
  ];
  const parts: string[] = [];
  let y = 30;
  for (const r of regions) {
    const inside = boxes.filter((b) => b.start < r.end && r.start < b.end);
    if (inside.length === 0) continue;
    let lo = inside.reduce((m, b) => (b.start < m ? b.start : m), r.end);
    let hi = inside.reduce((m, b) => (b.end > m ? b.end : m), r.start);
    if (lo < r.start) lo = r.start;
    if (hi > r.end) hi = r.end;
    const span = Number(hi - lo) || 1;
    const x = (a: bigint): number => 110 + ((WIDTH - 130) * Number((a < lo ? lo : a > hi ? hi : a) - lo)) / span;
    parts.push(`<g class="band ${r.name}">`);
    parts.push(`<text x="10" y="${y + 12}" font-size="12">${esc(`${r.name} [${A(lo)}, ${A(hi)})`)}</text>`);
    [r.name === 'vmemmap' ? 'present' : 'areas', 'leaves', 'tlb'].forEach((label, i) => {
      const ry = y + 18 + i * ROW;
      parts.push(`<text x="10" y="${ry + 12}" font-size="11" fill="#555">${label}</text>`);
      parts.push(`<rect class="row" x="110" y="${ry}" width="${WIDTH - 130}" height="${ROW - 4}" fill="#f3f3f3"/>`);
    });
    for (const b of inside) {
      const x0 = x(b.start);
      const w = Math.max(1, x(b.end) - x0);
      parts.push(
        `<rect class="${b.kind}" x="${x0.toFixed(1)}" y="${y + 18 + b.row * ROW}" width="${w.toFixed(1)}" height="${ROW - 4}" fill="${FILL[b.kind]}" stroke="#fff" stroke-width="0.5"><title>${esc(b.title)}</title></rect>`,
      );
    }
    parts.push('</g>');
    y += BAND;
  }
  const height = y + 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="monospace">`,
    `<title>${esc(title)}</title>`,
    `<text x="10" y="18" font-size="13" font-weight="bold">${esc(title)}</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
