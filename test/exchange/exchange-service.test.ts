import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { pino } from 'pino';
import { backends, createPgSchemas, PG_URL, type Backend } from '../helpers/node.ts';
import { companyCode, penalty } from '../helpers/records.ts';
import { generateRecords } from '../../scripts/generate-data.ts';
import { demoFederation, freePorts, initFederation, type FederationNodeSpec } from '../../node/cli/federation.ts';
import { loadConfig } from '../../node/config/load.ts';
import { startNode, type RunningNode } from '../../node/app.ts';
import { signNodeToken } from '../../node/exchange/node-auth.ts';
import { wireEventText } from '../../node/exchange/event-log.ts';
import { digestOf, type OriginRun, type WireEvent } from '../../node/exchange/batch.ts';
import { signCompact, verifyCompact } from '../../node/exchange/jws.ts';
import { eventHash } from '../../node/exchange/event-log.ts';
import { stateRepo } from '../../node/exchange/state-repo.ts';

type Spec = Omit<FederationNodeSpec, 'port'>;

const SPECS: Spec[] = demoFederation(0).map(({ port: _p, ...s }) => s);


/** In-process nodes of one federation on loopback ports, each with its own SQLite file or PostgreSQL schema. */
async function federation(backend: Backend, configure?: (cfg: Record<string, unknown>, spec: FederationNodeSpec) => void) {
  const dir = mkdtempSync(path.join(tmpdir(), 'credit-node-exchange-'));
  const schemas = backend === 'pg' ? await createPgSchemas(SPECS.map((s) => s.id)) : new Map<string, string>();
  const ports = await freePorts(SPECS.length);
  const specs = SPECS.map((s, i) => ({ ...s, port: ports[i] as number }));
  const made = await initFederation(dir, specs, (cfg, spec) => {
    cfg['log'] = { level: 'silent' };
    const schema = schemas.get(spec.id);
    if (schema) cfg['store'] = { client: 'pg', connection: PG_URL, schema };
    configure?.(cfg, spec);
  });
  const nodes: Record<string, RunningNode> = {};
  for (const n of made) nodes[n.spec.id] = await startNode(loadConfig(n.configFile, {}), { log: pino({ level: 'silent' }), schedule: false });
  return {
    nodes,
    async close() {
      await Promise.all(Object.values(nodes).map((n) => n.stop()));
      if (schemas.size) {
        const admin = knexFactory({ client: 'pg', connection: PG_URL ?? '' });
        for (const schema of schemas.values()) await admin.raw(`drop schema ${schema} cascade`);
        await admin.destroy();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Answer { status: number; body: { error?: { code: string; details?: unknown }; [k: string]: unknown }; text: string }

/** One exchange request from `caller` to `target`, with a fresh node token. */
async function call(target: RunningNode, caller: RunningNode, method: 'GET' | 'POST', url: string, body?: unknown): Promise<Answer> {
  const token = signNodeToken({ issuer: caller.ctx.config.id, audience: target.ctx.config.id, privateKey: caller.ctx.keys.privateKey, now: new Date() });
  const res = await fetch(`${target.url}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as Answer['body'], text };
}

const db = (n: RunningNode): Knex => n.ctx.store.knex;
const count = async (n: RunningNode, table: string) => Number(((await db(n)(table).count({ n: '*' }).first()) as { n: number | string }).n);

/** One origin's chain as `holder` stores it, after `after` (to its head), as it goes on the wire. */
async function runOf(holder: RunningNode, origin: string, after = 0): Promise<OriginRun> {
  const log = holder.ctx.eventLog;
  const head = (await log.head(db(holder), origin))?.seq ?? 0;
  const events = (await log.rawEventsOf(db(holder), origin, after, head)).map((e) => JSON.parse(wireEventText(e)) as WireEvent);
  const heads = (await log.checkpoints(db(holder), origin, after, head)).map((c) => c.signature);
  return { origin, events, heads };
}

/** What must not change when a batch is refused. */
async function snapshot(n: RunningNode) {
  return {
    events: await count(n, 'events'),
    records: await count(n, 'records'),
    heads: await n.ctx.eventLog.heads(db(n)),
    directory: (await n.ctx.directory.list()).map((e) => `${e.id}:${e.status}`),
  };
}

const regionOf = (e: WireEvent) => ((JSON.parse(e.bodyText as string) as { subject?: { code?: string } }).subject?.code ?? '').slice(2, 8);
const categoryOf = (e: WireEvent) => (JSON.parse(e.bodyText as string) as { category?: string }).category;

function listRecord(n: number, region: string): Record<string, unknown> {
  const r = [...generateRecords({ category: 'serious_dishonesty_list', count: 1, seed: n })][0] as unknown as Record<string, unknown>;
  return { ...r, subject: { type: 'legal_person', code: companyCode(n, region), name: `青岛失信企业${n}` } };
}

for (const backend of backends()) {
  // One federation per backend, driven test by test through the exchange API (each test builds on the
  // state the previous ones left, as a real federation would): sd-hub ← city-jinan ← jinan-market, sd-hub ← sd-tax.
  describe(`exchange service over HTTP on ${backend}`, function () {
    this.timeout(60_000);
    let fed: Awaited<ReturnType<typeof federation>>;
    let hub: RunningNode;
    let city: RunningNode;
    let market: RunningNode;
    let tax: RunningNode;

    before(async () => {
      fed = await federation(backend, (cfg, spec) => {
        if (spec.id === 'sd-hub') cfg['exchange'] = { maxBatchEvents: 256, maxBatchBytes: 262144 };
      });
      const node = (id: string) => fed.nodes[id] as RunningNode;
      [hub, city, market, tax] = [node('sd-hub'), node('city-jinan'), node('jinan-market'), node('sd-tax')];
      const ok = (r: Array<{ status: string }>) => expect(r.map((x) => x.status)).to.deep.equal(r.map(() => 'created'));
      ok(await market.ctx.records.ingest([penalty(1), penalty(2), penalty(3)]));
      ok(await city.ctx.records.ingest([penalty(11), penalty(12)]));
      // The tax bureau's records: two about Jinan companies, two about Qingdao companies, and a Qingdao
      // company on the serious dishonesty list (province-wide).
      ok(await tax.ctx.records.ingest([
        penalty(21), penalty(22),
        penalty(23, { subject: { type: 'legal_person', code: companyCode(23, '370202'), name: '青岛测试公司23' } }),
        penalty(24, { subject: { type: 'legal_person', code: companyCode(24, '370202'), name: '青岛测试公司24' } }),
        listRecord(25, '370202'),
      ]));
    });
    after(async () => { await fed?.close(); });

    it('applies a child\'s up batch and skips a re-delivery; a sibling is NOT_A_CHILD', async () => {
      const run = await runOf(market, 'jinan-market');
      const first = await call(city, market, 'POST', '/exchange/v1/up', { from: 'jinan-market', to: 'city-jinan', origins: [run] });
      expect(first.status, first.text).to.equal(200);
      const head = await market.ctx.eventLog.head(db(market));
      expect(first.body).to.deep.equal({ heads: { 'jinan-market': { seq: 3, hash: head?.hash } }, applied: 3, skipped: 0 });
      expect(await city.ctx.eventLog.head(db(city), 'jinan-market')).to.deep.equal(head);
      expect((await db(city)('records').where({ origin: 'jinan-market' })).length).to.equal(3);

      const again = await call(city, market, 'POST', '/exchange/v1/up', { from: 'jinan-market', to: 'city-jinan', origins: [run] });
      expect(again.body).to.deep.include({ applied: 0, skipped: 3 });

      // sd-tax is known at the city once the city has the hub's directory, but it is not the city's child.
      await city.ctx.sync.refreshDirectory();
      const before = await snapshot(city);
      const sibling = await call(city, tax, 'POST', '/exchange/v1/up', { from: 'sd-tax', to: 'city-jinan', origins: [await runOf(tax, 'sd-tax')] });
      expect(sibling.status).to.equal(403);
      expect(sibling.body.error?.code).to.equal('NOT_A_CHILD');
      expect(await snapshot(city)).to.deep.equal(before);
      // A node the hub has not heard of yet.
      expect((await call(hub, market, 'GET', '/exchange/v1/heads')).body.error?.code).to.equal('NODE_UNKNOWN');
    });

    it('applies nothing of a batch with one good origin and one forged origin', async () => {
      const before = await snapshot(hub);
      const cityRun = await runOf(city, 'city-jinan');
      const marketRun = await runOf(city, 'jinan-market');
      // The relay signs the grandchild's checkpoints with its own key.
      const resigned = { ...marketRun, heads: marketRun.events.slice(-1).map((e) => signCompact({ origin: e.origin, seq: e.seq, hash: e.hash, at: e.at }, city.ctx.keys.privateKey, 'jinan-market')) };
      const forged = await call(hub, city, 'POST', '/exchange/v1/up', { from: 'city-jinan', to: 'sd-hub', origins: [cityRun, resigned] });
      expect(forged.status).to.equal(422);
      expect(forged.body.error?.code).to.equal('HEAD_SIGNATURE_INVALID');
      expect(await snapshot(hub)).to.deep.equal(before);

      // The relay alters a record (its hash kept).
      const events = marketRun.events.map((e) => (e.seq === 2 ? { ...e, bodyText: (e.bodyText as string).replace('测试食品', '测试饮品') } : e));
      const altered = await call(hub, city, 'POST', '/exchange/v1/up', { from: 'city-jinan', to: 'sd-hub', origins: [cityRun, { ...marketRun, events }] });
      expect(altered.status).to.equal(422);
      expect(altered.body.error).to.deep.include({ code: 'EVENT_TAMPERED', details: { origin: 'jinan-market', seq: 2 } });
      expect(await snapshot(hub)).to.deep.equal(before);
      expect(before.directory).not.to.include('jinan-market:active');
      const alarms = await stateRepo.alarms(db(hub));
      expect(alarms.map((a) => [a.code, a.peer, a.origin])).to.deep.equal([['EVENT_TAMPERED', 'city-jinan', 'jinan-market'], ['HEAD_SIGNATURE_INVALID', 'city-jinan', 'jinan-market']]);
    });

    it('relays a grandchild\'s chain with its original hashes; the grandchild becomes known through the city\'s directory event in the same batch', async () => {
      // The grandchild's run first: the hub must still take the city's enrollment event before it.
      const res = await call(hub, city, 'POST', '/exchange/v1/up', { from: 'city-jinan', to: 'sd-hub', origins: [await runOf(city, 'jinan-market'), await runOf(city, 'city-jinan')] });
      expect(res.status, res.text).to.equal(200);
      expect(res.body).to.deep.include({ applied: 6, skipped: 0 });
      expect(await hub.ctx.directory.entry('jinan-market')).to.deep.include({ parent: 'city-jinan', status: 'active', sector: 'market' });
      for (const origin of ['jinan-market', 'city-jinan']) {
        const holder = origin === 'jinan-market' ? market : city;
        const chain = async (n: RunningNode) => (await n.ctx.eventLog.eventsOf(db(n), origin)).map(({ pos: _pos, ...e }) => e);
        expect(await chain(hub)).to.deep.equal(await chain(holder));
        expect(await hub.ctx.eventLog.head(db(hub), origin)).to.deep.equal(await holder.ctx.eventLog.head(db(holder), origin));
      }
      const report = await hub.ctx.eventLog.verify(db(hub), (o) => hub.ctx.directory.publicKeyOf(o));
      expect(report).to.deep.include({ ok: true, origins: { 'sd-hub': 2, 'city-jinan': 3, 'jinan-market': 3 } });
      expect(await count(hub, 'records')).to.equal(5);
      // Known at the hub now, but a grandchild: it must go through the city.
      const direct = await call(hub, market, 'POST', '/exchange/v1/up', { from: 'jinan-market', to: 'sd-hub', origins: [] });
      expect(direct.status).to.equal(403);
      expect(direct.body.error?.code).to.equal('NOT_A_CHILD');
    });

    it('refuses a gap (SYNC_GAP), another subtree\'s origin, malformed and oversized batches, with nothing applied', async () => {
      await city.ctx.records.ingest([penalty(13), penalty(14)]);
      const before = await snapshot(hub);
      const up = (body: unknown) => call(hub, city, 'POST', '/exchange/v1/up', body);

      const gap = await up({ from: 'city-jinan', to: 'sd-hub', origins: [await runOf(city, 'city-jinan', 4)] });
      expect(gap.status).to.equal(409);
      expect(gap.body.error).to.deep.include({ code: 'SYNC_GAP', details: { expected: [{ origin: 'city-jinan', seq: 4 }] } });

      const foreign = await up({ from: 'city-jinan', to: 'sd-hub', origins: [await runOf(tax, 'sd-tax')] });
      expect(foreign.status).to.equal(403);
      expect(foreign.body.error?.code).to.equal('ORIGIN_NOT_ALLOWED');
      expect((await stateRepo.alarms(db(hub), 1))[0]).to.deep.include({ code: 'ORIGIN_NOT_ALLOWED', peer: 'city-jinan' });

      for (const bad of [{ from: 'city-jinan', to: 'sd-hub' }, { from: 'sd-tax', to: 'sd-hub', origins: [] }, { from: 'city-jinan', to: 'sd-tax', origins: [] }, { from: 'city-jinan', to: 'sd-hub', origins: [{ origin: 'city-jinan' }] }]) {
        const r = await up(bad);
        expect(r.status, JSON.stringify(bad)).to.equal(400);
        expect(r.body.error?.code).to.equal('BATCH_INVALID');
      }
      const broken = await up('{"from":"city-jinan",');
      expect([broken.status, broken.body.error?.code]).to.deep.equal([400, 'BAD_REQUEST']);

      // The hub takes at most 256 events and 256 KiB per batch (the smallest limits a node may set).
      const run = await runOf(city, 'city-jinan', 3);
      // Counted before anything else is looked at: 257 small events are too many whatever they hold.
      const small = Array.from({ length: 257 }, (_, k) => ({ ...run.events[0], seq: 4 + k, bodyText: '{}' }));
      const many = await up({ from: 'city-jinan', to: 'sd-hub', origins: [{ ...run, events: small }] });
      expect(many.status).to.equal(413);
      expect(many.body.error).to.deep.include({ code: 'BATCH_TOO_LARGE', details: { count: 257, max: 256 } });
      const big = await up({ from: 'city-jinan', to: 'sd-hub', origins: [run], padding: 'x'.repeat(262144) });
      expect(big.status).to.equal(413);
      expect(big.body.error?.code).to.equal('PAYLOAD_TOO_LARGE');

      expect(await snapshot(hub)).to.deep.equal(before);
      // The city's own push resumes from the hub's head.
      expect(await city.ctx.sync.up()).to.deep.equal({ sent: 2, batches: 1 });
      expect((await hub.ctx.eventLog.head(db(hub), 'city-jinan'))?.seq).to.equal(5);
    });

    // Mocha runs a suite's own tests before its nested suites: these two run after the up tests, in this order.
    describe('down', () => {
      let hubKey: RunningNode['ctx']['keys']['publicKey'];
      before(async () => {
        hubKey = hub.ctx.keys.publicKey;
        expect(await tax.ctx.sync.up()).to.deep.include({ sent: 5 });
      });
      const pull = async (caller: RunningNode, after: number, limit: number) => {
        const r = await call(hub, caller, 'GET', `/exchange/v1/down?after=${after}&limit=${limit}`);
        expect(r.status, r.text).to.equal(200);
        return r.body as unknown as { from: string; to: string; after: number; next: number; remaining: number; signature: string; events: WireEvent[] };
      };

      it('signs the batch and sends the city region records, lists and directory changes, never its own subtree\'s events', async () => {
        const b = await pull(city, 0, 1000);
        const max = await hub.ctx.eventLog.maxPos(db(hub));
        expect(b).to.deep.include({ from: 'sd-hub', to: 'city-jinan', after: 0, next: max, remaining: 0 });
        expect(verifyCompact(b.signature, hubKey)).to.deep.equal({ from: 'sd-hub', to: 'city-jinan', after: 0, next: max, count: b.events.length, digest: digestOf(b.events.map((e) => e.hash)) });
        expect(verifyCompact(b.signature, city.ctx.keys.publicKey)).to.equal(undefined);
        expect(b.events.filter((e) => e.origin === 'city-jinan' || e.origin === 'jinan-market')).to.deep.equal([]);
        const records = b.events.filter((e) => e.kind === 'record');
        expect(records.map((e) => [e.origin, regionOf(e), categoryOf(e)])).to.deep.equal([
          ['sd-tax', '370102', 'administrative_penalty'],
          ['sd-tax', '370102', 'administrative_penalty'],
          ['sd-tax', '370202', 'serious_dishonesty_list'],
        ]);
        expect(b.events.filter((e) => e.kind === 'directory').map((e) => `${e.origin}:${e.entityId}`)).to.deep.equal(['sd-hub:city-jinan', 'sd-hub:sd-tax']);

        // The tax bureau (industry): directory changes, the city's enrollment of jinan-market included; no
        // city or market records (another sector), nothing of its own.
        const t = await pull(tax, 0, 1000);
        expect(t.events.map((e) => `${e.origin}:${e.kind}:${e.entityId}`)).to.deep.equal(['sd-hub:directory:city-jinan', 'sd-hub:directory:sd-tax', 'city-jinan:directory:jinan-market']);
      });

      it('resumes exactly from the cursor: small pages give the same events as one big pull', async () => {
        const whole = await pull(city, 0, 1000);
        const paged: WireEvent[] = [];
        let after = 0;
        let pages = 0;
        for (;;) {
          const b = await pull(city, after, 2);
          expect(b.events.length).to.be.at.most(2);
          expect(b.next).to.be.greaterThan(after);
          expect(verifyCompact(b.signature, hubKey)).to.deep.include({ after, next: b.next, count: b.events.length });
          paged.push(...b.events);
          pages += 1;
          after = b.next;
          if (b.remaining === 0) break;
        }
        expect(pages).to.equal(3);
        expect(paged).to.deep.equal(whole.events);
        // Past the end: nothing, and the cursor stays.
        expect(await pull(city, after, 2)).to.deep.include({ events: [], next: after, remaining: 0 });
      });

      it('refuses a tampered down batch and leaves the cursor where it was; the real one applies', async () => {
        const b = await pull(city, 0, 1000);
        const cursor = () => stateRepo.get(db(city), 'sd-hub', 'down');
        const before = { ...(await snapshot(city)), cursor: await cursor() };
        const receive = async (batch: unknown) => {
          try {
            await city.ctx.exchange.receiveDown(batch, 0, 'sd-hub', hubKey);
            return 'none';
          } catch (err) {
            return (err as { code?: string }).code;
          }
        };
        const i = b.events.findIndex((e) => e.kind === 'record');
        const edit = (e: WireEvent): WireEvent => ({ ...e, bodyText: (e.bodyText as string).replace('测试食品', '测试饮品') });
        // Altered body, hash kept.
        expect(await receive({ ...b, events: b.events.map((e, k) => (k === i ? edit(e) : e)) })).to.equal('EVENT_TAMPERED');
        // Altered body, rehashed: every event is consistent, the parent's signature over the hashes is not.
        const rehashed = (e: WireEvent) => {
          const { hash: _h, bodyText, ...rest } = edit(e);
          const body = JSON.parse(bodyText as string) as unknown;
          return { ...rest, bodyText, hash: eventHash({ ...rest, body }, bodyText as string) };
        };
        expect(await receive({ ...b, events: b.events.map((e, k) => (k === i ? rehashed(e) : e)) })).to.equal('EVENT_TAMPERED');
        // One event left out, another cursor, a batch meant for another node.
        expect(await receive({ ...b, events: b.events.slice(1) })).to.equal('EVENT_TAMPERED');
        expect(await receive({ ...b, next: b.next + 5 })).to.equal('EVENT_TAMPERED');
        const forTax = await pull(tax, 0, 1000);
        expect(await receive(forTax)).to.equal('EVENT_TAMPERED');
        // Signed by another key.
        const payload = verifyCompact(b.signature, hubKey);
        expect(await receive({ ...b, signature: signCompact(payload, city.ctx.keys.privateKey, 'sd-hub') })).to.equal('HEAD_SIGNATURE_INVALID');
        expect(await receive({ ...b, events: 'x' })).to.equal('BATCH_INVALID');
        expect({ ...(await snapshot(city)), cursor: await cursor() }).to.deep.equal(before);

        const got = await city.ctx.sync.down();
        expect(got.received).to.equal(b.events.length);
        expect((await cursor())?.cursor).to.equal(b.next);
        // The tax bureau's Jinan penalties and the list are records at the city now.
        expect((await db(city)('records').where({ origin: 'sd-tax' })).length).to.equal(3);
        expect(await city.ctx.sync.down()).to.deep.equal({ received: 0, batches: 1 });
      });
    });

    describe('revocation', () => {
      it('refuses the events of a revoked origin (NODE_REVOKED), also when relayed', async () => {
        await hub.ctx.directory.revoke('jinan-market');
        await market.ctx.records.ingest([penalty(4)]);
        const toCity = await call(city, market, 'POST', '/exchange/v1/up', { from: 'jinan-market', to: 'city-jinan', origins: [await runOf(market, 'jinan-market', 3)] });
        expect(toCity.body).to.deep.include({ applied: 1 });
        const before = await snapshot(hub);
        const relayed = await call(hub, city, 'POST', '/exchange/v1/up', { from: 'city-jinan', to: 'sd-hub', origins: [await runOf(city, 'jinan-market', 3)] });
        expect(relayed.status).to.equal(403);
        expect(relayed.body.error?.code).to.equal('NODE_REVOKED');
        expect(await snapshot(hub)).to.deep.equal(before);
        // Once the city has the hub's directory, its sync leaves the revoked chain out and the node's token is refused.
        expect((await city.ctx.sync.round({ up: true, down: false })).up).to.deep.equal({ sent: 0, batches: 0 });
        const refused = await call(city, market, 'GET', '/exchange/v1/heads');
        expect([refused.status, refused.body.error?.code]).to.deep.equal([403, 'NODE_REVOKED']);
      });
    });
  });
}
