import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { pino } from 'pino';
import { initNode } from './init.ts';
import { loadConfig } from '../config/load.ts';
import { openNode } from '../app.ts';
import { loadOrCreateSecret } from '../access/secrets.ts';

export interface FederationNodeSpec {
  id: string;
  name: string;
  role: 'national' | 'province' | 'city' | 'industry';
  region: string;
  sector?: string;
  /** The parent's id (absent for the root). */
  parent?: string;
  port: number;
}

export interface FederationNode { spec: FederationNodeSpec; dir: string; configFile: string; url: string }

/** The demo federation of CONTRACT.md: the hub, Jinan, Jinan market regulation (below Jinan) and provincial tax (vertical, below the hub). */
export function demoFederation(basePort: number): FederationNodeSpec[] {
  return [
    { id: 'sd-hub', name: '山东省公共信用信息平台', role: 'province', region: '370000', port: basePort },
    { id: 'city-jinan', name: '济南市公共信用信息平台', role: 'city', region: '370100', parent: 'sd-hub', port: basePort + 1 },
    { id: 'jinan-market', name: '济南市市场监督管理局', role: 'industry', region: '370100', sector: 'market', parent: 'city-jinan', port: basePort + 2 },
    { id: 'sd-tax', name: '国家税务总局山东省税务局', role: 'industry', region: '370000', sector: 'tax', parent: 'sd-hub', port: basePort + 3 },
  ];
}

/**
 * Creates (or reuses) one directory per node under `dir`: config with parent URL and id, key pair, the
 * parent's public key pinned, the province's data key shared (natural persons' ID hashes must agree across
 * the federation), and each child enrolled at its parent. Parents must come before their children.
 * `configure` may change each config object before it is written (ports, schedules, limits).
 */
export async function initFederation(dir: string, specs: FederationNodeSpec[], configure?: (cfg: Record<string, unknown>, spec: FederationNodeSpec) => void): Promise<FederationNode[]> {
  const out: FederationNode[] = [];
  const byId = new Map<string, FederationNode>();
  let dataKeyFile: string | undefined;
  for (const spec of specs) {
    const nodeDir = path.join(dir, spec.id);
    const configFile = path.join(nodeDir, 'credit-node.json');
    const parent = spec.parent ? byId.get(spec.parent) : undefined;
    if (spec.parent && !parent) throw new Error(`节点 ${spec.id} 的上级 ${spec.parent} 须先于它列出`);
    const url = `http://127.0.0.1:${spec.port}`;
    if (!existsSync(configFile)) {
      const parentPem = parent ? readFileSync(path.join(parent.dir, 'keys/node.pub'), 'utf8') : undefined;
      await initNode({
        dir: nodeDir, id: spec.id, name: spec.name, role: spec.role, region: spec.region, port: spec.port, quiet: true,
        ...(spec.sector ? { sector: spec.sector } : {}),
        ...(parent && parentPem ? { parentUrl: parent.url, parentId: parent.spec.id, parentKeyPem: parentPem } : {}),
      });
      const cfg = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
      configure?.(cfg, spec);
      writeFileSync(configFile, `${JSON.stringify(cfg, null, 2)}\n`);
      // The province's data key: the first node's, copied to the others before they first open their store.
      const config = loadConfig(configFile, {});
      if (!dataKeyFile) {
        loadOrCreateSecret(config.keys.dataKey);
        dataKeyFile = config.keys.dataKey;
      } else if (!existsSync(config.keys.dataKey)) {
        copyFileSync(dataKeyFile, config.keys.dataKey);
      }
      if (parent) await enroll(parent.configFile, spec, readFileSync(config.keys.publicKey, 'utf8'));
    } else if (!dataKeyFile) {
      dataKeyFile = loadConfig(configFile, {}).keys.dataKey;
    }
    const node = { spec, dir: nodeDir, configFile, url };
    out.push(node);
    byId.set(spec.id, node);
  }
  return out;
}

async function enroll(parentConfigFile: string, spec: FederationNodeSpec, publicKeyPem: string): Promise<void> {
  const ctx = await openNode(loadConfig(parentConfigFile, {}), { log: pino({ level: 'silent' }) });
  try {
    if ((await ctx.directory.entry(spec.id))?.status === 'active') return;
    await ctx.directory.enroll({ id: spec.id, role: spec.role, name: spec.name, region: spec.region, ...(spec.sector ? { sector: spec.sector } : {}), publicKeyPem });
  } finally {
    await ctx.close();
  }
}

/** `n` ports the system has free now on loopback (for --base-port 0). */
export async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      servers.push(await new Promise<Server>((resolve, reject) => {
        const s = createServer();
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => resolve(s));
      }));
    }
    return servers.map((s) => (s.address() as AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}
