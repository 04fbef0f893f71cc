import { expect } from 'chai';
import { cli } from '../helpers/cli.ts';
import { tempNode, type TempNode } from '../helpers/node.ts';
import { penalty } from '../helpers/records.ts';

describe('CLI commands', () => {
  it('check-code prints one JSON line per code and exits 0 whatever the verdicts', () => {
    const r = cli(['check-code', '91371082775260043P', '911522010783762860', '91110000600037341N', '11010519491231002X', '360426199113010079', '12345']);
    expect(r.status, r.stderr).to.equal(0);
    const lines = r.lines as Array<{ code: string; valid: boolean; kind: string; subjectType: string | null; errors: Array<{ code: string; message: string }> }>;
    expect(lines).to.have.length(6);
    expect(lines[0]).to.deep.include({ code: '91371082775260043P', valid: true, kind: 'uscc', subjectType: 'legal_person' });
    expect(lines[1]).to.deep.include({ valid: true, kind: 'uscc' });
    expect(lines[2]?.valid).to.equal(false);
    expect(lines[2]?.errors[0]?.code).to.equal('USCC_CHECKSUM');
    expect(lines[2]?.errors[0]?.message).to.match(/[\u4e00-\u9fa5]/);
    expect(lines[3]).to.deep.include({ valid: true, kind: 'resident_id', subjectType: 'natural_person' });
    expect(lines[4]?.errors.map((e) => e.code)).to.include('ID_BIRTHDATE');
    expect(lines[5]?.valid).to.equal(false);
  });

  it('check-code takes the legacy allowance as an option', () => {
    const strict = cli(['check-code', '91350211M0000XUF46']);
    expect((strict.json as { valid: boolean }).valid).to.equal(false);
    const lenient = cli(['check-code', '--legacy', '91350211M0000XUF46', '91350211M0000XUF46']);
    expect((lenient.json as { valid: boolean }).valid).to.equal(true);
  });

  it('bad usage exits 2 with a message', () => {
    expect(cli(['check-code']).status).to.equal(2);
    expect(cli(['no-such-command']).status).to.equal(2);
    expect(cli(['import', '--nope']).status).to.equal(2);
  });

  describe('on a node', () => {
    let node: TempNode;
    before(async () => {
      node = await tempNode();
      await node.ctx.records.ingest([penalty(1), penalty(2)]);
      await node.ctx.close();
    });
    after(async () => { await node.cleanup().catch(() => undefined); });

    it('status reports counts and heads; verify passes, then names a tampered event', async () => {
      const status = cli(['status', '--config', node.configFile]);
      expect(status.status, status.stderr).to.equal(0);
      expect(status.json).to.deep.include({ id: 'test-node', role: 'province', region: '370000' });
      expect((status.json as { counts: Record<string, number> }).counts['records']).to.equal(2);
      expect((status.json as { heads: Record<string, number> }).heads).to.deep.equal({ 'test-node': 2 });
      const ok = cli(['verify', '--config', node.configFile]);
      expect(ok.status, ok.stderr).to.equal(0);
      expect((ok.json as { ok: boolean }).ok).to.equal(true);

      const Database = (await import('better-sqlite3')).default;
      const db = new Database((node.ctx.config.store as { file: string }).file);
      db.prepare("update events set body = replace(body, '济南测试食品有限公司2', '某某公司') where seq = 2").run();
      db.close();
      const bad = cli(['verify', '--config', node.configFile]);
      expect(bad.status).to.equal(1);
      expect(bad.stderr).to.match(/序号 2/);
    });

    it('users add reads the password from stdin, never echoes it, and refuses a short one', async () => {
      const r = cli(['users', 'add', '--config', node.configFile, '--username', 'officer9', '--role', 'officer', '--regions', '3701,3702', '--password-stdin'], { input: 'a-long-password\n' });
      expect(r.status, r.stderr).to.equal(0);
      expect(r.json).to.deep.include({ username: 'officer9', role: 'officer', regions: ['3701', '3702'] });
      expect(r.stdout).not.to.include('a-long-password');
      const short = cli(['users', 'add', '--config', node.configFile, '--username', 'x2', '--role', 'officer', '--password-stdin'], { input: 'short\n' });
      expect(short.status).to.equal(1);
      expect(short.stderr).to.include('密码');
    });
  });
});
