import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { pino } from 'pino';
import { backends, createPgSchemas, PG_URL, type Backend } from '../helpers/node.ts';
import { penalty } from '../helpers/records.ts';
import { demoFederation, freePorts, initFederation, type FederationNode, type FederationNodeSpec } from '../../node/cli/federation.ts';
import { loadConfig } from '../../node/config/load.ts';
import { startNode, type RunningNode } from '../../node/app.ts';
import type { Clock } from '../../node/clock.ts';
import { signNodeToken } from '../../node/exchange/node-auth.ts';
import { wireEventText } from '../../node/exchange/event-log.ts';
import { backoffDelay, SyncClient, transport, type ExchangeAnswer } from '../../node/exchange/sync.ts';

type Spec = Omit<FederationNodeSpec, 'port'>;

const SPECS: Spec[] = demoFederation(0).map(({ port: _p, ...s }) => s).slice(0, 3);


const pgUrl = (database: string) => {
  const u = new URL(PG_URL ?? '');
  u.pathname = `/${database}`;
  return u.toString();
};

/** Retries a statement PostgreSQL refuses while the connections of a node just stopped are still closing. */
async function pgAdmin(sql: string): Promise<void> {
  const admin = knexFactory({ client: 'pg', connection: PG_URL ?? '' });
  try {
    for (let i = 0; ; i++) {
      try {
        await admin.raw(sql);
        return;
      } catch (err) {
        if (i >= 40 || !/being accessed by other users/.test((err as Error).message)) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  } finally {
    await admin.destroy();
  }
}

/**
 * In-process nodes on loopback ports that can be stopped, restarted (with another clock) and, for the hub,
 * restored from a copy of its store: the SQLite file, or on PostgreSQL a database of its own copied as a template.
 */
async function federation(backend: Backend, configure: (cfg: Record<string, unknown>, spec: FederationNodeSpec) => void) {
  const dir = mkdtempSync(path.join(tmpdir(), 'credit-node-sync-'));
  const hubDb = `t_${randomBytes(6).toString('hex')}`;
  let schemas = new Map<string, string>();
  if (backend === 'pg') {
    await pgAdmin(`create database ${hubDb}`);
    schemas = await createPgSchemas(SPECS.slice(1).map((s) => s.id));
  }
  const ports = await freePorts(SPECS.length);
  const specs = SPECS.map((s, i) => ({ ...s, port: ports[i] as number }));
  const made = await initFederation(dir, specs, (cfg, spec) => {
    cfg['log'] = { level: 'silent' };
    if (backend === 'pg') cfg['store'] = spec.id === 'sd-hub' ? { client: 'pg', connection: pgUrl(hubDb) } : { client: 'pg', connection: PG_URL, schema: schemas.get(spec.id) };
    configure(cfg, spec);
  });
  const files = new Map<string, FederationNode>(made.map((n) => [n.spec.id, n]));
  const nodes: Record<string, RunningNode> = {};
  const start = async (id: string, clock?: Clock) => {
    const file = (files.get(id) as FederationNode).configFile;
    nodes[id] = await startNode(loadConfig(file, {}), { log: pino({ level: 'silent' }), schedule: false, ...(clock ? { clock } : {}) });
    return nodes[id] as RunningNode;
  };
  const stop = async (id: string) => { await nodes[id]?.stop(); };
  for (const n of made) await start(n.spec.id);
  const sqliteFile = () => (loadConfig((files.get('sd-hub') as FederationNode).configFile, {}).store as { file: string }).file;
  const backupDb = `${hubDb}_copy`;
  return {
    nodes,
    start,
    stop,
    /** A copy of the hub's store, taken while it is stopped. */
    async backupHub() {
      if (backend === 'pg') return pgAdmin(`create database ${backupDb} template ${hubDb}`);
      for (const ext of ['', '-wal', '-shm']) if (existsSync(sqliteFile() + ext)) copyFileSync(sqliteFile() + ext, `${sqliteFile()}.copy${ext}`);
    },
    /** Puts the copy back in place of the hub's store (hub stopped). */
    async restoreHub() {
      if (backend === 'pg') {
        await pgAdmin(`drop database ${hubDb}`);
        return pgAdmin(`create database ${hubDb} template ${backupDb}`);
      }
      for (const ext of ['', '-wal', '-shm']) {
        rmSync(sqliteFile() + ext, { force: true });
        if (existsSync(`${sqliteFile()}.copy${ext}`)) copyFileSync(`${sqliteFile()}.copy${ext}`, sqliteFile() + ext);
      }
    },
    async close() {
      await Promise.all(Object.values(nodes).map((n) => n.stop()));
      if (backend === 'pg') {
        const admin = knexFactory({ client: 'pg', connection: PG_URL ?? '' });
        for (const schema of schemas.values()) await admin.raw(`drop schema ${schema} cascade`);
        await admin.destroy();
        await pgAdmin(`drop database if exists ${hubDb}`);
        await pgAdmin(`drop database if exists ${backupDb}`);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const db = (n: RunningNode): Knex => n.ctx.store.knex;
const count = async (n: RunningNode, table: string, where: Record<string, string> = {}) => Number(((await db(n)(table).where(where).count({ n: '*' }).first()) as { n: number | string }).n);
const head = (n: RunningNode, origin: string) => n.ctx.eventLog.head(db(n), origin);

let serial = 100;
/** Records ingested in appends of `chunk`: each append ends with a signed checkpoint. */
async function ingest(n: RunningNode, total: number, chunk = total): Promise<void> {
  for (let done = 0; done < total; done += chunk) {
    const batch = Array.from({ length: Math.min(chunk, total - done) }, () => penalty(serial++));
    const results = await n.ctx.records.ingest(batch);
    expect(results.every((r) => r.status === 'created')).to.equal(true);
  }
}

/** Watches the node's outgoing requests (path and status); `rewrite` may change an answer. */
function watchExchanges(rewrite?: (pathname: string, res: ExchangeAnswer) => Promise<ExchangeAnswer>) {
  const real = transport.send;
  const seen: string[] = [];
  transport.send = async (url, method, headers, body, timeoutMs) => {
    const res = await real(url, method, headers, body, timeoutMs);
    seen.push(`${method} ${url.pathname} ${res.status}`);
    return rewrite ? rewrite(url.pathname, res) : res;
  };
  return { seen, restore: () => { transport.send = real; } };
}

/** Same chain at both nodes: same head, and the parent's copy checks out with the origin's key. */
async function expectDelivered(parent: RunningNode, child: RunningNode, origins: string[]) {
  for (const origin of origins) expect(await head(parent, origin), origin).to.deep.equal(await head(child, origin));
  const report = await parent.ctx.eventLog.verify(db(parent), (o) => parent.ctx.directory.publicKeyOf(o));
  expect(report.ok, JSON.stringify(report.broken)).to.equal(true);
}

describe('sync client: backoff', () => {
  it('waits a random time in [base·2^n / 2, base·2^n], never more than the maximum', () => {
    expect(backoffDelay(0, 500, 60_000, () => 0)).to.equal(250);
    expect(backoffDelay(0, 500, 60_000, () => 1)).to.equal(500);
    expect(backoffDelay(3, 500, 60_000, () => 0)).to.equal(2000);
    expect(backoffDelay(3, 500, 60_000, () => 1)).to.equal(4000);
    expect(backoffDelay(20, 500, 60_000, () => 1)).to.equal(60_000);
    expect(backoffDelay(20, 500, 60_000, () => 0)).to.equal(30_000);
    for (let n = 0; n < 40; n++) {
      const d = backoffDelay(n, 100, 5000);
      const ceiling = Math.min(5000, 100 * 2 ** n);
      expect(d).to.be.within(ceiling / 2, ceiling);
    }
  });
});

for (const backend of backends()) {
  // One federation per backend (sd-hub ← city-jinan ← jinan-market); each test adds records and syncs, and
  // checks that everything the child holds reached the parent.
  describe(`sync client on ${backend}`, function () {
    this.timeout(60_000);
    let fed: Awaited<ReturnType<typeof federation>>;
    const node = (id: string) => fed.nodes[id] as RunningNode;

    before(async () => {
      fed = await federation(backend, (cfg, spec) => {
        // The hub takes small batches (256 events and 256 KiB are the smallest limits allowed); the others retry fast.
        if (spec.id === 'sd-hub') cfg['exchange'] = { maxBatchEvents: 256, maxBatchBytes: 262144 };
        else cfg['exchange'] = { retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 } };
      });
    });
    after(async () => { await fed?.close(); });

    it('halves its batches on 413 until the parent takes them, and delivers everything, a relayed chain included', async () => {
      const [hub, city, market] = [node('sd-hub'), node('city-jinan'), node('jinan-market')];
      await ingest(market, 60, 15);
      expect((await market.ctx.sync.round()).up).to.deep.equal({ sent: 60, batches: 1 });
      await ingest(city, 400, 20);
      const watch = watchExchanges();
      let result;
      try {
        result = await city.ctx.sync.round();
      } finally {
        watch.restore();
      }
      expect(result.up.sent).to.equal(1 + 400 + 60);
      const ups = watch.seen.filter((s) => s.startsWith('POST'));
      expect(ups).to.include('POST /exchange/v1/up 413');
      expect(ups.filter((s) => s.endsWith('200'))).to.have.length(result.up.batches);
      await expectDelivered(hub, city, ['city-jinan', 'jinan-market']);
      expect(await count(hub, 'records')).to.equal(460);
    });

    it('resumes from the parent\'s heads when the parent was restored from an earlier copy', async () => {
      const [city] = [node('city-jinan')];
      await fed.stop('sd-hub');
      await fed.backupHub();
      let hub = await fed.start('sd-hub');
      const before = (await head(hub, 'city-jinan'))?.seq ?? 0;
      await ingest(city, 10);
      expect((await city.ctx.sync.up()).sent).to.equal(10);
      // The hub loses those ten events.
      await fed.stop('sd-hub');
      await fed.restoreHub();
      hub = await fed.start('sd-hub');
      expect((await head(hub, 'city-jinan'))?.seq).to.equal(before);
      await ingest(city, 5);
      expect((await city.ctx.sync.up()).sent).to.equal(15);
      await expectDelivered(hub, city, ['city-jinan', 'jinan-market']);
      expect(await count(hub, 'records', { origin: 'city-jinan' })).to.equal(415);
    });

    it('a batch that starts too high gets 409 SYNC_GAP with the expected seq; the client rewinds to it', async () => {
      const [hub, city] = [node('sd-hub'), node('city-jinan')];
      const at = (await head(hub, 'city-jinan'))?.seq as number;
      await ingest(city, 3);
      // Straight to the API: the last event alone, whose predecessors the hub lacks.
      const events = (await city.ctx.eventLog.rawEventsOf(db(city), 'city-jinan', at + 2, at + 3)).map(wireEventText);
      const heads = (await city.ctx.eventLog.checkpoints(db(city), 'city-jinan', at + 2, at + 3)).map((c) => c.signature);
      const token = signNodeToken({ issuer: 'city-jinan', audience: 'sd-hub', privateKey: city.ctx.keys.privateKey, now: new Date() });
      const res = await fetch(`${hub.url}/exchange/v1/up`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: `{"from":"city-jinan","to":"sd-hub","origins":[{"origin":"city-jinan","events":[${events.join(',')}],"heads":${JSON.stringify(heads)}}]}`,
      });
      expect(res.status).to.equal(409);
      expect(((await res.json()) as { error: unknown }).error).to.deep.include({ code: 'SYNC_GAP', details: { expected: [{ origin: 'city-jinan', seq: at + 1 }] } });
      expect((await head(hub, 'city-jinan'))?.seq).to.equal(at);
      expect(await city.ctx.sync.up()).to.deep.equal({ sent: 3, batches: 1 });
      await expectDelivered(hub, city, ['city-jinan']);

      // The client itself meets a 409 when the heads it was told are ahead of the parent's (here: an answer
      // rewritten to claim two more events): it rewinds to the expected seq and sends from there.
      await ingest(city, 4);
      const now = (await head(hub, 'city-jinan'))?.seq as number;
      const claimed = (await city.ctx.eventLog.hashesOf(db(city), 'city-jinan', now + 2, now + 2)).get(now + 2);
      let rewritten = false;
      const watch = watchExchanges(async (pathname, r) => {
        if (pathname !== '/exchange/v1/heads' || rewritten) return r;
        rewritten = true;
        const body = JSON.parse(r.text) as { heads: Array<{ origin: string; seq: number; hash: string }> };
        for (const h of body.heads) if (h.origin === 'city-jinan') Object.assign(h, { seq: now + 2, hash: claimed });
        return { ...r, text: JSON.stringify(body) };
      });
      let result;
      try {
        result = await city.ctx.sync.up();
      } finally {
        watch.restore();
      }
      expect(watch.seen.filter((s) => s.startsWith('POST'))).to.deep.equal(['POST /exchange/v1/up 409', 'POST /exchange/v1/up 200']);
      expect(result).to.deep.equal({ sent: 4, batches: 1 });
      await expectDelivered(hub, city, ['city-jinan']);
    });

    it('without parentId in its config, learns the parent\'s id from its /healthz, on the same way out as every exchange', async () => {
      const [hub, city] = [node('sd-hub'), node('city-jinan')];
      const { ctx } = city;
      await ingest(city, 5);
      const client = new SyncClient({ db: db(city), config: { ...ctx.config, parentId: null }, clock: ctx.clock, log: ctx.log, eventLog: ctx.eventLog, directory: ctx.directory, exchange: ctx.exchange, privateKey: ctx.keys.privateKey, audit: ctx.audit });
      const watch = watchExchanges();
      let result;
      try {
        result = await client.up();
      } finally {
        watch.restore();
      }
      expect(watch.seen[0]).to.equal('GET /healthz 200');
      expect(result.sent).to.equal(5);
      await expectDelivered(hub, city, ['city-jinan']);
    });

    it('retries an unreachable parent with backoff, then reports PEER_UNREACHABLE', async () => {
      const city = node('city-jinan');
      const { ctx } = city;
      const waits: number[] = [];
      const config = { ...ctx.config, parentUrl: `http://127.0.0.1:${(await freePorts(1))[0]}`, exchange: { ...ctx.config.exchange, retry: { attempts: 4, baseDelayMs: 100, maxDelayMs: 250 } } };
      const client = new SyncClient({ db: db(city), config, clock: ctx.clock, log: ctx.log, eventLog: ctx.eventLog, directory: ctx.directory, exchange: ctx.exchange, privateKey: ctx.keys.privateKey, audit: ctx.audit, sleep: async (ms) => { waits.push(ms); } });
      let code: string | undefined;
      try {
        await client.up();
      } catch (err) {
        code = (err as { code?: string }).code;
      }
      expect(code).to.equal('PEER_UNREACHABLE');
      expect(waits).to.have.length(3);
      const bounds = [[50, 100], [100, 200], [125, 250]] as const;
      waits.forEach((w, i) => expect(w).to.be.within(...(bounds[i] as readonly [number, number])));
    });

    it('syncs a child whose clock is four minutes ahead or behind the parent\'s', async () => {
      const hub = node('sd-hub');
      for (const offset of [4 * 60_000, -4 * 60_000]) {
        await fed.stop('city-jinan');
        const city = await fed.start('city-jinan', () => new Date(Date.now() + offset));
        await ingest(city, 2);
        const result = await city.ctx.sync.round();
        expect(result.up).to.deep.equal({ sent: 2, batches: 1 });
        await expectDelivered(hub, city, ['city-jinan']);
        // Down works too: the hub's own events (its enrollment of the city) reach the city.
        expect(await count(city, 'events', { origin: 'sd-hub' })).to.equal(1);
      }
      await fed.stop('city-jinan');
      await fed.start('city-jinan');
    });

    // A parent that refuses even the smallest batch (413 whatever is sent): the client gives up instead of
    // resending for ever. The smallest limits a config allows always take one checkpoint's run, so this parent
    // answers 413 by itself here.
    it('stops with PEER_REFUSED when its smallest batch is still too large for the parent, instead of resending it for ever', async () => {
      const [hub, city] = [node('sd-hub'), node('city-jinan')];
      await ingest(city, 300);
      const before = await head(hub, 'city-jinan');
      const real = transport.send;
      const posts: string[] = [];
      transport.send = async (url, method, headers, body, timeoutMs) => {
        if (method === 'POST') {
          posts.push(url.href);
          return { status: 413, date: undefined, text: JSON.stringify({ error: { code: 'PAYLOAD_TOO_LARGE', message: '请求内容过大', details: [] } }) };
        }
        return real(url, method, headers, body, timeoutMs);
      };
      let error: { code?: string; details?: { status?: number } } | undefined;
      try {
        await city.ctx.sync.up();
      } catch (err) {
        error = err as typeof error;
      } finally {
        transport.send = real;
      }
      expect(error).to.deep.include({ code: 'PEER_REFUSED' });
      expect(error?.details?.status).to.equal(413);
      // Two batches are in flight at a time, so each halving step may cost two refused requests.
      expect(posts.length).to.be.within(2, 24);
      expect(await head(hub, 'city-jinan')).to.deep.equal(before);
    });
  });
}
