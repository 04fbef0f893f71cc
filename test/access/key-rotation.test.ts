import { expect } from 'chai';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { tempNode, type TempNode } from '../helpers/node.ts';
import { penalty, personCode } from '../helpers/records.ts';
import { cli } from '../helpers/cli.ts';
import { PersonalIdVault, versionOf } from '../../node/access/personal-id.ts';
import { loadOrCreateSecret } from '../../node/access/secrets.ts';

describe('personal ID numbers at rest: key rotation', () => {
  let node: TempNode;
  const people = [personCode(1), personCode(2), personCode(3)];

  before(async () => {
    node = await tempNode();
    const res = await node.ctx.records.ingest(people.map((code, i) => ({ ...penalty(i + 1), subject: { type: 'natural_person', code, name: `测试人${i}` } })));
    expect(res.map((r) => r.status)).to.deep.equal(['created', 'created', 'created']);
    await node.ctx.close();
  });
  after(async () => { await node.cleanup(); });

  const ciphers = async (ctx: TempNode['ctx']) => (await ctx.store.knex('natural_persons').select('id_hash', 'id_cipher').orderBy('subject_id')) as Array<{ id_hash: string; id_cipher: string }>;

  it('re-seals every stored number under a new key version; events keep theirs and stay readable; lookups are unchanged', async () => {
    const first = cli(['keys', 'rotate-data', '--config', node.configFile]);
    expect(first.status, first.stderr).to.equal(0);
    expect(JSON.parse(first.stdout)).to.deep.equal({ version: 2, resealed: 3 });
    const keyFile = path.join(path.dirname(node.ctx.config.keys.dataKey), 'data-keys', '2.key');
    expect(existsSync(keyFile)).to.equal(true);
    expect(statSync(keyFile).mode & 0o777).to.equal(0o600);
    const second = cli(['keys', 'rotate-data', '--config', node.configFile]);
    expect(JSON.parse(second.stdout)).to.deep.equal({ version: 3, resealed: 3 });

    const dataKey = loadOrCreateSecret(node.ctx.config.keys.dataKey);
    const vault = PersonalIdVault.load(dataKey, node.ctx.config.keys.dataKey);
    expect(vault.currentVersion).to.equal(3);
    const { openNode } = await import('../../node/app.ts');
    const { pino } = await import('pino');
    const ctx = await openNode(node.ctx.config, { log: pino({ level: 'silent' }) });
    try {
      const rows = await ciphers(ctx);
      expect(rows.map((r) => versionOf(r.id_cipher))).to.deep.equal([3, 3, 3]);
      expect(rows.map((r) => vault.decrypt(r.id_cipher)).sort()).to.deep.equal([...people].sort());
      expect(rows.map((r) => r.id_hash).sort()).to.deep.equal(people.map((p) => vault.hash(p)).sort());
      // The events still carry version 1 ciphertexts (readable by every node of the province), and still verify.
      const bodies = (await ctx.store.knex('events').where({ kind: 'record' }).select('body')) as Array<{ body: string }>;
      for (const b of bodies) {
        const cipher = (JSON.parse(b.body) as { subject: { codeCipher: string } }).subject.codeCipher;
        expect(versionOf(cipher)).to.equal(1);
        expect(people).to.include(vault.decrypt(cipher));
      }
      expect((await ctx.eventLog.verify(ctx.store.knex)).ok).to.equal(true);
      // A person stored after the rotation is sealed with the current version at once.
      await ctx.records.ingest([{ ...penalty(9), subject: { type: 'natural_person', code: personCode(9), name: '测试人9' } }]);
      expect((await ciphers(ctx)).map((r) => versionOf(r.id_cipher))).to.deep.equal([3, 3, 3, 3]);
      // The rotations are in the audit trail.
      const { entries } = await ctx.audit.query({ action: ['key_rotate'] });
      expect(entries.map((e) => e.count)).to.deep.equal([3, 3]);
    } finally {
      await ctx.close();
    }
  });
});
