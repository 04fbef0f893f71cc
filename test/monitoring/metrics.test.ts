import { Writable } from 'node:stream';
import { expect } from 'chai';
import request from 'supertest';
import express, { Router, type Express } from 'express';
import helmet from 'helmet';
import { pino, type Logger } from 'pino';
import { backends, fixedClock, tempNode, type TempNode } from '../helpers/node.ts';
import { JINAN_MARKET, penalty } from '../helpers/records.ts';
import { createApp, type NodeContext } from '../../node/app.ts';
import { createHttpApp } from '../../node/http/app.ts';
import { acceptRequestId } from '../../node/http/request-id.ts';
import { stateRepo } from '../../node/exchange/state-repo.ts';
import { ticketStats } from '../../node/disputes/escalation.ts';
import { carriesScrapeToken } from '../../node/monitoring/routes.ts';
import { initialConfig } from '../../node/cli/init.ts';
import { validateConfig } from '../../node/config/load.ts';
import { parsePrometheusText, valueOf, type Family } from './prom-text.ts';

const SCRAPE_TOKEN = 'scrape-9f86d081884c7d659a2feaa0c55ad015';

/** A logger writing JSON lines into an array, as the node writes them to stderr. */
function capturedLogger(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { log: pino<never>({ level: 'info', base: { node: 'test-node' } }, stream), lines };
}

function appWith(ctx: NodeContext, log: Logger, metrics: Partial<NodeContext['config']['metrics']> = {}): Express {
  return createApp({ ...ctx, log, config: { ...ctx.config, metrics: { ...ctx.config.metrics, token: SCRAPE_TOKEN, ...metrics } } });
}

describe('monitoring: GET /metrics and request logs', function () {
  this.timeout(120_000);

  for (const backend of backends()) {
    describe(backend, () => {
      const clock = fixedClock('2026-06-01T02:00:00Z');
      const at = '2026-06-01T01:59:00.000Z';
      let node: TempNode;
      let app: Express;
      let lines: Array<Record<string, unknown>>;
      const tokens: Record<string, string> = {};
      const auth = (u: string) => ({ Authorization: `Bearer ${tokens[u]}` });
      const scrape = async (): Promise<Map<string, Family>> => {
        const res = await request(app).get('/metrics').set('Authorization', `Bearer ${SCRAPE_TOKEN}`).expect(200);
        return parsePrometheusText(res.text);
      };

      before(async () => {
        node = await tempNode({ backend, clock });
        const captured = capturedLogger();
        lines = captured.lines;
        app = appWith(node.ctx, captured.log);
        const { ctx } = node;
        await ctx.users.add({ username: 'op1', role: 'operator', password: 'operator-pass-1' });
        await ctx.users.add({ username: 'officer1', role: 'officer', password: 'officer-pass-1' });
        await ctx.users.add({ username: 'clerk1', role: 'clerk', password: 'clerk-pass-1', sourceUnit: JINAN_MARKET.code });
        for (const [u, p] of [['op1', 'operator-pass-1'], ['officer1', 'officer-pass-1'], ['clerk1', 'clerk-pass-1']] as const) {
          tokens[u] = (await request(app).post('/api/v1/auth/token').send({ username: u, password: p }).expect(200)).body.token as string;
        }
        const results = await ctx.records.ingest([penalty(1), penalty(2), penalty(3)]);
        const first = results[0];
        const subjectCode = (penalty(1)['subject'] as { code: string }).code;
        await ctx.tickets.fileObjection({ recordId: first?.id as string, subjectCode, reason: 'wrong', description: '处罚决定书载明的罚款金额与公示的金额不一致。', claimant: { name: '王经理', phone: '0531-88886666' } });
        const db = ctx.store.knex;
        await stateRepo.put(db, 'jinan-city', 'child-up', at, { ok: true, lag: 0 });
        await stateRepo.put(db, 'national', 'up', at, { error: '无法连接上级节点', lag: 7 });
        await stateRepo.alarm(db, { at, code: 'EVENT_TAMPERED', peer: 'jinan-city', detail: '事件内容与哈希链不一致' });
      });
      after(async () => { await node.cleanup(); });

      it('refuses a scrape without credentials, with a wrong token and for an officer, as JSON errors', async () => {
        const none = await request(app).get('/metrics').expect(401);
        expect(none.body.error.code).to.equal('UNAUTHORIZED');
        const wrong = await request(app).get('/metrics').set('Authorization', `Bearer ${SCRAPE_TOKEN}x`).expect(401);
        expect(wrong.body.error.code).to.equal('UNAUTHORIZED');
        const officer = await request(app).get('/metrics').set(auth('officer1')).expect(403);
        expect(officer.body.error.code).to.equal('FORBIDDEN');
        // Without a scrape token in the config, the token is just another wrong bearer token.
        await request(appWith(node.ctx, pino({ level: 'silent' }), { token: undefined } as never)).get('/metrics').set('Authorization', `Bearer ${SCRAPE_TOKEN}`).expect(401);
        await request(appWith(node.ctx, pino({ level: 'silent' }), { enabled: false })).get('/metrics').set(auth('op1')).expect(404);
        expect(JSON.stringify(lines)).to.not.contain(SCRAPE_TOKEN);
      });

      it('answers an operator and the scrape token with Prometheus text whose counts equal the store', async () => {
        const res = await request(app).get('/metrics').set(auth('op1')).expect(200);
        expect(res.headers['content-type']).to.match(/^text\/plain; version=0\.0\.4/);
        const m = parsePrometheusText(res.text);
        for (const [name, type] of [
          ['credit_node_records', 'gauge'], ['credit_node_subjects', 'gauge'], ['credit_node_events_stored', 'gauge'], ['credit_node_head_seq', 'gauge'],
          ['credit_node_exchange_batches_total', 'counter'], ['credit_node_sync_lag_events', 'gauge'], ['credit_node_sync_last_success_timestamp_seconds', 'gauge'],
          ['credit_node_alarms', 'gauge'], ['credit_node_errors_total', 'counter'], ['credit_node_tickets', 'gauge'], ['credit_node_notifications', 'gauge'], ['credit_node_projection_pending', 'gauge'],
          ['credit_node_http_request_duration_seconds', 'histogram'], ['credit_node_process_cpu_user_seconds_total', 'counter'], ['credit_node_nodejs_heap_size_used_bytes', 'gauge'],
        ] as const) {
          expect(m.get(name)?.type, name).to.equal(type);
          expect(m.get(name)?.help, name).to.be.a('string').and.not.equal('');
        }
        const db = node.ctx.store.knex;
        const stored = (await db('records').select('category', 'publicity').count({ n: '*' }).groupBy('category', 'publicity')) as Array<{ category: string; publicity: string; n: number | string }>;
        expect(stored.length).to.be.greaterThan(0);
        for (const s of stored) expect(valueOf(m, 'credit_node_records', { category: s.category, publicity: s.publicity })).to.equal(Number(s.n));
        expect(valueOf(m, 'credit_node_records')).to.equal(3);
        expect(valueOf(m, 'credit_node_subjects', { type: 'legal_person' })).to.equal(3);
        const own = Number(((await db('events').where({ origin: 'test-node' }).count({ n: '*' }).first()) as { n: number | string }).n);
        expect(valueOf(m, 'credit_node_events_stored', { source: 'own' })).to.equal(own);
        expect(valueOf(m, 'credit_node_events_stored', { source: 'received' })).to.equal(0);
        expect(valueOf(m, 'credit_node_head_seq', { origin: 'test-node' })).to.equal((await node.ctx.eventLog.head(db))?.seq);
        expect(valueOf(m, 'credit_node_sync_lag_events', { peer: 'national', direction: 'up' })).to.equal(7);
        expect(valueOf(m, 'credit_node_sync_failing', { peer: 'national', direction: 'up' })).to.equal(1);
        expect(valueOf(m, 'credit_node_sync_failing', { peer: 'jinan-city', direction: 'child-up' })).to.equal(0);
        expect(valueOf(m, 'credit_node_sync_last_success_timestamp_seconds', { peer: 'jinan-city', direction: 'child-up' })).to.equal(Date.parse(at) / 1000);
        expect(valueOf(m, 'credit_node_sync_last_success_timestamp_seconds', { peer: 'national' })).to.equal(undefined);
        expect(valueOf(m, 'credit_node_alarms', { code: 'EVENT_TAMPERED' })).to.equal(1);
        expect(valueOf(m, 'credit_node_notifications', { status: 'pending' })).to.equal((await node.ctx.outbox.counts()).pending);
        expect(valueOf(m, 'credit_node_info', { node: 'test-node', role: 'province', region: '370000' })).to.equal(1);
        expect(valueOf(m, 'credit_node_projection_pending')).to.equal(await node.ctx.exchange.projectionPending());

        const byToken = await scrape();
        expect(valueOf(byToken, 'credit_node_records')).to.equal(3);
        // The same counts as `credit-node status` and GET /api/v1/tickets/stats.
        const tickets = await ticketStats(db, node.ctx.clock, new Map());
        expect(tickets.open).to.equal(1);
        expect(valueOf(m, 'credit_node_tickets', { state: 'open' })).to.equal(tickets.open);
        expect(valueOf(m, 'credit_node_tickets', { state: 'overdue' })).to.equal(tickets.overdue);
      });

      it('fills the latency histogram by route pattern and counts errors by code (404, 422)', async () => {
        const before = await scrape();
        const notFound = (c: Map<string, Family>) => valueOf(c, 'credit_node_errors_total', { code: 'NOT_FOUND' }) ?? 0;
        const invalid = (c: Map<string, Family>) => valueOf(c, 'credit_node_errors_total', { code: 'RECORD_INVALID' }) ?? 0;
        await request(app).get('/api/v1/records/r-does-not-exist-4711').set(auth('officer1')).expect(404);
        await request(app).post('/api/v1/records').set(auth('clerk1')).send(penalty(9, { decisionDate: '2026-13-01' })).expect(422);
        await request(app).get('/healthz').expect(200);
        const after = await scrape();
        expect(notFound(after) - notFound(before)).to.equal(1);
        expect(invalid(after) - invalid(before)).to.equal(1);
        const h = 'credit_node_http_request_duration_seconds';
        const get404 = { method: 'GET', route: '/api/v1/records/:id', status_class: '4xx' };
        expect(valueOf(after, h, { ...get404, le: '+Inf' }, `${h}_bucket`)).to.equal(1);
        expect(valueOf(after, h, get404, `${h}_count`)).to.equal(1);
        expect(valueOf(after, h, { ...get404, le: '0.005' }, `${h}_bucket`)).to.be.a('number');
        expect(valueOf(after, h, { method: 'POST', route: '/api/v1/records', status_class: '4xx' }, `${h}_count`)).to.equal(1);
        expect(valueOf(after, h, { method: 'GET', route: '/healthz', status_class: '2xx' }, `${h}_count`)).to.be.at.least(1);
        const routes = new Set(after.get(h)?.samples.map((s) => s.labels['route']));
        expect(routes.has('/metrics')).to.equal(true);
        for (const route of routes) expect(route, 'no identifiers in route labels').to.not.match(/4711|r-does-not-exist/);
      });

      it('labels an unmatched request by its mount prefix and counts exchange batches', async () => {
        const before = await scrape();
        await request(app).get('/exchange/v1/heads').expect(401);
        node.ctx.metrics.observeRequest({ method: 'POST', route: '/exchange/v1/up', status: 200, seconds: 0.02 });
        node.ctx.metrics.observeRequest({ method: 'POST', route: '/exchange/v1/up', status: 409, seconds: 0.01 });
        node.ctx.metrics.observeRequest({ method: 'GET', route: '/exchange/v1/down', status: 200, seconds: 0.01 });
        node.ctx.metrics.exchangeBatch('out', 'up', 120);
        node.ctx.metrics.exchangeBatch('in', 'down', 5);
        const after = await scrape();
        const h = 'credit_node_http_request_duration_seconds';
        expect(valueOf(after, h, { method: 'GET', route: '/exchange/v1/*', status_class: '4xx' }, `${h}_count`)).to.equal(1);
        const batches = (c: Map<string, Family>, way: string, direction: string) => valueOf(c, 'credit_node_exchange_batches_total', { way, direction }) ?? 0;
        expect(batches(after, 'in', 'up') - batches(before, 'in', 'up')).to.equal(1);
        expect(batches(after, 'out', 'down') - batches(before, 'out', 'down')).to.equal(1);
        expect(batches(after, 'out', 'up') - batches(before, 'out', 'up')).to.equal(1);
        expect(valueOf(after, 'credit_node_exchange_events_total', { way: 'out', direction: 'up' })).to.equal(120);
        expect(valueOf(after, 'credit_node_exchange_events_total', { way: 'in', direction: 'down' })).to.equal(5);
      });

      it('echoes X-Request-Id and logs every line of the request with it, without the query string', async () => {
        lines.length = 0;
        const res = await request(app).get('/api/v1/records/r-missing').query({ purpose: '370102198506121234', token: 'secret-token-value' }).set(auth('officer1')).set('X-Request-Id', 'trace-0001.a').expect(404);
        expect(res.headers['x-request-id']).to.equal('trace-0001.a');
        const access = lines.find((l) => l['msg'] === 'request' && l['reqId'] === 'trace-0001.a');
        expect(access).to.deep.include({ level: 30, node: 'test-node', method: 'GET', route: '/api/v1/records/:id', path: '/api/v1/records/r-missing', status: 404 });
        expect(access?.['ms']).to.be.a('number');
        const text = JSON.stringify(lines);
        expect(text).to.not.contain('?');
        expect(text).to.not.contain('370102198506121234');
        expect(text).to.not.contain('secret-token-value');

        // A path holding an ID number is logged masked; a request without an id (or with an unfit one) gets a new one.
        lines.length = 0;
        const masked = await request(app).get('/api/v1/subjects/370102198506121234').set('X-Request-Id', '3701021985061212345').expect(401);
        const generated = masked.headers['x-request-id'] as string;
        expect(generated).to.match(/^[0-9a-f-]{36}$/);
        const line = lines.find((l) => l['reqId'] === generated);
        expect(line?.['path']).to.equal('/api/v1/subjects/370102********1234');
        expect(JSON.stringify(lines)).to.not.contain('198506121');
      });

      it('answers from the counted store until countsCacheSeconds pass, then recounts without making a scrape wait', async () => {
        expect(valueOf(await scrape(), 'credit_node_records')).to.equal(3);
        await node.ctx.records.ingest([penalty(4)]);
        expect(valueOf(await scrape(), 'credit_node_records'), 'within the cache time').to.equal(3);
        clock.set('2026-06-01T02:01:01Z');
        const stale = await scrape();
        expect(valueOf(stale, 'credit_node_records'), 'the last counts while the recount runs').to.equal(3);
        expect(valueOf(stale, 'credit_node_store_counts_age_seconds')).to.be.at.least(60);
        let fresh: number | undefined;
        for (let i = 0; i < 100 && fresh !== 4; i++) {
          await new Promise((resolve) => setTimeout(resolve, 10));
          fresh = valueOf(await scrape(), 'credit_node_records');
        }
        expect(fresh).to.equal(4);
      });
    });
  }

  it('a server error carries its request id in the body and in the log line', async () => {
    const { log, lines } = capturedLogger();
    const r = Router();
    r.get('/boom', () => { throw new Error('select * from "natural_persons" where id_cipher = ...'); });
    const app = createHttpApp({ log, routers: [['/t', r]] });
    const res = await request(app).get('/t/boom').set('X-Request-Id', 'boom-1').expect(500);
    expect(res.body).to.deep.equal({ error: { code: 'INTERNAL', message: '服务器内部错误', details: [], requestId: 'boom-1' } });
    expect(lines.find((l) => l['msg'] === 'unexpected error')).to.deep.include({ reqId: 'boom-1', level: 50 });
    // Client errors keep the documented shape.
    const missing = await request(app).get('/t/nothing').expect(404);
    expect(Object.keys(missing.body.error).sort()).to.deep.equal(['code', 'details', 'message']);
  });

  it('every response carries the security headers helmet sets, the request id, and an access line without a logger made for it', async () => {
    const { log, lines } = capturedLogger();
    const r = Router();
    r.get('/ok/:id', (_req, res) => { res.json({ ok: true }); });
    r.get('/logs', (req, res) => { req.log?.warn({ n: 1 }, 'own line'); res.json({ ok: true }); });
    const app = createHttpApp({ log, routers: [['/t', r]] });
    const plain = express();
    plain.use(helmet());
    plain.get('/', (_req, res) => { res.json({}); });
    const expected = (await request(plain).get('/').expect(200)).headers;
    const helmetNames = Object.keys(expected).filter((h) => !['content-type', 'content-length', 'etag', 'date', 'connection', 'keep-alive'].includes(h));
    expect(helmetNames.length).to.be.at.least(10);
    for (const path of ['/t/ok/1', '/t/none']) {
      const res = await request(app).get(path).set('X-Request-Id', `h-${path.length}`);
      for (const h of helmetNames) expect(res.headers[h], `${path} ${h}`).to.equal(expected[h]);
      expect(res.headers['x-request-id']).to.equal(`h-${path.length}`);
      expect(res.headers['x-powered-by']).to.equal(undefined);
    }
    await request(app).get('/t/logs').set('X-Request-Id', 'own-1').expect(200);
    expect(lines.find((l) => l['msg'] === 'own line')).to.deep.include({ reqId: 'own-1', n: 1 });
    expect(lines.filter((l) => l['msg'] === 'request').map((l) => [l['reqId'], l['route'], l['status']])).to.deep.equal([
      ['h-7', '/t/ok/:id', 200], ['h-7', '/t/*', 404], ['own-1', '/t/logs', 200],
    ]);
  });

  it('accepts only short, plain request ids and compares the scrape token exactly', () => {
    expect(acceptRequestId('abc-123_x.y:z')).to.equal('abc-123_x.y:z');
    for (const bad of [undefined, '', 'a'.repeat(65), 'has space', 'ünï', 'x\ny', '370102198506121234']) expect(acceptRequestId(bad), String(bad)).to.equal(undefined);
    expect(carriesScrapeToken(`Bearer ${SCRAPE_TOKEN}`, SCRAPE_TOKEN)).to.equal(true);
    expect(carriesScrapeToken(`bearer ${SCRAPE_TOKEN}`, SCRAPE_TOKEN)).to.equal(true);
    expect(carriesScrapeToken(`Bearer ${SCRAPE_TOKEN.slice(0, -1)}`, SCRAPE_TOKEN)).to.equal(false);
    expect(carriesScrapeToken(SCRAPE_TOKEN, SCRAPE_TOKEN)).to.equal(false);
    expect(carriesScrapeToken(`Bearer ${SCRAPE_TOKEN}`, undefined)).to.equal(false);
  });

  it('validates the metrics config: a short scrape token is refused', () => {
    const raw = initialConfig({ id: 'n1', name: '测试节点', role: 'province', region: '370000', port: 0 });
    expect(validateConfig({ ...raw, metrics: { enabled: true, token: SCRAPE_TOKEN, countsCacheSeconds: 30 } })).to.deep.equal([]);
    expect(validateConfig({ ...raw, metrics: { token: 'short' } }).map((p) => p.path)).to.deep.equal(['/metrics/token']);
    expect(validateConfig({ ...raw, metrics: { extra: 1 } }).map((p) => p.path)).to.deep.equal(['/metrics/extra']);
  });
});
