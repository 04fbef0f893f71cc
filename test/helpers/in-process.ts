import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { Clock } from '../../node/clock.ts';
import knexFactory from 'knex';
import { demoFederation, freePorts, initFederation, type FederationNode, type FederationNodeSpec } from '../../node/cli/federation.ts';
import { createPgSchemas, PG_URL, type Backend } from './node.ts';
import { loadConfig } from '../../node/config/load.ts';
import { startNode, type RunningNode } from '../../node/app.ts';

/**
 * The hub, Jinan and Jinan market regulation as nodes in this process on loopback ports, on one injected clock,
 * without schedules: a test moves events with `syncAll` (a push of the market and a round of the city each way).
 */
export interface InProcessFederation {
  hub(): RunningNode;
  city(): RunningNode;
  market(): RunningNode;
  syncAll(): Promise<void>;
  stop(): Promise<void>;
}

export async function inProcessFederation(clock: Clock, prefix: string, configure?: (cfg: Record<string, unknown>, spec: FederationNodeSpec) => void): Promise<InProcessFederation> {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const nodes: Record<string, RunningNode> = {};
  const specs = demoFederation(0).slice(0, 3);
  const ports = await freePorts(specs.length);
  const made = await initFederation(dir, specs.map((s, i) => ({ ...s, port: ports[i] as number })), (cfg, spec) => {
    cfg['log'] = { level: 'silent' };
    configure?.(cfg, spec);
  });
  for (const n of made) nodes[n.spec.id] = await startNode(loadConfig(n.configFile, {}), { log: pino({ level: 'silent' }), schedule: false, clock });
  const node = (id: string) => nodes[id] as RunningNode;
  return {
    hub: () => node('sd-hub'),
    city: () => node('city-jinan'),
    market: () => node('jinan-market'),
    async syncAll() {
      await node('jinan-market').ctx.sync.round();
      await node('city-jinan').ctx.sync.round();
      await node('city-jinan').ctx.sync.round();
      await node('jinan-market').ctx.sync.round();
    },
    async stop() {
      for (const n of Object.values(nodes)) await n.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The hub, Jinan and Jinan market regulation as nodes in this process, each on `backend` (its own SQLite file or
 * PostgreSQL schema), without schedules, each stopped and started again at will (the store stays): for tests of
 * what survives a stop, a lost store or a restore.
 */
export interface RestartableFederation {
  dir: string;
  made: FederationNode[];
  node(id: string): RunningNode;
  start(id: string): Promise<RunningNode>;
  configFile(id: string): string;
  close(): Promise<void>;
}

export async function restartableFederation(backend: Backend, prefix: string, configure?: (cfg: Record<string, unknown>, spec: FederationNodeSpec) => void): Promise<RestartableFederation> {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const specs = demoFederation(0).slice(0, 3);
  const schemas = backend === 'pg' ? await createPgSchemas(specs.map((s) => s.id)) : new Map<string, string>();
  const ports = await freePorts(specs.length);
  const made = await initFederation(dir, specs.map((s, i) => ({ ...s, port: ports[i] as number })), (cfg, spec) => {
    cfg['log'] = { level: 'silent' };
    const schema = schemas.get(spec.id);
    if (schema) cfg['store'] = { client: 'pg', connection: PG_URL, schema };
    configure?.(cfg, spec);
  });
  const nodes: Record<string, RunningNode> = {};
  const configFile = (id: string) => (made.find((m) => m.spec.id === id) as FederationNode).configFile;
  const start = async (id: string) => {
    nodes[id] = await startNode(loadConfig(configFile(id), {}), { log: pino({ level: 'silent' }), schedule: false });
    return nodes[id] as RunningNode;
  };
  for (const s of specs) await start(s.id);
  return {
    dir,
    made,
    node: (id) => nodes[id] as RunningNode,
    start,
    configFile,
    async close() {
      await Promise.all(Object.values(nodes).map((n) => n.stop()));
      if (schemas.size) {
        const admin = knexFactory({ client: 'pg', connection: PG_URL ?? '' });
        for (const schema of schemas.values()) await admin.raw(`drop schema if exists ${schema} cascade`);
        await admin.destroy();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
