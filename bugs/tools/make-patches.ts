// bugs: regenerate bugs/<name>.patch from the recipes in plants.ts. For each bug the files it
// touches are copied twice into /tmp/vmbugs/<name>/{a,b}/ (never editing the project's src/), the
// edits are applied to b/, and `diff -u` of the two trees is the patch (apply with `patch -p1`).
//
//   npx tsx bugs/tools/make-patches.ts            every bug
//   npx tsx bugs/tools/make-patches.ts NAME ...   only these
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PLANTS } from './plants.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCRATCH = '/tmp/vmbugs';

function countOf(text: string, piece: string): number {
  let n = 0;
  for (let i = text.indexOf(piece); i >= 0; i = text.indexOf(piece, i + 1)) n++;
  return n;
}

function makePatch(name: string): string {
  const edits = PLANTS[name];
  if (!edits) throw new Error(`no recipe for '${name}'`);
  const dir = join(SCRATCH, name);
  rmSync(dir, { recursive: true, force: true });
  for (const side of ['a', 'b']) {
    for (const e of edits) {
      mkdirSync(dirname(join(dir, side, e.file)), { recursive: true });
      copyFileSync(join(ROOT, e.file), join(dir, side, e.file));
    }
  }
  for (const e of edits) {
    const path = join(dir, 'b', e.file);
    const text = readFileSync(path, 'utf8');
    const n = countOf(text, e.from);
    if (n !== 1) throw new Error(`${name}: ${e.file}: the text to replace occurs ${n} times (want exactly 1):\n${e.from}`);
    writeFileSync(path, text.replace(e.from, () => e.to));
  }
  let diff = '';
  try {
    execFileSync('diff', ['-ru', 'a', 'b'], { cwd: dir, encoding: 'utf8' });
  } catch (err) {
    // diff exits 1 when the trees differ: that is the patch
    const e = err as { status?: number; stdout?: string };
    if (e.status !== 1 || !e.stdout) throw err;
    diff = e.stdout;
  }
  if (!diff) throw new Error(`${name}: the edits change nothing`);
  // drop the timestamps diff puts on the --- / +++ lines: the patch stays byte-stable
  return diff
    .split('\n')
    .filter((l) => !l.startsWith('diff -ru '))
    .map((l) => (l.startsWith('--- ') || l.startsWith('+++ ') ? l.replace(/\t.*$/, '') : l))
    .join('\n');
}

const names = process.argv.slice(2);
for (const name of names.length > 0 ? names : Object.keys(PLANTS)) {
  writeFileSync(join(ROOT, 'bugs', `${name}.patch`), makePatch(name));
  console.log(`bugs/${name}.patch`);
}
