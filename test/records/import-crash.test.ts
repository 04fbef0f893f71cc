import { expect } from 'chai';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { cli, cliSpawn } from '../helpers/cli.ts';
import { tempNode, type TempNode } from '../helpers/node.ts';
import { penalty } from '../helpers/records.ts';
import { loadConfig } from '../../node/config/load.ts';
import { openNode } from '../../node/app.ts';
import { pino } from 'pino';

describe('bulk import survives kill -9', () => {
  let node: TempNode;
  const N = 20_000;
  let file: string;

  before(async () => {
    node = await tempNode();
    await node.ctx.close();
    file = path.join(node.dir, 'penalties.jsonl');
    const out = createWriteStream(file);
    for (let i = 1; i <= N; i++) {
      const { category: _c, ...rec } = penalty(i);
      if (!out.write(`${JSON.stringify(rec)}\n`)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
  });
  after(async () => { await node.cleanup().catch(() => undefined); });

  it('a re-run after the kill completes the file with nothing lost and nothing duplicated', async () => {
    const child = cliSpawn(['import', '--config', node.configFile, '--category', 'administrative_penalty', '--file', file, '--no-progress']);
    // Kill it once some batches are committed (the store file has grown), mid-file.
    const config = loadConfig(node.configFile, {});
    const started = Date.now();
    let committed = 0;
    while (Date.now() - started < 60_000) {
      await new Promise((r) => setTimeout(r, 200));
      const ctx = await openNode(config, { log: pino({ level: 'silent' }) });
      committed = Number(((await ctx.store.knex('records').count({ n: '*' }).first()) as { n: number | string }).n);
      await ctx.close();
      if (committed > 0) break;
    }
    child.kill('SIGKILL');
    await once(child, 'close');
    expect(committed).to.be.greaterThan(0);

    const again = cli(['import', '--config', node.configFile, '--category', 'administrative_penalty', '--file', file, '--no-progress']);
    expect(again.status, again.stderr).to.equal(0);
    const summary = again.json as { accepted: number; unchanged: number; updated: number; rejected: number };
    expect(summary.rejected).to.equal(0);
    expect(summary.updated).to.equal(0);
    expect(summary.accepted + summary.unchanged).to.equal(N);
    expect(summary.unchanged).to.be.greaterThan(0);

    const ctx = await openNode(config, { log: pino({ level: 'silent' }) });
    try {
      const count = async (t: string) => Number(((await ctx.store.knex(t).count({ n: '*' }).first()) as { n: number | string }).n);
      expect(await count('records')).to.equal(N);
      expect(await count('events')).to.equal(N);
      expect(await count('record_versions')).to.equal(0);
      const verify = await ctx.eventLog.verify(ctx.store.knex);
      expect(verify.ok).to.equal(true);
      expect(verify.origins['test-node']).to.equal(N);
    } finally {
      await ctx.close();
    }
  });
});
