import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, type AddressInfo } from 'node:net';
import { validateConfig, loadConfig } from '../../node/config/load.ts';
import { cli, cliSpawn } from '../helpers/cli.ts';

const configDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../config');

describe('node config', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(path.join(tmpdir(), 'credit-node-cfg-')); });
  afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

  it('every example config in config/ is valid', () => {
    const files = readdirSync(configDir).filter((f) => f.endsWith('.json'));
    expect(files).to.include.members(['province-hub.json', 'city-jinan.json', 'city-qingdao.json', 'industry-jinan-market.json', 'industry-sd-tax.json']);
    for (const f of files) {
      const raw = JSON.parse(readFileSync(path.join(configDir, f), 'utf8')) as unknown;
      expect(validateConfig(raw), f).to.deep.equal([]);
    }
    const tax = loadConfig(path.join(configDir, 'industry-sd-tax.json'), {});
    expect(tax.role).to.equal('industry');
    expect(tax.sector).to.equal('tax');
    expect(tax.parentId).to.equal('sd-hub');
    const market = loadConfig(path.join(configDir, 'industry-jinan-market.json'), {});
    expect(market.parentId).to.equal('city-jinan');
    expect(market.region).to.equal('370100');
  });

  it('refuses a schedule that is not a cron expression, and resolves the exchange defaults and interest rules', () => {
    const base = JSON.parse(readFileSync(path.join(configDir, 'city-jinan.json'), 'utf8')) as Record<string, unknown>;
    expect(validateConfig({ ...base, schedules: { syncUp: '*/5 * * *', syncDown: '*/2 * * * * *' } })).to.deep.equal([{ path: '/schedules/syncUp', message: '不是合法的 cron 表达式：*/5 * * *' }]);
    expect(validateConfig({ ...base, exchange: { maxBatchEvents: 0 } }).map((p) => p.path)).to.deep.equal(['/exchange/maxBatchEvents']);
    const file = path.join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ ...base, exchange: { maxBatchEvents: 500, interest: { city: { records: 'all' } } } }));
    const cfg = loadConfig(file, {});
    expect(cfg.exchange.maxBatchEvents).to.equal(500);
    expect(cfg.exchange.interest.city.records).to.equal('all');
    expect(cfg.exchange.interest.city.categories).to.include('serious_dishonesty_list');
    expect(cfg.exchange.interest.industry.records).to.equal('none');
    expect(cfg.keys.parentPublicKey).to.equal(path.join(path.dirname(cfg.keys.privateKey), 'parent.pub'));
  });

  it('lists every problem of a bad config with its path', () => {
    const problems = validateConfig({ id: 'Bad Id', name: 'x', role: 'industry', region: '99', listen: { port: 'eighty' }, dataDir: '', store: { client: 'oracle' }, keys: {}, extra: 1 });
    const paths = problems.map((p) => p.path);
    expect(paths).to.include.members(['/id', '/region', '/listen/port', '/dataDir', '/extra', '/keys/privateKey', '/sector']);
    expect(problems.some((p) => p.path.startsWith('/store'))).to.equal(true);
  });

  it('init writes a config, a 0600 private key and an empty store; keys show prints the same key', () => {
    const r = cli(['init', '--role', 'city', '--id', 'city-jinan', '--name', '济南市公共信用信息平台', '--region', '370100', '--parent-url', 'http://127.0.0.1:8370', '--port', '0', '--dir', dir]);
    expect(r.status, r.stderr).to.equal(0);
    const out = r.json as { id: string; role: string; publicKey: string; fingerprint: string; config: string };
    expect(out.id).to.equal('city-jinan');
    expect(out.role).to.equal('city');
    expect(out.publicKey).to.match(/BEGIN PUBLIC KEY/);
    expect(out.fingerprint).to.match(/^[0-9a-f]{64}$/);
    expect(statSync(path.join(dir, 'keys/node.key')).mode & 0o777).to.equal(0o600);
    expect(statSync(path.join(dir, 'data/credit-node.sqlite')).size).to.be.greaterThan(0);
    const cfg = loadConfig(out.config, {});
    expect(cfg.parentUrl).to.equal('http://127.0.0.1:8370');
    const shown = cli(['keys', 'show', '--config', out.config]);
    expect(shown.status).to.equal(0);
    expect(shown.json).to.deep.equal({ id: 'city-jinan', publicKey: out.publicKey, fingerprint: out.fingerprint });
    const again = cli(['init', '--role', 'city', '--id', 'city-jinan', '--name', '济南', '--region', '370100', '--dir', dir]);
    expect(again.status).to.equal(2);
    expect(again.stderr).to.match(/已存在/);
  });

  it('init refuses an industry node without a sector (exit 1, naming the field)', () => {
    const r = cli(['init', '--role', 'industry', '--id', 'x-market', '--name', '某局', '--region', '370100', '--dir', dir]);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.include('sector');
  });

  it('start with a bad config stops before binding a port and lists every problem', async () => {
    const file = path.join(dir, 'credit-node.json');
    writeFileSync(file, JSON.stringify({ id: 'ok-node', name: '节点', role: 'city', region: 'abc', listen: { port: 70000 }, dataDir: 'data', store: { client: 'sqlite' }, keys: { privateKey: 'k', publicKey: 'p' }, bogus: true }));
    const child = cliSpawn(['start', '--config', file]);
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => { stderr += c.toString(); });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).to.equal(1);
    expect(stderr).to.include('/region');
    expect(stderr).to.include('/listen/port');
    expect(stderr).to.include('/bogus');
    expect(stderr).not.to.match(/listening|已启动/);
  });

  it('start on a port that is taken stops with a clear message instead of hanging', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as AddressInfo).port;
    try {
      const r = cli(['init', '--role', 'province', '--id', 'sd-hub', '--name', '山东省公共信用信息平台', '--region', '370000', '--port', String(port), '--dir', dir]);
      expect(r.status, r.stderr).to.equal(0);
      const child = cliSpawn(['start', '--config', path.join(dir, 'credit-node.json')]);
      let stderr = '';
      child.stderr?.on('data', (c: Buffer) => { stderr += c.toString(); });
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(code).to.equal(1);
      expect(stderr).to.include(`端口 ${port} 已被占用`);
    } finally {
      busy.close();
    }
  });

  it('start serves /healthz and shuts down cleanly on SIGTERM', async () => {
    const r = cli(['init', '--role', 'province', '--id', 'sd-hub', '--name', '山东省公共信用信息平台', '--region', '370000', '--port', '0', '--dir', dir]);
    expect(r.status, r.stderr).to.equal(0);
    const child = cliSpawn(['start', '--config', path.join(dir, 'credit-node.json')]);
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr?.on('data', (c: Buffer) => {
        stderr += c.toString();
        const m = /已启动：(http:\/\/\S+)/.exec(stderr);
        if (m?.[1]) resolve(m[1]);
      });
      child.on('close', () => reject(new Error(stderr)));
    });
    const health = (await (await fetch(`${url}/healthz`)).json()) as Record<string, unknown>;
    expect(health).to.deep.equal({ status: 'ok', id: 'sd-hub', role: 'province' });
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).to.equal(0);
  });
});
