import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { Clock } from '../../node/clock.ts';
import { demoFederation, freePorts, initFederation, type FederationNodeSpec } from '../../node/cli/federation.ts';
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
