// harness: the address-space picture as SVG (checking.md §6: "text, plus an SVG beside it").
// One band per region that holds something (the vmalloc ranges, the machine-level windows); in
// each band three rows: areas (busy / lazy / machine-level mappings), leaves (base / huge), and
// pages cached in some TLB. Positions are linear in the band's hull, so small things get at
// least one pixel.
import type { AbstractState } from '../../api/index.js';
import type { AddrSpan, Geometry } from './geometry.js';
import { hex } from './geometry.js';

const WIDTH = 960;
const ROW = 18;
const BAND = 4 * ROW + 26;

interface Box extends AddrSpan {
  readonly row: number;
  readonly fill: string;
  readonly title: string;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function pictureSvg(s: AbstractState, g: Geometry, title: string): string {
  const ps = g.pageSize;
  const A = (a: bigint): string => hex(a, g.w);
  const boxes: Box[] = [
    ...s.vmap.areas.map((a) => ({ start: a.start, end: a.end, row: 0, fill: a.lazy ? '#b0b0b0' : '#4a7bd0', title: `${a.lazy ? 'lazy' : 'busy'} area [${A(a.start)}, ${A(a.end)})` })),
    ...s.mappings
      .filter((m) => m.kind === 'pages' || m.kind === 'device')
      .map((m) => ({ start: m.va, end: m.va + BigInt(m.pages) * ps, row: 0, fill: '#8e5bc2', title: `${m.kind} mapping at ${A(m.va)}, ${m.pages} pages` })),
    ...s.leaves.map((l) => ({
      start: l.va,
      end: l.va + BigInt(l.pages) * ps,
      row: 1,
      fill: l.level < g.levels - 1 ? '#1d7a3a' : '#5cc27a',
      title: `${l.pages} pages at ${A(l.va)} -> pfn 0x${l.pfn.toString(16)} (level ${l.level})`,
    })),
    ...s.tlb.flatMap((c) =>
      c.runs.map((r) => ({ start: r.va, end: r.va + BigInt(r.pages) * ps, row: 2, fill: '#e08a2c', title: `cpu ${c.cpu} caches ${A(r.va)} +${r.pages} -> pfn 0x${r.pfn.toString(16)}` })),
    ),
  ];
  const regions: AddrSpan[] = [...g.vmallocRanges, ...g.windows];
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
    parts.push(`<text x="10" y="${y + 12}" font-size="12">[${A(lo)}, ${A(hi)})</text>`);
    ['areas', 'leaves', 'tlb'].forEach((label, i) => {
      const ry = y + 18 + i * ROW;
      parts.push(`<text x="10" y="${ry + 12}" font-size="11" fill="#555">${label}</text>`);
      parts.push(`<rect x="110" y="${ry}" width="${WIDTH - 130}" height="${ROW - 4}" fill="#f3f3f3"/>`);
    });
    for (const b of inside) {
      const x0 = x(b.start);
      const w = Math.max(1, x(b.end) - x0);
      parts.push(
        `<rect x="${x0.toFixed(1)}" y="${y + 18 + b.row * ROW}" width="${w.toFixed(1)}" height="${ROW - 4}" fill="${b.fill}" stroke="#fff" stroke-width="0.5"><title>${esc(b.title)}</title></rect>`,
      );
    }
    y += BAND;
  }
  const height = y + 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="monospace">`,
    `<text x="10" y="18" font-size="13" font-weight="bold">${esc(title)}</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
