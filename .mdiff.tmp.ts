import { createKernel } from '/work/main/src/index.js';
import { createModel } from '/work/main/model/index.js';
import { CONFIGS } from '/work/main/properties/configs.js';
import { PRESETS, type Call } from '/work/main/api/index.js';
import { isDeepStrictEqual } from 'node:util';
let seed = Number(process.argv[2] ?? 1);
const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) % 2147483648; return Math.floor((seed / 2147483648) * n); };
const pick = <T,>(a: readonly T[]): T => a[rnd(a.length)]!;
const fields = ['step', 'failAfter', 'owners', 'leaves', 'tables', 'tlb', 'counters', 'warnings', 'mappings'] as const;
const show = (x: unknown) => JSON.stringify(x, (_, v) => (typeof v === 'bigint' ? '0x' + v.toString(16) : v)).slice(0, 600);
let fails = 0;
for (let trace = 0; trace < Number(process.argv[3] ?? 200); trace++) {
  const cfg = pick(CONFIGS);
  const p = PRESETS[cfg.preset];
  const ps = 1n << BigInt(p.pageShift);
  const leafs = p.leafShifts.map((s) => 1n << BigInt(s));
  const impl = createKernel(cfg), model = createModel(cfg);
  const wins = cfg.windows.map((w) => ({ s: BigInt(w.start), e: BigInt(w.end) }));
  const dev = cfg.devices.map((d) => ({ s: BigInt(d.start) * ps, e: BigInt(d.start + d.count) * ps }));
  const live: bigint[] = [];
  const addr = (): bigint => {
    const w = pick(wins);
    const r = rnd(6);
    const al = pick(leafs);
    if (r === 0) return w.e - BigInt(1 + rnd(20)) * ps;
    if (r === 1) return w.s + BigInt(rnd(20)) * ps;
    if (r === 2) return w.s + ((BigInt(rnd(1 << 20)) * al) % (w.e - w.s)) ;
    if (r === 3 && live.length) return pick(live) + BigInt(rnd(4)) * ps;
    return w.s + BigInt(rnd(4096)) * ps;
  };
  for (let step = 0; step < 150; step++) {
    const k = rnd(100);
    let c: Call;
    const va = addr();
    if (k < 25) c = { call: 'map_pages', va, pages: 1 + rnd(rnd(4) === 0 ? 600 : 20) };
    else if (k < 35) { const d = pick(dev); const al = pick(leafs); const ph = d.s + ((BigInt(rnd(64)) * al) % (d.e - d.s)) + (rnd(5) === 0 ? ps * BigInt(rnd(3)) : 0n);
      c = { call: 'map_device', va: rnd(2) ? va - (va % al) : va, phys: ph, bytes: BigInt(1 + rnd(3)) * al + BigInt(rnd(5) - 2) * ps }; }
    else if (k < 45) c = { call: 'unmap_pages', va: live.length && rnd(4) ? pick(live) : va };
    else if (k < 50) c = { call: 'unmap_range', start: va, end: va + BigInt(1 + rnd(600)) * ps - (rnd(8) === 0 ? 1n : 0n) };
    else if (k < 65) c = { call: 'touch', cpu: rnd(6), va: va + BigInt(rnd(4096)) };
    else if (k < 70) c = { call: 'walk', va: va + BigInt(rnd(4096)) };
    else if (k < 77) { const e = va + BigInt(rnd(700)) * ps; c = { call: 'flush', start: rnd(5) ? va : e, end: rnd(5) ? e : va }; }
    else if (k < 79) c = { call: 'flush_all' };
    else if (k < 85) c = { call: 'populate', va, level: rnd(p.levels.length + 1) };
    else if (k < 92) { const w = pick(wins); c = rnd(2) ? { call: 'free_empty_tables', start: w.s, end: w.e } : { call: 'free_empty_tables', start: va, end: va + BigInt(rnd(2000)) * ps }; }
    else c = { call: 'fail_alloc', after: rnd(6) };
    const top = 1n << BigInt(p.bitsPerLong);
    const cc = c as any;
    for (const f of ['va', 'start', 'end']) if (typeof cc[f] === 'bigint' && cc[f] > top) cc[f] = top;
    if ((cc.call === 'touch' || cc.call === 'walk' || cc.call === 'populate') && cc.va >= top) cc.va = top - 1n - BigInt(rnd(3)) * ps;
    if (cc.call === 'populate') cc.va -= cc.va % ps;
    if (cc.call === 'map_device' && cc.va + cc.bytes > top) cc.bytes = top - cc.va;
    let ri, rm;
    try { ri = impl.call(c); } catch (e) { ri = 'THROW ' + (e as Error).message; }
    try { rm = model.call(c); } catch (e) { rm = 'THROW ' + (e as Error).message; }
    if (c.call === 'map_pages' || c.call === 'map_device') if ((ri as any).ok) live.push(c.va);
    let bad = '';
    if (!isDeepStrictEqual(ri, rm)) bad = `result model=${show(rm)} impl=${show(ri)}`;
    else {
      const si = impl.state() as any, sm = model.state() as any;
      for (const f of fields) if (!isDeepStrictEqual(si[f], sm[f])) { bad = `${f}: model=${show(sm[f])} impl=${show(si[f])}`; break; }
    }
    if (bad) { fails++; console.log(`seed ${process.argv[2]} trace ${trace} ${cfg.name} step ${step} ${show(c)} › ${bad}`); break; }
  }
}
console.log('fails', fails);
