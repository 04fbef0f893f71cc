// A second writer of one store's audit log, run as its own process by audit-log.test.ts:
// writer.ts <store config JSON> <private key file> <node id> <entries>. Prints "ready", then {"seqs":[...]}.
import { readFileSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import { openStore } from '../../node/store/connection.ts';
import { signCompact } from '../../node/exchange/jws.ts';
import { systemClock } from '../../node/clock.ts';
import { AuditLog } from '../../node/audit/audit-log.ts';

const [storeJson, keyFile, node, countText] = process.argv.slice(2) as [string, string, string, string];
const store = openStore(JSON.parse(storeJson));
const key = createPrivateKey(readFileSync(keyFile));
const audit = new AuditLog({ db: store.knex, node, clock: systemClock, idleSignMs: 0, signHead: (h) => signCompact(h, key, node) });
process.stdout.write('ready\n');
const pending: Array<Promise<number>> = [];
for (let i = 0; i < Number(countText); i++) {
  pending.push(audit.record({ action: 'batch_in', target: 'city-jinan', count: i }));
  if (i % 10 === 9) await new Promise((r) => setTimeout(r, 1));
}
const seqs = await Promise.all(pending);
await audit.close();
await store.close();
process.stdout.write(`${JSON.stringify({ seqs })}\n`);
