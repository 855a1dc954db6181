// bugs: the printed table of `npm run bugs` — one row per planted bug.

export interface Row {
  readonly name: string;
  readonly subsystem: string;
  /** caught, survived, does not apply, driver failed, spurious */
  readonly status: string;
  /** seeds that caught it, "k/K" */
  readonly seeds: string;
  readonly property: string;
  /** what broke — the harness signature (kind:field) or the vitest check — most common over the seeds */
  readonly by: string;
  /** the invariant the implementation's own state breaks at that step ('-': none; 'n/a': vitest) */
  readonly implInvariant: string;
  /** median over all seeds, a seed that missed counting as Infinity */
  readonly ttfMs: number;
  /** median shrunk length over the seeds that caught it */
  readonly shrunk: number;
  /** the shortest failing input written by hand */
  readonly hand: number;
  readonly oneMinimal: boolean;
  readonly notes: readonly string[];
}

/** the median (mean of the middle two for an even count); Infinity entries count as the largest */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Infinity;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  if (s.length % 2 === 1) return s[m]!;
  const a = s[m - 1]!;
  const b = s[m]!;
  return Number.isFinite(a) && Number.isFinite(b) ? (a + b) / 2 : Infinity;
}

function seconds(ms: number): string {
  return Number.isFinite(ms) ? (ms / 1000).toFixed(2) : '-';
}

export function formatTable(rows: readonly Row[]): string {
  const head = ['bug', 'subsystem', 'caught', 'seeds', 'property', 'caught by (signature)', 'impl invariant', 'ttf s', 'shrunk', 'hand', 'Δ'];
  const cells = rows.map((r) => {
    const delta = Number.isFinite(r.shrunk) ? r.shrunk - r.hand : NaN;
    return [
      r.name,
      r.subsystem,
      r.status === 'caught' ? 'yes' : r.status.toUpperCase(),
      r.seeds,
      r.property,
      r.by.length > 40 ? `${r.by.slice(0, 39)}…` : r.by,
      r.implInvariant,
      seconds(r.ttfMs),
      Number.isFinite(r.shrunk) ? `${r.shrunk}${r.oneMinimal ? '' : '*'}` : '-',
      String(r.hand),
      Number.isNaN(delta) ? '-' : delta > 0 ? `+${delta}` : String(delta),
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: readonly string[]): string => c.map((x, i) => x.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  const out = [line(head), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)];
  const notes = rows.flatMap((r) => r.notes.map((n) => `  ${r.name}: ${n}`));
  if (notes.length > 0) out.push('', 'notes:', ...notes);
  out.push(
    '',
    'caught by: the harness signature of the failure (result / state:<field> / self-check / invariant:<name> / exception:<where>), or the',
    'vitest check; impl invariant: the invariant the implementation state itself breaks at that step (- none: only the model comparison sees it);',
    'ttf: median over the seeds of the time to the first failing input (a missed seed counts as never; vitest: the failing test, shrinking',
    'included); shrunk: median length after shrinking; hand: the shortest failing input written by hand (catalogue.json); Δ = shrunk - hand.',
  );
  if (rows.some((r) => !r.oneMinimal)) out.push('* shrinking was cut short by its budget on some seed (not known to be 1-minimal)');
  return out.join('\n');
}
