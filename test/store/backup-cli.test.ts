import { expect } from 'chai';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cli, cliAsync } from '../helpers/cli.ts';
import { tempNode, type TempNode } from '../helpers/node.ts';
import { penalty } from '../helpers/records.ts';

describe('CLI backup and restore', () => {
  let node: TempNode;
  let twin: string;
  beforeEach(async () => {
    node = await tempNode({ id: 'qd-tax', role: 'industry', region: '370200', sector: 'tax' });
    twin = mkdtempSync(path.join(tmpdir(), 'credit-node-twin-'));
  });
  afterEach(async () => {
    await node.cleanup();
    rmSync(twin, { recursive: true, force: true });
  });

  it('backs up a node that keeps writing, restores into an empty node dir with the same config and keys, and verify passes', async () => {
    await node.ctx.records.ingest([penalty(1), penalty(2), penalty(3)]);
    const out = path.join(node.dir, 'qd-tax.tar');
    let stop = false;
    let n = 10;
    const writer = (async () => {
      while (!stop) {
        await node.ctx.records.ingest([penalty(n++)]);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const backup = await cliAsync(['backup', '--config', node.configFile, '--out', out]);
    stop = true;
    await writer;
    expect(backup.status, backup.stderr).to.equal(0);
    const result = backup.json as { file: string; bytes: number; manifest: { counts: Record<string, number>; heads: Record<string, { seq: number }>; store: { sha256: string } } };
    expect(result.file).to.equal(out);
    expect(result.bytes).to.equal(readFileSync(out).length);
    expect(result.manifest.counts['records']).to.be.at.least(3);
    expect(backup.stderr).to.match(/备份完成/);

    cpSync(path.join(node.dir, 'keys'), path.join(twin, 'keys'), { recursive: true });
    cpSync(node.configFile, path.join(twin, 'credit-node.json'));
    const config = path.join(twin, 'credit-node.json');
    const restore = cli(['restore', '--config', config, '--from', out]);
    expect(restore.status, restore.stderr).to.equal(0);
    expect(restore.json).to.deep.equal({ restored: true, manifest: result.manifest });
    const verify = cli(['verify', '--config', config]);
    expect(verify.status, verify.stderr).to.equal(0);
    expect((verify.json as { ok: boolean; chains: Record<string, number> }).chains).to.deep.equal({ 'qd-tax': result.manifest.heads['qd-tax']?.seq });
    const status = cli(['status', '--config', config]);
    expect((status.json as { counts: Record<string, number> }).counts['records']).to.equal(result.manifest.counts['records']);

    // Once restored (and the restore recorded in its audit trail), the store is no longer empty.
    const again = cli(['restore', '--config', config, '--from', out]);
    expect(again.status).to.equal(1);
    expect(again.stderr).to.include('存储中已有数据，拒绝覆盖').and.to.include(path.join(twin, 'data', 'credit-node.sqlite'));
  });

  it('refuses a damaged file, missing keys and bad usage with a clear message', async () => {
    await node.ctx.records.ingest([penalty(1)]);
    // Without --out: into backup.dir (backups/ beside the config), named after the node and the time.
    const backup = cli(['backup', '--config', node.configFile]);
    expect(backup.status, backup.stderr).to.equal(0);
    const file = (backup.json as { file: string }).file;
    expect(path.dirname(file)).to.equal(path.join(node.dir, 'backups'));
    expect(readdirSync(path.join(node.dir, 'backups'))).to.deep.equal([path.basename(file)]);
    expect(path.basename(file)).to.match(/^qd-tax-\d{8}T\d{6}\.\d{3}Z\.tar$/);

    cpSync(node.configFile, path.join(twin, 'credit-node.json'));
    const config = path.join(twin, 'credit-node.json');
    const noKeys = cli(['restore', '--config', config, '--from', file]);
    expect(noKeys.status).to.equal(1);
    expect(noKeys.stderr).to.match(/(私钥|密钥)文件不存在.*备份不含密钥/);

    cpSync(path.join(node.dir, 'keys'), path.join(twin, 'keys'), { recursive: true });
    const bytes = readFileSync(file);
    bytes[700] = (bytes[700] as number) ^ 0xff;
    const damaged = path.join(twin, 'damaged.tar');
    writeFileSync(damaged, bytes);
    const refused = cli(['restore', '--config', config, '--from', damaged]);
    expect(refused.status).to.equal(1);
    expect(refused.stderr).to.match(/^错误：备份文件已损坏或不完整，拒绝恢复/m).and.to.include('摘要与清单不符');
    expect(readdirSync(twin).sort()).to.deep.equal(['credit-node.json', 'damaged.tar', 'keys']);

    expect(cli(['restore', '--config', config]).status).to.equal(2);
    expect(cli(['backup', '--config', node.configFile, '--out', file]).stderr).to.match(/备份文件已存在，不会覆盖/);
  });
});
