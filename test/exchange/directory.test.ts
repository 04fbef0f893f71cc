import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { backends, tempNode, type TempNode } from '../helpers/node.ts';
import { cli } from '../helpers/cli.ts';
import type { DirectoryService } from '../../node/exchange/directory.ts';

const pem = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
const codeOf = async (p: Promise<unknown>) => { try { await p; return 'none'; } catch (err) { return (err as { code?: string }).code; } };

for (const backend of backends()) {
  describe(`node directory on ${backend}`, () => {
    let node: TempNode;
    let dir: DirectoryService;
    beforeEach(async () => {
      node = await tempNode({ backend, id: 'city-jinan', role: 'city', region: '370100' });
      dir = node.ctx.directory;
    });
    afterEach(async () => { await node.cleanup(); });

    it('enrolls a child as a directory event of this node, and revokes it', async () => {
      const entry = await dir.enroll({ id: 'jinan-market', role: 'industry', name: '济南市市场监督管理局', region: '370100', sector: 'market', publicKeyPem: pem() });
      expect(entry).to.deep.include({ id: 'jinan-market', parent: 'city-jinan', status: 'active', sector: 'market' });
      expect(entry.fingerprint).to.match(/^[0-9a-f]{64}$/);
      expect(await dir.publicKeyOf('jinan-market')).not.to.equal(undefined);
      const events = await node.ctx.eventLog.eventsOf(node.ctx.store.knex, 'city-jinan');
      expect(events.map((e) => [e.kind, e.entityId, e.op])).to.deep.equal([['directory', 'jinan-market', 'enroll']]);

      await dir.revoke('jinan-market');
      expect(await dir.publicKeyOf('jinan-market')).to.equal(undefined);
      expect((await dir.list())[0]?.status).to.equal('revoked');
      expect((await node.ctx.eventLog.verify(node.ctx.store.knex)).ok).to.equal(true);
    });

    it('refuses a duplicate, a bad key, a role the parent may not enroll, and an unknown id to revoke', async () => {
      await dir.enroll({ id: 'jinan-market', role: 'industry', region: '370100', sector: 'market', publicKeyPem: pem() });
      expect(await codeOf(dir.enroll({ id: 'jinan-market', role: 'industry', region: '370100', sector: 'market', publicKeyPem: pem() }))).to.equal('CONFLICT');
      expect(await codeOf(dir.enroll({ id: 'x-node', role: 'industry', region: '370100', sector: 'tax', publicKeyPem: 'not a key' }))).to.equal('BAD_REQUEST');
      const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
      expect(await codeOf(dir.enroll({ id: 'x-node', role: 'industry', region: '370100', sector: 'tax', publicKeyPem: rsa }))).to.equal('BAD_REQUEST');
      expect(await codeOf(dir.enroll({ id: 'city-qingdao', role: 'city', region: '370200', publicKeyPem: pem() }))).to.equal('BAD_REQUEST');
      expect(await codeOf(dir.revoke('nobody'))).to.equal('NOT_FOUND');
      expect(await dir.list()).to.have.length(1);
    });
  });
}

describe('credit-node nodes', () => {
  let node: TempNode;
  before(async () => {
    node = await tempNode({ id: 'sd-hub', role: 'province', region: '370000' });
    await node.ctx.close();
  });
  after(async () => { await node.cleanup().catch(() => undefined); });

  it('add prints the directory entry, list shows it, revoke marks it revoked', () => {
    const keyFile = path.join(node.dir, 'child.pub');
    writeFileSync(keyFile, pem());
    const add = cli(['nodes', 'add', '--config', node.configFile, '--id', 'sd-tax', '--role', 'industry', '--region', '370000', '--sector', 'tax', '--name', '国家税务总局山东省税务局', '--public-key', keyFile]);
    expect(add.status, add.stderr).to.equal(0);
    expect(add.json).to.deep.include({ id: 'sd-tax', role: 'industry', parent: 'sd-hub', status: 'active', name: '国家税务总局山东省税务局' });
    const list = cli(['nodes', 'list', '--config', node.configFile]);
    expect((list.json as { nodes: Array<{ id: string }> }).nodes.map((n) => n.id)).to.deep.equal(['sd-tax']);
    const revoke = cli(['nodes', 'revoke', '--config', node.configFile, '--id', 'sd-tax']);
    expect(revoke.status, revoke.stderr).to.equal(0);
    expect((revoke.json as { status: string }).status).to.equal('revoked');
    expect(cli(['nodes', 'add', '--config', node.configFile, '--id', 'x']).status).to.equal(2);
  });
});
