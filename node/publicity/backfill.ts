import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { SchemaRegistry } from '../records/schema-registry.ts';
import { selectRows } from '../store/read.ts';
import { publicityOf, type PublicityConfig } from './rules.ts';
import { chinaDay } from './visibility.ts';

export interface JudgeDeps {
  db: Knex;
  registry: SchemaRegistry;
  publicity?: PublicityConfig;
  log: Logger;
}

interface Unjudged { id: string; category: string; subject_type: string; severity: string | null; decision_date: string; updated_at: string; body: string }

/**
 * Records stored before publicity rules were applied (no `publicity_rule`) are judged once, as a receiving node
 * judges an older body: level and window from the category's rule and the stored body, by id in bounded
 * batches. Records of a category this node does not know stay as they are. Returns how many were judged.
 */
export async function judgeUnjudged(deps: JudgeDeps, opts: { batchSize?: number } = {}): Promise<number> {
  const batchSize = Math.max(1, opts.batchSize ?? 1000);
  let after = '';
  let judged = 0;
  for (;;) {
    const rows = await selectRows<Unjudged>(deps.db,
      'select r."id", r."category", r."subject_type", r."severity", r."decision_date", r."updated_at", e."body" from "records" r join "events" e on e."origin" = r."origin" and e."seq" = r."seq" where r."publicity_rule" is null and r."id" > ? order by r."id" limit ?',
      [after, batchSize]);
    if (rows.length === 0) break;
    after = (rows[rows.length - 1] as Unjudged).id;
    await deps.db.transaction(async (trx) => {
      for (const r of rows) {
        if (!deps.registry.has(r.category)) continue;
        const body = JSON.parse(r.body) as { data?: Record<string, unknown>; sourceUnit?: { code?: string; name?: string } };
        const d = publicityOf(deps.registry.meta(r.category).publicity, {
          category: r.category, subjectType: r.subject_type, severity: r.severity, decisionDate: r.decision_date,
          data: body.data ?? {}, sourceUnit: { name: body.sourceUnit?.name ?? '' }, writtenOn: chinaDay(new Date(r.updated_at)),
        }, deps.publicity);
        await trx('records').where({ id: r.id }).whereNull('publicity_rule')
          .update({ publicity: d.level, publish_from: d.publishFrom, publish_until: d.publishUntil, publicity_rule: d.rule });
        judged += 1;
      }
    });
    if (rows.length < batchSize) break;
  }
  if (judged > 0) deps.log.info({ judged }, 'publicity: records stored before the rules judged');
  return judged;
}
