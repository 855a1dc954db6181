// harness: coverage labels (checking.md §5). Each step may add labels to its trace; a property
// prints the share of traces carrying each label and fails when a declared minimum is missed.
import type { AbstractState, Call, Result } from '../../api/index.js';
import type { Geometry } from './geometry.js';

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
  const purged = after.vmap.lazyNr < before.vmap.lazyNr;
  if (purged) {
    if (c.call === 'purge_vmap_area_lazy' || c.call === 'reclaim_and_purge' || c.call === 'vm_unmap_aliases') out.add('explicit purge');
    else if (c.call === 'vmalloc' || c.call === 'vmap' || c.call === 'get_vm_area' || c.call === 'ioremap' || c.call === 'vm_map_ram') {
      out.add('purge on allocation failure');
    } else out.add('purge by threshold');
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
  if (after.blocks.blocks.some((b) => b.free === 0)) out.add('block filled');
  if (after.vmap.areas.length >= 8) out.add('8+ areas');
}
