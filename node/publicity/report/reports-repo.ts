import type { Knex } from 'knex';
import { selectRow } from '../../store/read.ts';

/** One issued public credit report (the registry the verification page reads). */
export interface CreditReportRow {
  number: string;
  subject_key: string;
  subject_name: string;
  subject_type: string;
  issuer: string;
  issued_at: string;
  code_hash: string;
  /** Null while the number is reserved and its PDF is being made. */
  digest: string | null;
  size: number | null;
  record_count: number;
}

/** The only SQL over `credit_reports`. */
export const creditReportsRepo = {
  byNumber: (db: Knex, number: string) =>
    selectRow<CreditReportRow>(db, 'select * from "credit_reports" where "number" = ?', [number]),

  /** The highest number issued with this prefix (a day's numbers share their YYYYMMDD). */
  async lastNumber(db: Knex, prefix: string): Promise<string | undefined> {
    const row = await selectRow<{ number: string | null }>(db, 'select max("number") as "number" from "credit_reports" where "number" like ?', [`${prefix}%`]);
    return row?.number ?? undefined;
  },

  /** Reserves a number; false when another issue took it first (unique key). */
  async reserve(db: Knex, row: CreditReportRow): Promise<boolean> {
    try {
      await db('credit_reports').insert(row);
      return true;
    } catch (err) {
      if (await creditReportsRepo.byNumber(db, row.number)) return false;
      throw err;
    }
  },

  async complete(db: Knex, number: string, digest: string, size: number): Promise<void> {
    await db('credit_reports').where({ number }).update({ digest, size });
  },

  /** Gives a reserved number back when its PDF could not be made. */
  async release(db: Knex, number: string): Promise<void> {
    await db('credit_reports').where({ number }).whereNull('digest').delete();
  },
};
