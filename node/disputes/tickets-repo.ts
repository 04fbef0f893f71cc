import type { Knex } from 'knex';
import { selectRow, selectRows } from '../store/read.ts';
import type { Ticket } from './ticket-types.ts';

type Db = Knex | Knex.Transaction;

interface TicketRow { number: string; version: number | string; body: string }

export interface TicketFilter {
  handler?: string;
  status?: string[];
  type?: string;
  sourceUnit?: string;
  recordId?: string;
}

const ticketOf = (r: TicketRow): Ticket => JSON.parse(r.body) as Ticket;

/** The only SQL over `tickets` (DESIGN.md §2: disputes/ owns it). */
export const ticketsRepo = {
  async get(db: Db, number: string): Promise<Ticket | undefined> {
    const row = await selectRow<TicketRow>(db, 'select "number", "version", "body" from "tickets" where "number" = ?', [number]);
    return row ? ticketOf(row) : undefined;
  },

  /** Stores a ticket's version unless a later one is stored already; true when stored. */
  async put(trx: Knex.Transaction, t: Ticket): Promise<boolean> {
    const stored = await selectRow<TicketRow>(trx, 'select "number", "version", "body" from "tickets" where "number" = ?', [t.number]);
    if (stored && Number(stored.version) >= t.version) return false;
    const row = {
      type: t.type, status: t.status, outcome: t.outcome, from_node: t.from, handler_node: t.handler, record_id: t.recordId,
      subject_key: t.subject?.key ?? null, source_unit_code: t.sourceUnit?.code ?? null, region: t.region, version: t.version,
      filed_at: t.filedAt, updated_at: t.updatedAt, body: JSON.stringify(t),
    };
    if (stored) await trx('tickets').where({ number: t.number }).update(row);
    else await trx('tickets').insert({ number: t.number, ...row });
    return true;
  },

  async list(db: Db, f: TicketFilter, limit: number): Promise<Ticket[]> {
    const q = db('tickets').select('number', 'version', 'body');
    if (f.handler !== undefined) q.where('handler_node', f.handler);
    if (f.status?.length) q.whereIn('status', f.status);
    if (f.type !== undefined) q.where('type', f.type);
    if (f.sourceUnit !== undefined) q.where('source_unit_code', f.sourceUnit);
    if (f.recordId !== undefined) q.where('record_id', f.recordId);
    return ((await q.orderBy('filed_at', 'desc').limit(limit)) as TicketRow[]).map(ticketOf);
  },

  /** Open tickets of a type about each of the given records (a record shows 异议处理中 while one is open). */
  async openFor(db: Db, type: string, recordIds: string[]): Promise<Set<string>> {
    if (recordIds.length === 0) return new Set();
    const marks = recordIds.map(() => '?').join(', ');
    const rows = await selectRows<{ record_id: string }>(db, `select distinct "record_id" from "tickets" where "type" = ? and "status" <> 'resolved' and "record_id" in (${marks})`, [type, ...recordIds]);
    return new Set(rows.map((r) => r.record_id));
  },
};
