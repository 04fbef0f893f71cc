import { expect } from 'chai';
import { backends, tempNode, type TempNode } from '../helpers/node.ts';
import { selectRow, selectRows } from '../../node/store/read.ts';

for (const backend of backends()) {
  describe(`store reads (selectRows) on ${backend}`, () => {
    let node: TempNode;
    beforeEach(async () => { node = await tempNode({ backend }); });
    afterEach(async () => { await node.cleanup(); });

    it('binds parameters, never splices them into the SQL', async () => {
      const db = node.ctx.store.knex;
      await db.schema.createTable('read_probe', (t) => { t.integer('a'); t.string('b'); });
      await db('read_probe').insert([{ a: 1, b: "x'; drop table read_probe; --" }, { a: 2, b: 'y' }]);
      const rows = await selectRows<{ a: number; b: string }>(db, 'select "a", "b" from "read_probe" where "b" = ?', ["x'; drop table read_probe; --"]);
      expect(rows).to.deep.equal([{ a: 1, b: "x'; drop table read_probe; --" }]);
      expect(await selectRow(db, 'select "a" from "read_probe" where "a" = ?', [3])).to.equal(undefined);
      expect(await db.schema.hasTable('read_probe')).to.equal(true);
    });

    it('a statement reused after the table changed sees the new columns, and hundreds of distinct statements all answer', async () => {
      const db = node.ctx.store.knex;
      await db.schema.createTable('read_probe', (t) => { t.integer('a'); });
      await db('read_probe').insert({ a: 1 });
      expect(await selectRows(db, 'select * from "read_probe"')).to.deep.equal([{ a: 1 }]);
      await db.schema.alterTable('read_probe', (t) => { t.string('b'); });
      await db('read_probe').update({ b: 'z' });
      expect(await selectRows(db, 'select * from "read_probe"')).to.deep.equal([{ a: 1, b: 'z' }]);
      // More distinct statements than a connection keeps compiled (connection.ts): the oldest are dropped, none fails.
      for (let i = 0; i < 300; i++) {
        const row = await selectRow<{ v: number | string }>(db, `select "a" + ${i} as v from "read_probe" where "a" = ?`, [1]);
        expect(Number(row?.v)).to.equal(1 + i);
      }
      // Through knex too, which prepares with the same cache on SQLite.
      expect(await db('read_probe').select('a', 'b')).to.deep.equal([{ a: 1, b: 'z' }]);
    });

    it('inside a transaction it reads the transaction\'s own uncommitted rows', async () => {
      const db = node.ctx.store.knex;
      await db.schema.createTable('read_probe', (t) => { t.integer('a'); });
      await db.transaction(async (trx) => {
        await trx('read_probe').insert({ a: 7 });
        expect(await selectRows(trx, 'select "a" from "read_probe"')).to.deep.equal([{ a: 7 }]);
        await trx.rollback();
      }).catch(() => undefined);
      expect(await selectRows(db, 'select "a" from "read_probe"')).to.deep.equal([]);
    });

    if (backend === 'sqlite') {
      it('outside a transaction, reads on the idle connection without acquiring it, and waits while a transaction holds it', async () => {
        const db = node.ctx.store.knex;
        await db.schema.createTable('read_probe', (t) => { t.integer('a'); });
        const pool = (db.client as { pool: { on(event: 'acquireRequest', fn: () => void): void } }).pool;
        let acquires = 0;
        pool.on('acquireRequest', () => { acquires += 1; });
        expect(await selectRows(db, 'select "a" from "read_probe"')).to.deep.equal([]);
        expect(acquires).to.equal(0);
        // A transaction keeps the one connection across its awaits: a read from outside must neither see its
        // uncommitted row nor run before it ends.
        const order: string[] = [];
        let inserted!: () => void;
        const ready = new Promise<void>((r) => { inserted = r; });
        const trx = db.transaction(async (t) => {
          await t('read_probe').insert({ a: 9 });
          inserted();
          await new Promise((r) => setTimeout(r, 50));
          order.push('commit');
        });
        await ready;
        const outside = selectRows<{ a: number }>(db, 'select "a" from "read_probe"').then((rows) => { order.push('read'); return rows; });
        await trx;
        expect(await outside).to.deep.equal([{ a: 9 }]);
        expect(order).to.deep.equal(['commit', 'read']);
        expect(acquires).to.be.greaterThan(1);
      });
    }
  });
}
