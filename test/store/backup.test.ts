import { expect } from 'chai';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import knexFactory from 'knex';
import { pino } from 'pino';
import { backends, createPgSchemas, fixedClock, PG_URL, tempNode, type Backend, type TempNode } from '../helpers/node.ts';
import { penalty, personCode } from '../helpers/records.ts';
import { loadConfig, validateConfig } from '../../node/config/load.ts';
import type { Config } from '../../node/config/types.ts';
import { openNode, startNode, type NodeContext } from '../../node/app.ts';
import { openStore } from '../../node/store/connection.ts';
import { migrateLatest } from '../../node/store/migrate.ts';
import { SYSTEM_PRINCIPAL } from '../../node/access/roles.ts';
import { backupNode, backupToDir, startBackupSchedule } from '../../node/store/backup-schedule.ts';
import { restoreBackup } from '../../node/store/backup-restore.ts';
import { summarizeStore } from '../../node/store/backup-summary.ts';
import { backupsOf } from '../../node/store/backup-manifest.ts';
import { findPgTool } from '../../node/store/backup-pg.ts';
import { finishArchive } from '../../node/store/backup-file.ts';
import { signCompact } from '../../node/exchange/jws.ts';
import { restoreTarget } from '../../node/cli/restore.ts';
import type { CreditNodeError } from '../../node/errors.ts';

const quiet = pino({ level: 'silent' });

/** A second node dir with the source's config and keys (on PostgreSQL its own schema); its store fresh or absent. */
async function twin(src: TempNode, backend: Backend, opts: { fresh: boolean }): Promise<{ dir: string; configFile: string; config: Config; cleanup(): Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'credit-node-restore-'));
  cpSync(path.join(src.dir, 'keys'), path.join(dir, 'keys'), { recursive: true });
  const raw = JSON.parse(readFileSync(src.configFile, 'utf8')) as Record<string, unknown>;
  let schema: string | undefined;
  if (backend === 'pg') {
    schema = opts.fresh ? (await createPgSchemas(['twin'])).get('twin') : `t_${randomBytes(6).toString('hex')}`;
    raw['store'] = { ...(raw['store'] as object), schema };
  }
  const configFile = path.join(dir, 'credit-node.json');
  writeFileSync(configFile, JSON.stringify(raw, null, 2));
  const config = loadConfig(configFile, {});
  if (opts.fresh) {
    // As `init` leaves it: the schema migrated, nothing written.
    const store = openStore(config.store);
    await migrateLatest(store);
    await store.close();
  }
  return {
    dir, configFile, config,
    async cleanup() {
      if (schema) {
        const admin = knexFactory({ client: 'pg', connection: PG_URL ?? '' });
        await admin.raw(`drop schema if exists ${schema} cascade`);
        await admin.destroy();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function refusal(p: Promise<unknown>): Promise<CreditNodeError> {
  try {
    await p;
  } catch (err) {
    return err as CreditNodeError;
  }
  throw new Error('expected a refusal');
}

/** Everything in a directory tree, as relative paths. */
const listing = (dir: string): string[] => (existsSync(dir) ? (readdirSync(dir, { recursive: true }) as string[]).sort() : []);

for (const backend of backends()) {
  describe(`backup and restore on ${backend}`, function () {
    let src: TempNode;
    const work = mkdtempSync(path.join(tmpdir(), 'credit-node-backups-'));

    before(function () {
      if (backend === 'pg' && !findPgTool('pg_dump')) this.skip();
    });
    beforeEach(async () => { src = await tempNode({ backend, id: 'jn-market', role: 'industry', region: '370100', sector: 'market' }); });
    afterEach(async () => { await src.cleanup(); });
    after(() => rmSync(work, { recursive: true, force: true }));

    it('backs up while records keep being written, and the restore drill gets back what was acknowledged, verified', async () => {
      const person = personCode(5);
      const seeded = await src.ctx.records.ingest([penalty(1), penalty(2, { subject: { type: 'natural_person', code: person, name: '张三明' } })]);
      const acknowledged: string[] = seeded.map((r) => r.id as string);
      let stop = false;
      let n = 100;
      const writer = (async () => {
        while (!stop) {
          const [r] = await src.ctx.records.ingest([penalty(n++)]);
          if (r?.id) acknowledged.push(r.id);
          // Let timers and I/O in between, as requests would on a serving node.
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      while (acknowledged.length < 7) await new Promise((r) => setTimeout(r, 10));
      const before = [...acknowledged];
      const out = path.join(work, `drill-${backend}.tar`);
      const result = await backupNode(src.ctx, out);
      const during = acknowledged.length - before.length;
      stop = true;
      await writer;
      expect(during, 'records written while the backup ran').to.be.greaterThan(0);
      expect(result.file).to.equal(out);
      expect(result.bytes).to.equal(readFileSync(out).length);
      const m = result.manifest;
      expect(m.node).to.include({ id: 'jn-market', role: 'industry', keyFingerprint: src.ctx.keys.fingerprint });
      expect(m.store.client).to.equal(backend);
      expect(m.counts.records).to.be.at.least(before.length);
      expect(m.counts.events).to.equal(m.heads['jn-market']?.seq);
      // The backup was recorded in the source's audit trail.
      const exported = await src.ctx.audit.query({ action: 'export' });
      expect(exported.entries[0]?.target).to.equal(path.basename(out));

      const target = await twin(src, backend, { fresh: true });
      try {
        const restored = await restoreBackup(restoreTarget(target.config), out);
        expect(restored.manifest).to.deep.equal(m);
        const ctx: NodeContext = await openNode(target.config, { log: quiet });
        try {
          const summary = await summarizeStore(ctx.store.knex, ctx.eventLog);
          expect(summary.heads).to.deep.equal(m.heads);
          expect(summary.counts).to.deep.equal(m.counts);
          expect(summary.audit).to.deep.equal(m.audit);
          // What `credit-node verify` checks: every chain, checkpoint and head signature, and the audit trail.
          const chains = await ctx.eventLog.verify(ctx.store.knex, async (o) => (await ctx.directory.lookup(o))?.key);
          expect(chains.ok, JSON.stringify(chains.broken)).to.equal(true);
          expect((await ctx.audit.verify(ctx.keys.publicKey)).ok).to.equal(true);
          // Every record acknowledged before the backup started is there, and only records that were written.
          const ids = new Set(((await ctx.store.knex('records').select('id')) as Array<{ id: string }>).map((r) => r.id));
          for (const id of before) expect(ids.has(id), id).to.equal(true);
          expect(ids.size).to.equal(m.counts.records);
          for (const id of ids) expect(acknowledged.includes(id), id).to.equal(true);
          expect((await ctx.records.get(before[3] as string, SYSTEM_PRINCIPAL)).version).to.equal(1);
          // Personal ID numbers open with the same data key.
          const found = await ctx.records.subjectWithRecords(ctx.vault.hash(person), SYSTEM_PRINCIPAL);
          expect(found?.subject.name).to.equal('张三明');
          expect(found?.records).to.have.length(1);
        } finally {
          await ctx.close();
        }
      } finally {
        await target.cleanup();
      }
    });

    it('refuses a tampered or truncated backup and leaves the target as it was', async () => {
      await src.ctx.records.ingest([penalty(1), penalty(2), penalty(3)]);
      const good = path.join(work, `good-${backend}.tar`);
      const { manifest } = await backupNode(src.ctx, good);
      const bytes = readFileSync(good);
      const target = await twin(src, backend, { fresh: false });
      try {
        const before = listing(target.dir);
        const cases: Array<[string, Buffer, RegExp]> = [];
        const flipped = Buffer.from(bytes);
        const at = 512 + Math.floor(manifest.store.bytes / 2);
        flipped[at] = (flipped[at] as number) ^ 0x01;
        cases.push(['one byte of the store changed', flipped, /摘要与清单不符/]);
        const inManifest = Buffer.from(bytes);
        const where = inManifest.indexOf(Buffer.from(`"records": ${manifest.counts.records}`));
        inManifest[where + 11] = 0x39;
        cases.push(['one byte of the manifest changed', inManifest, /签名无效/]);
        cases.push(['cut in the middle', bytes.subarray(0, Math.floor(bytes.length / 2)), /截断/]);
        cases.push(['cut at the end', bytes.subarray(0, bytes.length - 100), /截断|结尾/]);
        for (const [what, content, message] of cases) {
          const file = path.join(work, `bad-${backend}.tar`);
          writeFileSync(file, content);
          const err = await refusal(restoreBackup(restoreTarget(target.config), file));
          expect(err.code, what).to.equal('BAD_REQUEST');
          expect(err.message, what).to.match(message).and.to.include(file);
          expect(listing(target.dir), what).to.deep.equal(before);
        }
        // A well-formed, signed backup whose store copy is cut short (written by someone holding the key): the
        // import or the check against the manifest fails, and nothing of it stays.
        const plain = gunzipSync(bytes.subarray(512, 512 + manifest.store.bytes));
        const cut = gzipSync(plain.subarray(0, Math.floor(plain.length * 0.6)));
        const resigned = { ...manifest, store: { ...manifest.store, bytes: cut.length, sha256: createHash('sha256').update(cut).digest('hex') } };
        const forged = path.join(work, `forged-${backend}.tar`);
        writeFileSync(forged, Buffer.concat([Buffer.alloc(512), cut]));
        await finishArchive(forged, { name: manifest.store.entry, size: cut.length }, JSON.stringify({ ...resigned, signature: signCompact(resigned, src.ctx.keys.privateKey, 'jn-market') }), new Date());
        const broken = await refusal(restoreBackup(restoreTarget(target.config), forged));
        expect(broken.message).to.match(/导入失败|与清单不符|完整性检查未通过|无法解压/);
        expect(listing(target.dir)).to.deep.equal(before);
        truncateSync(path.join(work, `bad-${backend}.tar`), 0);
        expect((await refusal(restoreBackup(restoreTarget(target.config), path.join(work, `bad-${backend}.tar`)))).message).to.match(/截断/);
        if (backend === 'pg') {
          const admin = knexFactory({ client: 'pg', connection: PG_URL ?? '' });
          try {
            const schemas = (await admin.raw(`select nspname from pg_namespace where nspname like 'credit_restore_%'`)) as { rows: unknown[] };
            expect(schemas.rows).to.deep.equal([]);
          } finally {
            await admin.destroy();
          }
        }
      } finally {
        await target.cleanup();
      }
    });

    it('refuses to restore into a store that holds data, naming it', async () => {
      await src.ctx.records.ingest([penalty(1)]);
      const file = path.join(work, `busy-${backend}.tar`);
      await backupNode(src.ctx, file);
      const err = await refusal(restoreBackup(restoreTarget(src.ctx.config), file));
      expect(err.code).to.equal('CONFLICT');
      expect(err.message).to.match(/存储中已有数据，拒绝覆盖/);
      const store = src.ctx.config.store;
      expect(err.message).to.include(store.client === 'sqlite' ? store.file : `PostgreSQL 模式 ${store.schema ?? ''}`);
      // Another node's backup is refused too.
      const other = await tempNode({ backend, id: 'other-node' });
      try {
        const err2 = await refusal(restoreBackup(restoreTarget(other.ctx.config), file));
        expect(err2.message).to.match(/备份来自节点 jn-market/);
      } finally {
        await other.cleanup();
      }
      // The disk (or the schema) is lost: the same node restores into the place it came from.
      const heads = await src.ctx.eventLog.heads(src.ctx.store.knex);
      await src.ctx.close();
      if (store.client === 'sqlite') {
        rmSync(path.dirname(store.file), { recursive: true, force: true });
      } else {
        const admin = knexFactory({ client: 'pg', connection: PG_URL ?? '' });
        await admin.raw(`drop schema ${store.schema ?? 'public'} cascade`);
        await admin.destroy();
      }
      await restoreBackup(restoreTarget(src.ctx.config), file);
      const again = await openNode(src.ctx.config, { log: quiet });
      try {
        expect((await again.eventLog.heads(again.store.knex)).map((h) => h.hash)).to.deep.equal(heads.map((h) => h.hash));
        expect((await again.eventLog.verify(again.store.knex)).ok).to.equal(true);
      } finally {
        await again.close();
      }
    });

    it('keeps exactly backup.keep scheduled backups, oldest deleted first', async () => {
      const clock = fixedClock('2026-03-02T01:30:00Z');
      const dir = path.join(work, `kept-${backend}`);
      writeFileSync(path.join(work, 'unrelated.tar'), 'x');
      const node = { ...src.ctx, clock };
      const names: string[] = [];
      for (let i = 0; i < 4; i++) {
        clock.set(`2026-03-0${2 + i}T01:30:00Z`);
        const r = await backupToDir(node, dir, 2);
        names.push(path.basename(r.file));
      }
      expect(names[0]).to.equal('jn-market-20260302T013000.000Z.tar');
      expect(readdirSync(dir).sort()).to.deep.equal(names.slice(2));
      // The schedule writes the first one shortly after start (none is younger than a day) into backup.dir.
      clock.set('2026-03-09T01:30:00Z');
      const scheduled = startBackupSchedule({ ...node, config: { ...src.ctx.config, backup: { dir, keep: 2 } } }, '0 30 3 * * *', { startDelayMs: 1 });
      const first = await new Promise<unknown>((resolve) => { setTimeout(() => resolve(scheduled.run()), 50); });
      await scheduled.stop();
      expect(first).to.not.equal(undefined);
      expect(backupsOf('jn-market', readdirSync(dir))).to.deep.equal([names[3], 'jn-market-20260309T013000.000Z.tar']);
    });

    it('a running node backs itself up on schedules.backup into backup.dir', async () => {
      const raw = JSON.parse(readFileSync(src.configFile, 'utf8')) as Record<string, unknown>;
      raw['schedules'] = { ...(raw['schedules'] as object), backup: '0 30 3 * * *' };
      raw['backup'] = { dir: 'nightly', keep: 3 };
      writeFileSync(src.configFile, JSON.stringify(raw));
      const running = await startNode(loadConfig(src.configFile, {}), { log: quiet, schedule: false, jobs: true });
      try {
        const dir = path.join(src.dir, 'nightly');
        for (let i = 0; i < 200 && backupsOf('jn-market', existsSync(dir) ? readdirSync(dir) : []).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
        expect(backupsOf('jn-market', readdirSync(dir))).to.have.length(1);
      } finally {
        await running.stop();
      }
    });
  });
}

describe('backup config', () => {
  it('validates backup.dir, backup.keep and schedules.backup', () => {
    const base = { id: 'n1', name: '节点一', role: 'province', region: '370000', listen: { port: 0 }, dataDir: 'data', store: { client: 'sqlite' }, keys: { privateKey: 'k', publicKey: 'p' } };
    expect(validateConfig({ ...base, backup: { dir: '/backups', keep: 14 }, schedules: { backup: '0 30 3 * * *' } })).to.deep.equal([]);
    const bad = validateConfig({ ...base, backup: { keep: 0, where: 'x' } });
    expect(bad.map((p) => p.path)).to.include.members(['/backup/keep', '/backup/where']);
    expect(validateConfig({ ...base, schedules: { backup: 'nightly' } }).map((p) => p.path)).to.deep.equal(['/schedules/backup']);
    const dir = mkdtempSync(path.join(tmpdir(), 'credit-node-cfg-'));
    try {
      writeFileSync(path.join(dir, 'a.json'), JSON.stringify(base));
      expect(loadConfig(path.join(dir, 'a.json'), {}).backup).to.deep.equal({ dir: path.join(dir, 'backups'), keep: 7 });
      expect(loadConfig(path.join(dir, 'a.json'), {}).schedules['backup']).to.equal(undefined);
      writeFileSync(path.join(dir, 'b.json'), JSON.stringify({ ...base, backup: { dir: '../elsewhere' } }));
      expect(loadConfig(path.join(dir, 'b.json'), {}).backup.dir).to.equal(path.resolve(dir, '../elsewhere'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
