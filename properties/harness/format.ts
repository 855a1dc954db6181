// harness: printing calls, results and values the way a kernel bug report does (STYLE.md 10):
// kernel call names, hex addresses, a leading address positional, everything else named:
// `vm_unmap_ram(0xffffc90000104000, count=4)`, `vm_map_ram(pages=4, cpu=1)`.
import type { Addr, Call, Result } from '../../api/index.js';
import { hex } from './geometry.js';

/** Call arguments that are byte addresses (printed in hex); `bytes` sizes are printed in hex too. */
const ADDR_ARGS = new Set(['va', 'addr', 'start', 'end', 'phys']);
const LEADING = new Set(['va', 'addr']);

export function formatCall(c: Call, w = 64): string {
  const parts: string[] = [];
  // the address the call is about comes first, unnamed (kernel style); the rest is named
  const entries = Object.entries(c).sort(([a], [b]) => Number(LEADING.has(b)) - Number(LEADING.has(a)));
  for (const [k, v] of entries) {
    if (k === 'call' || v === undefined) continue;
    let s: string;
    if (typeof v === 'bigint') s = ADDR_ARGS.has(k) ? hex(v, w) : k === 'bytes' ? bytesText(v) : v.toString();
    else if (Array.isArray(v)) {
      if (v.length === 0) continue;
      s = v.join('|');
    } else s = String(v);
    parts.push(LEADING.has(k) && parts.length === 0 ? s : `${k}=${s}`);
  }
  return `${c.call}(${parts.join(', ')})`;
}

function bytesText(b: Addr): string {
  return b < 1n << 20n ? b.toString() : '0x' + b.toString(16);
}

export function formatResult(r: Result, w = 64): string {
  if (!r.ok) return r.err;
  const v = r.value;
  switch (v.kind) {
    case 'none':
      return 'ok';
    case 'addr':
      return hex(v.addr, w);
    case 'walk':
      return v.pfn === null ? 'not mapped' : `pfn 0x${v.pfn.toString(16)} level ${v.level}`;
    case 'touch':
      return `pfn 0x${v.pfn.toString(16)}${v.fromTlb ? ' (tlb)' : ''}`;
    case 'rows':
      return v.rows.length === 0 ? '(no rows)' : `${v.rows.length} rows`;
    case 'vm':
      return v.vm === null
        ? 'none'
        : `{ addr ${hex(v.vm.addr, w)}, size ${v.vm.size}, ${v.vm.kind}, nr_pages ${v.vm.nrPages} }`;
  }
}

/** A value inside a state or result, as a short string: bigints in hex, objects as JSON. */
export function formatValue(v: unknown, w = 64): string {
  if (v === undefined) return '(absent)';
  if (typeof v === 'bigint') return hex(v, w);
  if (typeof v === 'string') return v;
  if (typeof v !== 'object' || v === null) return String(v);
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? hex(x, w) : x));
}
