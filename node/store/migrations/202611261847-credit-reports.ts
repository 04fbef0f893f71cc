import type { Knex } from 'knex';

/**
 * Public credit reports (公共信用信息报告) this node has issued (node/publicity/report/): one row per report, so
 * whoever receives one can check its number, verification code and digest on the issuing node's site. The
 * verification code itself is not kept, only its SHA-256; the report's bytes are not kept either, only their
 * SHA-256 and size. A row whose digest is still null is a number reserved while its PDF is being made.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('credit_reports', (t) => {
    /** YYYYMMDD (China Standard Time) and a sequence of the day: 20261126000001. */
    t.string('number', 20).primary();
    /** The subject's lookup key (subjects.key): the USCC (reports are issued for organisations only). */
    t.string('subject_key', 64).notNullable();
    t.string('subject_name', 200).notNullable();
    t.string('subject_type', 20).notNullable();
    /** The issuing platform's name as printed on the report. */
    t.string('issuer', 200).notNullable();
    t.string('issued_at', 30).notNullable();
    t.string('code_hash', 64).notNullable();
    t.string('digest', 64);
    t.integer('size');
    t.integer('record_count').notNullable();
    t.index(['subject_key']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('credit_reports');
}
