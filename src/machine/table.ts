// src: one page-table page of the radix tree. An entry is none, a leaf (the pfn it maps) or the
// next level's table: leaves live in a Float64Array (-1 = none; pfns reach 2^40, beyond Int32),
// child tables in a plain array (absent at the last level). `lo`/`hi` bound the used indexes
// (loose after clears, never too tight). The abstraction is cached per 64-entry chunk and rebuilt
// only for chunks written since, so abstracting the tree costs its live contents plus the slots an
// operation touched, not 2^bits slots per table (arm64-64k tables have 8192).
export type Entry = Table | number | undefined;

export interface LeafSeg {
  /** tree vpn (not yet canonical) */
  readonly vpn: number;
  readonly pages: number;
  readonly pfn: number;
  readonly level: number;
}

export type Seg = LeafSeg | Table;

const CHUNK_SHIFT = 6;
const CHUNK = 1 << CHUNK_SHIFT;

export class Table {
  readonly leaf: Float64Array;
  readonly child: (Table | undefined)[] | null;
  /** entries that are not none */
  used = 0;
  lo: number;
  hi = -1;
  /** some chunk changed since `segs` was built */
  private dirty = false;
  private segs: readonly Seg[] = [];
  private readonly chunkSegs: (Seg[] | null)[];

  constructor(
    readonly pfn: number,
    readonly level: number,
    /** first vpn of the span this table covers, in tree space */
    readonly treeVpn: number,
    private readonly size: number,
    /** pages one entry maps */
    private readonly entryPages: number,
    last: boolean,
  ) {
    this.leaf = new Float64Array(size).fill(-1);
    this.child = last ? null : new Array<Table | undefined>(size);
    this.lo = size;
    this.chunkSegs = new Array<Seg[] | null>(Math.ceil(size / CHUNK)).fill(null);
  }

  get(idx: number): Entry {
    const c = this.child?.[idx];
    if (c !== undefined) return c;
    const p = this.leaf[idx]!;
    return p >= 0 ? p : undefined;
  }

  isNone(idx: number): boolean {
    return this.leaf[idx]! < 0 && this.child?.[idx] === undefined;
  }

  private touched(idx: number): void {
    this.chunkSegs[idx >> CHUNK_SHIFT] = null;
    this.dirty = true;
  }

  /** write a leaf or a table into a none entry */
  set(idx: number, e: Table | number): void {
    if (this.isNone(idx)) {
      this.used++;
      if (idx < this.lo) this.lo = idx;
      if (idx > this.hi) this.hi = idx;
    }
    if (typeof e === 'number') this.leaf[idx] = e;
    else this.child![idx] = e;
    this.touched(idx);
  }

  /** make the entry none; false when it already was */
  clear(idx: number): boolean {
    if (this.isNone(idx)) return false;
    this.leaf[idx] = -1;
    if (this.child) this.child[idx] = undefined;
    this.used--;
    if (this.used === 0) {
      this.lo = this.size;
      this.hi = -1;
    }
    this.touched(idx);
    return true;
  }

  /** entries in index order: runs of consecutive leaves (split at chunk seams) and child tables */
  segments(): readonly Seg[] {
    if (!this.dirty) return this.segs;
    const out: Seg[] = [];
    if (this.used > 0) {
      for (let c = this.lo >> CHUNK_SHIFT; c <= this.hi >> CHUNK_SHIFT; c++) {
        let cs = this.chunkSegs[c];
        if (!cs) cs = this.chunkSegs[c] = this.buildChunk(c);
        for (let i = 0; i < cs.length; i++) out.push(cs[i]!);
      }
    }
    this.segs = out;
    this.dirty = false;
    return out;
  }

  private buildChunk(c: number): Seg[] {
    const out: Seg[] = [];
    const leaf = this.leaf;
    const child = this.child;
    const pages = this.entryPages;
    let run: { vpn: number; pages: number; pfn: number; level: number } | null = null;
    const end = Math.min(this.size, (c + 1) * CHUNK);
    for (let i = c * CHUNK; i < end; i++) {
      const p = leaf[i]!;
      if (p >= 0) {
        if (run && run.pfn + run.pages === p) run.pages += pages;
        else {
          run = { vpn: this.treeVpn + i * pages, pages, pfn: p, level: this.level };
          out.push(run);
        }
        continue;
      }
      run = null;
      const t = child?.[i];
      if (t !== undefined) out.push(t);
    }
    return out;
  }
}
