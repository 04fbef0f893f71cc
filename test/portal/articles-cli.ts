// Runs `credit-node articles …` through its command module, as node/cli.ts would (for tests, before and after
// the command is registered there).
import { run } from '../../node/cli/articles.ts';

process.exitCode = await run(process.argv.slice(2));
