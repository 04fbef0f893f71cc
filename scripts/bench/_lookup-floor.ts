// The query benchmark's lookup floor (query.ts): the subject report's work with nothing around it, in a process
// of its own. node:http; the subject, its records with their bodies and their versions read with prepared
// statements on a thread of its own (read-only, as the node's query threads do) and answered as JSON grouped by
// category; an audit entry per request, hash-chained, group-committed per turn of the event loop and committed
// before the answer leaves (as the node does), into a scratch file with the store's audit_log table and indexes;
// the node's security headers (securityHeaders()), a request id and an access line. No token check, no scope, no framework: what is
// left is what any implementation of the report over HTTP, audited, pays on this machine.
//   node --import tsx scripts/bench/_lookup-floor.ts <store file> <audit scratch file> <port>
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, rmSync } from 'node:fs';
import http from 'node:http';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { startThread } from '../../node/threads.ts';
import { securityHeaders } from '../../node/http/app.ts';
import { REPORT_SQL } from './_store.ts';

type Built = { json: string; key: string; count: number } | { missing: true };

/** The thread: one report's rows read and turned into JSON. */
function reader(file: string): (code: string) => Built {
  const db = new Database(file, { readonly: true });
  db.pragma('cache_size = -16384');
  const subject = db.prepare<[string], { id: number; type: string; key: string; name: string; region: string | null }>(REPORT_SQL.subject);
  const records = db.prepare<[number], Record<string, unknown> & { id: string; body: string; category: string }>(REPORT_SQL.records);
  const versions = db.prepare<[number], { record_id: string; version: number; op: string; status: string; origin: string; at: string }>('select v.record_id, v.version, v.op, v.status, v.origin, v.at from records r join record_versions v on v.record_id = r.id where r.subject_id = ? order by v.record_id, v.version');
  return (code) => {
    const s = subject.get(code);
    if (!s) return { missing: true };
    const rows = records.all(s.id);
    const history = new Map<string, Array<Record<string, unknown>>>();
    for (const v of versions.all(s.id)) {
      let list = history.get(v.record_id);
      if (!list) history.set(v.record_id, (list = []));
      list.push({ version: v.version, op: v.op, status: v.status, origin: v.origin, at: v.at });
    }
    const sections: Record<string, unknown[]> = {};
    for (const r of rows) {
      const body = JSON.parse(r.body) as { subject: Record<string, string>; sourceUnit: unknown; data: unknown };
      (sections[r.category] ??= []).push({
        id: r.id, category: r.category, externalId: r['external_id'], subject: { type: r['subject_type'], name: body.subject['name'], code: body.subject['code'] },
        sourceUnit: body.sourceUnit, decisionDate: r['decision_date'], severity: r['severity'], data: body.data, version: r['version'], status: r['status'],
        publicity: r['publicity'], publishFrom: r['publish_from'], publishUntil: r['publish_until'], origin: r['origin'],
        history: [...(history.get(r.id) ?? []), { version: r['version'], status: r['status'], origin: r['origin'], at: r['updated_at'] }],
      });
    }
    return { json: JSON.stringify({ subject: { type: s.type, code: s.key, name: s.name, region: s.region }, sections, count: rows.length }), key: s.key, count: rows.length };
  };
}

if (!isMainThread) {
  const build = reader(workerData as string);
  parentPort?.on('message', (m: { id: number; code: string }) => parentPort?.postMessage({ id: m.id, built: build(m.code) }));
} else {
  const [file, auditFile, port] = process.argv.slice(2) as [string, string, string];
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${auditFile}${suffix}`, { force: true });
  const schema = new Database(file, { readonly: true });
  const ddl = schema.prepare<[], { sql: string }>("select sql from sqlite_master where tbl_name = 'audit_log' and sql is not null").all().map((r) => r.sql);
  schema.close();
  const audit = new Database(auditFile);
  audit.pragma('journal_mode = WAL');
  audit.pragma('synchronous = NORMAL');
  for (const sql of ddl) audit.exec(sql);
  const insert = audit.prepare('insert into audit_log (seq, at, user_id, username, role, ip, action, subject, count, detail, prev_hash, hash) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  let seq = 0;
  let prev = '0'.repeat(64);
  let queue: Array<{ row: unknown[]; done: () => void }> = [];
  const commit = audit.transaction((rows: typeof queue) => { for (const q of rows) insert.run(...q.row); });
  const drain = () => {
    const rows = queue;
    queue = [];
    commit(rows);
    for (const q of rows) q.done();
  };
  const append = (subject: string, count: number, ip: string) => new Promise<void>((done) => {
    const at = new Date().toISOString();
    const entry = { seq: ++seq, at, userId: 1, username: 'bench', role: 'officer', ip, action: 'query', subject, count, detail: '{}', prevHash: prev };
    const hash = createHash('sha256').update(JSON.stringify(entry)).digest('hex');
    prev = hash;
    if (queue.length === 0) setImmediate(drain);
    queue.push({ row: [entry.seq, at, 1, 'bench', 'officer', ip, 'query', subject, count, '{}', entry.prevHash, hash], done });
  });

  const thread = startThread(import.meta.url, '_lookup-floor', { workerData: file });
  const pending = new Map<number, (b: Built) => void>();
  thread.on('message', (m: { id: number; built: Built }) => { pending.get(m.id)?.(m.built); pending.delete(m.id); });
  let nextId = 0;
  const build = (code: string) => new Promise<Built>((resolve) => {
    const id = ++nextId;
    pending.set(id, resolve);
    thread.postMessage({ id, code });
  });

  // The node's own security headers (helmet's, worked out once), set the way the node sets them.
  const security = securityHeaders();
  const accessLog = createWriteStream(`${auditFile}.access.log`);
  const server = http.createServer((req, res) => {
    const start = process.hrtime.bigint();
    const id = randomUUID();
    res.setHeader('X-Request-Id', id);
    security(req as never, res as never, () => undefined);
    const code = /^\/api\/v1\/subjects\/([^/?]+)/.exec(req.url ?? '')?.[1];
    void (async () => {
      const built = code ? await build(decodeURIComponent(code)) : { missing: true as const };
      if ('missing' in built) {
        res.statusCode = 404;
        res.end();
        return;
      }
      await append(built.key, built.count, req.socket.remoteAddress ?? '');
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.setHeader('Content-Length', Buffer.byteLength(built.json));
      res.end(built.json);
      accessLog.write(`${JSON.stringify({ level: 30, time: Date.now(), reqId: id, method: req.method, route: '/api/v1/subjects/:code', path: req.url, status: 200, ms: Number(process.hrtime.bigint() - start) / 1e6, msg: 'request' })}\n`);
    })();
  });
  server.listen(Number(port), '127.0.0.1', () => console.log('ready'));
}
