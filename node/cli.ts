#!/usr/bin/env -S node --max-semi-space-size=64
import { isCreditNodeError } from './errors.ts';
import { describeStoreError } from './store/errors.ts';

type Command = { run(argv: string[]): Promise<number> };

const COMMANDS: Record<string, () => Promise<Command>> = {
  init: () => import('./cli/init.ts'),
  start: () => import('./cli/start.ts'),
  keys: () => import('./cli/keys.ts'),
  'check-code': () => import('./cli/check-code.ts'),
  users: () => import('./cli/users.ts'),
  import: () => import('./cli/import.ts'),
  status: () => import('./cli/status.ts'),
  verify: () => import('./cli/verify.ts'),
  demo: () => import('./cli/demo.ts'),
  nodes: () => import('./cli/nodes.ts'),
  sync: () => import('./cli/sync.ts'),
  tickets: () => import('./cli/tickets.ts'),
  articles: () => import('./cli/articles.ts'),
  clients: () => import('./cli/clients.ts'),
  evaluate: () => import('./cli/evaluate.ts'),
  backup: () => import('./cli/backup.ts'),
  restore: () => import('./cli/restore.ts'),
  recover: () => import('./cli/recover.ts'),
};

const USAGE = `用法：credit-node <命令> [选项]

命令：
  init        新建节点配置、密钥对和空数据库
  start       启动节点
  keys show   显示节点公钥及指纹
  keys rotate-data  更换个人证件号码的存储密钥并重新加密
  check-code  校验统一社会信用代码或公民身份号码
  users add   新增用户（密码从标准输入读取）
  import      批量导入信用信息（CSV、XLSX、JSONL）
  status      节点状态
  verify      校验事件哈希链
  nodes       登记、列出或撤销下级节点（add / list / revoke）
  sync        立即与上级节点同步一轮（--up / --down）
  tickets     办理本节点负责的异议、投诉和信用修复申请：list / show / resolve
  articles    信用网站文章（信用动态、政策法规）：add / list / remove
  clients     第三方机构接入：add / list / suspend / resume / revoke / authorise / usage
  evaluate    信用评价：按模型全量或增量计算、查看主体评价结果
  backup      在线备份节点存储（--out <文件>；不指定则写入 backup.dir 并按 backup.keep 保留）
  restore     从备份文件恢复到空的数据目录（--from <文件>，须先放回原节点的配置和密钥并停止节点）
  recover     数据丢失后从上级节点恢复本节点及下级节点的事件链（须先放回配置和密钥），再下行同步
  demo        启动演示联邦（省级平台、济南市、济南市市场监管局、省税务局四个节点，含生成数据）

每个命令都接受 --config <文件>（默认 ./credit-node.json）。`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stderr.write(`${USAGE}\n`);
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`未知命令：${name}\n\n${USAGE}\n`);
    return 2;
  }
  const command = await load();
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    if (isCreditNodeError(err)) {
      process.stderr.write(`错误：${err.message}\n`);
      process.exitCode = err.code === 'USAGE' ? 2 : 1;
      return;
    }
    const message = describeStoreError(err) ?? (err instanceof Error ? err.message : String(err));
    process.stderr.write(`错误：${message.split('\n')[0]?.slice(0, 500)}\n`);
    if (process.env['CREDIT_NODE_DEBUG']) console.error(err);
    process.exitCode = 1;
  },
);
