import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BUILT = path.join(root, 'dist', 'node', 'cli.js');
const SOURCES = ['node', 'scripts/generate', 'scripts/generate-data.ts', 'scripts/is-main.ts'].map((p) => path.join(root, p));

function newest(p: string): number {
  if (!existsSync(p)) return 0;
  const s = statSync(p);
  if (!s.isDirectory()) return p.endsWith('.ts') ? s.mtimeMs : 0;
  let m = 0;
  for (const e of readdirSync(p)) m = Math.max(m, newest(path.join(p, e)));
  return m;
}

let args: string[] | undefined;

/**
 * How tests run the real program in a child process: the build (dist/, made by `npm install`/`npm ci`) when it
 * is newer than every source file it is built from, which starts in half the time; otherwise the sources under
 * tsx, so a test never runs stale code.
 */
export function programArgs(): string[] {
  if (!args) args = existsSync(BUILT) && statSync(BUILT).mtimeMs > Math.max(...SOURCES.map(newest)) ? [BUILT] : ['--import', 'tsx', path.join(root, 'node', 'cli.ts')];
  return args;
}
