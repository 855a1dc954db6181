// bench: the harness's own speed (checking.md §9, issue 8 deliver 3), measured by the harness
// helper's bench, cli/bench-harness.ts, imported — not copied. That module is a script: it reads
// its options from process.argv and prints its table when imported. So: set argv, collect what
// it prints, restore both, and read its rows (configuration, checked ops, harness-only ops/s,
// end-to-end ops/s — every invariant on, as in `npm test`). Traces per second follow from the
// trace count it was given: traces/s = traces · (ops/s) / ops. If its output format changes,
// the raw lines are kept and the rows are reported as missing.
import { cpuMs } from './env.js';

export interface HarnessRow {
  readonly config: string;
  readonly ops: number;
  /** the commuting square re-checked on recorded results and states: the harness alone */
  readonly harnessOpsPerSec: number;
  /** generated traces run on both sides with every check (what `npm test` pays) */
  readonly endToEndOpsPerSec: number;
  readonly harnessTracesPerSec: number;
  readonly endToEndTracesPerSec: number;
}

export interface HarnessSection {
  readonly source: 'cli/bench-harness.ts';
  readonly args: readonly string[];
  readonly traces: number;
  readonly rows: readonly HarnessRow[];
  readonly output: readonly string[];
  readonly cpuMs: number;
  readonly error: string | null;
}

const ROW = /^(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$/;

export async function benchHarness(opts: { readonly config: string; readonly subsystem: string; readonly traces: number }): Promise<HarnessSection> {
  const args = ['--config', opts.config, '--subsystem', opts.subsystem, '--traces', String(opts.traces)];
  const output: string[] = [];
  const savedArgv = process.argv;
  const savedLog = console.log;
  const c0 = cpuMs();
  let error: string | null = null;
  process.argv = [savedArgv[0] ?? 'node', 'cli/bench-harness.ts', ...args];
  console.log = (...xs: unknown[]) => {
    output.push(xs.map(String).join(' '));
  };
  try {
    await import('../cli/bench-harness.js');
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  } finally {
    process.argv = savedArgv;
    console.log = savedLog;
  }
  const rows: HarnessRow[] = [];
  for (const line of output) {
    const m = ROW.exec(line);
    if (!m) continue;
    const ops = Number(m[2]);
    const h = Number(m[3]);
    const e = Number(m[4]);
    rows.push({
      config: m[1]!,
      ops,
      harnessOpsPerSec: h,
      endToEndOpsPerSec: e,
      harnessTracesPerSec: (opts.traces * h) / ops,
      endToEndTracesPerSec: (opts.traces * e) / ops,
    });
  }
  if (!error && rows.length === 0) error = 'no rows recognised in the output of cli/bench-harness.ts';
  return { source: 'cli/bench-harness.ts', args, traces: opts.traces, rows, output, cpuMs: cpuMs() - c0, error };
}
