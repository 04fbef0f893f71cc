import { expect } from 'chai';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openStore, type Store } from '../../node/store/connection.ts';
import { createLogger } from '../../node/log.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('write-ahead log checkpoints on a thread of their own', () => {
  let dir: string;
  let file: string;
  let store: Store | undefined;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'credit-node-ckpt-'));
    file = path.join(dir, 'store.sqlite');
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  /** Writes `transactions` commits of 100 rows of 2 KB each (about 50 pages per commit). */
  async function write(s: Store, transactions: number, from = 0): Promise<void> {
    for (let t = 0; t < transactions; t++) {
      await s.knex.transaction(async (trx) => {
        const rows = Array.from({ length: 100 }, (_, i) => ({ id: from + t * 100 + i, body: `${'信用'.repeat(340)}${t}-${i}` }));
        await trx('notes').insert(rows);
      });
    }
  }

  async function prepare(): Promise<Store> {
    const s = openStore({ client: 'sqlite', file, busyTimeoutMs: 5000 });
    await s.knex.schema.createTable('notes', (t) => { t.integer('id').primary(); t.text('body').notNullable(); });
    return s;
  }

  /** The database file's size once the log has settled for a moment. */
  async function fileSizeAfterPause(): Promise<number> {
    await sleep(800);
    return statSync(file).size;
  }

  it('copies committed pages into the database file while the connection never fills its log', async () => {
    store = await prepare();
    const before = statSync(file).size;
    store.checkpointInBackground(createLogger('test', 'silent'));
    // 20 commits of about 50 pages: far below the connection's own checkpoint (40,000 pages).
    await write(store, 20);
    const after = await fileSizeAfterPause();
    expect(after - before).to.be.greaterThan(3 * 1024 * 1024);
  });

  it('leaves the database file as it was without it (the connection checkpoints only a full log)', async () => {
    store = await prepare();
    const before = statSync(file).size;
    await write(store, 20);
    expect(await fileSizeAfterPause()).to.equal(before);
  });

  it('keeps the log from growing while commits keep coming, and loses nothing', async () => {
    store = await prepare();
    store.checkpointInBackground(createLogger('test', 'silent'));
    let largestLog = 0;
    for (let round = 0; round < 10; round++) {
      await write(store, 20, round * 2000);
      await sleep(250);
      largestLog = Math.max(largestLog, statSync(`${file}-wal`).size);
    }
    // 200 commits of about 400 KB of pages: without checkpoints (and the restarts of the log after them) it
    // would hold all of them, about 85 MB.
    expect(largestLog).to.be.lessThan(40 * 1024 * 1024);
    await store.close();
    store = undefined;
    const db = new Database(file, { readonly: true });
    try {
      expect((db.prepare('select count(*) as n from notes').get() as { n: number }).n).to.equal(20_000);
      expect(db.pragma('integrity_check', { simple: true })).to.equal('ok');
    } finally {
      db.close();
    }
  });
});
