// bench: plain-text tables and number formatting for the printed report.

/** thousands separators for integers, a few significant digits otherwise */
export function num(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  if (!Number.isFinite(x)) return '∞';
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US');
  if (Number.isInteger(x)) return String(x);
  return x.toPrecision(digits);
}

export function times(x: number): string {
  return `${num(x)}×`;
}

/** a table: the first `left` columns left-aligned, the others right-aligned */
export function table(head: readonly string[], rows: readonly (readonly string[])[], left = 1, indent = '  '): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) => indent + r.map((c, i) => (i < left ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ').trimEnd();
  return [line(head), indent + w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}
