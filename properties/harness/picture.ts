// harness: a text picture of the address space in one abstract state, for shrink reports and
// replay (checking.md §6): areas and what lives in them, blocks, machine-level mappings, leaf
// runs, tables, TLB contents, and one strip per region in the memblock style
//   [0xffffc90000000000, 0xffffc90000010000)  areas  |AAAA.bbb........|
//                                             leaves |###.............|
import type { AbstractState } from '../../api/index.js';
import type { AddrSpan, Geometry } from './geometry.js';
import { hex } from './geometry.js';

const MAX_LINES = 40;
const COLS = 64;

function letter(i: number, lazy: boolean): string {
  const c = String.fromCharCode(65 + (i % 26));
  return lazy ? c.toLowerCase() : c;
}

function limited(lines: string[]): string[] {
  return lines.length <= MAX_LINES ? lines : [...lines.slice(0, MAX_LINES), `  … ${lines.length - MAX_LINES} more`];
}

interface Obj extends AddrSpan {
  readonly ch: string;
}

function strip(objs: readonly Obj[], lo: bigint, hi: bigint, ps: bigint): string {
  const pages = (hi - lo) / ps;
  const cols = pages < BigInt(COLS) ? Number(pages) : COLS;
  const per = (pages + BigInt(cols) - 1n) / BigInt(cols);
  let s = '';
  for (let c = 0; c < cols; c++) {
    const a = lo + BigInt(c) * per * ps;
    const b = a + per * ps;
    const o = objs.find((x) => x.start < b && a < x.end);
    s += o ? o.ch : '.';
  }
  return `|${s}|`;
}

/** The picture, one string per line. */
export function picture(s: AbstractState, g: Geometry): string[] {
  const A = (a: bigint): string => hex(a, g.w);
  const ps = g.pageSize;
  const out: string[] = [];
  const areaObjs: Obj[] = s.vmap.areas.map((a, i) => ({ start: a.start, end: a.end, ch: letter(i, a.lazy) }));
  out.push(`vmalloc space: ${g.vmallocRanges.map((r) => `[${A(r.start)}, ${A(r.end)})`).join(' ')}`);
  out.push(`vmap_lazy_nr = ${s.vmap.lazyNr} (lazy_max_pages() = ${g.lazyMaxPages})`);
  const areaLines = s.vmap.areas.map((a, i) => {
    const m = s.mappings.find((x) => x.va >= a.start && x.va < a.end);
    const b = s.blocks.blocks.find((x) => x.start === a.start);
    const what = a.lazy
      ? 'lazy'
      : b
        ? `busy  block of cpu ${b.cpu}`
        : m
          ? `busy  ${m.kind} ${m.pages} page${m.pages === 1 ? '' : 's'}${m.guard ? ' + guard' : ''}`
          : 'busy';
    return `  ${letter(i, a.lazy)}  [${A(a.start)}, ${A(a.end)})  ${what}`;
  });
  out.push(`areas (${s.vmap.areas.length}; uppercase busy, lowercase lazy):`, ...limited(areaLines));
  if (s.blocks.blocks.length > 0) {
    out.push('blocks:');
    out.push(
      ...limited(
        s.blocks.blocks.map((b) => {
          const dirtyRange = b.dirtyMin < b.dirtyMax ? `[${b.dirtyMin}, ${b.dirtyMax})` : 'none';
          const subs = b.subs.map((x) => `${x.offset}+${2 ** x.order}`).join(' ') || '-';
          return `  ${A(b.start)} cpu ${b.cpu} free ${b.free} dirty ${b.dirty} unflushed ${dirtyRange}${b.onFreeList ? ' on free list' : ''} subs ${subs}`;
        }),
      ),
    );
  }
  const machine = s.mappings.filter((m) => m.kind === 'pages' || m.kind === 'device');
  const machineObjs: Obj[] = machine.map((m, i) => ({
    start: m.va,
    end: m.va + BigInt(m.pages) * ps,
    ch: letter(s.vmap.areas.length + i, false),
  }));
  if (machine.length > 0) {
    out.push('machine-level mappings:');
    out.push(
      ...limited(machine.map((m, i) => `  ${machineObjs[i]?.ch}  [${A(m.va)}, ${A(m.va + BigInt(m.pages) * ps)})  ${m.kind}, ${m.pages} page${m.pages === 1 ? '' : 's'}`)),
    );
  }
  const levelName = (l: number): string => g.preset.levels[l]?.name ?? `level ${l}`;
  out.push(`leaves (${s.leaves.length} runs):`);
  out.push(...limited(s.leaves.map((l) => `  ${A(l.va)} +${l.pages} pages -> pfn 0x${l.pfn.toString(16)} (${levelName(l.level)})`)));
  out.push(`tables (${s.tables.length} besides the root):`);
  out.push(...limited(s.tables.map((t) => `  ${levelName(t.level)} table for ${A(t.va)} at pfn 0x${t.pfn.toString(16)}`)));
  const tlbLines = s.tlb.flatMap((c) => c.runs.map((r) => `  cpu ${c.cpu}: ${A(r.va)} +${r.pages} -> pfn 0x${r.pfn.toString(16)}`));
  out.push(`tlb (${tlbLines.length} runs):`, ...limited(tlbLines));
  // strips: one per region that holds something
  const leafObjs: Obj[] = s.leaves.map((l) => ({
    start: l.va,
    end: l.va + BigInt(l.pages) * ps,
    ch: l.level < g.levels - 1 ? 'H' : '#',
  }));
  const tlbObjs: Obj[] = s.tlb.flatMap((c) => c.runs.map((r) => ({ start: r.va, end: r.va + BigInt(r.pages) * ps, ch: 't' })));
  const regions: AddrSpan[] = [...g.vmallocRanges, ...g.windows];
  const all = [...areaObjs, ...machineObjs, ...leafObjs, ...tlbObjs];
  const strips: string[] = [];
  for (const r of regions) {
    const inside = all.filter((o) => o.start < r.end && r.start < o.end);
    if (inside.length === 0) continue;
    let lo = inside.reduce((m, o) => (o.start < m ? o.start : m), inside[0]?.start ?? r.start);
    let hi = inside.reduce((m, o) => (o.end > m ? o.end : m), inside[0]?.end ?? r.end);
    if (lo < r.start) lo = r.start;
    if (hi > r.end) hi = r.end;
    const head = `  [${A(lo)}, ${A(hi)})`;
    const pad = ' '.repeat(head.length);
    strips.push(`${head}  areas  ${strip([...areaObjs, ...machineObjs], lo, hi, ps)}`);
    strips.push(`${pad}  leaves ${strip(leafObjs, lo, hi, ps)}`);
    strips.push(`${pad}  tlb    ${strip(tlbObjs, lo, hi, ps)}`);
  }
  if (strips.length > 0) out.push('strips (# base-page leaf, H huge leaf, t cached in some TLB):', ...strips);
  return out;
}

/** One line: the state in numbers (replay prints it after every step). */
export function summary(s: AbstractState): string {
  const lazy = s.vmap.areas.filter((a) => a.lazy).length;
  const leafPages = s.leaves.reduce((n, l) => n + l.pages, 0);
  const free = s.owners.filter((o) => o.owner === 'free').reduce((n, o) => n + o.count, 0);
  const tlb = s.tlb.reduce((n, c) => n + c.runs.reduce((m, r) => m + r.pages, 0), 0);
  return (
    `areas ${s.vmap.areas.length - lazy}+${lazy} lazy, lazy_nr ${s.vmap.lazyNr}, blocks ${s.blocks.blocks.length}, ` +
    `mappings ${s.mappings.length}, leaves ${leafPages}p/${s.leaves.length} runs, tables ${s.tables.length}, ` +
    `free pfns ${free}, tlb ${tlb}p, flushes ${s.counters.flushes}`
  );
}
