// cli: hunt's meter — counters only (nothing per trace is kept, so a long hunt's memory stays
// flat), the one-line progress bar (redrawn in place on a TTY, one line a second otherwise), a
// line every minute with that minute's throughput and the process's RSS, and the end-of-hunt
// label and summary tables.
import type { MachineConfig } from '../api/index.js';
import type { Subsystem } from '../properties/gen/index.js';
import { DECLARED_LABELS, PROPERTY_OF, minimumsFor } from '../properties/coverage.js';
import { DRAWN_PREFIX } from '../properties/gen/config.js';

/**
 * A declared minimum is judged once a label applies to this many traces: a share over fewer is
 * noise (a 60-second hunt sees a few dozen arm32-holes traces), and checking.md §5 wants a
 * failure, not a coin toss.
 */
export const JUDGE_MIN_TRACES = 50;

const MiB = 1024 * 1024;

/** Counters of one property: traces, ops, and per label the traces that carried it. */
interface PropertyCounts {
  readonly subsystem: Subsystem;
  traces: number;
  drawn: number;
  ops: number;
  /** label -> traces that carried it */
  readonly carried: Map<string, number>;
  /** label with a declared minimum -> traces whose configuration declares it, and how many of them carried it */
  readonly applicable: Map<string, { n: number; carried: number; min: number }>;
}

export interface Distinct {
  readonly failures: number;
  readonly distinct: number;
}

const rss = (): number => process.memoryUsage.rss() / MiB;
/** peak RSS of the process so far (getrusage ru_maxrss, KiB on Linux) */
const peakRss = (): number => process.resourceUsage().maxRSS / 1024;
const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const pct = (a: number, b: number): string => `${b === 0 ? 0 : Math.round((100 * a) / b)}%`;

function table(head: readonly string[], rows: readonly (readonly string[])[], right: ReadonlySet<number> = new Set()): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (right.has(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

export class HuntMeter {
  readonly t0 = Date.now();
  readonly rssStart = rss();
  private readonly props = new Map<string, PropertyCounts>();
  private traces = 0;
  private ops = 0;
  private lastDraw = 0;
  private drawn = false;
  private minute = 0;
  private minuteAt = this.t0;
  private minuteOps = 0;
  private minuteTraces = 0;

  constructor(
    private readonly seconds: number,
    subsystems: readonly Subsystem[],
    private readonly failures: () => Distinct,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {
    for (const s of subsystems) {
      this.props.set(PROPERTY_OF[s], { subsystem: s, traces: 0, drawn: 0, ops: 0, carried: new Map(), applicable: new Map() });
    }
  }

  private get tty(): boolean {
    return this.out.isTTY === true;
  }

  /** Count one trace: its ops, its labels, and the minimums its configuration declares. */
  trace(subsystem: Subsystem, steps: number, config: MachineConfig, labels: ReadonlySet<string>): void {
    const p = this.props.get(PROPERTY_OF[subsystem]);
    if (!p) return;
    this.traces++;
    this.ops += steps;
    p.traces++;
    p.ops += steps;
    if (config.name.startsWith(DRAWN_PREFIX)) p.drawn++;
    for (const l of labels) p.carried.set(l, (p.carried.get(l) ?? 0) + 1);
    for (const [l, min] of Object.entries(minimumsFor(subsystem, config))) {
      const a = p.applicable.get(l) ?? { n: 0, carried: 0, min };
      a.n++;
      if (labels.has(l)) a.carried++;
      a.min = Math.max(a.min, min);
      p.applicable.set(l, a);
    }
    this.tick();
  }

  /** declared labels seen at least once / declared labels, over the properties hunted */
  private coverage(): [number, number] {
    let seen = 0;
    let all = 0;
    for (const p of this.props.values()) {
      for (const l of DECLARED_LABELS[p.subsystem]) {
        all++;
        if ((p.carried.get(l) ?? 0) > 0) seen++;
      }
    }
    return [seen, all];
  }

  private progressLine(now: number): string {
    const s = (now - this.t0) / 1000;
    const done = Math.min(1, s / this.seconds);
    const bar = '#'.repeat(Math.round(done * 20)).padEnd(20, '.');
    const [seen, all] = this.coverage();
    const f = this.failures();
    return (
      `hunt [${bar}] ${s.toFixed(0)}s/${this.seconds}s · traces ${int(this.traces)} · ops ${int(this.ops)} · ` +
      `${int(this.ops / Math.max(s, 0.001))} ops/s · labels ${seen}/${all} · failures ${f.failures} (${f.distinct} distinct)`
    );
  }

  /** Redraw the progress line when due (TTY: in place, 4 times a second; else a line a second) and print due minute lines. */
  tick(force = false): void {
    const now = Date.now();
    while (now - this.t0 >= (this.minute + 1) * 60_000) this.minuteLine(now);
    if (!force && now - this.lastDraw < (this.tty ? 250 : 1000)) return;
    this.lastDraw = now;
    if (this.tty) {
      this.out.write(`\r${this.progressLine(now)}\x1b[K`);
      this.drawn = true;
    } else this.out.write(`${this.progressLine(now)}\n`);
  }

  /** Print a line above the progress bar. */
  say(text: string): void {
    if (this.tty && this.drawn) this.out.write('\r\x1b[K');
    this.drawn = false;
    this.out.write(`${text}\n`);
  }

  private minuteLine(now: number): void {
    this.minute++;
    const secs = Math.max((now - this.minuteAt) / 1000, 0.001);
    const ops = this.ops - this.minuteOps;
    const traces = this.traces - this.minuteTraces;
    this.say(
      `minute ${this.minute}: ${int(ops / secs)} ops/s this minute (${int(traces)} traces, ${int(ops)} ops), ` +
        `RSS ${rss().toFixed(0)} MiB (peak ${peakRss().toFixed(0)} MiB), heap ${(process.memoryUsage().heapUsed / MiB).toFixed(0)} MiB`,
    );
    this.minuteAt = now;
    this.minuteOps = this.ops;
    this.minuteTraces = this.traces;
  }

  /** Finish the progress line (a last redraw, then a newline on a TTY). */
  done(): void {
    this.tick(true);
    if (this.tty) this.out.write('\n');
    this.drawn = false;
  }

  /** Per property: every label seen or declared, its share of traces, and the declared minimum over the traces it applies to. */
  labelTables(): string[] {
    const out: string[] = [];
    for (const [property, p] of this.props) {
      if (p.traces === 0) continue;
      const declared = DECLARED_LABELS[p.subsystem];
      const labels = [...new Set([...declared, ...p.carried.keys(), ...p.applicable.keys()])].sort();
      const rows = labels.map((l) => {
        const a = p.applicable.get(l);
        const n = p.carried.get(l) ?? 0;
        const verdict = a
          ? `${pct(a.carried, a.n)} of ${int(a.n)} traces it applies to: ${a.n < JUDGE_MIN_TRACES ? `too few to judge (< ${JUDGE_MIN_TRACES})` : a.carried / a.n >= a.min ? 'ok' : 'BELOW'}`
          : declared.includes(l) && n === 0
            ? 'declared, not seen'
            : '';
        return [l, pct(n, p.traces), a ? pct(a.min, 1) : '', verdict];
      });
      out.push('', `labels, ${property} (${int(p.traces)} traces, ${int(p.drawn)} on drawn configurations):`);
      out.push(...table(['label', 'traces', 'min', 'minimum check'], rows, new Set([1, 2])).map((l) => `  ${l}`));
    }
    return out;
  }

  /** `property: label` for every declared minimum missed over at least JUDGE_MIN_TRACES traces. */
  belowMinimum(): string[] {
    const out: string[] = [];
    for (const [property, p] of this.props) {
      for (const [label, a] of p.applicable) if (a.n >= JUDGE_MIN_TRACES && a.carried / a.n < a.min) out.push(`${property}: ${label}`);
    }
    return out;
  }

  /** One row per property and a total: traces (fixed / drawn), ops, ops/s. */
  summaryTable(failuresOf: (property: string) => Distinct): string[] {
    const s = Math.max((Date.now() - this.t0) / 1000, 0.001);
    const rows: string[][] = [];
    let fails = 0;
    let distinct = 0;
    for (const [property, p] of this.props) {
      const f = failuresOf(property);
      fails += f.failures;
      distinct += f.distinct;
      rows.push([property, int(p.traces), int(p.traces - p.drawn), int(p.drawn), int(p.ops), int(p.ops / s), `${f.failures} (${f.distinct} distinct)`]);
    }
    const drawn = [...this.props.values()].reduce((n, p) => n + p.drawn, 0);
    rows.push(['total', int(this.traces), int(this.traces - drawn), int(drawn), int(this.ops), int(this.ops / s), `${fails} (${distinct} distinct)`]);
    return table(['property', 'traces', 'fixed', 'drawn', 'ops', 'ops/s', 'failures'], rows, new Set([1, 2, 3, 4, 5]));
  }

  /** `RSS 150 → 162 MiB (peak 170 MiB)` */
  memory(): string {
    return `RSS ${this.rssStart.toFixed(0)} → ${rss().toFixed(0)} MiB (peak ${peakRss().toFixed(0)} MiB)`;
  }
}
