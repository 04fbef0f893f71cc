import type { EvaluationView } from './service.ts';
import { reads, type EvaluationModel } from './model.ts';

/** The line that stands for the indicators the public may not see the detail of. */
export const WITHHELD_INDICATOR = 'withheld';

/**
 * An evaluation as the public sees it (the portal, the credit report): the grade, the score and the contribution
 * of each indicator drawn from categories published by rule (社会公开), without the values found (a count may
 * include records outside their publicity window); the indicators over government-only or authorised data and
 * the decided tickets count as one line, so their detail never leaves through the explanation.
 */
export function publicEvaluation(view: EvaluationView, model: EvaluationModel | undefined, publicCategories: ReadonlySet<string>): EvaluationView {
  const categoryOf = new Map<string, string | undefined>();
  for (const t of Object.values(model?.subjectTypes ?? {})) {
    if ('indicators' in t) for (const ind of t.indicators) categoryOf.set(ind.id, reads(ind).category);
  }
  const shown: EvaluationView['factors'] = [];
  let withheld = 0;
  let hidden = 0;
  for (const f of view.factors) {
    const category = categoryOf.get(f.indicator);
    if (category !== undefined && publicCategories.has(category)) shown.push({ ...f, value: null });
    else {
      withheld += f.points;
      hidden += 1;
    }
  }
  if (hidden > 0) shown.push({ indicator: WITHHELD_INDICATOR, label: '其他信用信息', value: null, points: Math.round(withheld * 100) / 100, note: '依法不向社会公开的信息（政务共享、授权查询）合计' });
  return { ...view, factors: shown };
}
