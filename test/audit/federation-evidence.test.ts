import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { freePorts, initFederation, type FederationNode } from '../../node/cli/federation.ts';
import { loadConfig } from '../../node/config/load.ts';
import { startNode, type RunningNode } from '../../node/app.ts';
import { AUDIT_GENESIS, entryHash } from '../../node/audit/audit-entry.ts';
import { entryOf, type AuditRow } from '../../node/audit/audit-repo.ts';
import { childHeads } from '../../node/audit/audit-log.ts';

/** Rewrites one entry of a node's audit log in its SQLite file and re-chains every later entry consistently. */
function rewriteHistory(file: string, seq: number, purpose: string): void {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    const rows = db.prepare('select * from audit_log where seq >= ? order by seq').all(seq) as AuditRow[];
    let prev = seq === 1 ? AUDIT_GENESIS : (db.prepare('select hash from audit_log where seq = ?').get(seq - 1) as { hash: string }).hash;
    const update = db.prepare('update audit_log set purpose = ?, prev_hash = ?, hash = ? where seq = ?');
    db.transaction(() => {
      for (const r of rows) {
        const e = entryOf(r);
        const p = Number(r.seq) === seq ? purpose : e.purpose;
        const { hash: _h, detail: _d, ...rest } = { ...e, purpose: p, prevHash: prev };
        const hash = entryHash(rest, r.detail);
        update.run(p, prev, hash, Number(r.seq));
        prev = hash;
      }
      // The signed heads that would betray the rewrite go too; the node signs new ones over the new history.
      db.prepare('delete from audit_signed_heads where seq >= ?').run(seq);
    })();
  } finally {
    db.close();
  }
}

describe('audit evidence travels up: the parent detects a child whose audit history was rewritten', function () {
  this.timeout(60_000);
  let dir: string;
  let made: FederationNode[];
  const running: Record<string, RunningNode> = {};
  const start = async (id: string) => {
    const n = made.find((m) => m.spec.id === id) as FederationNode;
    running[id] = await startNode(loadConfig(n.configFile, {}), { log: pino({ level: 'silent' }), schedule: false });
    return running[id] as RunningNode;
  };

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'credit-node-audit-fed-'));
    const [hub, city] = await freePorts(2);
    made = await initFederation(dir, [
      { id: 'sd-hub', name: '山东省公共信用信息平台', role: 'province', region: '370000', port: hub as number },
      { id: 'city-jinan', name: '济南市公共信用信息平台', role: 'city', region: '370100', parent: 'sd-hub', port: city as number },
    ], (cfg) => { cfg['log'] = { level: 'silent' }; });
    await start('sd-hub');
    await start('city-jinan');
  });
  after(async () => {
    for (const n of Object.values(running)) await n.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the child\'s signed audit head with every batch, and alarms when a later batch shows another history', async () => {
    const city = running['city-jinan'] as RunningNode;
    const hub = running['sd-hub'] as RunningNode;
    for (let i = 0; i < 5; i++) await city.ctx.access({ principal: null, action: 'query', subject: `91370102MA00000${i}X`, count: 1, purpose: '日常监管' });
    await city.ctx.sync.up();
    const held = (await childHeads(hub.ctx.store.knex)).find((h) => h.node === 'city-jinan');
    expect(held?.seq).to.be.at.least(5);
    const mine = (await city.ctx.audit.query({}, { limit: 500 })).entries.find((e) => e.seq === held?.seq);
    expect(mine?.hash).to.equal(held?.hash);

    // The city's operator rewrites entry 2 and re-chains the rest, then the city goes on working and syncing.
    await city.stop();
    rewriteHistory((loadConfig((made[1] as FederationNode).configFile, {}).store as { file: string }).file, 2, '（已改写）');
    const again = await start('city-jinan');
    await again.ctx.access({ principal: null, action: 'query', subject: '91370102MA000009X', count: 1, purpose: '日常监管' });
    await again.ctx.records.ingest([]);
    await again.ctx.sync.up();
    const alarms = (await hub.ctx.store.knex('alarms').where({ code: 'AUDIT_REWRITTEN' })) as Array<{ peer: string; detail: string }>;
    expect(alarms).to.have.length.at.least(1);
    expect(alarms[0]?.peer).to.equal('city-jinan');
    // The hub keeps the head the child signed before: the rewritten history is not taken as the child's.
    expect((await childHeads(hub.ctx.store.knex)).find((h) => h.node === 'city-jinan')?.hash).to.equal(held?.hash);
  });
});
