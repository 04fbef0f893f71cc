// `npm run bench -- <name>`: runs scripts/bench/<name>.ts (all of them when no name is given).
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const names = process.argv.slice(2);
const all = readdirSync(here).filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_')).map((f) => f.replace(/\.ts$/, ''));
for (const name of names.length ? names : all) {
  if (!all.includes(name)) {
    process.stderr.write(`unknown benchmark: ${name} (have: ${all.join(', ')})\n`);
    process.exit(2);
  }
  const mod = (await import(pathToFileURL(path.join(here, `${name}.ts`)).href)) as { main(): Promise<void> };
  await mod.main();
}
