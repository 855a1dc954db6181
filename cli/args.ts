// cli: a tiny argument parser for the vmcheck commands: `--name value` or `--name=value`;
// unknown options, missing values and bad integers print the usage line and exit with 2.
export type ArgKind = 'string' | 'int' | 'flag';

export function usageError(usage: string, why: string): never {
  console.error(`${why}\n${usage}`);
  process.exit(2);
}

export function parseArgs(argv: readonly string[], spec: Readonly<Record<string, ArgKind>>, usage: string): Record<string, string | number | boolean> & { _: string[] } {
  const out = { _: [] as string[] } as Record<string, string | number | boolean> & { _: string[] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!a.startsWith('--')) {
      out._.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const kind = spec[name];
    if (!kind) usageError(usage, `unknown option --${name}`);
    if (kind === 'flag') {
      if (eq >= 0) usageError(usage, `--${name} takes no value`);
      out[name] = true;
      continue;
    }
    const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
    if (v === undefined || v === '') usageError(usage, `--${name} needs a value`);
    if (kind === 'int') {
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n < 0) usageError(usage, `--${name} ${v}: expected a non-negative integer`);
      out[name] = n;
    } else out[name] = v;
  }
  if (out['help'] === true) {
    console.log(usage);
    process.exit(0);
  }
  return out;
}
