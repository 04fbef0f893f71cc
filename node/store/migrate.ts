import type { Knex } from 'knex';
import { MIGRATIONS } from './migrations/index.ts';
import type { Store } from './connection.ts';

const source: Knex.MigrationSource<string> = {
  getMigrations: async () => MIGRATIONS.map(([name]) => name),
  getMigrationName: (name) => name,
  getMigration: async (name) => {
    const found = MIGRATIONS.find(([n]) => n === name);
    if (!found) throw new Error(`unknown migration ${name}`);
    return found[1];
  },
};

const options: Knex.MigratorConfig = { migrationSource: source, tableName: 'knex_migrations' };

/** Brings the store to the latest schema. */
export async function migrateLatest(store: Store): Promise<string[]> {
  const [, names] = (await store.knex.migrate.latest(options)) as [number, string[]];
  return names;
}

/** Rolls every migration back (used by tests and by operators recovering from a bad upgrade). */
export async function migrateRollbackAll(store: Store): Promise<void> {
  await store.knex.migrate.rollback(options, true);
}
