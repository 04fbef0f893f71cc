import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { demoFederation, freePorts, initFederation, type FederationNode } from '../../node/cli/federation.ts';
import { demoData, isJinanSubject } from '../../node/cli/demo.ts';
import { loadConfig } from '../../node/config/load.ts';
import { startNode, type RunningNode } from '../../node/app.ts';
import { main as syncMain, type SyncRow } from '../../scripts/sync-round.ts';
import { main as treeMain, type Tree, type TreeNode } from '../../scripts/federation-tree.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Runs a script's main in-process, capturing what it prints. */
async function capture(main: (argv: string[], io: { out: (s: string) => void; err: (s: string) => void }) => Promise<number>, argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { code, out, err };
}

function find(tree: Tree, id: string): TreeNode | undefined {
  const walk = (n: TreeNode): TreeNode | undefined => (n.id === id ? n : n.children.map(walk).find(Boolean));
  return tree.roots.map(walk).find(Boolean);
}

describe('federation scripts (sync-round, federation-tree)', () => {
  let dir: string;
  let nodes: FederationNode[];
  const running = new Map<string, RunningNode>();
  const config = (id: string) => (nodes.find((n) => n.spec.id === id) as FederationNode).configFile;
  const data = demoData();
  const market = (data['jinan-market'] ?? []).slice(0, 12);
  const tax = (data['sd-tax'] ?? []).filter(isJinanSubject).slice(0, 4);

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'credit-node-scripts-'));
    const ports = await freePorts(4);
    const specs = demoFederation(0).map((s, i) => ({ ...s, port: ports[i] as number }));
    nodes = await initFederation(dir, specs, (cfg) => {
      cfg['log'] = { level: 'silent' };
      cfg['exchange'] = { retry: { attempts: 1, baseDelayMs: 10, maxDelayMs: 10 } };
    });
    for (const n of nodes) running.set(n.spec.id, await startNode(loadConfig(n.configFile, {}), { schedule: false, log: pino({ level: 'silent' }) }));
    await running.get('jinan-market')?.ctx.records.ingest(market);
    await running.get('sd-tax')?.ctx.records.ingest(tax);
  });

  after(async () => {
    for (const r of [...running.values()].reverse()) await r.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sync-round pushes up deepest first and pulls down top-down, one row per node; a failing node does not stop the others', async () => {
    // Given in the "wrong" order: the hub (skipped), tax, Jinan, then Jinan's market bureau.
    const r = await capture(syncMain, ['--json', config('sd-hub'), config('sd-tax'), '--configs', `${config('city-jinan')},${config('jinan-market')}`]);
    expect(r.code, r.err).to.equal(0);
    const rows = (JSON.parse(r.out) as { ok: boolean; rows: SyncRow[] }).rows;
    const by = (id: string) => rows.find((x) => x.node === id) as SyncRow;
    // --configs come first, then the positional ones; the up pass goes deepest first (ties in that order).
    expect(rows.map((x) => x.node)).to.deep.equal(['jinan-market', 'city-jinan', 'sd-tax', 'sd-hub']);
    expect(by('sd-hub').skipped).to.be.a('string');
    expect(by('jinan-market').up?.sent).to.equal(market.length);
    expect(by('city-jinan').up?.sent).to.be.at.least(market.length);
    expect(by('sd-tax').up?.sent).to.equal(tax.length);
    // Jinan pulled down after tax pushed up: the Jinan tax ratings reached it in the same run.
    expect(by('city-jinan').down?.received).to.be.at.least(tax.length);
    for (const id of ['jinan-market', 'city-jinan', 'sd-tax']) expect(by(id).error, id).to.equal(null);

    const table = await capture(syncMain, [config('jinan-market'), config('city-jinan')]);
    expect(table.code).to.equal(0);
    const lines = table.out.trim().split('\n');
    expect(lines[0]).to.match(/^节点\s+上报（条\/批）\s+下行（条\/批）\s+耗时\s+错误$/);
    expect(lines[1]).to.match(/^jinan-market\s+0\/0\s+0\/1\s+\d+\.\d\d s$/);

    const failing = await capture(syncMain, [path.join(dir, 'missing.json'), config('jinan-market')]);
    expect(failing.code).to.equal(1);
    expect(failing.out).to.match(/missing\.json\s+-\s+配置文件不存在/);
    expect(failing.out).to.match(/jinan-market\s+0\/0\s+0\/1/);
  });

  it('sync-round runs as a program: usage errors exit 2, a round exits 0 with the table', async () => {
    // Asynchronously: the nodes it talks to run in this process.
    const run = (args: string[]) => promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/sync-round.ts'), ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 })
      .then((r) => ({ code: 0, ...r }), (e: { code: number; stdout: string; stderr: string }) => e);
    expect((await capture(syncMain, [])).code).to.equal(2);
    expect((await capture(syncMain, ['--bogus', config('sd-tax')])).code).to.equal(2);
    const ok = await run(['--up', config('sd-tax')]);
    expect(ok.code, ok.stderr).to.equal(0);
    expect(ok.stdout).to.match(/sd-tax\s+0\/0\s+-?\s+\d/);
  });

  it('federation-tree shows every node under its parent with its head at the hub, contact, lag and the probed up lag', async () => {
    const hub = running.get('sd-hub') as RunningNode;
    const r = await capture(treeMain, ['--config', config('sd-hub'), '--json']);
    expect(r.code, r.err).to.equal(0);
    const tree = JSON.parse(r.out) as Tree;
    expect(tree.roots.map((n) => n.id)).to.deep.equal(['sd-hub']);
    expect(tree.roots[0]?.children.map((n) => n.id)).to.have.members(['city-jinan', 'sd-tax']);
    expect(find(tree, 'city-jinan')?.children.map((n) => n.id)).to.deep.equal(['jinan-market']);
    for (const id of ['sd-hub', 'city-jinan', 'jinan-market', 'sd-tax']) {
      const ctx = (running.get(id) as RunningNode).ctx;
      const own = await ctx.eventLog.head(ctx.store.knex);
      const atHub = await hub.ctx.eventLog.head(hub.ctx.store.knex, id);
      expect(find(tree, id)?.head?.seq, id).to.equal(atHub?.seq ?? undefined);
      if (own) expect(find(tree, id)?.head?.seq, id).to.equal(own.seq);
      expect(find(tree, id)?.status).to.equal('active');
    }
    const city = find(tree, 'city-jinan') as TreeNode;
    expect(city.contact).to.include.keys('up', 'down');
    expect(city.downLag).to.equal(0);
    expect(find(tree, 'jinan-market')?.contact).to.deep.include({ via: 'city-jinan' });

    const text = await capture(treeMain, ['--config', config('sd-hub')]);
    const lines = text.out.trim().split('\n');
    expect(lines[0]).to.match(/^sd-hub（/);
    expect(lines.find((l) => l.includes('city-jinan（'))).to.match(/^[├└]─ city-jinan/);
    expect(lines.find((l) => l.includes('jinan-market（'))).to.match(/^│  └─ jinan-market.*链头 #\d+/);
    expect(lines.find((l) => l.includes('sd-tax（'))).to.match(/^└─ sd-tax/);

    // One record more at the market bureau, not yet synced: the probe sees it as up lag.
    await running.get('jinan-market')?.ctx.records.ingest((data['jinan-market'] ?? []).slice(12, 13));
    const probeList = `${config('jinan-market')},city-jinan=${running.get('city-jinan')?.url},sd-tax=${running.get('sd-tax')?.url}`;
    const probed = JSON.parse((await capture(treeMain, ['--config', config('sd-hub'), '--json', '--probe', probeList])).out) as Tree;
    expect(find(probed, 'jinan-market')?.probe).to.deep.equal({ seq: (find(tree, 'jinan-market')?.head?.seq ?? 0) + 1, upLag: 1 });
    expect(find(probed, 'city-jinan')?.probe).to.include({ upLag: 0 });
    expect(find(probed, 'sd-tax')?.probe).to.include({ upLag: 0 });
  });
});
