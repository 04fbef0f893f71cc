import { expect } from 'chai';
import request from 'supertest';
import { backends, tempNode, type TempNode } from '../helpers/node.ts';
import { companyCode, penalty, personCode } from '../helpers/records.ts';
import { openApp, tokenFor } from './app.ts';
import { cliAsync } from '../helpers/cli.ts';

/** `credit-node clients …` in a child process, asynchronously (the test's node keeps serving its store meanwhile). */
async function clientsCli(args: string[]): Promise<{ status: number | null; stdout: string; json: Record<string, unknown> | undefined; stderr: string }> {
  const r = await cliAsync(['clients', ...args]);
  return { ...r, json: r.json !== null && typeof r.json === 'object' ? (r.json as Record<string, unknown>) : undefined };
}

for (const backend of backends()) {
  describe(`clients command on ${backend}`, function () {
    // Each command is a child process that loads the node afresh (a few seconds each).
    this.timeout(240_000);
    let node: TempNode;
    const cfg = () => ['--config', node.configFile];

    before(async () => {
      node = await tempNode({ backend });
      await node.ctx.records.ingest([penalty(1)]);
    });
    after(async () => { await node.cleanup(); });

    it('adds a client printing its secret once; list never shows it; the secret opens the API; revoke stops it', async () => {
      const PERSON = personCode(21);
      const add = await clientsCli(['add', ...cfg(), '--name', '山东某某征信有限公司', '--code', companyCode(8100, '370100'), '--datasets', 'administrative_penalty,administrative_license',
        '--fields', 'administrative_penalty.fineAmount', '--persons', '--quota', '500', '--rate', '30', '--purpose', '企业征信', '--expires', '2099-12-31',
        '--contact-name', '李经理', '--contact-phone', '0531-88888888']);
      expect(add.status, add.stderr).to.equal(0);
      expect(add.stderr).to.include('只显示这一次');
      const added = add.json as { clientId: string; clientSecret: string; datasets: unknown; monthlyQuota: number; persons: boolean; contact: unknown };
      expect(added.clientId).to.match(/^cl_/);
      expect(added.clientSecret).to.be.a('string');
      expect(added).to.deep.include({ monthlyQuota: 500, rateLimitPerMinute: 30, persons: true, contact: { name: '李经理', phone: '0531-88888888' } });
      expect(added.datasets).to.deep.equal([{ dataset: 'administrative_penalty', fields: ['fineAmount'] }, { dataset: 'administrative_license' }]);

      const list = await clientsCli(['list', ...cfg()]);
      expect(list.status, list.stderr).to.equal(0);
      expect((list.json as { clients: Array<{ clientId: string }> }).clients.map((c) => c.clientId)).to.include(added.clientId);
      expect(list.stdout).not.to.include(added.clientSecret).and.not.to.include('Secret').and.not.to.include('scrypt');

      const { app } = openApp(node.ctx);
      const auth = await tokenFor(app, added.clientId, added.clientSecret);
      const res = await request(app).get(`/open/v1/subjects/${companyCode(1)}`).set(auth).expect(200);
      expect(res.body.records[0].data).to.deep.equal({ fineAmount: 2 });

      const authorise = await clientsCli(['authorise', ...cfg(), '--id', added.clientId, '--subject', PERSON, '--datasets', 'administrative_penalty', '--expires', '2099-01-01', '--reference', 'SQ-1']);
      expect(authorise.status, authorise.stderr).to.equal(0);
      expect(authorise.json?.['authorisationId']).to.match(/^au_/);
      expect(authorise.stdout).not.to.include(PERSON);

      const usage = await clientsCli(['usage', ...cfg(), '--id', added.clientId]);
      expect(usage.status, usage.stderr).to.equal(0);
      expect((usage.json as { usage: Array<{ calls: number; records: number }> }).usage).to.deep.equal([{ clientId: added.clientId, month: (usage.json as { month: string }).month, calls: 1, records: 1, refusals: {}, monthlyQuota: 500, remaining: 499 }]);

      const revoke = await clientsCli(['revoke', ...cfg(), '--id', added.clientId]);
      expect(revoke.status, revoke.stderr).to.equal(0);
      expect(revoke.json?.['status']).to.equal('revoked');
      expect((await request(app).get(`/open/v1/subjects/${companyCode(1)}`).set(auth).expect(403)).body.error.code).to.equal('CLIENT_REVOKED');
      const again = await clientsCli(['revoke', ...cfg(), '--id', added.clientId]);
      expect(again.status).to.equal(1);

      const actions = await node.ctx.store.knex('audit_log').where({ target: added.clientId }).orderBy('seq').pluck('action');
      expect(actions).to.deep.equal(['client_add', 'open_token', 'open_query', 'client_status', 'open_query']);
    });

    it('reports bad usage with exit 2 and bad values with exit 1', async () => {
      expect((await clientsCli(['add', ...cfg(), '--name', 'x'])).status).to.equal(2);
      expect((await clientsCli(['frobnicate', ...cfg()])).status).to.equal(2);
      const bad = await clientsCli(['add', ...cfg(), '--name', '某机构', '--code', companyCode(8101, '370100'), '--datasets', 'no_such_dataset']);
      expect(bad.status).to.equal(1);
      expect(bad.stderr).to.include('no_such_dataset');
    });
  });
}
