// Copies non-TypeScript assets the built program reads at run time (migrations are TS and compiled;
// schemas and data stay at the package root and are found relative to it).
import { chmodSync, existsSync } from 'node:fs';
const cli = new URL('../dist/node/cli.js', import.meta.url);
if (existsSync(cli)) chmodSync(cli, 0o755);
