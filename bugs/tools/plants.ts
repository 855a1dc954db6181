// bugs: the planted bugs as exact source edits — the recipe each bugs/<name>.patch is made from
// (`npx tsx bugs/tools/make-patches.ts`). The .patch files are what `npm run bugs` applies; this
// list only regenerates them when src/ moves on (an edit whose `from` no longer matches exactly
// once is an error, the same signal as a patch that no longer applies).
//
// Each edit replaces one exact, unique piece of text in one file of src/.

export interface Edit {
  readonly file: string;
  readonly from: string;
  readonly to: string;
}

export const PLANTS: Readonly<Record<string, readonly Edit[]>> = {
  // ---------------------------------------------------------------- page tables and walker
  'addr-end-no-wrap': [
    {
      file: 'src/machine/geometry.ts',
      from: `  const e1 = end === 0 ? L - 1 : end - 1;`,
      to: `  const e1 = end - 1;`,
    },
  ],
  'huge-leaf-shift-off-by-one': [
    {
      file: 'src/machine/pagetable.ts',
      from: `maxPageShift >= g.pageShift + g.entryShift[level]! &&`,
      to: `maxPageShift > g.pageShift + g.entryShift[level]! &&`,
    },
  ],
  'huge-leaf-no-pa-align': [
    {
      file: 'src/machine/pagetable.ts',
      from: `      addr % pages === 0 &&
      pfn % pages === 0
`,
      to: `      addr % pages === 0
`,
    },
  ],
  'level-shift-off-by-one': [
    {
      file: 'src/machine/pagetable.ts',
      from: `    const pages = this.g.entryPages[w.level]!;`,
      to: `    const pages = this.g.entryPages[w.level + 1]!;`,
    },
  ],
  'free-empty-tables-nonempty': [
    {
      file: 'src/machine/pagetable.ts',
      from: `        if (e.used === 0) {`,
      to: `        if (e.used <= 1) {`,
    },
  ],
  'populate-skips-level': [
    {
      file: 'src/machine/pagetable.ts',
      from: `  populate(vpn: number, level: number): PtErr | null {
    let t = this.root;
    while (t.level < level) {`,
      to: `  populate(vpn: number, level: number): PtErr | null {
    let t = this.root;
    while (t.level < level - 1) {`,
    },
  ],
  'table-chunk-index-mask': [
    {
      file: 'src/machine/table.ts',
      from: `    this.chunkSegs[idx >> CHUNK_SHIFT] = null;`,
      to: `    this.chunkSegs[idx & (CHUNK - 1)] = null;`,
    },
  ],
  // ---------------------------------------------------------------- physical allocator
  'alloc-not-lowest': [
    {
      file: 'src/machine/physmem.ts',
      from: `    if (code === FREE && from < r.lowFree) r.lowFree = from;
`,
      to: ``,
    },
  ],
  'alloc-order-unaligned': [
    {
      file: 'src/machine/physmem.ts',
      from: `    let cand = Math.ceil((r.start + r.lowFree) / size) * size - r.start;`,
      to: `    let cand = r.lowFree;`,
    },
    {
      file: 'src/machine/physmem.ts',
      from: `      cand = Math.ceil((r.start + i + 1) / size) * size - r.start;`,
      to: `      cand = i + 1;`,
    },
  ],
  // ---------------------------------------------------------------- TLB
  'flush-range-off-by-one': [
    {
      file: 'src/machine/tlb.ts',
      from: `          if (vpn >= start && vpn < endU) {`,
      to: `          if (vpn >= start && vpn < endU - 1) {`,
    },
    {
      file: 'src/machine/tlb.ts',
      from: `        for (let v = start; v < endU; v++) if (m.delete(v)) dropped = true;`,
      to: `        for (let v = start; v < endU - 1; v++) if (m.delete(v)) dropped = true;`,
    },
  ],
  'flush-one-cpu': [
    {
      file: 'src/machine/tlb.ts',
      from: `    for (const c of this.cpus) {
      const m = c.map;`,
      to: `    for (const c of this.cpus.slice(0, 1)) {
      const m = c.map;`,
    },
  ],
  'touch-caches-huge-leaf': [
    {
      file: 'src/machine/tlb.ts',
      from: `    if (!w) return null;
    c.map.set(vpn, w.pfn);`,
      to: `    if (!w) return null;
    // a huge leaf is one TLB entry: cache every base page it maps
    const span = this.g.entryPages[w.level]!;
    const base = vpn - (vpn % span);
    for (let i = 0; i < span; i++) c.map.set(base + i, w.pfn - (vpn - base) + i);`,
    },
  ],
  // ---------------------------------------------------------------- vmap allocator
  'align-rounding-down': [
    {
      file: 'src/vmap/free-tree.ts',
      from: `  return Math.ceil(x / align) * align;`,
      to: `  return Math.floor(x / align) * align;`,
    },
  ],
  'lowest-fit-later-block': [
    {
      file: 'src/vmap/free-tree.ts',
      from: `      tree.visited++;
      if (n.start > vstart) {
        const r = visit(n.left);
        if (r) return r;
      }
      const addr = alignUp(Math.max(n.start, vstart), align);
      if (addr + size <= n.end && addr + size <= vend) return { block: n, addr };`,
      to: `      tree.visited++;
      const addr = alignUp(Math.max(n.start, vstart), align);
      if (addr + size <= n.end && addr + size <= vend) return { block: n, addr };
      if (n.start > vstart) {
        const r = visit(n.left);
        if (r) return r;
      }`,
    },
  ],
  'coalesce-missing-neighbour': [
    {
      file: 'src/vmap/free-tree.ts',
      from: `    const next = prev ? tree.next(prev) : tree.first();
    if (next && next.start < end) return next.start;`,
      to: `    const next = prev ? tree.next(prev) : null;
    if (next && next.start < end) return next.start;`,
    },
  ],
  'subtree-max-not-updated': [
    {
      file: 'src/vmap/free-tree.ts',
      from: `      block.start = end;
      this.tree.update(block);`,
      to: `      block.start = end;`,
    },
  ],
  'size-over-range-not-rejected': [
    {
      file: 'src/vmap/vmalloc.ts',
      from: `      if (totalBig << this.shift > end - start) return 'EINVAL';`,
      to: `      if (totalBig >> this.shift > end - start) return 'EINVAL';`,
    },
  ],
  'ioremap-end-or-mask': [
    {
      file: 'src/vmap/vmalloc.ts',
      from: `    const endPfnBig = (phys + bytes + this.mask) >> this.shift;`,
      to: `    const endPfnBig = ((phys + bytes) | this.mask) >> this.shift;`,
    },
  ],
  'unmap-ram-mask-shift-typo': [
    {
      file: 'src/vmap-block/vm-map-ram.ts',
      from: `    if ((addr & this.pageMask) !== 0n || addr < this.main.start`,
      to: `    if ((addr & this.pageShift) !== 0n || addr < this.main.start`,
    },
  ],
  // ---------------------------------------------------------------- lazy purge
  'purge-flush-not-hull': [
    {
      file: 'src/vmap/lazy.ts',
      from: `    return first && last ? [first.start, last.end] : null;`,
      to: `    return first && last ? [first.start, first.end] : null;`,
    },
  ],
  'lazy-nr-not-decremented': [
    {
      file: 'src/vmap/lazy.ts',
      from: `      this.nr -= a.pages;
`,
      to: ``,
    },
  ],
  'lazy-threshold-ge': [
    {
      file: 'src/vmap/allocator.ts',
      from: `    if (this.lazy.nr > this.lazyMaxPages) this.purgeVmapAreaLazy(null, 'threshold');`,
      to: `    if (this.lazy.nr >= this.lazyMaxPages) this.purgeVmapAreaLazy(null, 'threshold');`,
    },
  ],
  'guard-not-counted': [
    {
      file: 'src/vmap/lazy.ts',
      from: `    this.nr += a.pages;`,
      to: `    this.nr += a.pages - (a.vm?.guard ?? 0);`,
    },
    {
      file: 'src/vmap/lazy.ts',
      from: `      this.nr -= a.pages;`,
      to: `      this.nr -= a.pages - (a.vm?.guard ?? 0);`,
    },
  ],
  'lazy-free-keeps-ptes': [
    {
      file: 'src/vmap/allocator.ts',
      from: `    if (this.host.vunmapPageRange(a.start, a.end) !== null) this.host.warn('vunmap', a.start);
    this.freeVmapAreaNoflush(a);`,
      to: `    this.freeVmapAreaNoflush(a);`,
    },
  ],
  // ---------------------------------------------------------------- per-CPU blocks, vm_unmap_aliases
  'unmap-aliases-free-list-only': [
    {
      file: 'src/vmap-block/blocks.ts',
      from: `      for (const b of [...q.blocks]) {
        if (this.purgeFragmentedBlock(b, false)) {`,
      to: `      for (const b of [...q.freeList()]) {
        if (this.purgeFragmentedBlock(b, false)) {`,
    },
  ],
  'dirty-range-not-reset': [
    {
      file: 'src/vmap-block/blocks.ts',
      from: `          end = Math.max(end, b.start + b.dirtyMax);
          b.dirtyMin = this.bits;
          b.dirtyMax = 0;`,
      to: `          end = Math.max(end, b.start + b.dirtyMax);`,
    },
  ],
  'order-rounding-down': [
    {
      file: 'src/vmap-block/sizes.ts',
      from: `  while (2 ** order < count) order++;`,
      to: `  while (2 ** (order + 1) <= count) order++;`,
    },
  ],
  'reuse-freed-pages': [
    {
      file: 'src/vmap-block/block.ts',
      from: `    this.live -= n;
    this.dirty += n;`,
      to: `    this.live -= n;
    // the last sub-allocation: roll the bump pointer back so its pages serve the next request
    if (sub.offset + n === this.bits - this.free) {
      this.free += n;
      return;
    }
    this.dirty += n;`,
    },
  ],
  'block-appended-at-head': [
    {
      file: 'src/vmap-block/block.ts',
      from: `    b.prev = this.tail;
    b.next = null;
    if (this.tail) this.tail.next = b;
    else this.head = b;
    this.tail = b;`,
      to: `    b.prev = null;
    b.next = this.head;
    if (this.head) this.head.prev = b;
    else this.tail = b;
    this.head = b;`,
    },
  ],
  'fragmented-threshold-shift': [
    {
      file: 'src/vmap-block/sizes.ts',
      from: `purgeThreshold: Math.floor(bbmapBits / 4)`,
      to: `purgeThreshold: bbmapBits >> 1`,
    },
  ],
  'other-cpu-block': [
    {
      file: 'src/vmap-block/blocks.ts',
      from: `      return { vpn: b.start + sub.offset, block: b };
    }
    return this.newVmapBlock(count, order, q, pfns);`,
      to: `      return { vpn: b.start + sub.offset, block: b };
    }
    // no room on this CPU: borrow a block of another CPU before making a new one
    for (const other of this.queues) {
      for (const b of other.freeList()) {
        if (b.free < n) continue;
        const sub = b.take(count, order, pfns);
        if (b.free === 0) other.unlink(b);
        this.version++;
        return { vpn: b.start + sub.offset, block: b };
      }
    }
    return this.newVmapBlock(count, order, q, pfns);`,
    },
  ],
  // ---------------------------------------------------------------- vmemmap and altmap
  'altmap-padding-and': [
    {
      file: 'src/vmemmap/altmap.ts',
      from: `  const nrAlign = Math.ceil(pfn / pfnAlign) * pfnAlign - pfn;`,
      to: `  const nrAlign = pfn & (pfnAlign - 1);`,
    },
  ],
  'altmap-free-not-lowering-alloc': [
    {
      file: 'src/vmemmap/altmap.ts',
      from: `export function vmemAltmapFree(a: VmemAltmap, nrPfns: number): void {
  a.alloc -= nrPfns;
}`,
      to: `export function vmemAltmapFree(_a: VmemAltmap, _nrPfns: number): void {}`,
    },
  ],
  'huge-chunk-freed-while-shared': [
    {
      file: 'src/vmemmap/free.ts',
      from: `      if (!ctx.needed(unitStart, unitEnd)) {`,
      to: `      if (!ctx.needed(Math.max(unitStart, startVpn), Math.min(unitEnd, endVpn))) {`,
    },
  ],
  'pt-page-from-altmap': [
    {
      file: 'src/vmemmap/populate.ts',
      from: `    if (m.walk(vpn) !== null) continue;
    if (m.populate(vpn, pte) !== null) return 'ENOMEM';`,
      to: `    if (m.walk(vpn) !== null) continue;
    // the device's own pages back its page tables too
    if (altmap) m.setTableAllocator(() => altmapAllocBlockBuf(altmap, ctx.v.g.pageSize, ctx.v.g.pageSize));
    const perr = m.populate(vpn, pte);
    m.setTableAllocator(null);
    if (perr !== null) return 'ENOMEM';`,
    },
  ],
  // ---------------------------------------------------------------- is_vmalloc_addr and layouts
  'bitmap-index-off-by-one': [
    {
      file: 'src/layout/is-vmalloc-addr.ts',
      from: `      for (let g = this.granule(Number(r.start)); g < last; g++)`,
      to: `      for (let g = this.granule(Number(r.start)); g <= last; g++)`,
    },
  ],
  'bitmap-bit-precedence': [
    {
      file: 'src/layout/is-vmalloc-addr.ts',
      from: `    return (bits[g >>> 5]! & (1 << (g & 31))) !== 0;`,
      to: `    return (bits[g >>> 5]! & (1 << g & 31)) !== 0;`,
    },
  ],
  'intermix-rounding-outward': [
    {
      file: 'src/layout/arm32.ts',
      from: `    const start = Math.ceil(h.start / GRANULE) * GRANULE;
    const end = Math.floor(h.end / GRANULE) * GRANULE;`,
      to: `    const start = Math.floor(h.start / GRANULE) * GRANULE;
    const end = Math.ceil(h.end / GRANULE) * GRANULE;`,
    },
  ],
  'bitmap-set-overwrites-word': [
    {
      file: 'src/layout/is-vmalloc-addr.ts',
      from: `this.bits[g >>> 5]! |= 1 << (g & 31);`,
      to: `this.bits[g >>> 5] = 1 << (g & 31);`,
    },
  ],
  // ---------------------------------------------------------------- direct-map builder
  'step-growth-shift-9': [
    {
      file: 'src/directmap/init-mem-mapping.ts',
      from: `const STEP_GROWTH = 256;`,
      to: `const STEP_GROWTH = 512;`,
    },
  ],
  'bottom-up-below-kernel-end': [
    {
      file: 'src/directmap/init-mem-mapping.ts',
      from: `    let start = mapStart;
    this.alloc.minPfnMapped = start;
`,
      to: `    let start = mapStart;
`,
    },
  ],
};
