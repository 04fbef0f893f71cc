import { expect } from 'chai';
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { once } from 'node:events';
import { Federation, waitFor } from '../helpers/federation.ts';
import { companyCode, penalty } from '../helpers/records.ts';
import { generateRecords } from '../../scripts/generate-data.ts';
import { signNodeToken } from '../../node/exchange/node-auth.ts';
import { signCompact } from '../../node/exchange/jws.ts';
import { canonicalize } from '../../node/exchange/canonical-json.ts';
import { eventHash, type EventKind } from '../../node/exchange/event-log.ts';
import type { OriginRun, WireEvent } from '../../node/exchange/batch.ts';
import { makeUscc } from '../../node/identity/index.ts';

type Wire = WireEvent & { bodyText: string };
interface Answer { status: number; code: string | undefined; body: Record<string, unknown> }
interface Alarm { id: number; code: string; peer: string | null; origin: string | null }
interface Snapshot { events: number; heads: Record<string, { seq: number; hash: string }> }

const penalties = (count: number, startIndex: number) =>
  generateRecords({ category: 'administrative_penalty', count, seed: 31, startIndex }) as Iterable<Record<string, unknown>>;

/** An event with a correct hash over its canonical body (what anyone can compute; only the origin can sign it). */
function wireEvent(e: { origin: string; seq: number; kind?: EventKind; entityId: string; op?: string; body: unknown; at?: string; prevHash: string }): Wire {
  const ev = { origin: e.origin, seq: e.seq, kind: e.kind ?? 'record', entityId: e.entityId, op: e.op ?? 'create', body: e.body, at: e.at ?? new Date().toISOString(), prevHash: e.prevHash };
  const bodyText = canonicalize(e.body);
  const { body: _b, ...rest } = ev;
  return { ...rest, bodyText, hash: eventHash(ev, bodyText) };
}

/** Re-hashes an event whose content was changed (keeping its link to the previous event). */
function rehash(e: Wire, body: unknown): Wire {
  return wireEvent({ origin: e.origin, seq: e.seq, kind: e.kind, entityId: e.entityId, op: e.op, body, at: e.at, prevHash: e.prevHash });
}

const headOf = (e: Wire, key: KeyObject, kid: string) => signCompact({ origin: e.origin, seq: e.seq, hash: e.hash, at: e.at }, key, kid);

/**
 * Every refusal of the exchange, each with its own code, with real nodes: the receiver's events and heads do
 * not move, and the refusals that mean forgery or alteration are alarms in `status`.
 */
describe('federation: refused batches', function () {
  this.timeout(180_000);
  let fed: Federation;
  let cityKey: KeyObject;
  let marketKey: KeyObject;

  before(async function () {
    this.timeout(120_000);
    fed = await Federation.create({ extraPorts: 1 });
    await fed.startAll();
    cityKey = createPrivateKey(readFileSync(fed.node('city-jinan').keyFile));
    marketKey = createPrivateKey(readFileSync(fed.node('jinan-market').keyFile));
    const tax = penalty(1, { externalId: '鲁税罚〔2026〕1号', subject: { type: 'legal_person', code: companyCode(1, '370202'), name: '青岛测试贸易有限公司1' }, sourceUnit: { code: makeUscc('1', '1', '370000', '00150013'), name: '国家税务总局山东省税务局' } });
    const [a, b] = await Promise.all([fed.importRecords('jinan-market', 'administrative_penalty', penalties(20, 0)), fed.importRecords('sd-tax', 'administrative_penalty', [tax])]);
    expect(a).to.include({ accepted: 20 });
    expect(b).to.include({ accepted: 1 });
    await fed.waitConverged({ timeoutMs: 60_000, expected: { 'jinan-market': 20, 'sd-tax': 1, 'city-jinan': 1, 'sd-hub': 2 } });
  });
  after(async () => { await fed?.destroy(); });

  const snapshot = (id: string): Snapshot => fed.read(id, (db) => ({
    events: Number(db.prepare('select count(*) from events').pluck().get()),
    heads: Object.fromEntries((db.prepare('select origin, seq, hash from heads').all() as Array<{ origin: string; seq: number; hash: string }>).map((h) => [h.origin, { seq: Number(h.seq), hash: h.hash }])),
  }));
  const alarms = (id: string): Alarm[] => fed.read(id, (db) => db.prepare('select id, code, peer, origin from alarms order by id').all() as Alarm[]);
  /** What `node` stores of `origin`'s chain in (after, upto], as a run with the origin's signed checkpoints. */
  const storedRun = (id: string, origin: string, after: number, upto: number): { events: Wire[]; heads: string[] } => fed.read(id, (db) => ({
    events: (db.prepare('select origin, seq, kind, entity_id as entityId, op, body as bodyText, at, prev_hash as prevHash, hash from events where origin = ? and seq > ? and seq <= ? order by seq').all(origin, after, upto) as Wire[]).map((e) => ({ ...e, seq: Number(e.seq) })),
    heads: (db.prepare('select signature from signed_heads where origin = ? and seq > ? and seq <= ? order by seq').pluck().all(origin, after, upto) as string[]),
  }));
  const token = (issuer: string, audience: string, key: KeyObject) => signNodeToken({ issuer, audience, privateKey: key, now: new Date() });

  async function postUp(to: string, bearer: string, batch: { from: string; to: string; origins: OriginRun[] }): Promise<Answer> {
    const res = await fetch(`${fed.node(to).url}/exchange/v1/up`, { method: 'POST', headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, body: JSON.stringify(batch) });
    const body = (await res.json()) as Record<string, unknown>;
    return { status: res.status, code: (body['error'] as { code?: string } | undefined)?.code, body };
  }

  /** Sends a batch to the hub as city-jinan and checks the refusal changed nothing there; returns the new alarms. */
  async function refusedAtHub(origins: OriginRun[], status: number, code: string): Promise<Alarm[]> {
    const before = snapshot('sd-hub');
    const seen = alarms('sd-hub').length;
    const a = await postUp('sd-hub', token('city-jinan', 'sd-hub', cityKey), { from: 'city-jinan', to: 'sd-hub', origins });
    expect({ status: a.status, code: a.code }, JSON.stringify(a.body)).to.deep.equal({ status, code });
    expect(snapshot('sd-hub')).to.deep.equal(before);
    return alarms('sd-hub').slice(seen);
  }

  it('a replayed node token: NODE_TOKEN_REPLAYED, the second time nothing is applied', async () => {
    const run = storedRun('city-jinan', 'city-jinan', 0, 1);
    const bearer = token('city-jinan', 'sd-hub', cityKey);
    const batch = { from: 'city-jinan', to: 'sd-hub', origins: [{ origin: 'city-jinan', ...run }] };
    const first = await postUp('sd-hub', bearer, batch);
    expect(first.status).to.equal(200);
    expect(first.body).to.deep.include({ applied: 0, skipped: 1 });
    const before = snapshot('sd-hub');
    const again = await postUp('sd-hub', bearer, batch);
    expect({ status: again.status, code: again.code }).to.deep.equal({ status: 401, code: 'NODE_TOKEN_REPLAYED' });
    expect(snapshot('sd-hub')).to.deep.equal(before);
  });

  it('an unknown node: NODE_UNKNOWN', async () => {
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const before = snapshot('sd-hub');
    const body = JSON.parse(storedRun('sd-tax', 'sd-tax', 0, 1).events[0]?.bodyText ?? '{}') as Record<string, unknown>;
    const forged = wireEvent({ origin: 'city-qingdao', seq: 1, entityId: String(body['id']), body, prevHash: '0'.repeat(64) });
    const a = await postUp('sd-hub', token('city-qingdao', 'sd-hub', stranger), { from: 'city-qingdao', to: 'sd-hub', origins: [{ origin: 'city-qingdao', events: [forged], heads: [headOf(forged, stranger, 'city-qingdao')] }] });
    expect({ status: a.status, code: a.code }).to.deep.equal({ status: 403, code: 'NODE_UNKNOWN' });
    expect(snapshot('sd-hub')).to.deep.equal(before);
  });

  it('a gap: SYNC_GAP 409 with the expected seq', async () => {
    const head = snapshot('sd-hub').heads['city-jinan'] as { seq: number; hash: string };
    const first = wireEvent({ origin: 'city-jinan', seq: head.seq + 2, kind: 'directory', entityId: 'jinan-market', op: 'enroll', body: { note: 'x' }, prevHash: 'f'.repeat(64) });
    const second = wireEvent({ origin: 'city-jinan', seq: head.seq + 3, kind: 'directory', entityId: 'jinan-market', op: 'enroll', body: { note: 'y' }, prevHash: first.hash });
    const before = snapshot('sd-hub');
    const a = await postUp('sd-hub', token('city-jinan', 'sd-hub', cityKey), { from: 'city-jinan', to: 'sd-hub', origins: [{ origin: 'city-jinan', events: [first, second], heads: [headOf(second, cityKey, 'city-jinan')] }] });
    expect({ status: a.status, code: a.code }).to.deep.equal({ status: 409, code: 'SYNC_GAP' });
    expect((a.body['error'] as { details: unknown }).details).to.deep.equal({ expected: [{ origin: 'city-jinan', seq: head.seq + 1 }] });
    expect(snapshot('sd-hub')).to.deep.equal(before);
    expect(alarms('sd-hub')).to.deep.equal([]);
  });

  it('a relay forging an event of another origin: ORIGIN_NOT_ALLOWED, alarmed', async () => {
    const taxHead = snapshot('sd-hub').heads['sd-tax'] as { seq: number; hash: string };
    const body: Record<string, unknown> = { ...(JSON.parse(storedRun('sd-tax', 'sd-tax', 0, 1).events[0]?.bodyText ?? '{}') as Record<string, unknown>), externalId: '鲁税罚〔2026〕999号' };
    const forged = wireEvent({ origin: 'sd-tax', seq: taxHead.seq + 1, entityId: String(body['id']), op: 'update', body, prevHash: taxHead.hash });
    const fresh = await refusedAtHub([{ origin: 'sd-tax', events: [forged], heads: [headOf(forged, cityKey, 'city-jinan')] }], 403, 'ORIGIN_NOT_ALLOWED');
    expect(fresh.map(({ code, peer, origin }) => ({ code, peer, origin }))).to.deep.equal([{ code: 'ORIGIN_NOT_ALLOWED', peer: 'city-jinan', origin: 'sd-tax' }]);
  });

  it('a relay altering and re-hashing its child\'s events cannot re-sign them: HEAD_SIGNATURE_INVALID or EVENT_TAMPERED, alarmed', async () => {
    // The city is down, so the industry node's new events are only at the industry node.
    await fed.kill('city-jinan');
    const hubHead = (snapshot('sd-hub').heads['jinan-market'] as { seq: number }).seq;
    expect(await fed.importRecords('jinan-market', 'administrative_penalty', penalties(5, 20))).to.include({ accepted: 5 });
    const genuine = storedRun('jinan-market', 'jinan-market', hubHead, hubHead + 5);
    expect(genuine.events.map((e) => e.seq)).to.deep.equal([1, 2, 3, 4, 5].map((i) => hubHead + i));
    const last = genuine.events[4] as Wire;
    const altered = rehash(last, { ...(JSON.parse(last.bodyText) as Record<string, unknown>), decisionDate: '2020-01-01' });
    const alteredEvents = [...genuine.events.slice(0, 4), altered];
    const sig = (id: string) => ({ code: id, peer: 'city-jinan', origin: 'jinan-market' });
    const pick = (list: Alarm[]) => list.map(({ code, peer, origin }) => ({ code, peer, origin }));

    // Re-hashed, with the origin's genuine checkpoint: the checkpoint names another hash.
    expect(pick(await refusedAtHub([{ origin: 'jinan-market', events: alteredEvents, heads: genuine.heads }], 422, 'EVENT_TAMPERED'))).to.deep.equal([sig('EVENT_TAMPERED')]);
    // Re-hashed and the checkpoint re-signed with the relay's own key.
    expect(pick(await refusedAtHub([{ origin: 'jinan-market', events: alteredEvents, heads: [headOf(altered, cityKey, 'city-jinan')] }], 422, 'HEAD_SIGNATURE_INVALID'))).to.deep.equal([sig('HEAD_SIGNATURE_INVALID')]);
    // Re-hashed with no checkpoint at all.
    expect(pick(await refusedAtHub([{ origin: 'jinan-market', events: alteredEvents, heads: [] }], 422, 'HEAD_SIGNATURE_INVALID'))).to.deep.equal([sig('HEAD_SIGNATURE_INVALID')]);
    // History rewritten: an event the hub already holds, altered and re-hashed (same seq, another hash).
    const old = storedRun('jinan-market', 'jinan-market', hubHead - 1, hubHead).events[0] as Wire;
    const rewritten = rehash(old, { ...(JSON.parse(old.bodyText) as Record<string, unknown>), decisionDate: '2020-01-01' });
    expect(pick(await refusedAtHub([{ origin: 'jinan-market', events: [rewritten], heads: [] }], 422, 'EVENT_TAMPERED'))).to.deep.equal([sig('EVENT_TAMPERED')]);

    // The same run untouched is taken: the refusals were for the alterations alone.
    const ok = await postUp('sd-hub', token('city-jinan', 'sd-hub', cityKey), { from: 'city-jinan', to: 'sd-hub', origins: [{ origin: 'jinan-market', ...genuine }] });
    expect(ok.status, JSON.stringify(ok.body)).to.equal(200);
    expect(ok.body).to.deep.include({ applied: 5, skipped: 0 });
    await fed.start('city-jinan');
    await fed.waitConverged({ timeoutMs: 60_000, expected: { 'jinan-market': 25, 'sd-tax': 1, 'city-jinan': 1, 'sd-hub': 2 } });
  });

  it('a batch altered in transit: EVENT_TAMPERED, alarmed; without the altering proxy the sync goes through', async () => {
    const city = fed.node('city-jinan');
    const market = fed.node('jinan-market');
    const answers: Array<{ status: number; code: string | undefined }> = [];
    // A proxy between jinan-market and city-jinan that changes one field of one event body in every up batch.
    const proxy = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void (async () => {
          let body: string | undefined = chunks.length ? Buffer.concat(chunks).toString('utf8') : undefined;
          // Batches of audit evidence alone (no event line) go through untouched.
          const tamper = req.method === 'POST' && req.url === '/exchange/v1/up' && body !== undefined && body.split('\n').length > 2;
          if (tamper && body !== undefined) {
            // Nodes send the line form: a run header line, then per event a header line and its body line.
            const lines = body.split('\n');
            for (let i = 1; i < lines.length;) {
              const n = (JSON.parse(lines[i] as string) as { events: number }).events;
              if (n > 0) {
                const at = i + 2 * n;
                const b = JSON.parse(lines[at] as string) as Record<string, unknown>;
                b['externalId'] = `${String(b['externalId'])}改`;
                lines[at] = canonicalize(b);
                break;
              }
              i += 1 + 2 * n;
            }
            body = lines.join('\n');
          }
          try {
            const headers: Record<string, string> = {};
            for (const h of ['authorization', 'content-type']) if (typeof req.headers[h] === 'string') headers[h] = req.headers[h];
            const r = await fetch(`${city.url}${req.url ?? '/'}`, { method: req.method ?? 'GET', headers, ...(body !== undefined ? { body } : {}) });
            const text = await r.text();
            if (tamper) {
              let code: string | undefined;
              try { code = (JSON.parse(text) as { error?: { code?: string } }).error?.code; } catch { code = undefined; }
              answers.push({ status: r.status, code });
            }
            res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json', date: r.headers.get('date') ?? new Date().toUTCString() });
            res.end(text);
          } catch {
            res.writeHead(502).end();
          }
        })();
      });
    });
    proxy.listen(fed.extraPort, '127.0.0.1');
    await once(proxy, 'listening');
    const original = readFileSync(market.configFile, 'utf8');
    try {
      const cfg = JSON.parse(original) as Record<string, unknown>;
      cfg['parentUrl'] = `http://127.0.0.1:${fed.extraPort}`;
      writeFileSync(market.configFile, JSON.stringify(cfg, null, 2));
      await fed.restart('jinan-market');

      const before = snapshot('city-jinan');
      const seen = alarms('city-jinan').length;
      expect(await fed.importRecords('jinan-market', 'administrative_penalty', penalties(5, 25))).to.include({ accepted: 5 });
      await waitFor(() => (answers.length >= 1 && alarms('city-jinan').length > seen ? true : undefined), {
        timeoutMs: 30_000, what: 'a tampered batch refused by city-jinan', explain: () => JSON.stringify({ answers, out: market.output.slice(-5) }),
      });
      const tampered = answers.slice();
      expect(tampered.length).to.be.at.least(1);
      for (const a of tampered) expect(a).to.deep.equal({ status: 422, code: 'EVENT_TAMPERED' });
      const after = snapshot('city-jinan');
      expect(after).to.deep.equal(before);
      const fresh = alarms('city-jinan').slice(seen);
      expect(fresh.length).to.be.at.least(1);
      for (const a of fresh) expect({ code: a.code, peer: a.peer, origin: a.origin }).to.deep.equal({ code: 'EVENT_TAMPERED', peer: 'jinan-market', origin: 'jinan-market' });
      const refusal = fed.read('jinan-market', (db) => db.prepare("select last_error from sync_state where peer = 'city-jinan' and direction = 'up'").pluck().get() as string | null);
      expect(refusal).to.contain('EVENT_TAMPERED');
      const status = await fed.status('city-jinan');
      expect(status.alarms[0]).to.deep.include({ code: 'EVENT_TAMPERED', peer: 'jinan-market', origin: 'jinan-market' });
    } finally {
      writeFileSync(market.configFile, original);
      await fed.restart('jinan-market');
      proxy.closeAllConnections();
      proxy.close();
    }
    await fed.waitConverged({ timeoutMs: 60_000, expected: { 'jinan-market': 30, 'sd-tax': 1, 'city-jinan': 1, 'sd-hub': 2 } });
  });

  it('a revoked node: its city refuses it with NODE_REVOKED, and after one sync round the hub refuses its events relayed', async () => {
    const revoke = await fed.cliAsync('city-jinan', ['nodes', 'revoke', '--id', 'jinan-market']);
    expect(revoke.status, revoke.stderr).to.equal(0);
    expect(revoke.json).to.deep.include({ id: 'jinan-market', status: 'revoked' });
    const cityBefore = snapshot('city-jinan');
    const marketHead = (snapshot('jinan-market').heads['jinan-market'] as { seq: number }).seq;
    const importedAt = new Date().toISOString();
    expect(await fed.importRecords('jinan-market', 'administrative_penalty', penalties(3, 30))).to.include({ accepted: 3 });
    const refusal = await waitFor(() => {
      const row = fed.read('jinan-market', (db) => db.prepare("select last_error, last_attempt from sync_state where peer = 'city-jinan' and direction = 'up'").get() as { last_error: string | null; last_attempt: string } | undefined);
      return row?.last_error && row.last_attempt > importedAt ? row.last_error : undefined;
    }, { timeoutMs: 30_000, what: 'jinan-market refused by its city', explain: () => fed.node('jinan-market').output.slice(-5).join('\n') });
    expect(refusal).to.contain('NODE_REVOKED');
    const cityAfter = snapshot('city-jinan');
    expect(cityAfter.heads['jinan-market']).to.deep.equal(cityBefore.heads['jinan-market']);

    // One round from the city carries the revocation (a directory event of its chain) to the hub.
    const round = await fed.cliAsync('city-jinan', ['sync', '--up']);
    expect(round.status, round.stderr).to.equal(0);
    expect(fed.read('sd-hub', (db) => db.prepare("select status from directory where id = 'jinan-market'").pluck().get())).to.equal('revoked');
    expect(snapshot('sd-hub').heads['city-jinan']).to.deep.equal(snapshot('city-jinan').heads['city-jinan']);

    // The industry node's events made after the revocation, relayed by the city with their genuine signatures.
    const run = storedRun('jinan-market', 'jinan-market', marketHead, marketHead + 3);
    expect(run.events).to.have.length(3);
    expect(await refusedAtHub([{ origin: 'jinan-market', ...run }], 403, 'NODE_REVOKED')).to.deep.equal([]);
    // And the node itself is refused at its city with its own token.
    const direct = await postUp('city-jinan', token('jinan-market', 'city-jinan', marketKey), { from: 'jinan-market', to: 'city-jinan', origins: [{ origin: 'jinan-market', ...run }] });
    expect({ status: direct.status, code: direct.code }).to.deep.equal({ status: 403, code: 'NODE_REVOKED' });
    expect(snapshot('city-jinan').heads['jinan-market']).to.deep.equal(cityBefore.heads['jinan-market']);

    // Alarms at the hub are exactly the forgeries and alterations above, as status shows them.
    const hub = await fed.status('sd-hub');
    expect(hub.alarms.map((a) => a.code).reverse()).to.deep.equal(['ORIGIN_NOT_ALLOWED', 'EVENT_TAMPERED', 'HEAD_SIGNATURE_INVALID', 'HEAD_SIGNATURE_INVALID', 'EVENT_TAMPERED']);
    expect(new Set(hub.alarms.map((a) => a.peer))).to.deep.equal(new Set(['city-jinan']));
  });
});
