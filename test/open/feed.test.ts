import { expect } from 'chai';
import request from 'supertest';
import type { Express } from 'express';
import { backends, fixedClock, tempNode, type TempNode } from '../helpers/node.ts';
import { companyCode, exampleData, penalty, personCode } from '../helpers/records.ts';
import { changeRecordStatus } from '../../node/records/status.ts';
import { decodeCursor, encodeCursor, type FeedItem } from '../../node/open/feed.ts';
import { openApp, openAudit, personPenalty, register, userAuth, type Auth, type TestClient } from './app.ts';

const START = '2026-06-01T02:00:00.000Z';

function license(n: number): Record<string, unknown> {
  return {
    category: 'administrative_license',
    externalId: `鲁济许〔2026〕${n}号`,
    subject: { type: 'legal_person', code: companyCode(n), name: `济南测试食品有限公司${n}` },
    sourceUnit: { code: '11370102004300318A', name: '济南市历下区行政审批服务局' },
    decisionDate: '2026-03-02',
    data: exampleData('administrative_license'),
  };
}

interface Page { items: FeedItem[]; next: string; hasMore: boolean }

for (const backend of backends()) {
  describe(`open changes feed on ${backend}`, () => {
    let node: TempNode;
    let app: Express;
    let op: Auth;
    const clock = fixedClock(START);
    const PERSON = personCode(11);
    const ids = new Map<string, string>();

    async function ingest(name: string, record: Record<string, unknown>): Promise<string> {
      const [r] = await node.ctx.records.ingest([record]);
      expect(r?.status, JSON.stringify(r)).to.be.oneOf(['created', 'updated']);
      ids.set(name, r?.id as string);
      return r?.id as string;
    }

    async function page(c: TestClient, query: string): Promise<Page> {
      const res = await request(app).get(`/open/v1/changes${query}`).set(c.auth);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      return res.body as Page;
    }

    before(async () => {
      node = await tempNode({ backend, clock });
      app = openApp(node.ctx).app;
      op = await userAuth(node.ctx, 'op1');
      await ingest('p1', penalty(1));
      await ingest('l1', license(1));
      await ingest('p2', penalty(2));
      await ingest('person', personPenalty(3, PERSON));
      await ingest('p3', penalty(3));
    });
    after(async () => { await node.cleanup(); });

    it('resumes exactly across pages while records arrive between them, and shows a revocation as remove', async () => {
      const c = await register(app, op, { datasets: ['administrative_penalty'] });
      const seen: FeedItem[] = [];
      let p = await page(c, '?limit=2');
      expect(p.items.map((i) => i.id)).to.deep.equal([ids.get('p1'), ids.get('p2')]);
      expect(p.hasMore).to.equal(true);
      seen.push(...p.items);
      // Changes arrive between pages: new records, a licence (not granted), a new version of a record already read.
      await ingest('p4', penalty(4));
      await ingest('l2', license(2));
      await ingest('p1v2', penalty(1, { severity: 'serious' }));
      await ingest('p5', penalty(5));
      for (;;) {
        p = await page(c, `?since=${p.next}&limit=2`);
        seen.push(...p.items);
        if (!p.hasMore && p.items.length === 0) break;
      }
      expect(seen.map((i) => [i.op, i.id, i.version])).to.deep.equal([
        ['upsert', ids.get('p1'), 1], ['upsert', ids.get('p2'), 1], ['remove', ids.get('person'), 1], ['upsert', ids.get('p3'), 1],
        ['upsert', ids.get('p4'), 1], ['upsert', ids.get('p1'), 2], ['upsert', ids.get('p5'), 1],
      ]);
      const positions = seen.map((i) => decodeCursor(i.cursor));
      expect(positions).to.deep.equal([...positions].sort((a, b) => a - b));
      expect(new Set(positions).size).to.equal(positions.length);
      // A natural person without authorisation: removed, and not named.
      expect(seen[2]).to.deep.equal({ cursor: seen[2]?.cursor, op: 'remove', id: ids.get('person'), category: 'administrative_penalty', subjectCode: null, version: 1 });
      const upsert = seen[0] as FeedItem;
      expect(upsert.subjectCode).to.equal(companyCode(1));
      expect(upsert.record).to.deep.include({ id: ids.get('p1'), category: 'administrative_penalty', status: 'active', publicity: 'public', version: 1 });
      expect(upsert.record?.data).not.to.have.property('idType');

      // Caught up: the same cursor again answers nothing new and stays put.
      const idle = await page(c, `?since=${p.next}`);
      expect(idle).to.deep.equal({ items: [], next: p.next, hasMore: false });

      // A revoked record goes out as remove, so a copy drops it.
      await node.ctx.store.knex.transaction((trx) => changeRecordStatus(trx, { eventLog: node.ctx.eventLog, nodeId: node.ctx.config.id }, ids.get('p2') as string, 'revoked', clock().toISOString()));
      const after = await page(c, `?since=${p.next}`);
      expect(after.items.map((i) => [i.op, i.id, i.version, i.subjectCode])).to.deep.equal([['remove', ids.get('p2'), 2, companyCode(2)]]);
      expect(after.items[0]).not.to.have.property('record');

      const audit = (await openAudit(node.ctx, c.clientId)).filter((a) => a.detail['endpoint'] === 'changes');
      expect(audit.length).to.be.greaterThan(3);
      expect(audit.every((a) => a.outcome === 'ok')).to.equal(true);
      const usage = await request(app).get(`/api/v1/clients/${c.clientId}/usage`).set(op).expect(200);
      expect(usage.body.records).to.equal(6);
      expect(usage.body.calls).to.equal(audit.length);
    });

    it('gives a natural person\'s records to a client with the person\'s authorisation, masked', async () => {
      const c = await register(app, op, { datasets: ['administrative_penalty'], persons: true });
      await request(app).post(`/api/v1/clients/${c.clientId}/authorisations`).set(op).send({ subject: PERSON, datasets: ['administrative_penalty'], expires: '2026-12-31' }).expect(201);
      const p = await page(c, '');
      const item = p.items.find((i) => i.id === ids.get('person'));
      expect(item).to.deep.include({ op: 'upsert', subjectCode: `${PERSON.slice(0, 6)}********${PERSON.slice(14)}` });
      expect(JSON.stringify(p)).not.to.include(PERSON);
    });

    it('narrows to the datasets asked for and refuses the rest; bad cursors and limits are a 400 naming the parameter', async () => {
      const c = await register(app, op, { datasets: ['administrative_penalty', 'administrative_license'] });
      const licences = await page(c, '?datasets=administrative_license');
      expect(licences.items.map((i) => i.id)).to.deep.equal([ids.get('l1'), ids.get('l2')]);
      const out = await request(app).get('/open/v1/changes?datasets=honor').set(c.auth).expect(403);
      expect(out.body.error.code).to.equal('OUT_OF_SCOPE');
      for (const since of ['abc', encodeCursor(3).slice(0, -1), Buffer.from('p1:007').toString('base64url'), '']) {
        const bad = await request(app).get(`/open/v1/changes?since=${since}`).set(c.auth).expect(400);
        expect(bad.body.error.details).to.deep.equal([{ path: 'since', message: '游标无效' }]);
      }
      const limit = await request(app).get('/open/v1/changes?limit=100000').set(c.auth).expect(400);
      expect(limit.body.error.details[0].path).to.equal('limit');
      expect((await openAudit(node.ctx, c.clientId)).map((a) => a.outcome)).to.deep.equal(['ok', 'OUT_OF_SCOPE', 'BAD_REQUEST', 'BAD_REQUEST', 'BAD_REQUEST', 'BAD_REQUEST', 'BAD_REQUEST']);
    });
  });
}
