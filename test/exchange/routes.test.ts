import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import request from 'supertest';
import type { Express } from 'express';
import { tempNode, fixedClock, type TempNode } from '../helpers/node.ts';
import { penalty } from '../helpers/records.ts';
import { createApp } from '../../node/app.ts';
import { signNodeToken } from '../../node/exchange/node-auth.ts';

describe('exchange routes: node authentication', () => {
  let node: TempNode;
  let app: Express;
  const clock = fixedClock('2026-06-01T02:00:00Z');
  const child = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const token = (issuer: string, key = child.privateKey) => signNodeToken({ issuer, audience: 'city-jinan', privateKey: key, now: clock() });

  before(async () => {
    node = await tempNode({ id: 'city-jinan', role: 'city', region: '370100', clock });
    app = createApp(node.ctx);
    await node.ctx.directory.enroll({ id: 'jinan-market', role: 'industry', region: '370100', sector: 'market', publicKeyPem: child.publicKey.export({ type: 'spki', format: 'pem' }).toString() });
    await node.ctx.records.ingest([penalty(1)]);
  });
  after(async () => { await node.cleanup(); });

  it('an enrolled child reads the heads; the same token again is a replay', async () => {
    const t = token('jinan-market');
    const res = await request(app).get('/exchange/v1/heads').set('Authorization', `Bearer ${t}`).expect(200);
    expect(res.body.heads).to.have.length(1);
    expect(res.body.heads[0]).to.deep.include({ origin: 'city-jinan', seq: 2 });
    expect(res.body.heads[0].signature).to.be.a('string');
    const again = await request(app).get('/exchange/v1/heads').set('Authorization', `Bearer ${t}`).expect(401);
    expect(again.body.error.code).to.equal('NODE_TOKEN_REPLAYED');
  });

  it('refuses no token, an unknown node, a key that is not the registered one, and a revoked node', async () => {
    expect((await request(app).get('/exchange/v1/heads').expect(401)).body.error.code).to.equal('NODE_TOKEN_INVALID');
    expect((await request(app).get('/exchange/v1/heads').set('Authorization', `Bearer ${token('city-qingdao', stranger.privateKey)}`).expect(403)).body.error.code).to.equal('NODE_UNKNOWN');
    expect((await request(app).get('/exchange/v1/heads').set('Authorization', `Bearer ${token('jinan-market', stranger.privateKey)}`).expect(401)).body.error.code).to.equal('NODE_TOKEN_INVALID');
    await node.ctx.directory.revoke('jinan-market');
    expect((await request(app).get('/exchange/v1/heads').set('Authorization', `Bearer ${token('jinan-market')}`).expect(403)).body.error.code).to.equal('NODE_REVOKED');
  });
});
