// harness: deterministic reduction of a failing JSON trace (checking.md §6), run after
// fast-check's own shrinking. Candidate changes, in order: delete a span (halving sizes), delete
// one op, delete any two ops of a short trace, drop an optional field, shrink one numeric
// argument toward 0, and — when none of those helps — merge: delete one or two ops and make one
// remaining op's size bigger. A change is kept when the trace still fails the same way (the
// caller's predicate: same-failure.ts); the loop ends when no single change helps, so the result
// is 1-minimal: removing any one op makes that failure go away (and removing any two, for traces
// of at most PAIRS_UP_TO ops; and removing one or two while growing a size, for traces of at most
// MERGE_UP_TO ops).
import type { Op, Trace } from '../../api/index.js';

export interface ReduceOptions {
  /** stop early (the result is then not known to be 1-minimal) after this time */
  readonly deadlineMs?: number;
  /** the configuration's page size in bytes, the step by which merging grows a byte count (default 4096) */
  readonly pageBytes?: number;
}

export interface ReduceResult {
  readonly trace: Op[];
  /** candidate traces tried */
  readonly tries: number;
  /** true when a full pass found no helpful change (not cut short by the deadline) */
  readonly oneMinimal: boolean;
}

/** Numeric fields worth shrinking toward 0; addresses (hex strings) are left alone. */
const NUMERIC = ['pages', 'bytes', 'after', 'page', 'ref', 'count', 'delta', 'level'] as const;
/** Optional fields whose removal simplifies an op (back to its default). */
const OPTIONAL = ['delta', 'pick', 'count', 'flags', 'start', 'end'] as const;
const DROPPABLE_OPS_WITH_START_END = new Set(['get_vm_area']);
/** traces up to this long also try deleting every pair of ops (not only neighbours) */
const PAIRS_UP_TO = 16;
/** traces up to this long also try merging (deleting ops while growing a size) */
const MERGE_UP_TO = 10;
/** merging grows a size by 1..GROW_PAGES pages, then by factors of GROW_FACTOR up to GROW_MAX_PAGES */
const GROW_PAGES = 8;
const GROW_FACTOR = 4n;
/** 2^22 pages (16 GiB of 4 KiB pages): past every configuration's RAM and lazy_max_pages() */
const GROW_MAX_PAGES = 1n << 22n;
/** size fields merging may grow: pages, or bytes (a number, or a hex string past 2^53) */
const GROWABLE = ['pages', 'bytes'] as const;

/**
 * Values toward 0, boldest first: 0, v/2, then v minus a halving distance (v/4, v/8, …, 1), so
 * a value that must stay above some threshold gets there in O(log² v) tries, not v.
 */
function smaller(v: number): number[] {
  return smallerBig(BigInt(v)).map(Number);
}

function smallerBig(v: bigint): bigint[] {
  if (v <= 0n) return v === 0n ? [] : smallerBig(-v).map((x) => -x);
  const out = [0n];
  for (let d = v / 2n; d >= 1n; d /= 2n) out.push(v - d);
  out.push(v - 1n);
  return [...new Set(out)].filter((x) => x < v);
}

function smallerHex(h: string): string[] {
  return smallerBig(BigInt(h)).map((x) => (x <= BigInt(Number.MAX_SAFE_INTEGER) ? String(Number(x)) : `0x${x.toString(16)}`));
}

/** Candidate simplifications of one op, simplest first. */
function opCandidates(op: Op): Op[] {
  const rec = op as unknown as Record<string, unknown>;
  const out: Op[] = [];
  for (const k of OPTIONAL) {
    if (!(k in rec)) continue;
    if ((k === 'start' || k === 'end') && !DROPPABLE_OPS_WITH_START_END.has(op.op)) continue;
    const copy = { ...rec };
    delete copy[k];
    if (k === 'start') delete copy['end'];
    if (k === 'end') delete copy['start'];
    out.push(copy as unknown as Op);
  }
  for (const k of NUMERIC) {
    const v = rec[k];
    if (typeof v === 'number') {
      for (const x of smaller(v)) out.push({ ...rec, [k]: x } as unknown as Op);
    } else if (k === 'bytes' && typeof v === 'string') {
      for (const x of smallerHex(v)) out.push({ ...rec, [k]: /^\d+$/.test(x) ? Number(x) : x } as unknown as Op);
    }
  }
  return out;
}

/** page counts bigger than `pages`, nearest first: + 1..GROW_PAGES, then ×4, ×16, … up to GROW_MAX_PAGES */
function morePages(pages: bigint): bigint[] {
  const out: bigint[] = [];
  for (let m = 1n; m <= BigInt(GROW_PAGES); m++) out.push(pages + m);
  for (let p = (pages > 0n ? pages : 1n) * GROW_FACTOR; p <= GROW_MAX_PAGES; p *= GROW_FACTOR) if (p > pages + BigInt(GROW_PAGES)) out.push(p);
  return out;
}

/**
 * Bigger sizes for one op, nearest first (`pages`, or `bytes` rounded up to a page; morePages).
 * Two allocations that only fail together because their sizes add up to a threshold
 * (lazy_max_pages, a block's free count) become one bigger one; a few pages more reach an exact
 * threshold, the factors reach "more than there is" (RAM, lazy_max_pages on a 64-bit preset).
 * The value pass then shrinks the grown size back to the smallest that still fails.
 */
function growCandidates(op: Op, pageBytes: bigint): Op[] {
  const rec = op as unknown as Record<string, unknown>;
  const out: Op[] = [];
  for (const k of GROWABLE) {
    const v = rec[k];
    if (k === 'pages' && typeof v === 'number') {
      for (const p of morePages(BigInt(v))) out.push({ ...rec, [k]: Number(p) } as unknown as Op);
    } else if (k === 'bytes' && (typeof v === 'number' || typeof v === 'string')) {
      for (const p of morePages((BigInt(v) + pageBytes - 1n) / pageBytes)) {
        const b = p * pageBytes;
        out.push({ ...rec, [k]: b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : `0x${b.toString(16)}` } as unknown as Op);
      }
    }
  }
  return out;
}

/** Reduce `trace` while `fails(candidate)` holds (it must hold for `trace` itself). */
export function reduceTrace(trace: Trace, fails: (t: readonly Op[]) => boolean, opts: ReduceOptions = {}): ReduceResult {
  let cur = [...trace];
  let tries = 0;
  const deadline = opts.deadlineMs === undefined ? Infinity : Date.now() + opts.deadlineMs;
  const attempt = (cand: Op[]): boolean => {
    tries++;
    if (fails(cand)) {
      cur = cand;
      return true;
    }
    return false;
  };
  const late = (): boolean => Date.now() > deadline;
  const pageBytes = BigInt(opts.pageBytes ?? 4096);
  for (;;) {
    let changed = false;
    // 1. spans, halving: n/2, n/4, ..., 2 (single ops come next); a pair even in a 3-op trace,
    //    since two ops that only matter together (fault injection + its victim) go as one
    for (let size = Math.max(2, Math.floor(cur.length / 2)); size >= 2 && size < cur.length; size = Math.floor(size / 2)) {
      for (let start = 0; start + size <= cur.length; ) {
        if (late()) return { trace: cur, tries, oneMinimal: false };
        if (attempt([...cur.slice(0, start), ...cur.slice(start + size)])) changed = true;
        else start += size;
      }
    }
    // 2. single ops, from the end (later ops depend on earlier ones more often than not)
    for (let i = cur.length - 1; i >= 0; i--) {
      if (late()) return { trace: cur, tries, oneMinimal: false };
      if (attempt([...cur.slice(0, i), ...cur.slice(i + 1)])) changed = true;
    }
    // 2b. pairs of ops anywhere in a short trace: an op and the one that undoes it (ioremap …
    //     iounmap, get_vm_area … free_vm_area) often only matter together and need not be
    //     neighbours; at most PAIRS_UP_TO ops (n(n-1)/2 tries), so this stays cheap
    if (!changed && cur.length <= PAIRS_UP_TO) {
      pairs: for (let j = cur.length - 1; j >= 1; j--) {
        for (let i = j - 1; i >= 0; i--) {
          if (late()) return { trace: cur, tries, oneMinimal: false };
          if (attempt([...cur.slice(0, i), ...cur.slice(i + 1, j), ...cur.slice(j + 1)])) {
            changed = true;
            break pairs;
          }
        }
      }
    }
    // 3. simpler arguments, one op at a time; after a success, keep simplifying that op
    for (let i = 0; i < cur.length; i++) {
      let again = true;
      while (again) {
        again = false;
        for (const c of opCandidates(cur[i] as Op)) {
          if (late()) return { trace: cur, tries, oneMinimal: false };
          if (attempt([...cur.slice(0, i), c, ...cur.slice(i + 1)])) {
            changed = true;
            again = true;
            break;
          }
        }
      }
    }
    // 4. merge, only when nothing simpler helped: delete one op or two, and grow the size of one
    //    op left (an allocation and its free deleted, a surviving allocation taking over their
    //    pages; a vm_unmap_aliases deleted, a free big enough to cross lazy_max_pages doing its
    //    purge); shorter is better than smaller, so this is still progress
    if (!changed && cur.length <= MERGE_UP_TO) {
      const deletions: number[][] = [];
      for (let i = cur.length - 1; i >= 0; i--) deletions.push([i]);
      for (let j = cur.length - 1; j >= 1; j--) for (let i = j - 1; i >= 0; i--) deletions.push([i, j]);
      merge: for (const d of deletions) {
        const rest = cur.filter((_, i) => !d.includes(i));
        for (let k = 0; k < rest.length; k++) {
          for (const c of growCandidates(rest[k] as Op, pageBytes)) {
            if (late()) return { trace: cur, tries, oneMinimal: false };
            if (attempt([...rest.slice(0, k), c, ...rest.slice(k + 1)])) {
              changed = true;
              break merge;
            }
          }
        }
      }
    }
    if (!changed) return { trace: cur, tries, oneMinimal: true };
  }
}
