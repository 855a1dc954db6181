// harness: trace op (JSON, references) → resolved Call (exact bigint addresses), checking.md §1.
//
// The harness keeps its own table of handles, computed from each successful call by its own
// arithmetic (never read back from a side): a `ref` names the k-th live handle of the op's own
// kind (modulo their number), so a trace keeps its meaning when the shrinker deletes earlier
// ops. An op whose reference cannot resolve is skipped (resolveOp returns null), not a failure.
import { match } from 'ts-pattern';
import type { Addr, Bytes, Call, MappingRec, Op, OpName, Result, Target } from '../../api/index.js';
import type { Geometry } from './geometry.js';
import { hexToAddr } from './geometry.js';

export type HandleKind = MappingRec['kind'];

export interface Handle {
  readonly kind: HandleKind;
  /** start of the area (page aligned) */
  readonly va: Addr;
  /** the address the call returned (ioremap: includes the page offset of phys) */
  readonly addr: Addr;
  /** mapped pages, guard excluded */
  readonly pages: number;
  /** guard pages after the mapping (0 or 1) */
  readonly guard: number;
  /** vm_map_ram: the count it was mapped with (0 for other kinds) */
  readonly count: number;
  /** map_device: the physical address it maps (page aligned) */
  readonly phys?: Addr;
}

export interface HandleTable {
  /** live handles, in creation order */
  readonly live: Handle[];
  /** the same live handles sorted by (va, kind, pages, guard) — compareByVa — kept sorted as
   *  handles come and go, so the per-step comparison with the mappings sorts nothing */
  readonly byVa: Handle[];
  /** freed handles, in order of freeing */
  readonly dead: Handle[];
  /** hot-added devices still present (from successful add_device / remove_device), in pfns */
  readonly devices: { readonly pfn: number; readonly pages: number }[];
}

/** The order of the model's `mappings` (api/state.ts: sorted by va), ties by kind, pages, guard. */
export function compareByVa(a: MappingRec, b: MappingRec): number {
  if (a.va !== b.va) return a.va < b.va ? -1 : 1;
  if (a.kind !== b.kind) return a.kind < b.kind ? -1 : 1;
  return a.pages - b.pages || a.guard - b.guard;
}

/** insert `h` into the sorted `byVa` after every handle not greater than it */
function insertByVa(byVa: Handle[], h: Handle): void {
  let lo = 0;
  let hi = byVa.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareByVa(byVa[mid] as Handle, h) <= 0) lo = mid + 1;
    else hi = mid;
  }
  byVa.splice(lo, 0, h);
}

export function newHandleTable(): HandleTable {
  return { live: [], byVa: [], dead: [], devices: [] };
}

/** The kinds of live handle each freeing op refers to (its "own kind"). */
const OWN_KINDS = {
  unmap_pages: ['pages', 'device'],
  vfree: ['vmalloc'],
  vunmap: ['vmap'],
  free_vm_area: ['vm_area'],
  iounmap: ['ioremap'],
  vm_unmap_ram: ['vm_map_ram'],
} as const satisfies Record<string, readonly HandleKind[]>;
type FreeOp = keyof typeof OWN_KINDS;

function bytesOf(b: Bytes): Addr {
  return typeof b === 'number' ? BigInt(b) : hexToAddr(b);
}

function mod(n: number, m: number): number {
  return ((n % m) + m) % m;
}

/** The handle a Target picks, or null when nothing of that sort exists (the op is skipped). */
function pickHandle(t: Extract<Target, { readonly ref: number }>, own: readonly HandleKind[], table: HandleTable): Handle | null {
  const pool =
    t.pick === 'any'
      ? table.live
      : t.pick === 'dead'
        ? table.dead.filter((h) => own.includes(h.kind))
        : table.live.filter((h) => own.includes(h.kind));
  if (pool.length === 0) return null;
  return pool[mod(t.ref, pool.length)] ?? null;
}

/** Resolve a Target to an address (and the handle it came from, if any). */
function targetAddr(t: Target, own: readonly HandleKind[], table: HandleTable, g: Geometry): { addr: Addr; h: Handle | null } | null {
  if ('addr' in t) return { addr: hexToAddr(t.addr), h: null };
  const h = pickHandle(t, own, table);
  if (!h) return null;
  // a negative delta below 0 wraps as W-bit unsigned arithmetic would
  const addr = (((h.addr + BigInt(t.delta ?? 0)) % g.top) + g.top) % g.top;
  return { addr, h };
}

/** Address of page `page mod (pages + guard)` of the ref-th live handle of any kind. */
function pageOfHandle(ref: number, page: number, table: HandleTable, g: Geometry): Addr | null {
  const n = table.live.length;
  if (n === 0) return null;
  const h = table.live[mod(ref, n)];
  if (!h) return null;
  return h.va + BigInt(mod(page, h.pages + h.guard)) * g.pageSize;
}

function freeCall(op: Op & { readonly op: FreeOp } & Target, table: HandleTable, g: Geometry): Call | null {
  const t = targetAddr(op, OWN_KINDS[op.op], table, g);
  if (!t) return null;
  const addr = t.addr;
  return match(op.op)
    .with('unmap_pages', () => ({ call: 'unmap_pages', va: addr }) as const)
    .with('vfree', () => ({ call: 'vfree', addr }) as const)
    .with('vunmap', () => ({ call: 'vunmap', addr }) as const)
    .with('free_vm_area', () => ({ call: 'free_vm_area', addr }) as const)
    .with('iounmap', () => ({ call: 'iounmap', addr }) as const)
    .with('vm_unmap_ram', () => {
      const explicit = (op as { readonly count?: number }).count;
      const count = explicit ?? (t.h ? (t.h.kind === 'vm_map_ram' ? t.h.count : t.h.pages) : 1);
      return { call: 'vm_unmap_ram', addr, count } as const;
    })
    .exhaustive();
}

/** a live map_device handle maps pages of the hot-added device starting at `pfn` */
function deviceMapped(pfn: number, table: HandleTable, g: Geometry): boolean {
  const d = table.devices.find((x) => x.pfn === pfn);
  if (!d) return false;
  const lo = BigInt(d.pfn) * g.pageSize;
  const hi = BigInt(d.pfn + d.pages) * g.pageSize;
  return table.live.some((h) => h.kind === 'device' && h.phys !== undefined && h.phys < hi && lo < h.phys + BigInt(h.pages) * g.pageSize);
}

type Resolver<K extends OpName> = (o: Extract<Op, { readonly op: K }>, table: HandleTable, g: Geometry) => Call | null;

/**
 * One resolver per op kind. A mapped type over every OpName, so a kind without a resolver (or
 * with one of the wrong shape) is a compile error — the same exhaustiveness `match(op)
 * .exhaustive()` gives. Not ts-pattern here: this runs once per checked step, and a 35-case
 * `.with` chain tried object patterns one by one, about 12 % of the harness's own time in
 * `npm run bench` (profiled: ts-pattern's matchPattern under resolveOp); a table lookup is O(1).
 */
const RESOLVE: { readonly [K in OpName]: Resolver<K> } = {
  map_pages: (o) => ({ call: 'map_pages', va: hexToAddr(o.va), pages: o.pages }),
  unmap_pages: (o, table, g) => freeCall(o, table, g),
  map_device: (o) => ({
    call: 'map_device',
    va: hexToAddr(o.va),
    phys: hexToAddr(o.phys),
    bytes: bytesOf(o.bytes),
  }),
  unmap_range: (o) => ({ call: 'unmap_range', start: hexToAddr(o.start), end: hexToAddr(o.end) }),
  walk: (o, table, g) => {
    const va = pageOfHandle(o.ref, o.page, table, g);
    return va === null ? null : { call: 'walk', va };
  },
  walk_addr: (o) => ({ call: 'walk', va: hexToAddr(o.addr) }),
  touch: (o, table, g) => {
    const va = pageOfHandle(o.ref, o.page, table, g);
    return va === null ? null : { call: 'touch', cpu: o.cpu, va };
  },
  touch_addr: (o) => ({ call: 'touch', cpu: o.cpu, va: hexToAddr(o.addr) }),
  flush: (o) => ({ call: 'flush', start: hexToAddr(o.start), end: hexToAddr(o.end) }),
  flush_all: () => ({ call: 'flush_all' }),
  populate: (o) => ({ call: 'populate', va: hexToAddr(o.va), level: o.level }),
  free_empty_tables: (o) => ({
    call: 'free_empty_tables',
    start: hexToAddr(o.start),
    end: hexToAddr(o.end),
  }),
  fail_alloc: (o) => ({ call: 'fail_alloc', after: o.after }),
  vmalloc: (o) => ({ call: 'vmalloc', bytes: bytesOf(o.bytes) }),
  vfree: (o, table, g) => freeCall(o, table, g),
  vmap: (o) => ({ call: 'vmap', pages: o.pages, flags: o.flags ?? [] }),
  vunmap: (o, table, g) => freeCall(o, table, g),
  get_vm_area: (o) => ({
    call: 'get_vm_area',
    bytes: bytesOf(o.bytes),
    flags: o.flags ?? [],
    ...(o.start !== undefined ? { start: hexToAddr(o.start) } : {}),
    ...(o.end !== undefined ? { end: hexToAddr(o.end) } : {}),
  }),
  free_vm_area: (o, table, g) => freeCall(o, table, g),
  ioremap: (o) => ({ call: 'ioremap', phys: hexToAddr(o.phys), bytes: bytesOf(o.bytes) }),
  iounmap: (o, table, g) => freeCall(o, table, g),
  find_vm_area: (o, table, g) => {
    const addr = pageOfHandle(o.ref, o.page, table, g);
    return addr === null ? null : { call: 'find_vm_area', addr };
  },
  find_vm_area_addr: (o) => ({ call: 'find_vm_area', addr: hexToAddr(o.addr) }),
  vmallocinfo: () => ({ call: 'vmallocinfo' }),
  purge_vmap_area_lazy: () => ({ call: 'purge_vmap_area_lazy' }),
  reclaim_and_purge: () => ({ call: 'reclaim_and_purge' }),
  vm_map_ram: (o) => ({ call: 'vm_map_ram', pages: o.pages, cpu: o.cpu }),
  vm_unmap_ram: (o, table, g) => freeCall(o, table, g),
  vm_unmap_aliases: () => ({ call: 'vm_unmap_aliases' }),
  add_memory: (o) => ({ call: 'add_memory', pfn: o.pfn, pages: o.pages }),
  add_device: (o) => ({
    call: 'add_device',
    pfn: o.pfn,
    pages: o.pages,
    reserve: o.reserve,
    free: o.free,
  }),
  remove: (o) => ({ call: 'remove', pfn: o.pfn, pages: o.pages }),
  // memunmap_pages() takes for granted that the driver tore down its own mappings of the device
  // memory first (the kernel does not check): removing a device the machine still maps with
  // map_device is a caller's bug with no defined outcome, so the harness skips that op
  remove_device: (o, table, g) => (deviceMapped(o.pfn, table, g) ? null : { call: 'remove_device', pfn: o.pfn }),
  touch_page: (o) => ({ call: 'touch_page', pfn: o.pfn, cpu: o.cpu }),
};

/** Turn one trace op into the Call both sides execute, or null when a reference cannot resolve. */
export function resolveOp(op: Op, table: HandleTable, g: Geometry): Call | null {
  return (RESOLVE[op.op] as Resolver<OpName>)(op as never, table, g);
}

function pagesOf(bytes: Addr, g: Geometry): number {
  return Number((bytes + g.pageSize - 1n) / g.pageSize);
}

/** The handle a successful allocation creates, by the harness's own arithmetic (vmap.md §5). */
function handleOf(c: Call, addr: Addr, g: Geometry): Handle | null {
  return match<Call, Handle | null>(c)
    .with({ call: 'map_pages' }, (x) => ({ kind: 'pages', va: x.va, addr, pages: x.pages, guard: 0, count: 0 }))
    .with({ call: 'map_device' }, (x) => ({
      kind: 'device',
      va: x.va,
      addr,
      pages: pagesOf(x.bytes, g),
      guard: 0,
      count: 0,
      phys: x.phys - (x.phys % g.pageSize),
    }))
    .with({ call: 'vmalloc' }, (x) => ({ kind: 'vmalloc', va: addr, addr, pages: pagesOf(x.bytes, g), guard: 1, count: 0 }))
    .with({ call: 'vmap' }, (x) => ({ kind: 'vmap', va: addr, addr, pages: x.pages, guard: 1, count: 0 }))
    .with({ call: 'get_vm_area' }, (x) => ({
      kind: 'vm_area',
      va: addr,
      addr,
      pages: pagesOf(x.bytes, g),
      guard: x.flags.includes('VM_NO_GUARD') ? 0 : 1,
      count: 0,
    }))
    .with({ call: 'ioremap' }, (x) => {
      // the mapping covers [round_down(phys), round_up(phys + bytes)); the result keeps phys's offset
      const lo = x.phys - (x.phys % g.pageSize);
      const hi = x.phys + x.bytes;
      const pages = Number((hi - lo + g.pageSize - 1n) / g.pageSize);
      return { kind: 'ioremap', va: addr - (x.phys % g.pageSize), addr, pages, guard: 1, count: 0 };
    })
    .with({ call: 'vm_map_ram' }, (x) => ({ kind: 'vm_map_ram', va: addr, addr, pages: x.pages, guard: 0, count: x.pages }))
    .otherwise(() => null);
}

const FREE_KINDS: Partial<Record<Call['call'], readonly HandleKind[]>> = {
  unmap_pages: OWN_KINDS.unmap_pages,
  vfree: OWN_KINDS.vfree,
  vunmap: OWN_KINDS.vunmap,
  free_vm_area: OWN_KINDS.free_vm_area,
  iounmap: OWN_KINDS.iounmap,
  vm_unmap_ram: OWN_KINDS.vm_unmap_ram,
};

/** The address a freeing call names (unmap_pages: va; the others: addr). */
function freedAddr(c: Call): Addr | null {
  if (c.call === 'unmap_pages') return c.va;
  return 'addr' in c ? c.addr : null;
}

/** True when `c` is an allocation or a free: a call that changes the handle table on success. */
export function changesHandles(c: Call): boolean {
  return FREE_KINDS[c.call] !== undefined || ALLOC_CALLS.has(c.call);
}

const ALLOC_CALLS: ReadonlySet<Call['call']> = new Set([
  'map_pages',
  'map_device',
  'vmalloc',
  'vmap',
  'get_vm_area',
  'ioremap',
  'vm_map_ram',
]);

/** Update the table after a call both sides agreed on. */
export function recordResult(c: Call, r: Result, table: HandleTable, g: Geometry): void {
  if (!r.ok) return;
  if (c.call === 'add_device') table.devices.push({ pfn: c.pfn, pages: c.pages });
  if (c.call === 'remove_device') {
    const i = table.devices.findIndex((d) => d.pfn === c.pfn);
    if (i >= 0) table.devices.splice(i, 1);
  }
  if (ALLOC_CALLS.has(c.call)) {
    if (r.value.kind !== 'addr') return;
    const h = handleOf(c, r.value.addr, g);
    if (h) {
      table.live.push(h);
      insertByVa(table.byVa, h);
    }
    return;
  }
  const kinds = FREE_KINDS[c.call];
  if (!kinds) return;
  const addr = freedAddr(c);
  // the oldest live handle of a matching kind at that address (vfree(0) matches none)
  const i = table.live.findIndex((h) => h.addr === addr && kinds.includes(h.kind));
  if (i < 0) return;
  const [h] = table.live.splice(i, 1);
  if (h) {
    table.dead.push(h);
    table.byVa.splice(table.byVa.indexOf(h), 1);
  }
}
