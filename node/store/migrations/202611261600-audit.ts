import type { Knex } from 'knex';

/**
 * The audit trail (DESIGN.md §5): one hash chain of who did what, when, from where and to how many records;
 * the node's signatures over its audit head; and the audit heads of child nodes this node holds as evidence.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audit_log', (t) => {
    // Assigned by the writer from the stored head (contiguous from 1), never by the database.
    t.bigInteger('seq').primary();
    t.string('at', 30).notNullable();
    t.integer('user_id');
    t.string('username', 64);
    t.string('role', 20);
    t.string('ip', 64);
    t.string('action', 20).notNullable();
    // A USCC, or the keyed hash of a resident ID number: never the number itself.
    t.string('subject', 64);
    t.text('target');
    t.integer('count').notNullable().defaultTo(0);
    t.text('purpose');
    // Canonical JSON, hashed exactly as stored.
    t.text('detail').notNullable();
    t.string('prev_hash', 64).notNullable();
    t.string('hash', 64).notNullable();
    t.index(['subject', 'at'], 'audit_log_subject_at');
    t.index(['user_id', 'at'], 'audit_log_user_at');
    t.index(['action', 'at'], 'audit_log_action_at');
    t.index(['at'], 'audit_log_at');
  });
  await knex.schema.createTable('audit_signed_heads', (t) => {
    t.bigInteger('seq').primary();
    t.string('hash', 64).notNullable();
    t.string('at', 30).notNullable();
    // Compact JWS (ES256) over { node, seq, hash, at } by this node's key.
    t.text('signature').notNullable();
  });
  await knex.schema.createTable('audit_heads', (t) => {
    t.string('node', 64).primary();
    t.bigInteger('seq').notNullable();
    t.string('hash', 64).notNullable();
    t.string('at', 30).notNullable();
    // The child's compact JWS over { node, seq, hash, at }, as received.
    t.text('signature').notNullable();
    t.string('updated_at', 30).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('audit_heads');
  await knex.schema.dropTableIfExists('audit_signed_heads');
  await knex.schema.dropTableIfExists('audit_log');
}
