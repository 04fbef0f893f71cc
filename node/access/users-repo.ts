import type { Knex } from 'knex';
import { selectRow } from '../store/read.ts';

export interface UserRow {
  id: number;
  username: string;
  role: string;
  password_hash: string;
  regions: string;
  sectors: string;
  source_unit: string | null;
  status: string;
  failed_logins: number;
  locked_until: string | null;
  created_at: string;
  tokens_valid_after?: string | null;
}

export const usersRepo = {
  byUsername: (db: Knex, username: string) => db<UserRow>('users').where({ username }).first() as Promise<UserRow | undefined>,
  /** Read on every authenticated request: one compiled statement (store/read.ts). */
  byId: (db: Knex, id: number) => selectRow<UserRow>(db, 'select * from "users" where "id" = ?', [id]),
  insert: async (db: Knex, row: Omit<UserRow, 'id'>) => {
    const [inserted] = (await db('users').insert(row).returning('id')) as Array<{ id: number } | number>;
    return typeof inserted === 'object' ? inserted.id : Number(inserted);
  },
  update: (db: Knex, id: number, patch: Partial<UserRow>) => db('users').where({ id }).update(patch),
  count: async (db: Knex) => Number(((await db('users').count({ n: '*' }).first()) as { n: number | string } | undefined)?.n ?? 0),
  list: (db: Knex) => db<UserRow>('users').select('*').orderBy('id') as Promise<UserRow[]>,
};
