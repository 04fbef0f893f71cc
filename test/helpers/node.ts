import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import knexFactory from 'knex';
import { pino } from 'pino';
import { initialConfig } from '../../node/cli/init.ts';
import { createNodeKeys } from '../../node/exchange/keys.ts';
import { loadConfig } from '../../node/config/load.ts';
import { openNode, type NodeContext } from '../../node/app.ts';
import type { Clock } from '../../node/clock.ts';

export type Backend = 'sqlite' | 'pg';

export const PG_URL = process.env['CREDIT_NODE_TEST_PG'];

/**
 * The backends the store suite runs on: SQLite always, PostgreSQL when the test runner started one. In CI a
 * missing PostgreSQL server fails the PostgreSQL tests instead of leaving them out.
 */
export function backends(): Backend[] {
  return PG_URL || process.env['CI'] === 'true' ? ['sqlite', 'pg'] : ['sqlite'];
}

/** Fresh PostgreSQL schemas on the test server, one per id, so several nodes share it without meeting. */
export async function createPgSchemas(ids: readonly string[]): Promise<Map<string, string>> {
  if (!PG_URL) throw new Error('CREDIT_NODE_TEST_PG is not set: run the suite with npm test, which starts PostgreSQL');
  const admin = knexFactory({ client: 'pg', connection: PG_URL });
  try {
    const out = new Map<string, string>();
    for (const id of ids) {
      const schema = `t_${randomBytes(6).toString('hex')}`;
      await admin.raw(`create schema ${schema}`);
      out.set(id, schema);
    }
    return out;
  } finally {
    await admin.destroy();
  }
}

export interface TempNode {
  ctx: NodeContext;
  dir: string;
  configFile: string;
  cleanup(): Promise<void>;
}

/** A fresh node in its own temp dir (and its own PostgreSQL schema), cleaned up afterwards. */
export async function tempNode(opts: { backend?: Backend; id?: string; role?: string; region?: string; clock?: Clock; sector?: string } = {}): Promise<TempNode> {
  const dir = mkdtempSync(path.join(tmpdir(), 'credit-node-test-'));
  const backend = opts.backend ?? 'sqlite';
  let schema: string | undefined;
  const pgUrl = PG_URL ?? '';
  if (backend === 'pg') schema = (await createPgSchemas(['node'])).get('node');
  const raw = initialConfig({ id: opts.id ?? 'test-node', name: '测试节点', role: opts.role ?? 'province', region: opts.region ?? '370000', port: 0, ...(opts.sector ? { sector: opts.sector } : {}) });
  if (schema) raw['store'] = { client: 'pg', connection: pgUrl, schema };
  createNodeKeys(path.join(dir, 'keys/node.key'), path.join(dir, 'keys/node.pub'));
  const configFile = path.join(dir, 'credit-node.json');
  writeFileSync(configFile, JSON.stringify(raw, null, 2));
  const config = loadConfig(configFile, {});
  const ctx = await openNode(config, { log: pino({ level: 'silent' }), ...(opts.clock ? { clock: opts.clock } : {}) });
  return {
    ctx,
    dir,
    configFile,
    async cleanup() {
      await ctx.close();
      if (schema) {
        const admin = knexFactory({ client: 'pg', connection: pgUrl });
        await admin.raw(`drop schema ${schema} cascade`);
        await admin.destroy();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A clock that stands still until moved. */
export function fixedClock(iso: string): Clock & { set(iso: string): void } {
  let now = new Date(iso);
  const clock = (() => new Date(now)) as Clock & { set(iso: string): void };
  clock.set = (v: string) => { now = new Date(v); };
  return clock;
}
