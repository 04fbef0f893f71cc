import { expect } from 'chai';
import request from 'supertest';
import { createApp } from '../../node/app.ts';
import { tempNode, type TempNode } from '../helpers/node.ts';

describe('the running node serves the third-party API and its description', () => {
  let node: TempNode;
  before(async () => { node = await tempNode(); });
  after(async () => { await node.cleanup(); });

  it('mounts /open/v1, /api/v1/clients and /openapi.json', async () => {
    const app = createApp(node.ctx);
    const refused = await request(app).post('/open/v1/token').send({ clientId: 'cl_nobody', clientSecret: 'x'.repeat(43) });
    expect(refused.status).to.equal(401);
    expect(refused.body.error.code).to.equal('CLIENT_CREDENTIALS_INVALID');
    await request(app).get('/open/v1/changes').expect(401);
    await request(app).get('/api/v1/clients').expect(401);
    const doc = await request(app).get('/openapi.json').expect(200);
    expect(doc.body.openapi).to.match(/^3\.1\./);
    expect(Object.keys(doc.body.paths)).to.include.members(['/open/v1/token', '/public/v1/objections']);
  });
});
