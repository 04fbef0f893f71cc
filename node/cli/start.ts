import { parse, say } from './common.ts';
import { loadConfig } from '../config/load.ts';
import { startNode } from '../app.ts';

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {});
  const config = loadConfig(String(values.config));
  const node = await startNode(config);
  say(`节点 ${config.id}（${config.name}）已启动：${node.url}`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      say(`收到 ${signal}，正在停止……`);
      node.stop().then(resolve, resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  return 0;
}
