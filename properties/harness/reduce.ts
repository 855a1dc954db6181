// harness: deterministic reduction of a failing JSON trace (checking.md §6), run after
// fast-check's own shrinking. Candidate changes, in order: delete a span (halving sizes), delete
// one op, delete any two ops of a short trace, drop an optional field, shrink one numeric
// argument toward 0. A change is kept when the trace still fails with the SAME signature; the
// loop ends when no single change helps, so the result is 1-minimal: removing any one op makes
// that failure go away (and, for traces of at most PAIRS_UP_TO ops, removing any two).
import type { Op, Trace } from '../../api/index.js';

export interface ReduceOptions {
  /** stop early (the result is then not known to be 1-minimal) after this time */
  readonly deadlineMs?: number;
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

function smaller(v: number): number[] {
  if (v === 0) return [];
  const out = [0, Math.trunc(v / 2), v - Math.sign(v)];
  return [...new Set(out)].filter((x) => Math.abs(x) < Math.abs(v));
}

function smallerHex(h: string): string[] {
  const v = BigInt(h);
  if (v === 0n) return [];
  const cands = [0n, v / 2n, v - 1n].filter((x) => x < v);
  return [...new Set(cands)].map((x) => (x <= BigInt(Number.MAX_SAFE_INTEGER) ? String(Number(x)) : `0x${x.toString(16)}`));
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
    if (!changed) return { trace: cur, tries, oneMinimal: true };
  }
}
