import type { Knex } from 'knex';
import { selectRow, selectRows } from '../store/read.ts';
import { isSqlite } from '../store/bulk.ts';
import { publicRecordCondition } from '../publicity/visibility.ts';

/**
 * The portal's reads of subjects and records. Every statement over `records` carries publicRecordCondition
 * (publicity/visibility.ts), so what it returns is what the public may see on `today` and nothing else; natural
 * persons are never read here (the portal lists organisations only).
 */

export interface PublicSubjectRow { id: number; type: string; key: string; name: string; region: string | null }

export interface PublicRecordRow {
  id: string;
  category: string;
  external_id: string;
  subject_id: number;
  subject_type: string;
  severity: string | null;
  decision_date: string;
  status: string;
  publicity: string;
  publish_from: string | null;
  publish_until: string | null;
  source_unit_code: string;
  source_unit_name: string;
  updated_at: string;
  body: string;
}

const RECORD_COLUMNS = ['id', 'category', 'external_id', 'subject_id', 'subject_type', 'severity', 'decision_date', 'status', 'publicity', 'publish_from', 'publish_until', 'source_unit_code', 'source_unit_name', 'updated_at']
  .map((c) => `r."${c}"`).join(', ');
const WITH_BODY = `select ${RECORD_COLUMNS}, e."body" from "records" r join "events" e on e."origin" = r."origin" and e."seq" = r."seq"`;
const ORGANISATION = `s."type" <> 'natural_person'`;

const marks = (n: number) => Array.from({ length: n }, () => '?').join(', ');

export interface CountRow { key: string | null; n: number | string }

export const publicRepo = {
  /** An organisation by its USCC (never a natural person). */
  subjectByCode: (db: Knex, code: string) =>
    selectRow<PublicSubjectRow>(db, `select s."id", s."type", s."key", s."name", s."region" from "subjects" s where s."key" = ? and ${ORGANISATION}`, [code]),

  subjectById: (db: Knex, id: number) =>
    selectRow<PublicSubjectRow>(db, `select s."id", s."type", s."key", s."name", s."region" from "subjects" s where s."id" = ? and ${ORGANISATION}`, [id]),

  /** The subject's records the public may see today, newest decisions first within a category. */
  recordsOf(db: Knex, subjectId: number, today: string): Promise<PublicRecordRow[]> {
    const pub = publicRecordCondition('r', today);
    return selectRows<PublicRecordRow>(db, `${WITH_BODY} where r."subject_id" = ? and r."subject_type" <> 'natural_person' and ${pub.sql} order by r."category", r."decision_date" desc, r."id"`, [subjectId, ...pub.bindings]);
  },

  /** One record the public may see today, of an organisation; undefined otherwise (whether it exists or not). */
  recordById(db: Knex, id: string, today: string): Promise<PublicRecordRow | undefined> {
    const pub = publicRecordCondition('r', today);
    return selectRow<PublicRecordRow>(db, `${WITH_BODY} where r."id" = ? and r."subject_type" <> 'natural_person' and ${pub.sql}`, [id, ...pub.bindings]);
  },

  /** Public records per subject, for a page of search results. */
  async publicCounts(db: Knex, subjectIds: number[], today: string): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    if (subjectIds.length === 0) return out;
    // Counted from the partial index of public records alone (migration 202611271500). SQLite is told to take it:
    // left to itself it reads the rows through the plain subject index, or for an IN list the publicity index.
    const cond = publicRecordCondition('r', today);
    const hint = isSqlite(db) ? ' indexed by "records_subject_public"' : '';
    const rows = await selectRows<{ subject_id: number; n: number | string }>(db,
      `select r."subject_id", count(*) as n from "records" r${hint} where r."subject_id" in (${marks(subjectIds.length)}) and ${cond.sql} group by r."subject_id"`,
      [...subjectIds, ...cond.bindings]);
    for (const r of rows) out.set(Number(r.subject_id), Number(r.n));
    return out;
  },

  async subjectIdsByCodes(db: Knex, codes: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (codes.length === 0) return out;
    const rows = await selectRows<{ id: number; key: string }>(db, `select s."id", s."key" from "subjects" s where s."key" in (${marks(codes.length)}) and ${ORGANISATION}`, codes);
    for (const r of rows) out.set(r.key, Number(r.id));
    return out;
  },

  /** Public records by category, optionally only of subjects whose region starts with `prefix`. */
  countsByCategory(db: Knex, today: string, prefix: string | undefined): Promise<CountRow[]> {
    const q = countQueries(today, prefix, 4).byCategory;
    return selectRows<CountRow>(db, q.sql, q.bindings);
  },

  /** Public records by the first `digits` digits of their subject's region (4: cities, 6: counties). */
  countsByRegion(db: Knex, today: string, digits: 4 | 6, prefix: string | undefined): Promise<CountRow[]> {
    const q = countQueries(today, prefix, digits).byRegion;
    return selectRows<CountRow>(db, q.sql, q.bindings);
  },
};

/**
 * The statements of the portal's statistics: public records by category and by the first `digits` digits of the
 * subject's region, for a region prefix or everywhere. Plain SQL with ? bindings, so the statistics thread runs
 * the same text on its own connection.
 */
export function countQueries(today: string, prefix: string | undefined, digits: 4 | 6): Record<'byCategory' | 'byRegion', { sql: string; bindings: string[] }> {
  const pub = publicRecordCondition('r', today);
  const within = prefix === undefined ? [] : [`${prefix}%`];
  // `digits` is one of two constants, never input; grouping by ordinal keeps the text the same on both dialects.
  return {
    byCategory: prefix === undefined
      ? { sql: `select r."category" as "key", count(*) as n from "records" r where ${pub.sql} group by r."category"`, bindings: pub.bindings }
      : { sql: `select r."category" as "key", count(*) as n from "records" r join "subjects" s on s."id" = r."subject_id" where s."region" like ? and ${pub.sql} group by r."category"`, bindings: [...within, ...pub.bindings] },
    byRegion: {
      sql: `select substr(s."region", 1, ${digits === 4 ? 4 : 6}) as "key", count(*) as n from "records" r join "subjects" s on s."id" = r."subject_id" where ${prefix === undefined ? '' : 's."region" like ? and '}${pub.sql} group by 1`,
      bindings: [...within, ...pub.bindings],
    },
  };
}
