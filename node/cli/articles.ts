import { readFileSync } from 'node:fs';
import { parse, printResult, readStdin, required, say, withNode } from './common.ts';
import { UsageError } from '../errors.ts';
import { ArticleService, articleId } from '../portal/articles.ts';

const USAGE = '用法：credit-node articles add --kind <news|policy> --title <标题> (--body-file <文件> | --body-stdin) [--published-at <YYYY-MM-DD>] [--region <6 位区划代码>]'
  + ' | articles list [--kind <news|policy>] [--page <n>] [--limit <n>] | articles remove --id <编号>';

/** News and policy articles of the portal (信用动态, 政策法规): add, list, remove. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    kind: { type: 'string' },
    title: { type: 'string' },
    'body-file': { type: 'string' },
    'body-stdin': { type: 'boolean', default: false },
    'published-at': { type: 'string' },
    region: { type: 'string' },
    id: { type: 'string' },
    page: { type: 'string' },
    limit: { type: 'string' },
  }, true);
  const action = positionals[0];
  if (action === 'add') {
    required(values, ['kind', 'title']);
    if (Boolean(values['body-file']) === Boolean(values['body-stdin'])) throw new UsageError('正文须由 --body-file <文件> 或 --body-stdin 之一给出');
    const body = values['body-file'] ? readFileSync(String(values['body-file']), 'utf8') : await readStdin();
    return withNode(String(values.config), async (ctx) => {
      const articles = new ArticleService({ db: ctx.store.knex, clock: ctx.clock });
      const a = await articles.add({ kind: values.kind, title: values.title, body, publishedAt: values['published-at'], region: values.region }, 'cli');
      await ctx.access({ principal: null, action: 'write', target: `article:${a.id}`, count: 1, detail: { article: a.id, op: 'add', kind: a.kind, via: 'cli' } });
      say(`已发布文章 ${a.id}：${a.title}`);
      printResult(a);
      return 0;
    });
  }
  if (action === 'list') {
    return withNode(String(values.config), async (ctx) => {
      const articles = new ArticleService({ db: ctx.store.knex, clock: ctx.clock });
      printResult(await articles.list({ kind: values.kind, page: values.page, limit: values.limit, publicOnly: false }));
      return 0;
    });
  }
  if (action === 'remove') {
    required(values, ['id']);
    if (!/^\d{1,9}$/.test(String(values.id))) throw new UsageError('--id 须为文章编号（正整数）');
    return withNode(String(values.config), async (ctx) => {
      const articles = new ArticleService({ db: ctx.store.knex, clock: ctx.clock });
      const removed = await articles.remove(articleId(values.id));
      await ctx.access({ principal: null, action: 'write', target: `article:${removed.id}`, count: 1, detail: { article: removed.id, op: 'remove', via: 'cli' } });
      printResult(removed);
      return 0;
    });
  }
  throw new UsageError(USAGE);
}
