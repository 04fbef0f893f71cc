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
  /** Open tickets whose step's last day is before this China day. */
  overdueOn?: string;
}

/** Open, overdue and closed tickets of one handling node or one source unit. */
export interface TicketCount { key: string | null; name?: string | null; open: number; overdue: number; closed: number }

const ticketOf = (r: TicketRow): Ticket => JSON.parse(r.body) as Ticket;

/** The stored form: evidence files by their description only (the content stays in the ticket's first event). */
function stored(t: Ticket): Ticket {
  if (!t.evidenceFiles?.some((f) => f.content !== undefined)) return t;
  return { ...t, evidenceFiles: t.evidenceFiles.map(({ content: _c, ...meta }) => meta) };
}

/** The only SQL over `tickets` and `ticket_escalations` (DESIGN.md §2: disputes/ owns them). */
export const ticketsRepo = {
  async get(db: Db, number: string): Promise<Ticket | undefined> {
    const row = await selectRow<TicketRow>(db, 'select "number", "version", "body" from "tickets" where "number" = ?', [number]);
    return row ? ticketOf(row) : undefined;
  },

  /** Stores a ticket's version unless a later one is stored already; true when stored. */
  async put(trx: Knex.Transaction, ticket: Ticket, event?: { origin: string; seq: number }): Promise<boolean> {
    const t = stored(ticket);
    const prior = await selectRow<TicketRow>(trx, 'select "number", "version", "body" from "tickets" where "number" = ?', [t.number]);
    if (prior && Number(prior.version) >= t.version) return false;
    const row = {
      type: t.type, status: t.status, outcome: t.outcome, from_node: t.from, handler_node: t.handler, record_id: t.recordId,
      subject_key: t.subject?.key ?? null, source_unit_code: t.sourceUnit?.code ?? null, region: t.region, version: t.version,
      filed_at: t.filedAt, updated_at: t.updatedAt, body: JSON.stringify(t),
      step: t.status === 'resolved' ? null : (t.step ?? null), due_on: t.status === 'resolved' ? null : (t.dueOn ?? null), record_category: t.recordCategory ?? null,
    };
    const first = ticket.version === 1 && event ? { first_origin: event.origin, first_seq: event.seq } : {};
    if (prior) await trx('tickets').where({ number: t.number }).update({ ...row, ...first });
    else await trx('tickets').insert({ number: t.number, ...row, ...first });
    return true;
  },

  async list(db: Db, f: TicketFilter, limit: number): Promise<Ticket[]> {
    const q = db('tickets').select('number', 'version', 'body');
    if (f.handler !== undefined) q.where('handler_node', f.handler);
    if (f.status?.length) q.whereIn('status', f.status);
    if (f.type !== undefined) q.where('type', f.type);
    if (f.sourceUnit !== undefined) q.where('source_unit_code', f.sourceUnit);
    if (f.recordId !== undefined) q.where('record_id', f.recordId);
    if (f.overdueOn !== undefined) q.whereNot('status', 'resolved').andWhere('due_on', '<', f.overdueOn);
    return ((await q.orderBy('filed_at', 'desc').limit(limit)) as TicketRow[]).map(ticketOf);
  },

  /** Open tickets of a type about each of the given records (a record shows 异议处理中 while an objection is open). */
  async openFor(db: Db, type: string, recordIds: string[]): Promise<Set<string>> {
    if (recordIds.length === 0) return new Set();
    const marks = recordIds.map(() => '?').join(', ');
    const rows = await selectRows<{ record_id: string }>(db, `select distinct "record_id" from "tickets" where "type" = ? and "status" <> 'resolved' and "record_id" in (${marks})`, [type, ...recordIds]);
    return new Set(rows.map((r) => r.record_id));
  },

  /** Counts per handling node or per source unit; overdue: open with the step's last day before `today`. */
  async counts(db: Db, by: 'handler_node' | 'source_unit_code', today: string): Promise<TicketCount[]> {
    const rows = await selectRows<{ k: string | null; closed: number | string; overdue: number | string; n: number | string }>(db,
      `select "${by}" as "k", case when "status" = 'resolved' then 1 else 0 end as "closed",
              case when "status" <> 'resolved' and "due_on" < ? then 1 else 0 end as "overdue", count(*) as "n"
         from "tickets" group by 1, 2, 3`, [today]);
    const out = new Map<string | null, TicketCount>();
    for (const r of rows) {
      const c = out.get(r.k) ?? { key: r.k, open: 0, overdue: 0, closed: 0 };
      const n = Number(r.n);
      if (Number(r.closed)) c.closed += n;
      else {
        c.open += n;
        if (Number(r.overdue)) c.overdue += n;
      }
      out.set(r.k, c);
    }
    return [...out.values()].sort((a, b) => b.overdue - a.overdue || b.open - a.open || String(a.key).localeCompare(String(b.key)));
  },

  /** Names of source units as the tickets give them. */
  async unitNames(db: Db): Promise<Map<string, string>> {
    const rows = await selectRows<{ code: string; body: string }>(db, 'select "source_unit_code" as "code", max("body") as "body" from "tickets" where "source_unit_code" is not null group by "source_unit_code"', []);
    return new Map(rows.map((r) => [r.code, (JSON.parse(r.body) as Ticket).sourceUnit?.name ?? r.code]));
  },

  /** Where a ticket's first event (the only one carrying its evidence files) is in the event log. */
  async firstEvent(db: Db, number: string): Promise<{ origin: string; seq: number } | undefined> {
    const row = await selectRow<{ first_origin: string | null; first_seq: number | string | null }>(db, 'select "first_origin", "first_seq" from "tickets" where "number" = ?', [number]);
    return row?.first_origin && row.first_seq !== null ? { origin: row.first_origin, seq: Number(row.first_seq) } : undefined;
  },

  /** Records that this node escalated the step; false when it had been escalated before. */
  async escalate(trx: Db, e: { number: string; step: string; dueOn: string; handler: string; at: string }): Promise<boolean> {
    const inserted = await trx('ticket_escalations').insert({ number: e.number, step: e.step, due_on: e.dueOn, handler_node: e.handler, at: e.at }).onConflict(['number', 'step']).ignore().returning('number');
    return (inserted as unknown[]).length > 0;
  },

  async escalations(db: Db, limit: number): Promise<Array<{ number: string; step: string; dueOn: string; handler: string; at: string; resolved: boolean }>> {
    const rows = await selectRows<{ number: string; step: string; due_on: string; handler_node: string; at: string; status: string | null }>(db,
      `select e."number", e."step", e."due_on", e."handler_node", e."at", t."status" from "ticket_escalations" e left join "tickets" t on t."number" = e."number" order by e."at" desc limit ?`, [limit]);
    return rows.map((r) => ({ number: r.number, step: r.step, dueOn: r.due_on, handler: r.handler_node, at: r.at, resolved: r.status === 'resolved' }));
  },
};
