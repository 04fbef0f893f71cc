import { parse, printResult, required, say, withNode } from './common.ts';
import { UsageError } from '../errors.ts';
import { openAccessOf } from '../open/open-access.ts';
import { clientView, type Actor } from '../open/clients.ts';
import { parseMonth } from '../open/usage.ts';

const USAGE = [
  '用法：credit-node clients add --name <名称> --code <统一社会信用代码> --datasets <a,b> [--fields <类别.字段,...>] [--persons]',
  '        [--quota <次/月>] [--rate <次/分钟>] [--purpose <使用目的>] [--expires <YYYY-MM-DD>] [--contact-name <联系人>] [--contact-phone <电话>]',
  '  | clients list | clients suspend|resume|revoke --id <机构编号>',
  '  | clients authorise --id <机构编号> --subject <统一社会信用代码或身份证号码> --datasets <a,b> --expires <YYYY-MM-DD> [--reference <授权书编号>]',
  '  | clients authorisations --id <机构编号> | clients usage [--id <机构编号>] [--month <YYYY-MM>]',
].join('\n');

/** The command line is the node's own operator: changes are audited without a user. */
const CLI: Actor = { principal: null, ip: null };

/** Third-party clients (多元化应用): register, list, suspend, resume, revoke, record authorisations, report usage. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    name: { type: 'string' },
    code: { type: 'string' },
    datasets: { type: 'string' },
    fields: { type: 'string' },
    persons: { type: 'boolean', default: false },
    quota: { type: 'string' },
    rate: { type: 'string' },
    purpose: { type: 'string' },
    expires: { type: 'string' },
    'contact-name': { type: 'string' },
    'contact-phone': { type: 'string' },
    id: { type: 'string' },
    subject: { type: 'string' },
    reference: { type: 'string' },
    month: { type: 'string' },
  }, true);
  const action = positionals[0];
  const config = String(values.config);
  if (action === 'add') {
    required(values, ['name', 'code', 'datasets']);
    return withNode(config, async (ctx) => {
      const added = await openAccessOf(ctx).clients.add({
        name: values.name, code: values.code, datasets: values.datasets, fields: values.fields, persons: values.persons,
        monthlyQuota: values.quota, rateLimitPerMinute: values.rate, purpose: values.purpose, expires: values.expires,
        contact: { name: values['contact-name'], phone: values['contact-phone'] },
      }, CLI);
      say(`已登记接入机构 ${added.clientId}（${added.name}）。密钥只显示这一次，请立即交付该机构并妥善保管。`);
      printResult(added);
      return 0;
    });
  }
  if (action === 'list') {
    return withNode(config, async (ctx) => {
      printResult({ clients: (await openAccessOf(ctx).clients.list()).map(clientView) });
      return 0;
    });
  }
  if (action === 'suspend' || action === 'resume' || action === 'revoke') {
    required(values, ['id']);
    return withNode(config, async (ctx) => {
      printResult(clientView(await openAccessOf(ctx).clients.setStatus(values.id, action, CLI)));
      return 0;
    });
  }
  if (action === 'authorise' || action === 'authorize') {
    required(values, ['id', 'subject', 'datasets', 'expires']);
    return withNode(config, async (ctx) => {
      printResult(await openAccessOf(ctx).clients.authorise(values.id, { subject: values.subject, datasets: values.datasets, expires: values.expires, reference: values.reference }, CLI));
      return 0;
    });
  }
  if (action === 'authorisations') {
    required(values, ['id']);
    return withNode(config, async (ctx) => {
      printResult({ authorisations: await openAccessOf(ctx).clients.authorisations(values.id) });
      return 0;
    });
  }
  if (action === 'usage') {
    return withNode(config, async (ctx) => {
      const open = openAccessOf(ctx);
      const month = parseMonth(values.month, open.meter.month());
      const clients = values.id !== undefined ? [await open.clients.get(values.id)] : await open.clients.list();
      printResult({ month, usage: await open.meter.report(clients, month) });
      return 0;
    });
  }
  throw new UsageError(USAGE);
}
