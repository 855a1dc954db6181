// `npm run bench:harness` — how many ops per second the harness itself checks (checking.md §9),
// per configuration and subsystem: a thin command over bench/harness-speed.ts `measureHarness`
// (which says how: record, run end to end, replay). Nothing runs on import.
//   npm run bench:harness -- [--config NAME] [--subsystem pagetable|vmap|vmemmap|all] [--traces N] [--ops N] [--seed N] [--rounds N]
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { num, table } from '../bench/format.js';
import { harnessTotals, measureHarness } from '../bench/harness-speed.js';
import { CONFIGS, configByName } from '../properties/configs.js';
import type { Subsystem } from '../properties/gen/index.js';
import { SUBSYSTEMS } from '../properties/gen/index.js';
import { IMPLEMENTATIONS } from '../properties/implementations.js';
import { parseArgs, usageError } from './args.js';

const USAGE = 'usage: npm run bench:harness -- [--config NAME] [--subsystem pagetable|vmap|vmemmap|all] [--traces N] [--ops N] [--seed N] [--rounds N]';

export function main(argv: readonly string[]): void {
  const args = parseArgs(argv, { config: 'string', subsystem: 'string', traces: 'int', ops: 'int', seed: 'int', rounds: 'int', help: 'flag' }, USAGE);
  if (args._.length > 0) usageError(USAGE, `unexpected argument ${args._[0]}`);
  const sub = String(args['subsystem'] ?? 'pagetable');
  if (sub !== 'all' && !(SUBSYSTEMS as readonly string[]).includes(sub)) usageError(USAGE, `--subsystem ${sub}: unknown subsystem`);
  const subsystems: readonly Subsystem[] = sub === 'all' ? SUBSYSTEMS : [sub as Subsystem];
  const configs = args['config'] ? [configByName(String(args['config']))] : CONFIGS;
  const traces = Number(args['traces'] ?? 20);
  const ops = Number(args['ops'] ?? 300);
  const seed = Number(args['seed'] ?? 1);
  const rounds = Number(args['rounds'] ?? 2);
  if (rounds < 1) usageError(USAGE, '--rounds must be at least 1');
  if (traces < 1) usageError(USAGE, '--traces must be at least 1');

  console.log(`harness throughput: ${subsystems.join(', ')} traces (${traces} × ≤${ops} ops per configuration and subsystem, seed ${seed}; one warm-up round, ${rounds} timed), pair ${IMPLEMENTATIONS[0]?.name}, node ${process.version}`);
  console.log(`load average at start ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}; ops per CPU-second of this process (one core)`);
  const rows = measureHarness({ configs, subsystems, traces, ops, seed, rounds, onRow: (r) => console.error(`  ${r.config} / ${r.subsystem}: ${r.ops} steps`) });
  console.log(
    table(
      ['configuration', 'subsystem', 'steps', 'harness-only ops/s', 'in-situ ops/s', 'end-to-end ops/s', 'harness share'],
      rows.map((r) => [r.config, r.subsystem, num(r.ops), num(r.harnessOpsPerCpuSec), num(r.inSituOpsPerSec), num(r.endToEndOpsPerCpuSec), `${((100 * r.harnessCpuMs) / r.endToEndCpuMs).toFixed(0)} %`]),
      2,
    ),
  );
  const t = harnessTotals(rows);
  console.log(
    `  total: ${num(t.ops)} steps in ${num(t.traces)} trace runs; harness only ${num(t.harnessOpsPerCpuSec)} ops/s (${num(t.harnessTracesPerCpuSec)} traces/s), in situ ${num(t.inSituOpsPerSec)} ops/s, ` +
      `end to end ${num(t.endToEndOpsPerCpuSec)} ops/s (${num(t.endToEndTracesPerCpuSec)} traces/s)`,
  );
  console.log('  harness only: every result and state replayed from the trace\'s recording right after it was made, checked as in npm test (CPU time);');
  console.log('  in situ: the end-to-end run\'s wall time minus the wall time inside the sides (idle machine only); end to end: both sides run and checked (CPU time)');
  const failed = rows.flatMap((r) => r.failures.map((f) => `${r.config}/${r.subsystem}: ${f}`));
  for (const f of failed) console.log(`  FAILED TRACE ${f}`);
  console.log(`load average at end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  if (failed.length > 0) process.exitCode = 1;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
