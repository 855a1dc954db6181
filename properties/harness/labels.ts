// harness: coverage labels (checking.md §5). Each step may add labels to its trace; a property
// prints the share of traces carrying each label and fails when a declared minimum is missed.
// This runs after every step of every trace: each test compares counts, lengths, the last
// element or the one record the call touched — never a walk over the whole state, except on the
// rare steps where the label needs one (a huge leaf after map_device/ioremap, RAM after a failed
// hot-add).
//
// The labels (errno names aside, one per error a trace met):
//   tlb hit, injected allocation failure, range ending at 2^W, huge leaf, table freed,
//   ranged flush                 a flush_tlb_kernel_range covering pages was issued (by a flush
//                                op, a purge, a vm_unmap_aliases or a hot-remove)
//   explicit purge, purge by threshold, purge on allocation failure
//   block created, block filled (a vm_map_ram took a block's last free page), block released,
//   fragmented block released (vmap-blocks.md §6), 8+ areas,
//   area ending at VMALLOC_END   an allocation put an area flush against the top of the vmalloc space
//   multi-range vmalloc          a vmalloc-space allocation landed in a range other than the first
//                                one tried (arm32 with holes, vmap.md §5)
//   altmap exhausted, vmemmap fallback taken (labels-vmemmap.ts)
import type { AbstractState, Call, CallName, Result } from '../../api/index.js';
import type { Geometry } from './geometry.js';
import { hotplugLabels } from './labels-vmemmap.js';

/** The end of the range a call works on, when it has one. */
function rangeEnd(c: Call, g: Geometry): bigint | null {
  switch (c.call) {
    case 'map_pages':
      return c.va + BigInt(c.pages) * g.pageSize;
    case 'map_device':
      return c.va + c.bytes;
    case 'unmap_range':
    case 'flush':
    case 'free_empty_tables':
      return c.end;
    default:
      return null;
  }
}

/** Calls that allocate an area in "the vmalloc space" (every range, lowest first: vmap.md §5). */
const VMALLOC_SPACE: ReadonlySet<CallName> = new Set<CallName>(['vmalloc', 'vmap', 'get_vm_area', 'ioremap']);
/** Calls whose failing area allocation purges and retries (vmap.md §2). */
const ALLOCATING: ReadonlySet<CallName> = new Set<CallName>([...VMALLOC_SPACE, 'vm_map_ram']);
const EXPLICIT_PURGE: ReadonlySet<CallName> = new Set<CallName>(['purge_vmap_area_lazy', 'reclaim_and_purge', 'vm_unmap_aliases']);

/** Does the highest area end at the top of the vmalloc space? (areas are sorted by start) */
function areaAtTop(s: AbstractState, g: Geometry): boolean {
  const last = s.vmap.areas[s.vmap.areas.length - 1];
  const top = g.vmallocRanges[g.vmallocRanges.length - 1];
  return last !== undefined && top !== undefined && last.end === top.end;
}

/** Labels this step earns its trace (cheap: a few comparisons of the two snapshots). */
export function stepLabels(c: Call, r: Result, before: AbstractState, after: AbstractState, g: Geometry, out: Set<string>): void {
  if (!r.ok) {
    out.add(`${r.err}`);
    if (r.err === 'ENOMEM' && before.failAfter !== null && after.failAfter === null) out.add('injected allocation failure');
  } else if (c.call === 'touch' && r.value.kind === 'touch' && r.value.fromTlb) out.add('tlb hit');
  if (rangeEnd(c, g) === g.top && r.ok) out.add('range ending at 2^W');
  if ((c.call === 'map_device' || c.call === 'ioremap') && r.ok && after.leaves.some((l) => l.level < g.levels - 1)) {
    out.add('huge leaf');
  }
  if (after.counters.ptFrees > before.counters.ptFrees) out.add('table freed');
  if (after.counters.flushedPages > before.counters.flushedPages) out.add('ranged flush');
  const purged = after.vmap.lazyNr < before.vmap.lazyNr;
  if (purged) {
    if (EXPLICIT_PURGE.has(c.call)) out.add('explicit purge');
    else if (ALLOCATING.has(c.call)) out.add('purge on allocation failure');
    else out.add('purge by threshold');
  }
  const nb = before.blocks.blocks.length;
  const na = after.blocks.blocks.length;
  if (na > nb) out.add('block created');
  if (na < nb) {
    out.add('block released');
    // a block that left with pages never handed out was released as fragmented (vmap-blocks.md §6)
    const left = new Set(after.blocks.blocks.map((b) => b.start));
    if (before.blocks.blocks.some((b) => !left.has(b.start) && b.subs.length === 0 && b.free > 0)) {
      out.add('fragmented block released');
    }
  }
  // only vb_alloc lowers a block's free count, so only a small vm_map_ram can fill one: look at its block
  if (c.call === 'vm_map_ram' && r.ok && r.value.kind === 'addr' && c.pages <= g.vmapMaxAlloc) {
    const a = r.value.addr;
    const b = after.blocks.blocks.find((x) => x.start <= a && a < x.start + g.blockSize);
    if (b && b.free === 0) out.add('block filled');
  }
  if (after.vmap.areas.length >= 8) out.add('8+ areas');
  // removing areas never makes the highest one end higher: a new area was placed there
  if (areaAtTop(after, g) && !areaAtTop(before, g)) out.add('area ending at VMALLOC_END');
  if (r.ok && r.value.kind === 'addr' && g.vmallocRanges.length > 1 && VMALLOC_SPACE.has(c.call)) {
    // an explicit __get_vm_area range is not the search over the ranges
    const first = g.vmallocRanges[0];
    const explicit = c.call === 'get_vm_area' && (c.start !== undefined || c.end !== undefined);
    if (first && !explicit && (r.value.addr < first.start || r.value.addr >= first.end)) out.add('multi-range vmalloc');
  }
  if (c.call === 'add_device') hotplugLabels(c, r.ok, r.ok ? null : r.err, before, after, g, out);
}
