import type { Knex } from 'knex';

/**
 * The hub at hundreds of millions of events (README, "The hub on PostgreSQL at scale").
 *
 * Both stores: indexes for the dashboard's reads of records (records/repo.ts `intake`): the intake window is a
 * range on created_at, and the per-origin record counts read the origin index alone instead of the table.
 *
 * PostgreSQL only: `events` becomes a table partitioned by hash of origin into PARTITIONS partitions. Every chain
 * belongs to one origin, so a lookup by (origin, seq) — a record's body, a batch to send, a verification page —
 * reads one partition, and a batch of one origin is written into one. The unique rule on (origin, seq) stays
 * enforceable because it holds the partition key (it becomes the primary key); partitions by month of receipt
 * could not enforce it and every body read would visit every month. `pos` keeps its sequence (the same one, so
 * positions go on increasing across partitions and down cursors stay valid) and an index of its own per
 * partition, so a position range ordered by pos is a merge of index scans. The rows are copied in position
 * order into the new table under another name, then the names are swapped; the table is locked meanwhile.
 */

const PARTITIONS = 16;

const isPg = (knex: Knex) => (knex.client as { config: { client: unknown } }).config.client === 'pg';

const partition = (i: number) => `events_p${String(i).padStart(2, '0')}`;

/** The sequence behind events.pos, schema-qualified as the catalogue names it. */
async function posSequence(knex: Knex): Promise<string> {
  const r = (await knex.raw(`select pg_get_serial_sequence('events', 'pos') as "seq"`)) as { rows: Array<{ seq: string | null }> };
  const seq = r.rows[0]?.seq;
  if (!seq) throw new Error('events.pos has no sequence');
  return seq;
}

/**
 * Moves `events` into `next` (created empty by the caller, same columns in the same order): rows copied in
 * position order, the pos sequence handed over, the old table dropped and `next` named `events`.
 */
async function swapInto(knex: Knex, next: string): Promise<string> {
  const seq = await posSequence(knex);
  await knex.raw('insert into ?? select * from "events" order by "pos"', [next]);
  // The sequence belongs to the column that uses it; dropping the old table must not take it along.
  await knex.raw(`alter sequence ${seq} owned by ??."pos"`, [next]);
  await knex.raw('drop table "events"');
  await knex.raw('alter table ?? rename to "events"', [next]);
  return seq;
}

/** Never moves the sequence backwards; past max(pos) when rows hold higher positions than it gave out. */
async function resetSequence(knex: Knex, seq: string): Promise<void> {
  const state = (await knex.raw(`select "last_value", "is_called" from ${seq}`)) as { rows: Array<{ last_value: string; is_called: boolean }> };
  const max = (await knex.raw('select max("pos") as "p" from "events"')) as { rows: Array<{ p: string | null }> };
  const s = state.rows[0];
  const given = s?.is_called ? BigInt(s.last_value) : 0n;
  const top = BigInt(max.rows[0]?.p ?? 0);
  if (top > given) await knex.raw(`select setval('${seq.replace(/'/g, "''")}', ?, true)`, [top.toString()]);
}

export async function up(knex: Knex): Promise<void> {
  // Events first, in the order the node's writers and its projection take them (events, then records), so a
  // transaction in flight is waited for, not deadlocked with; the copy then runs with nobody beside it.
  if (isPg(knex)) await knex.raw('lock table "events" in access exclusive mode');
  await knex.raw('create index "records_created_at" on "records" ("created_at")');
  await knex.raw('create index "records_origin" on "records" ("origin")');
  if (!isPg(knex)) return;
  // Every column with its type, default (pos: nextval of its sequence) and not-null rule, in the same order.
  await knex.raw('create table "events_partitioned" (like "events" including defaults including storage including comments) partition by hash ("origin")');
  for (let i = 0; i < PARTITIONS; i++) {
    await knex.raw(`create table "${partition(i)}" partition of "events_partitioned" for values with (modulus ${PARTITIONS}, remainder ${i})`);
  }
  const seq = await swapInto(knex, 'events_partitioned');
  // Indexes after the copy: built once per partition instead of maintained row by row.
  await knex.raw('alter table "events" add constraint "events_pkey" primary key ("origin", "seq")');
  await knex.raw('create index "events_pos" on "events" ("pos")');
  await resetSequence(knex, seq);
  await knex.raw('analyze "events"');
}

export async function down(knex: Knex): Promise<void> {
  if (isPg(knex)) {
    await knex.raw('lock table "events" in access exclusive mode');
    await knex.raw('create table "events_plain" (like "events" including defaults including storage including comments)');
    const seq = await swapInto(knex, 'events_plain');
    // As the events migration made it: pos the primary key, (origin, seq) unique.
    await knex.raw('alter table "events" add constraint "events_pkey" primary key ("pos")');
    await knex.raw('alter table "events" add constraint "events_origin_seq_unique" unique ("origin", "seq")');
    await resetSequence(knex, seq);
    await knex.raw('analyze "events"');
  }
  await knex.raw('drop index if exists "records_origin"');
  await knex.raw('drop index if exists "records_created_at"');
}
