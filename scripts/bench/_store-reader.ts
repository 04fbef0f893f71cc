// Reads a running node's store from the side, for the sync benchmark and the province simulation: a SQLite file
// through its own read-only connection (WAL: the node's writers never wait), or a PostgreSQL schema through a
// small pool. Only what they compare: chain heads, per-origin event counts and hashes, the projection backlog
// and the down cursors.
import Database from 'better-sqlite3';
import pg from 'pg';

export interface Head { seq: number; hash: string }
export interface Link { seq: number; hash: string }
/** One origin's events as a node holds them. */
export interface ChainCount { count: number; distinct: number; min: number; max: number }

export interface StoreReader {
  heads(): Promise<Map<string, Head>>;
  counts(): Promise<Map<string, ChainCount>>;
  /** One origin's events here (seq and hash), in seq order. */
  chain(origin: string): Promise<Link[]>;
  /** Received record and ticket events not projected into rows yet (exchange/service.ts, the projector). */
  pending(self: string): Promise<number>;
  /** Where this node's pulls from `parent` stand (its `down` cursor, a position in the parent's store). */
  downCursor(parent: string): Promise<number>;
  maxPos(): Promise<number>;
  /** Events of this origin stored here, by kind. */
  kinds(origin: string): Promise<Record<string, number>>;
  close(): Promise<void>;
}

const PENDING = "select count(*) as n from events where pos > coalesce((select pos from projection where name = 'received'), 0) and origin <> $1 and kind in ('record', 'ticket')";
const COUNTS = 'select origin, count(*) as n, count(distinct seq) as d, min(seq) as lo, max(seq) as hi from events group by origin';

type CountRow = { origin: string; n: number | string; d: number | string; lo: number | string; hi: number | string };
const toCounts = (rows: CountRow[]) => new Map(rows.map((r) => [r.origin, { count: Number(r.n), distinct: Number(r.d), min: Number(r.lo), max: Number(r.hi) }]));

export class SqliteReader implements StoreReader {
  private readonly db: Database.Database;
  constructor(file: string) {
    this.db = new Database(file, { readonly: true, fileMustExist: true });
    this.db.pragma('busy_timeout = 5000');
  }
  private all<T>(sql: string, ...params: unknown[]): T[] {
    return this.db.prepare(sql.replace(/\$\d+/g, '?')).all(...params) as T[];
  }
  async heads(): Promise<Map<string, Head>> {
    return new Map(this.all<{ origin: string; seq: number; hash: string }>('select origin, seq, hash from heads').map((r) => [r.origin, { seq: Number(r.seq), hash: r.hash }]));
  }
  async counts(): Promise<Map<string, ChainCount>> {
    return toCounts(this.all<CountRow>(COUNTS));
  }
  async chain(origin: string): Promise<Link[]> {
    return this.all<Link>('select seq, hash from events where origin = $1 order by seq', origin).map((r) => ({ seq: Number(r.seq), hash: r.hash }));
  }
  async pending(self: string): Promise<number> {
    return Number(this.all<{ n: number }>(PENDING, self)[0]?.n ?? 0);
  }
  async downCursor(parent: string): Promise<number> {
    return Number(this.all<{ cursor: number }>("select cursor from sync_state where peer = $1 and direction = 'down'", parent)[0]?.cursor ?? 0);
  }
  async maxPos(): Promise<number> {
    return Number(this.all<{ p: number | null }>('select max(pos) as p from events')[0]?.p ?? 0);
  }
  async kinds(origin: string): Promise<Record<string, number>> {
    return Object.fromEntries(this.all<{ kind: string; n: number }>('select kind, count(*) as n from events where origin = $1 group by kind', origin).map((r) => [r.kind, Number(r.n)]));
  }
  async close(): Promise<void> {
    this.db.close();
  }
}

/** The hub's schema on PostgreSQL; every statement names it through the search path of its own connections. */
export class PgReader implements StoreReader {
  private readonly pool: pg.Pool;
  constructor(connection: string, schema: string) {
    this.pool = new pg.Pool({ connectionString: connection, max: 2, options: `-c search_path=${schema}` });
  }
  private async all<T>(sql: string, ...params: unknown[]): Promise<T[]> {
    return (await this.pool.query(sql, params)).rows as T[];
  }
  async heads(): Promise<Map<string, Head>> {
    return new Map((await this.all<{ origin: string; seq: string; hash: string }>('select origin, seq, hash from heads')).map((r) => [r.origin, { seq: Number(r.seq), hash: r.hash }]));
  }
  async counts(): Promise<Map<string, ChainCount>> {
    return toCounts(await this.all<CountRow>(COUNTS));
  }
  async chain(origin: string): Promise<Link[]> {
    return (await this.all<{ seq: string; hash: string }>('select seq, hash from events where origin = $1 order by seq', origin)).map((r) => ({ seq: Number(r.seq), hash: r.hash }));
  }
  async pending(self: string): Promise<number> {
    return Number((await this.all<{ n: string }>(PENDING, self))[0]?.n ?? 0);
  }
  async downCursor(parent: string): Promise<number> {
    return Number((await this.all<{ cursor: string }>("select cursor from sync_state where peer = $1 and direction = 'down'", parent))[0]?.cursor ?? 0);
  }
  async maxPos(): Promise<number> {
    return Number((await this.all<{ p: string | null }>('select max(pos) as p from events'))[0]?.p ?? 0);
  }
  async kinds(origin: string): Promise<Record<string, number>> {
    return Object.fromEntries((await this.all<{ kind: string; n: string }>('select kind, count(*) as n from events where origin = $1 group by kind', origin)).map((r) => [r.kind, Number(r.n)]));
  }
  async close(): Promise<void> {
    await this.pool.end();
  }
}

const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

/** A fresh schema for the hub on the given server (the simulation drops it at the end). */
export async function createSchema(connection: string, name: string): Promise<void> {
  if (!SCHEMA.test(name)) throw new RangeError(`bad schema name ${name}`);
  const c = new pg.Client({ connectionString: connection });
  await c.connect();
  try {
    await c.query(`create schema ${name}`);
  } finally {
    await c.end();
  }
}

export async function dropSchema(connection: string, name: string): Promise<void> {
  if (!SCHEMA.test(name)) throw new RangeError(`bad schema name ${name}`);
  const c = new pg.Client({ connectionString: connection });
  await c.connect();
  try {
    await c.query(`drop schema if exists ${name} cascade`);
  } finally {
    await c.end();
  }
}
