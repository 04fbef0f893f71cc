import type { Knex } from 'knex';

/**
 * Credit evaluation (evaluation/): the latest result of every subject under each model version (a new model is
 * evaluated beside the old one, never over it), the history of grade changes, the subjects whose records changed
 * since their last evaluation, and the full runs.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('evaluations', (t) => {
    t.string('model_version', 20).notNullable();
    t.integer('subject_id').notNullable().references('id').inTable('subjects').onDelete('CASCADE');
    t.string('subject_type', 20).notNullable();
    t.string('grade', 2).notNullable();
    t.double('score').notNullable();
    /** The day (China time) the result is as of, and when it was computed. */
    t.string('as_of', 10).notNullable();
    t.string('computed_at', 30).notNullable();
    t.string('inputs_digest', 64).notNullable();
    /** JSON: [[indicator, label, value, points, note], ...] in the model's order. */
    t.text('factors').notNullable();
    // Model first: a full run walks one model's results in subject order; a lookup gives both.
    t.primary(['model_version', 'subject_id']);
  });
  await knex.schema.createTable('evaluation_history', (t) => {
    t.bigIncrements('id').primary();
    t.integer('subject_id').notNullable().references('id').inTable('subjects').onDelete('CASCADE');
    t.string('model_version', 20).notNullable();
    t.string('grade', 2).notNullable();
    t.string('previous_grade', 2);
    t.double('score').notNullable();
    t.double('previous_score');
    t.string('as_of', 10).notNullable();
    t.string('computed_at', 30).notNullable();
    t.string('inputs_digest', 64).notNullable();
    t.index(['subject_id', 'model_version', 'id']);
  });
  await knex.schema.createTable('evaluation_queue', (t) => {
    t.integer('subject_id').primary().references('id').inTable('subjects').onDelete('CASCADE');
    /** Raised each time the subject is queued again, so a change during its evaluation is not lost. */
    t.integer('gen').notNullable().defaultTo(0);
    t.string('queued_at', 30).notNullable();
  });
  await knex.schema.createTable('evaluation_runs', (t) => {
    t.increments('id').primary();
    t.string('model_version', 20).notNullable();
    t.string('as_of', 10).notNullable();
    t.string('started_at', 30).notNullable();
    t.string('finished_at', 30);
    t.integer('subjects').notNullable().defaultTo(0);
    t.index(['model_version', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('evaluation_runs');
  await knex.schema.dropTableIfExists('evaluation_queue');
  await knex.schema.dropTableIfExists('evaluation_history');
  await knex.schema.dropTableIfExists('evaluations');
}
