import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { pino } from 'pino';
import { backends, createPgSchemas, PG_URL } from '../helpers/node.ts';
import { cliAsync } from '../helpers/cli.ts';
import { penalty } from '../helpers/records.ts';
import { demoFederation, freePorts, initFederation } from '../../node/cli/federation.ts';
import { loadConfig } from '../../node/config/load.ts';
import { startNode, type RunningNode } from '../../node/app.ts';
import { MIGRATIONS } from '../../node/store/migrations/index.ts';
import { migrateLatest } from '../../node/store/migrate.ts';
import type { DownFilter, Head } from '../../node/exchange/event-log.ts';

const SCALE = '202611271300-pg-scale';

/** The node's own migration list (node/store/migrate.ts), to undo one migration by name. */
const options: Knex.MigratorConfig = {
  tableName: 'knex_migrations',
  migrationSource: {
    getMigrations: async () => MIGRATIONS.map(([name]) => name),
    getMigrationName: (name: string) => name,
    getMigration: async (name: string) => (MIGRATIONS.find(([n]) => n === name) as [string, { up(k: Knex): Promise<void>; down(k: Knex): Promise<void> }])[1],
  },
};

interface PlanNode { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; Plans?: PlanNode[] }

function nodesOf(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodesOf)];
}

/** The plan of `sql` (with ? bindings) as a flat list of nodes; sequential scans discouraged when asked. */
async function plan(db: Knex, sql: string, bindings: readonly unknown[], noSeqScan = false): Promise<PlanNode[]> {
  return db.transaction(async (trx) => {
    if (noSeqScan) await trx.raw('set local enable_seqscan = off');
    const r = (await trx.raw(`explain (format json) ${sql}`, bindings as never[])) as { rows: Array<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }> };
    return nodesOf((r.rows[0]?.['QUERY PLAN'][0] as { Plan: PlanNode }).Plan);
  });
}

/** The statements `fn` sends, in the ? form (knex reports PostgreSQL's $n placeholders, numbered in order). */
async function statementsOf(db: Knex, fn: () => Promise<unknown>): Promise<Array<{ sql: string; bindings: unknown[] }>> {
  const seen: Array<{ sql: string; bindings: unknown[] }> = [];
  const listener = (q: { sql: string; bindings?: unknown[] }) => { seen.push({ sql: q.sql.replace(/\$\d+/g, '?'), bindings: q.bindings ?? [] }); };
  db.on('query', listener);
  try {
    await fn();
  } finally {
    db.removeListener('query', listener);
  }
  return seen;
}

const relations = (nodes: PlanNode[]) => [...new Set(nodes.map((n) => n['Relation Name']).filter((r): r is string => r !== undefined))];

async function relkind(db: Knex, table: string): Promise<string | undefined> {
  const r = (await db.raw(`select c.relkind from pg_class c where c.oid = to_regclass(?)`, [table])) as { rows: Array<{ relkind: string }> };
  return r.rows[0]?.relkind;
}

async function partitions(db: Knex): Promise<string[]> {
  const r = (await db.raw(`select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = to_regclass('events') order by 1`)) as { rows: Array<{ relname: string }> };
  return r.rows.map((x) => x.relname);
}

const chains = (heads: Head[]) => Object.fromEntries(heads.map((h) => [h.origin, h.seq]));

const allEvents = (db: Knex) => db('events').select('*').orderBy('pos') as Promise<Array<Record<string, unknown>>>;

// PostgreSQL only: left out when the runner started no server (in CI a missing server fails, as backends() says).
(backends().includes('pg') ? describe : describe.skip)('the hub on PostgreSQL at scale (partitioned events)', function () {
  this.timeout(120_000);
  let dir: string;
  let schemas: Map<string, string>;
  const nodes: Record<string, RunningNode> = {};
  const configs: Record<string, string> = {};
  let hub: RunningNode;
  let city: RunningNode;
  let market: RunningNode;
  let stored: Array<Record<string, unknown>>;
  let headsBefore: Head[];
  const db = (n: RunningNode): Knex => n.ctx.store.knex;
  const round = async () => {
    await market.ctx.sync.round();
    await city.ctx.sync.round();
    await city.ctx.sync.round();
    await market.ctx.sync.round();
    for (const n of [hub, city, market]) await n.ctx.exchange.drainProjection();
  };

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'credit-node-pg-scale-'));
    const specs = demoFederation(0).slice(0, 3);
    schemas = await createPgSchemas(specs.map((s) => s.id));
    const ports = await freePorts(specs.length);
    const made = await initFederation(dir, specs.map((s, i) => ({ ...s, port: ports[i] as number })), (cfg, spec) => {
      cfg['log'] = { level: 'silent' };
      cfg['store'] = { client: 'pg', connection: PG_URL, schema: schemas.get(spec.id) };
    });
    for (const n of made) {
      configs[n.spec.id] = n.configFile;
      nodes[n.spec.id] = await startNode(loadConfig(n.configFile, {}), { log: pino({ level: 'silent' }), schedule: false });
    }
    const node = (id: string) => nodes[id] as RunningNode;
    [hub, city, market] = [node('sd-hub'), node('city-jinan'), node('jinan-market')];
    // The hub as it was before this migration: a plain events table, written by its own records and by the
    // chains its children send up.
    await db(hub).migrate.down({ ...options, name: SCALE });
    expect(await relkind(db(hub), 'events')).to.equal('r');
    const ingest = async (n: RunningNode, from: number, count: number) => {
      const out = await n.ctx.records.ingest(Array.from({ length: count }, (_, i) => penalty(from + i)));
      expect(out.every((r) => r.status === 'created')).to.equal(true);
    };
    await ingest(market, 1, 400);
    await ingest(city, 1001, 120);
    await ingest(hub, 2001, 80);
    await round();
    stored = await allEvents(db(hub));
    headsBefore = await hub.ctx.eventLog.heads(db(hub));
    expect(stored.length).to.be.greaterThan(600);
    expect(new Set(stored.map((e) => e['origin']))).to.have.keys('sd-hub', 'city-jinan', 'jinan-market');
  });

  after(async () => {
    for (const n of Object.values(nodes)) await n.stop();
    if (schemas?.size) {
      const admin = knexFactory({ client: 'pg', connection: PG_URL ?? '' });
      for (const schema of schemas.values()) await admin.raw(`drop schema ${schema} cascade`);
      await admin.destroy();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('partitions a hub that already holds events, keeping every event, head and position', async () => {
    expect(await migrateLatest(hub.ctx.store)).to.deep.equal([SCALE]);
    expect(await relkind(db(hub), 'events')).to.equal('p');
    const parts = await partitions(db(hub));
    expect(parts).to.have.length(16);
    expect(parts[0]).to.equal('events_p00');
    expect(await allEvents(db(hub))).to.deep.equal(stored);
    expect(await hub.ctx.eventLog.heads(db(hub))).to.deep.equal(headsBefore);
    // Each origin's rows all in one partition.
    const where = (await db(hub).raw('select "origin", count(distinct tableoid) as "n" from "events" group by "origin"')) as { rows: Array<{ n: string }> };
    expect(where.rows.map((r) => Number(r.n))).to.deep.equal([1, 1, 1]);
    // (origin, seq) stays unique.
    const { pos: _pos, ...dup } = stored[0] as Record<string, unknown>;
    let refused: unknown;
    await db(hub)('events').insert(dup).catch((err: unknown) => { refused = err; });
    expect((refused as { code?: string } | undefined)?.code).to.equal('23505');

    const verify = await cliAsync(['verify', '--config', configs['sd-hub'] as string]);
    expect(verify.status, verify.stderr).to.equal(0);
    expect(verify.json).to.deep.include({ ok: true, chains: chains(headsBefore) });
  });

  it('goes on numbering positions past the old ones, in order, for own and received events', async () => {
    const top = Number(stored.at(-1)?.['pos']);
    await hub.ctx.records.ingest([penalty(2101), penalty(2102)]);
    await market.ctx.records.ingest([penalty(501), penalty(502), penalty(503)]);
    await round();
    const after = await allEvents(db(hub));
    const fresh = after.slice(stored.length);
    expect(after.slice(0, stored.length)).to.deep.equal(stored);
    const was = chains(headsBefore);
    const hubSeq = was['sd-hub'] as number;
    const marketSeq = was['jinan-market'] as number;
    expect(fresh.map((e) => `${String(e['origin'])}:${String(e['seq'])}`)).to.have.members([
      `sd-hub:${hubSeq + 1}`, `sd-hub:${hubSeq + 2}`, `jinan-market:${marketSeq + 1}`, `jinan-market:${marketSeq + 2}`, `jinan-market:${marketSeq + 3}`,
    ]);
    const positions = fresh.map((e) => Number(e['pos']));
    expect(positions[0]).to.be.greaterThan(top);
    expect(positions).to.deep.equal([...positions].sort((a, b) => a - b));
    // The hub's new events went down to the city through the down selection over the partitioned table.
    expect((await city.ctx.eventLog.eventsOf(db(city), 'sd-hub', 0, 10_000)).at(-1)?.seq).to.equal(hubSeq + 2);
    const verify = await cliAsync(['verify', '--config', configs['sd-hub'] as string]);
    expect(verify.status, verify.stderr).to.equal(0);
    expect(verify.json).to.deep.include({ ok: true, chains: chains(await hub.ctx.eventLog.heads(db(hub))) });
  });

  it('reads one partition for a lookup by (origin, seq)', async () => {
    const log = hub.ctx.eventLog;
    const statements = await statementsOf(db(hub), async () => {
      await log.rawEventsOf(db(hub), 'jinan-market', 10, 20);
      await log.hashesOf(db(hub), 'jinan-market', 10, 20);
      await log.eventsOf(db(hub), 'jinan-market', 10, 20);
    });
    expect(statements).to.have.length(3);
    for (const s of statements) {
      const nodes = await plan(db(hub), s.sql, s.bindings);
      const touched = relations(nodes);
      expect(touched, s.sql).to.have.length(1);
      expect(touched[0], s.sql).to.match(/^events_p\d\d$/);
    }
    // A record's body: the join from records reaches the event by the (origin, seq) key.
    const body = await plan(db(hub), 'select r."id", e."body" from "records" r join "events" e on e."origin" = r."origin" and e."seq" = r."seq" where r."id" = ?', [(stored[0] as { entity_id: string }).entity_id], true);
    expect(body.filter((n) => n['Node Type'] === 'Seq Scan')).to.deep.equal([]);
  });

  it('serves the down selection and the projection by position with index scans, never a sequential scan', async () => {
    const log = hub.ctx.eventLog;
    const child: DownFilter = { excludeOrigins: ['city-jinan', 'jinan-market'], directory: true, ticketTargets: ['city-jinan'], allRecords: false, regionPrefix: '3701', categories: ['serious_dishonesty_list'], origins: [] };
    const statements = await statementsOf(db(hub), async () => {
      const page = await log.selectAfter(db(hub), 0, 50, 50_000, child);
      expect(page.events.length).to.be.greaterThan(0);
      await log.unprojected(db(hub), 'sd-hub', 0, 1_000_000, 100);
      await log.hasUnprojected(db(hub), 'sd-hub', 0);
      await log.countUnprojected(db(hub), 'sd-hub', 0);
      await log.maxPos(db(hub));
    });
    expect(statements.length).to.be.greaterThanOrEqual(5);
    for (const s of statements) {
      const nodes = await plan(db(hub), s.sql, s.bindings, true);
      expect(nodes.filter((n) => n['Node Type'] === 'Seq Scan'), s.sql).to.deep.equal([]);
      const indexed = nodes.filter((n) => n['Index Name']);
      expect(indexed.length, s.sql).to.be.greaterThan(0);
      for (const n of indexed) expect(n['Index Name'], s.sql).to.match(/^events_p\d\d_pos_idx$/);
      // A page in position order is a merge of the partitions' position indexes, read in order up to the limit.
      if (/order by "pos"/.test(s.sql)) {
        expect(nodes.map((n) => n['Node Type']), s.sql).to.include('Merge Append');
        for (const n of nodes.filter((x) => x['Relation Name'])) expect(n['Node Type'], s.sql).to.equal('Index Scan');
      }
    }
  });

  it('answers the dashboard\'s intake window and per-origin counts from the new records indexes', async () => {
    const window = await plan(db(hub), `select substr(r."created_at", 1, 13) as "hour", r."category", substr(s."region", 1, 4) as "city", count(*) as "n"
      from "records" r join "subjects" s on s."id" = r."subject_id" where r."created_at" >= ? and r."created_at" < ? group by 1, 2, 3`, ['2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z'], true);
    expect(window.filter((n) => n['Node Type'] === 'Seq Scan')).to.deep.equal([]);
    expect(window.map((n) => n['Index Name'])).to.include('records_created_at');
    const origins = await plan(db(hub), 'select "origin", count(*) as "n" from "records" group by "origin"', [], true);
    expect(origins.filter((n) => n['Relation Name'] === 'records').map((n) => [n['Node Type'], n['Index Name']])).to.deep.equal([['Index Only Scan', 'records_origin']]);
  });

  it('migrates down to a plain table with the same rows, and up again', async () => {
    const rows = await allEvents(db(hub));
    const heads = await hub.ctx.eventLog.heads(db(hub));
    await db(hub).migrate.down({ ...options, name: SCALE });
    expect(await relkind(db(hub), 'events')).to.equal('r');
    expect(await partitions(db(hub))).to.deep.equal([]);
    expect(await allEvents(db(hub))).to.deep.equal(rows);
    expect(await hub.ctx.eventLog.heads(db(hub))).to.deep.equal(heads);
    const constraints = (await db(hub).raw(`select conname, contype from pg_constraint where conrelid = to_regclass('events') order by 1`)) as { rows: Array<{ conname: string; contype: string }> };
    expect(constraints.rows).to.deep.equal([{ conname: 'events_origin_seq_unique', contype: 'u' }, { conname: 'events_pkey', contype: 'p' }]);
    const idx = (await db(hub).raw(`select indexname from pg_indexes where schemaname = current_schema() and tablename = 'records' and indexname in ('records_created_at', 'records_origin')`)) as { rows: unknown[] };
    expect(idx.rows).to.deep.equal([]);
    // Writers go on, and the positions with them.
    await hub.ctx.records.ingest([penalty(2103)]);
    const last = (await allEvents(db(hub))).at(-1) as Record<string, unknown>;
    expect(Number(last['pos'])).to.be.greaterThan(Number(rows.at(-1)?.['pos']));
    expect(await migrateLatest(hub.ctx.store)).to.deep.equal([SCALE]);
    expect(await relkind(db(hub), 'events')).to.equal('p');
    const verify = await cliAsync(['verify', '--config', configs['sd-hub'] as string]);
    expect(verify.status, verify.stderr).to.equal(0);
  });
});
