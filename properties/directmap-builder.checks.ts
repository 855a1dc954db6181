// The direct-map builder property's check (directmap-builder.prop.test.ts asserts it with its seed
// and budget; the mutation profile, properties/mutation/directmap.mut.test.ts, with its own).
//
// The x86-64 direct-map builder (init_mem_mapping, layout.md §4), top-down and
// bottom-up, on generated RAM layouts — banks and holes at and off the 2 MiB / 1 GiB edges,
// memory above 4 GiB, the kernel image anywhere above 1 MiB, layouts without holes, and
// fragmented layouts where page-table pages run out. src/directmap builds real page tables on a
// Machine with an allocation log; model/directmap states the expected mapping and replays the
// allocation discipline. Checked, each by name:
//   final-mapping        the page tables equal the model's mapping (after a successful boot)
//   only-ram-mapped      nothing but RAM is mapped, the ISA range excepted
//   pt-page-source       every page-table page came from pgt_buf, or from free RAM that was
//                        already mapped when it was taken (probed on the machine at that moment).
//                        Exception: bottom-up, while [ISA_END, kernel_end) is mapped, the spec's
//                        rule (lowest free page in [min_pfn_mapped, max_pfn_mapped) = [1 MiB, ...),
//                        Linux 6.12 memblock) can take a page of [1 MiB, kernel_end) that is not
//                        mapped yet — the kernel reaches it through early_make_pgtable. Allowed
//                        there only, and reported to the lead as a spec conflict.
//   bottom-up-above-kernel  while [kernel_end, end) is mapped bottom-up, no page-table page
//                        outside pgt_buf lies below kernel_end
//   pt-page-unique       no page-table page is used twice
//   step-rule            step sizes start at 2 MiB and grow << 8 exactly when mapped >= step
//   boot-failure-justified  the panic comes only when pgt_buf cannot serve and no free RAM
//                        page is left in [min_pfn_mapped, max_pfn_mapped)
//   matches-model        steps, allocations (source, page, context) and tables equal the model's
import fc from 'fast-check';
import type { LeafRun, MachineConfig, PfnRange } from '../api/index.js';
import type { DirectMapLog, DirectMapOrder, DirectMapSetup } from '../api/directmap.js';
import { INIT_PGT_BUF_PAGES, ISA_END_PFN } from '../api/directmap.js';
import { Machine, addrToVpn } from '../src/machine/index.js';
import { initMemMapping } from '../src/directmap/index.js';
import { expectedDirectMap, modelInitMemMapping } from '../model/directmap.js';
import type { SeededCheck } from './harness/settings.js';

const PMD = 512; // 2 MiB in pages
const PUD = 512 * 512; // 1 GiB in pages

const hexPfn = (pfn: number): string => '0x' + (pfn * 4096).toString(16);
const json = (x: unknown): string => JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? '0x' + v.toString(16) : v));

// ---------------------------------------------------------------- generation

/** a pfn near an interesting edge: a 1 GiB edge, a 2 MiB edge, a few pages off one, or anywhere */
const edge = (maxGiB: number): fc.Arbitrary<number> =>
  fc
    .tuple(
      fc.integer({ min: 0, max: maxGiB - 1 }),
      fc.oneof(
        fc.constant(0),
        fc.integer({ min: 0, max: 511 }).map((k) => k * PMD),
        fc.tuple(fc.integer({ min: 1, max: 511 }), fc.integer({ min: -3, max: 3 })).map(([k, d]) => k * PMD + d),
        fc.integer({ min: 0, max: PUD - 1 }),
      ),
    )
    .map(([g, off]) => g * PUD + off);

interface Shape {
  order: DirectMapOrder;
  banks: PfnRange[];
  /** which bank holds the kernel, where in it, how big; where pgt_buf sits in the image */
  kernelPick: number;
  kernelPos: number;
  kernelAligned: boolean;
  kernelPages: number;
  bufAtEnd: boolean;
  bufPos: number;
}

const toBanks = (edges: number[]): PfnRange[] => {
  const e = [...new Set(edges)].sort((a, b) => a - b);
  const banks: PfnRange[] = [];
  for (let i = 0; i + 1 < e.length; i += 2) banks.push({ start: e[i]!, count: e[i + 1]! - e[i]! });
  return banks;
};

const banksArb: fc.Arbitrary<PfnRange[]> = fc.oneof(
  // general: 1-5 banks anywhere below 20 GiB, edges at and off 2 MiB / 1 GiB boundaries
  { weight: 4, arbitrary: fc.array(edge(20), { minLength: 2, maxLength: 10 }).map(toBanks) },
  // the PC layout: [0, 640 KiB), then RAM from 1 MiB, often reaching above 4 GiB
  { weight: 2, arbitrary: fc.array(edge(12), { minLength: 1, maxLength: 6 }).map((es) => [{ start: 0, count: 0x9f }, ...toBanks([ISA_END_PFN, ...es.filter((e) => e > ISA_END_PFN)])]) },
  // no holes: one bank from 0
  { weight: 1, arbitrary: edge(12).map((e) => [{ start: 0, count: Math.max(e, 0x1000) }]) },
  // fragmented: a tight kernel bank among a few pages in many 2 MiB blocks (page tables run out).
  // Gaps are counted in 2 MiB blocks and kept moderate: with so little RAM the step never grows,
  // and each 2 MiB of span is one step.
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.oneof({ weight: 3, arbitrary: fc.constant(8) }, fc.integer({ min: 8, max: 0x40 })),
        fc.nat(),
        fc.array(fc.tuple(fc.oneof(fc.integer({ min: 1, max: 64 }), { weight: 2, arbitrary: fc.integer({ min: 1, max: 512 }) }), fc.oneof({ weight: 3, arbitrary: fc.constant(1) }, fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 8 }))), { minLength: 3, maxLength: 24 }),
      )
      .map(([kernelBank, kIdx, smalls]) => {
        const banks: PfnRange[] = [];
        let at = ISA_END_PFN;
        for (const [i, [gap, n]] of smalls.entries()) {
          const count = i === kIdx % smalls.length ? kernelBank : n;
          at = (Math.floor(at / PMD) + gap) * PMD + ((gap * 7) % (PMD - count));
          banks.push({ start: at, count });
          at += count;
        }
        return banks;
      }),
  },
);

const shapeArb: fc.Arbitrary<Shape> = fc.record({
  order: fc.constantFrom<DirectMapOrder>('top-down', 'bottom-up'),
  banks: banksArb,
  kernelPick: fc.nat(),
  kernelPos: fc.nat(),
  kernelAligned: fc.boolean(),
  kernelPages: fc.oneof(fc.integer({ min: 8, max: 64 }), fc.integer({ min: 8, max: 4096 })),
  bufAtEnd: fc.boolean(),
  bufPos: fc.nat(),
});

/** A valid setup from a shape, or null: the kernel image must fit inside RAM above 1 MiB. */
function toSetup(s: Shape): DirectMapSetup | null {
  const fits = s.banks.filter((b) => b.start + b.count - Math.max(b.start, ISA_END_PFN) >= 8);
  if (fits.length === 0) return null;
  const bank = fits[s.kernelPick % fits.length]!;
  const lo = Math.max(bank.start, ISA_END_PFN);
  const hi = bank.start + bank.count;
  const pages = Math.min(s.kernelPages, hi - lo);
  let start = lo + (s.kernelPos % (hi - lo - pages + 1));
  if (s.kernelAligned && Math.ceil(start / PMD) * PMD + pages <= hi) start = Math.ceil(start / PMD) * PMD;
  const kernel = { start, count: pages };
  // pgt_buf: INIT_PGT_BUF_PAGES pages of the image (at its end, where BRK is, or anywhere); the root table another page of it
  const bufOff = s.bufAtEnd ? pages - INIT_PGT_BUF_PAGES : s.bufPos % (pages - INIT_PGT_BUF_PAGES + 1);
  const pgtBuf = { start: start + bufOff, count: INIT_PGT_BUF_PAGES };
  const rootPt = bufOff > 0 ? start : start + pages - 1;
  const config: MachineConfig = {
    name: 'x86_64-directmap',
    preset: 'x86_64',
    ram: { banks: s.banks, kernel, rootPt },
    devices: [],
    cpus: { possible: [0], online: [0] },
    lazyUnitBytes: 0,
    windows: [],
  };
  return { config, order: s.order, pgtBuf };
}

function describeSetup(s: DirectMapSetup): string {
  const banks = s.config.ram.banks.map((b) => `[${hexPfn(b.start)}, ${hexPfn(b.start + b.count)})`).join(' ');
  const k = s.config.ram.kernel;
  return `init_mem_mapping ${s.order}: RAM ${banks}, kernel [${hexPfn(k.start)}, ${hexPfn(k.start + k.count)}), pgt_buf ${hexPfn(s.pgtBuf.start)}`;
}

// ---------------------------------------------------------------- the checks

interface Seen {
  /** per allocation: the page was mapped (walk hit it) and free at the moment it was taken */
  readonly mappedThen: boolean[];
  readonly freeThen: boolean[];
}

function check(setup: DirectMapSetup, machine: Machine, log: DirectMapLog, seen: Seen): void {
  const where = describeSetup(setup);
  const fail = (name: string, msg: string): never => {
    throw new Error(`${where} › ${name}: ${msg}`);
  };
  const ram = setup.config.ram.banks;
  const kernelEnd = setup.config.ram.kernel.start + setup.config.ram.kernel.count;
  const buf = setup.pgtBuf;
  const model = modelInitMemMapping(setup);
  const state = machine.pt.toModel();

  // step-rule: per phase, the first step is 2 MiB; then << 8 exactly when the phase's mapped RAM reached the step
  for (let i = 1; i < log.steps.length; i++) {
    const prev = log.steps[i - 1]!;
    const s = log.steps[i]!;
    if (s.phase === 'isa' || s.phase === 'top-down-rest') continue;
    const want = s.phase !== prev.phase ? PMD : prev.mappedPages >= prev.stepPages ? prev.stepPages * 256 : prev.stepPages;
    if (s.stepPages !== want) fail('step-rule', `step ${i} [${hexPfn(s.startPfn)}, ${hexPfn(s.endPfn)}): step_size ${hexPfn(s.stepPages)}, expected ${hexPfn(want)} (mapped ${hexPfn(prev.mappedPages)} after a ${hexPfn(prev.stepPages)} step)`);
  }
  // pt-page-source, bottom-up-above-kernel, pt-page-unique
  const used = new Set<number>();
  for (const [i, a] of log.allocs.entries()) {
    if (a.pfn === null) continue;
    const what = `alloc_low_pages #${i} (step ${a.step}, mapping [${hexPfn(a.rangeStartPfn)}, ${hexPfn(a.rangeEndPfn)})) took ${hexPfn(a.pfn)} from ${a.source}`;
    if (used.has(a.pfn)) fail('pt-page-unique', `${what}: already a page-table page`);
    used.add(a.pfn);
    const inBuf = buf.start <= a.pfn && a.pfn < buf.start + buf.count;
    if (a.source === 'pgt_buf' && !inBuf) fail('pt-page-source', `${what}: outside pgt_buf`);
    if (a.source === 'memblock' && !seen.freeThen[i]) fail('pt-page-source', `${what}: not free RAM`);
    // One documented exception (see the header): bottom-up, while [ISA_END, kernel_end) is mapped,
    // the rule "lowest free page in [min_pfn_mapped, max_pfn_mapped)" (Linux 6.12 memblock) may pick
    // a page of [ISA_END, kernel_end) that is not mapped yet; the kernel reaches it through the
    // early page-fault mapping (early_make_pgtable), which the simulation does not have.
    const earlyMapped = log.steps[a.step]!.phase === 'bottom-up-low' && ISA_END_PFN <= a.pfn && a.pfn < kernelEnd;
    if (a.source === 'memblock' && !seen.mappedThen[i] && !earlyMapped) fail('pt-page-source', `${what}: not mapped yet`);
    if (a.source === 'memblock' && log.steps[a.step]!.phase === 'bottom-up-high' && a.pfn < kernelEnd) fail('bottom-up-above-kernel', `${what}: below kernel_end ${hexPfn(kernelEnd)}`);
  }
  // boot-failure-justified
  const last = log.allocs[log.allocs.length - 1];
  if (log.panic !== null) {
    if (!last || last.source !== 'none') return fail('boot-failure-justified', `panic "${log.panic}" without a failed alloc_low_pages`);
    const bufLeft = buf.count - log.allocs.filter((a) => a.source === 'pgt_buf').length;
    const bufFree = buf.start + buf.count - bufLeft;
    const overlaps = last.rangeStartPfn < buf.start + buf.count && bufFree < last.rangeEndPfn;
    if (bufLeft > 0 && !overlaps) fail('boot-failure-justified', `panic with ${bufLeft} pgt_buf pages left and range [${hexPfn(last.rangeStartPfn)}, ${hexPfn(last.rangeEndPfn)}) clear of them`);
    for (const b of ram) {
      for (let p = Math.max(b.start, last.minPfnMapped); p < Math.min(b.start + b.count, last.maxPfnMapped); p++) {
        if (machine.owner(p) === 'free') fail('boot-failure-justified', `panic while ${hexPfn(p)} is free RAM in [min_pfn_mapped, max_pfn_mapped) = [${hexPfn(last.minPfnMapped)}, ${hexPfn(last.maxPfnMapped)})`);
      }
    }
  } else if (last && last.source === 'none') fail('boot-failure-justified', 'a failed alloc_low_pages without a panic');
  // matches-model: the same steps, the same allocations from the same places, the same outcome
  for (let i = 0; i < Math.max(log.steps.length, model.log.steps.length); i++) {
    const a = log.steps[i];
    const b = model.log.steps[i];
    if (!a || !b || a.phase !== b.phase || a.startPfn !== b.startPfn || a.endPfn !== b.endPfn || a.stepPages !== b.stepPages || a.mappedPages !== b.mappedPages) {
      fail('matches-model', `step ${i}: model=${json(b)} impl=${json(a)}`);
    }
  }
  if (log.realEndPfn !== model.log.realEndPfn) fail('matches-model', `real_end: model=${hexPfn(model.log.realEndPfn ?? 0)} impl=${hexPfn(log.realEndPfn ?? 0)}`);
  for (let i = 0; i < Math.max(log.allocs.length, model.log.allocs.length); i++) {
    if (json(log.allocs[i]) !== json(model.log.allocs[i])) fail('matches-model', `alloc_low_pages #${i}: model=${json(model.log.allocs[i])} impl=${json(log.allocs[i])}`);
  }
  if (log.panic !== model.log.panic) fail('matches-model', `boot: model=${model.log.panic ?? 'ok'} impl=${log.panic ?? 'ok'}`);
  if (json(state.tables) !== json(model.tables)) fail('matches-model', `tables: model=${json(model.tables)} impl=${json(state.tables)}`);
  // only-ram-mapped (the ISA range excepted)
  const base = addrToVpn(machine.geometry, machine.geometry.preset.pageOffset);
  for (const r of state.leaves as readonly LeafRun[]) {
    if (addrToVpn(machine.geometry, r.va) - base !== r.pfn) fail('only-ram-mapped', `leaf run at ${json(r.va)} maps pfn ${hexPfn(r.pfn)}, not PAGE_OFFSET + p`);
    let p = r.pfn;
    while (p < r.pfn + r.pages) {
      const bank = ram.find((b) => b.start <= p && p < b.start + b.count);
      if (!bank && p >= ISA_END_PFN) fail('only-ram-mapped', `${hexPfn(p)} is mapped (level ${r.level}) but is not RAM`);
      p = bank ? bank.start + bank.count : p + 1;
    }
  }
  // final-mapping
  if (log.panic === null) {
    const want = expectedDirectMap(setup);
    if (json(state.leaves) !== json(want)) fail('final-mapping', `model=${json(want)} impl=${json(state.leaves)}`);
  }
}

function runOne(setup: DirectMapSetup): { log: DirectMapLog } {
  const machine = new Machine(setup.config);
  const base = addrToVpn(machine.geometry, machine.geometry.preset.pageOffset);
  const seen: Seen = { mappedThen: [], freeThen: [] };
  const log = initMemMapping(machine, setup, {
    onAlloc: (a, m) => {
      const w = a.pfn === null ? null : m.walk(base + a.pfn);
      seen.mappedThen.push(w !== null && w.pfn === a.pfn);
      seen.freeThen.push(a.pfn !== null && m.owner(a.pfn) === 'free');
    },
  });
  check(setup, machine, log, seen);
  return { log };
}

export const DIRECTMAP_CHECKS: readonly SeededCheck[] = [
  {
    name: 'top-down and bottom-up build exactly the model mapping with page tables from mapped memory',
    numRuns: (runs) => runs,
    property: () =>
      fc.property(
        shapeArb.map(toSetup).filter((s): s is DirectMapSetup => s !== null),
        (setup) => {
          runOne(setup);
        },
      ),
  },
];
