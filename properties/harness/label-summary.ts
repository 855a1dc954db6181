// harness: the combined coverage-label table that closes `npm test` (checking.md §5). Each
// refinement test leaves its label counts in its vitest task meta (suite.ts); the reporter in
// label-reporter.ts collects them from every test file and prints one table per property:
// a row per label, a column per configuration, the share of traces carrying the label.
//
//   coverage labels · vmap-refines-model (share of traces; * a declared minimum holds, ! it does not)
//     [1] x86_64 (12 traces) [2] x86_64-eager (12 traces) …
//                                   [1]   [2]   all
//     block filled                  50*   58*   54

/** What one refinement test (property × configuration × implementation pair) contributes. */
export interface LabelRecord {
  readonly property: string;
  readonly config: string;
  readonly pair: string;
  readonly traces: number;
  /** label -> traces that carried it */
  readonly counts: Readonly<Record<string, number>>;
  /** declared minimum shares (0..1) */
  readonly minimums: Readonly<Record<string, number>>;
}

declare module 'vitest' {
  interface TaskMeta {
    /** set by refinementSuite (suite.ts), read by the label reporter */
    vmcheckLabels?: LabelRecord;
    /** operations this test checked through the commuting square (summed by the label reporter) */
    vmcheckSteps?: number;
  }
}

interface Column {
  readonly config: string;
  traces: number;
  readonly counts: Map<string, number>;
  readonly minimums: Map<string, number>;
}

function pct(n: number, of: number): string {
  return of === 0 ? '-' : (100 * (n / of)).toFixed(0);
}

/** One table per property, configurations in the order they ran; pairs of one configuration are summed. */
export function combinedLabelTable(records: readonly LabelRecord[]): string {
  const byProperty = new Map<string, Map<string, Column>>();
  for (const r of records) {
    const cols = byProperty.get(r.property) ?? new Map<string, Column>();
    byProperty.set(r.property, cols);
    const col = cols.get(r.config) ?? { config: r.config, traces: 0, counts: new Map(), minimums: new Map() };
    cols.set(r.config, col);
    col.traces += r.traces;
    for (const [l, n] of Object.entries(r.counts)) col.counts.set(l, (col.counts.get(l) ?? 0) + n);
    for (const [l, m] of Object.entries(r.minimums)) col.minimums.set(l, Math.max(m, col.minimums.get(l) ?? 0));
  }
  const out: string[] = [];
  for (const [property, colMap] of [...byProperty].sort(([a], [b]) => a.localeCompare(b))) {
    const cols = [...colMap.values()];
    const labels = [...new Set(cols.flatMap((c) => [...c.counts.keys(), ...c.minimums.keys()]))].sort();
    const width = Math.max(12, ...labels.map((l) => l.length));
    const total = cols.reduce((n, c) => n + c.traces, 0);
    out.push(`coverage labels · ${property} (share of traces in %; * a declared minimum holds, ! it does not)`);
    let legend = ' ';
    cols.forEach((c, i) => {
      const item = ` [${i + 1}] ${c.config} (${c.traces} traces)`;
      if (legend.length + item.length > 100) {
        out.push(legend);
        legend = ' ';
      }
      legend += item;
    });
    out.push(legend);
    out.push(`  ${''.padEnd(width)} ${cols.map((_, i) => `[${i + 1}]`.padStart(5)).join('')}   all`);
    for (const l of labels) {
      const cells = cols.map((c) => {
        const n = c.counts.get(l) ?? 0;
        const min = c.minimums.get(l);
        const mark = min === undefined ? ' ' : c.traces > 0 && n / c.traces >= min ? '*' : '!';
        return `${n === 0 && min === undefined ? '.' : pct(n, c.traces)}${mark}`.padStart(5);
      });
      const all = cols.reduce((n, c) => n + (c.counts.get(l) ?? 0), 0);
      out.push(`  ${l.padEnd(width)} ${cells.join('')} ${pct(all, total).padStart(5)}`);
    }
    out.push('');
  }
  return out.join('\n');
}
