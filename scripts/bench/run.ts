// `npm run bench -- <name> [--flags]`: runs scripts/bench/<name>.ts (all of them when no name is given); the
// arguments from the first one starting with '-' go to each benchmark's main().
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const firstFlag = args.findIndex((a) => a.startsWith('-'));
const names = firstFlag < 0 ? args : args.slice(0, firstFlag);
const flags = firstFlag < 0 ? [] : args.slice(firstFlag);
const all = readdirSync(here).filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_')).map((f) => f.replace(/\.ts$/, ''));
for (const name of names.length ? names : all) {
  if (!all.includes(name)) {
    process.stderr.write(`unknown benchmark: ${name} (have: ${all.join(', ')})\n`);
    process.exit(2);
  }
  const mod = (await import(pathToFileURL(path.join(here, `${name}.ts`)).href)) as { main(argv: string[]): Promise<void> };
  await mod.main(flags);
}
