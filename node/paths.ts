import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * The package root (the folder holding `schemas/`). The code runs from `node/` under tsx and from `dist/node/`
 * when built, so walk up instead of assuming a depth.
 */
export function projectRoot(): string {
  if (root) return root;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'schemas', 'config.schema.json'))) return (root = dir);
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the credit-node package root (schemas/config.schema.json)');
    dir = up;
  }
}
