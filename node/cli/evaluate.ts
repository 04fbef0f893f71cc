import { parse, printResult, say, withNode } from './common.ts';
import { UsageError } from '../errors.ts';
import { subjectKeyOf } from '../query/subject-report.ts';

const HELP = `用法：
  credit-node evaluate --all [--model <版本>] [--as-of YYYY-MM-DD]   按模型重新评价全部主体（结果按模型版本分别保存）
  credit-node evaluate --subject <代码> [--model <版本>] [--as-of YYYY-MM-DD]   评价一个主体并显示各指标得分
  credit-node evaluate --subject <代码> --stored   显示已保存的评价结果（各模型版本）和等级变化
  credit-node evaluate --pending    处理待重新评价的主体（信用记录有变化的）
  credit-node evaluate --stats [--model <版本>]    各等级主体数、最近一次全量评价
  credit-node evaluate --models     列出评价模型版本`;

/** Credit evaluation from the command line: full runs and replays under a model, one subject, the queue. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    all: { type: 'boolean' },
    subject: { type: 'string' },
    pending: { type: 'boolean' },
    stats: { type: 'boolean' },
    models: { type: 'boolean' },
    stored: { type: 'boolean' },
    model: { type: 'string' },
    'as-of': { type: 'string' },
    help: { type: 'boolean' },
  });
  if (values.help) {
    say(HELP);
    return 0;
  }
  const actions = (['all', 'subject', 'pending', 'stats', 'models'] as const).filter((a) => values[a] !== undefined && values[a] !== false);
  if (actions.length !== 1) throw new UsageError(`请指定 --all、--subject、--pending、--stats 或 --models 之一\n${HELP}`);
  const opts = { ...(values.model !== undefined ? { model: values.model } : {}), ...(values['as-of'] !== undefined ? { asOf: values['as-of'] } : {}) };
  return withNode(String(values.config), async (ctx, config) => {
    const service = ctx.evaluation;
    if (!config.evaluation.enabled || !service) throw new UsageError('本节点未开启信用评价（配置项 evaluation.enabled）');
    switch (actions[0]) {
      case 'models':
        printResult({ current: service.currentModel.version, models: service.versions().map((v) => ({ version: v, title: service.model(v).title, effectiveFrom: service.model(v).effectiveFrom, file: service.model(v).file })) });
        return 0;
      case 'stats':
        printResult(await service.stats(values.model));
        return 0;
      case 'pending':
        printResult(await service.processQueue());
        return 0;
      case 'all': {
        let shown = 0;
        const summary = await service.evaluateAll({
          ...opts,
          onBatch: (done) => {
            if (done - shown >= 100_000) {
              shown = done;
              say(`已评价 ${done.toLocaleString('en-US')} 个主体`);
            }
          },
        });
        printResult(summary);
        return 0;
      }
      default: {
        const { key } = subjectKeyOf(ctx.vault, String(values.subject));
        const result = values.stored ? await service.explain(key) : await service.evaluateSubject(key, opts);
        if (!result) {
          say(`未找到主体：${String(values.subject)}`);
          return 1;
        }
        printResult(result);
        return 0;
      }
    }
  });
}
