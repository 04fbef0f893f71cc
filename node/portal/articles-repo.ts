import type { Knex } from 'knex';
import { selectRow, selectRows } from '../store/read.ts';

export interface ArticleRow {
  id: number;
  kind: string;
  title: string;
  body: string;
  published_at: string;
  region: string | null;
  created_by: string;
  created_at: string;
}

export interface ArticleFilter {
  kind?: string | undefined;
  /** Only articles for every site (region null) or for a region starting with this prefix. */
  regionPrefix?: string | undefined;
  /** Only articles published at or before this instant (ISO). */
  publishedBy?: string | undefined;
}

const LIST_COLUMNS = '"id", "kind", "title", "published_at", "region", "created_by", "created_at"';

function where(f: ArticleFilter): { sql: string; bindings: string[] } {
  const parts: string[] = [];
  const bindings: string[] = [];
  if (f.kind !== undefined) { parts.push('"kind" = ?'); bindings.push(f.kind); }
  if (f.regionPrefix !== undefined) { parts.push('("region" is null or "region" like ?)'); bindings.push(`${f.regionPrefix}%`); }
  if (f.publishedBy !== undefined) { parts.push('"published_at" <= ?'); bindings.push(f.publishedBy); }
  return { sql: parts.length ? ` where ${parts.join(' and ')}` : '', bindings };
}

/** The only SQL over `articles`. */
export const articlesRepo = {
  async insert(db: Knex, row: Omit<ArticleRow, 'id'>): Promise<number> {
    const [inserted] = (await db('articles').insert(row).returning('id')) as Array<{ id: number } | number>;
    return typeof inserted === 'object' ? Number(inserted.id) : Number(inserted);
  },

  byId: (db: Knex, id: number) => selectRow<ArticleRow>(db, 'select * from "articles" where "id" = ?', [id]),

  /** Newest first; the body is left out (lists show titles). */
  list(db: Knex, f: ArticleFilter, limit: number, offset: number): Promise<Array<Omit<ArticleRow, 'body'>>> {
    const w = where(f);
    return selectRows(db, `select ${LIST_COLUMNS} from "articles"${w.sql} order by "published_at" desc, "id" desc limit ? offset ?`, [...w.bindings, limit, offset]);
  },

  async count(db: Knex, f: ArticleFilter): Promise<number> {
    const w = where(f);
    return Number((await selectRow<{ n: number | string }>(db, `select count(*) as n from "articles"${w.sql}`, w.bindings))?.n ?? 0);
  },

  remove: async (db: Knex, id: number) => Number(await db('articles').where({ id }).delete()),
};
