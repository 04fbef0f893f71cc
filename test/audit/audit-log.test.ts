import { expect } from 'chai';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyPairSync } from 'node:crypto';
import { backends, tempNode, fixedClock, type TempNode } from '../helpers/node.ts';
import { personCode } from '../helpers/records.ts';
import { canonicalize, sha256Hex } from '../../node/exchange/canonical-json.ts';
import { verifyCompact } from '../../node/exchange/jws.ts';
import { AUDIT_GENESIS, type AuditLog, type AuditInput } from '../../node/audit/audit-log.ts';
import { isCreditNodeError } from '../../node/errors.ts';
import { auditOf, db, rechain, resetAudit, signedSeqs, tamper } from './helpers.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const officer = { id: 7, username: 'officer1', role: 'officer' };
const query = (n: number): AuditInput => ({ action: 'query', user: officer, ip: '10.0.0.7', subject: `91370102MA${String(n).padStart(6, '0')}X`, count: n, purpose: '行政执法核查', detail: { n } });

/** Entries 1..n, recorded one transaction each, then the head signed. */
async function chainOf(audit: AuditLog, n: number): Promise<void> {
  for (let i = 1; i <= n; i++) await audit.record(query(i));
  await audit.flush();
}

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

for (const backend of backends()) {
  describe(`audit log on ${backend}`, function () {
    this.timeout(60_000);
    const clock = fixedClock('2026-06-01T02:00:00.000Z');
    let node: TempNode;
    let audit: AuditLog;
    before(async () => { node = await tempNode({ backend, clock }); });
    after(async () => { await node?.cleanup(); });
    beforeEach(async () => {
      clock.set('2026-06-01T02:00:00.000Z');
      await resetAudit(node);
      audit = auditOf(node);
    });

    it('coalesces concurrent record() calls into one transaction, seqs contiguous in call order', async () => {
      const seqs = await Promise.all(Array.from({ length: 200 }, (_, i) => audit.record(query(i))));
      expect(seqs).to.deep.equal(Array.from({ length: 200 }, (_, i) => i + 1));
      expect(audit.stats.transactions).to.equal(1);
      const rows = (await db(node)('audit_log').select('seq', 'count').orderBy('seq')) as Array<{ seq: number | string; count: number | string }>;
      expect(rows.map((r) => Number(r.count))).to.deep.equal(Array.from({ length: 200 }, (_, i) => i));
    });

    it('while entries stream in, calls made in separate callbacks of one turn of the event loop (requests answered in one poll) share one transaction', async () => {
      // The stream: an entry committed a moment ago.
      await audit.record(query(0));
      const before = audit.stats.transactions;
      // Each callback runs to its end, microtasks included, before the next: as each request of a burst does.
      const calls = await new Promise<Array<Promise<number>>>((resolve) => {
        const out: Array<Promise<number>> = [];
        for (let i = 0; i < 20; i++) setImmediate(() => { out.push(audit.record(query(i))); if (out.length === 20) resolve(out); });
      });
      expect(await Promise.all(calls)).to.deep.equal(Array.from({ length: 20 }, (_, i) => i + 2));
      expect(audit.stats.transactions - before).to.equal(1);
    });

    it('a lone entry after a quiet spell commits at once, not after the rest of the event loop\'s turn', async function () {
      // Observable where a commit needs no I/O turn of its own (better-sqlite3 answers synchronously).
      if (backend !== 'sqlite') this.skip();
      await audit.record(query(0));
      await new Promise((resolve) => setTimeout(resolve, 20));
      // Committed before an immediate queued ahead of it runs: the transaction starts in the same tick.
      let immediateRan = false;
      setImmediate(() => { immediateRan = true; });
      const seq = audit.record(query(1));
      let committedFirst: boolean | undefined;
      void seq.then(() => { committedFirst ??= !immediateRan; });
      await seq;
      expect(committedFirst).to.equal(true);
    });

    it('calls made while a write is in progress wait for the next single transaction: never more transactions than bursts', async () => {
      const all: Array<Promise<number>> = [];
      for (let wave = 0; wave < 12; wave++) {
        for (let i = 0; i < 25; i++) all.push(audit.record(query(wave * 25 + i)));
        await nextTick();
      }
      const seqs = await Promise.all(all);
      expect(seqs).to.deep.equal(Array.from({ length: 300 }, (_, i) => i + 1));
      expect(audit.stats.transactions).to.be.at.most(12);
      expect(audit.stats.transactions).to.be.at.least(1);
      expect(await audit.verify(node.ctx.keys.publicKey)).to.deep.include({ ok: true, entries: 300 });
    });

    it('hash is SHA-256 over the canonical JSON of the entry without hash, linked from the genesis hash', async () => {
      await chainOf(audit, 3);
      const { entries } = await audit.query({}, {});
      const [third, second, first] = entries;
      expect(first?.prevHash).to.equal(AUDIT_GENESIS);
      expect(second?.prevHash).to.equal(first?.hash);
      expect(third?.prevHash).to.equal(second?.hash);
      for (const e of entries) {
        const { hash, ...rest } = e;
        expect(sha256Hex(canonicalize(rest))).to.equal(hash);
      }
      expect(first).to.deep.include({ seq: 1, at: '2026-06-01T02:00:00.000Z', userId: 7, username: 'officer1', role: 'officer', ip: '10.0.0.7', action: 'query', count: 1, purpose: '行政执法核查', detail: { n: 1 } });
    });

    it('signs the head on the first write, every 1000 entries, after a second of activity and on flush', async () => {
      await Promise.all(Array.from({ length: 2500 }, (_, i) => audit.record(query(i))));
      expect(await signedSeqs(node)).to.deep.equal([1, 1001, 2001]);
      await audit.flush();
      expect(await signedSeqs(node)).to.deep.equal([1, 1001, 2001, 2500]);
      await audit.flush();
      expect(await signedSeqs(node)).to.deep.equal([1, 1001, 2001, 2500]);
      await audit.record(query(1));
      expect(await signedSeqs(node)).to.have.length(4);
      clock.set('2026-06-01T02:00:01.500Z');
      await audit.record(query(2));
      expect(await signedSeqs(node)).to.deep.equal([1, 1001, 2001, 2500, 2502]);
      const row = (await db(node)('audit_signed_heads').where({ seq: 2502 }).first()) as { hash: string; at: string; signature: string };
      expect(verifyCompact(row.signature, node.ctx.keys.publicKey)).to.deep.equal({ node: 'test-node', seq: 2502, hash: row.hash, at: '2026-06-01T02:00:01.500Z' });
    });

    it('signs a quiet log\'s last entry a moment later without a flush', async () => {
      const idle = auditOf(node, { idleSignMs: 20 });
      await idle.record(query(1));
      await idle.record(query(2));
      expect(await signedSeqs(node)).to.deep.equal([1]);
      for (let i = 0; i < 200 && (await signedSeqs(node)).length < 2; i++) await new Promise((r) => setTimeout(r, 10));
      expect(await signedSeqs(node)).to.deep.equal([1, 2]);
      await idle.close();
    });

    it('recordIn writes inside the caller\'s transaction: rolled back with it, committed with it', async () => {
      await chainOf(audit, 2);
      await db(node).transaction(async (trx) => {
        await audit.recordIn(trx, { action: 'write', count: 5, target: 'r-1' });
        throw new Error('data write failed');
      }).catch(() => undefined);
      expect((await audit.query({})).entries.map((e) => e.seq)).to.deep.equal([2, 1]);
      const seq = await db(node).transaction((trx) => audit.recordIn(trx, { action: 'import', count: 1000, target: 'penalties.xlsx' }));
      expect(seq).to.equal(3);
      await audit.flush();
      expect(await audit.verify(node.ctx.keys.publicKey)).to.deep.include({ ok: true, entries: 3, signedSeq: 3 });
    });

    it('recordIn as the log\'s very first entry signs it in the same transaction: a process killed right after leaves a log that verifies', async () => {
      // idleSignMs 0: no signing later, as when the process dies before its timer fires.
      await db(node).transaction((trx) => audit.recordIn(trx, { action: 'batch_in', count: 2000, target: 'city-jinan' }));
      await db(node).transaction((trx) => audit.recordIn(trx, { action: 'batch_in', count: 2000, target: 'city-jinan' }));
      expect(await signedSeqs(node)).to.deep.equal([1]);
      expect(await audit.verify(node.ctx.keys.publicKey)).to.deep.include({ ok: true, entries: 2, signedSeq: 1 });
    });

    it('refuses anything that looks like a resident ID number, naming the field; masked numbers and keyed hashes pass', async () => {
      const id = personCode(1);
      const refused = async (input: AuditInput, path: string) => {
        const err = await audit.record(input).then(() => undefined, (e: unknown) => e);
        expect(isCreditNodeError(err), `${path} refused`).to.equal(true);
        expect((err as { details: Array<{ path: string }> }).details[0]?.path).to.equal(path);
        expect((err as Error).message).to.match(/身份证/);
        expect((err as Error).message).not.to.include(id);
      };
      await refused({ action: 'query', detail: { note: `查询了${id}的记录` } }, 'detail');
      await refused({ action: 'query', detail: { nested: { id: Number(id.slice(0, 17)) * 10 } } }, 'detail');
      await refused({ action: 'query', subject: id }, 'subject');
      await refused({ action: 'query', purpose: `核查 ${id}` }, 'purpose');
      await refused({ action: 'export', target: `${id}.csv` }, 'target');
      const ok = await audit.record({ action: 'query', subject: node.ctx.vault.hash(id), detail: { masked: `${id.slice(0, 6)}********${id.slice(14)}`, sha: sha256Hex(id) } });
      expect(ok).to.equal(1);
      expect(JSON.stringify(await db(node)('audit_log').select('*'))).not.to.include(id);
    });

    it('verify: a clean chain is ok; an entry edited in the store file is broken at its seq', async () => {
      await chainOf(audit, 20);
      expect(await audit.verify(node.ctx.keys.publicKey)).to.deep.equal({ ok: true, entries: 20, signedSeq: 20 });
      await tamper(node, [['update audit_log set username = ?, count = ? where seq = ?', ['someone-else', 0, 7]]]);
      const r = await audit.verify(node.ctx.keys.publicKey);
      expect(r.ok).to.equal(false);
      expect(r.broken?.seq).to.equal(7);
      expect(r.broken?.reason).to.match(/修改/);
    });

    it('verify: an edited detail text is broken too, even when it still parses as the same JSON', async () => {
      await chainOf(audit, 5);
      await tamper(node, [['update audit_log set detail = ? where seq = ?', ['{ "n": 3 }', 3]]]);
      expect((await audit.verify(node.ctx.keys.publicKey)).broken?.seq).to.equal(3);
    });

    it('verify: a deleted entry is a gap; a deleted last entry falls short of the signed head', async () => {
      await chainOf(audit, 20);
      await tamper(node, [['delete from audit_log where seq = ?', [9]]]);
      const gap = await audit.verify(node.ctx.keys.publicKey);
      expect(gap).to.deep.include({ ok: false, entries: 8 });
      expect(gap.broken?.seq).to.equal(9);
      expect(gap.broken?.reason).to.match(/缺少序号 9/);

      await resetAudit(node);
      audit = auditOf(node);
      await chainOf(audit, 20);
      await tamper(node, [['delete from audit_log where seq = ?', [20]]]);
      const cut = await audit.verify(node.ctx.keys.publicKey);
      expect(cut.ok).to.equal(false);
      expect(cut.broken?.seq).to.equal(20);
    });

    it('verify: two entries with their contents swapped are broken at the first of them', async () => {
      await chainOf(audit, 20);
      const cols = ['at', 'user_id', 'username', 'role', 'ip', 'action', 'subject', 'target', 'count', 'purpose', 'detail', 'prev_hash', 'hash'];
      const [a, b] = (await Promise.all([11, 12].map((seq) => db(node)('audit_log').where({ seq }).first()))) as Array<Record<string, unknown>>;
      const set = `update audit_log set ${cols.map((c) => `"${c}" = ?`).join(', ')} where seq = ?`;
      await tamper(node, [[set, [...cols.map((c) => b?.[c]), 11]], [set, [...cols.map((c) => a?.[c]), 12]]]);
      const r = await audit.verify(node.ctx.keys.publicKey);
      expect(r.ok).to.equal(false);
      expect(r.broken?.seq).to.equal(11);

      // Swapping only what the entries say (keeping each place's links) breaks the hash at the same seq.
      await tamper(node, [[set, [...cols.map((c) => a?.[c]), 11]], [set, [...cols.map((c) => b?.[c]), 12]]]);
      expect((await audit.verify(node.ctx.keys.publicKey)).ok).to.equal(true);
      const payload = ['username', 'count', 'detail'];
      const swap = `update audit_log set ${payload.map((c) => `"${c}" = ?`).join(', ')} where seq = ?`;
      await tamper(node, [[swap, [...payload.map((c) => b?.[c]), 11]], [swap, [...payload.map((c) => a?.[c]), 12]]]);
      expect((await audit.verify(node.ctx.keys.publicKey)).broken?.seq).to.equal(11);
    });

    it('verify: a chain recomputed consistently after an edit no longer matches the signed head', async () => {
      await chainOf(audit, 20);
      await tamper(node, [['update audit_log set purpose = ? where seq = ?', ['（已删改）', 5]]]);
      await rechain(node, 5);
      const r = await audit.verify(node.ctx.keys.publicKey);
      expect(r.ok).to.equal(false);
      expect(r.entries).to.equal(20);
      expect(r.broken?.seq).to.equal(20);
      expect(r.broken?.reason).to.match(/整体改写/);

      // Re-pointing the signed head at the forged hash breaks its signature; deleting the signatures is seen too.
      const forged = (await db(node)('audit_log').where({ seq: 20 }).first()) as { hash: string };
      await tamper(node, [['update audit_signed_heads set hash = ? where seq = ?', [forged.hash, 20]]]);
      expect((await audit.verify(node.ctx.keys.publicKey)).broken?.reason).to.match(/签名无效/);
      await tamper(node, [['delete from audit_signed_heads', []]]);
      expect((await audit.verify(node.ctx.keys.publicKey)).broken?.reason).to.match(/没有任何已签名/);
    });

    it('verify: a head signed with another key is refused', async () => {
      await chainOf(audit, 3);
      const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
      const r = await audit.verify(other);
      expect(r.ok).to.equal(false);
      expect(r.broken?.reason).to.match(/签名无效/);
    });

    it('two writers on one store, in two processes, never fork the chain', async () => {
      const other = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'writer.ts'), JSON.stringify(node.ctx.config.store), node.ctx.config.keys.privateKey, node.ctx.config.id, '300'], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      other.stdout.on('data', (c: Buffer) => { out += c.toString(); });
      let code: number | null | undefined;
      const exited = new Promise<number | null>((resolve) => other.on('close', (c) => { code = c; resolve(c); }));
      while (!out.includes('ready') && code === undefined) await new Promise((r) => setTimeout(r, 5));
      const mine: Array<Promise<number>> = [];
      for (let wave = 0; wave < 30; wave++) {
        for (let i = 0; i < 10; i++) mine.push(audit.record(query(wave * 10 + i)));
        await new Promise((r) => setTimeout(r, 1));
      }
      const seqs = await Promise.all(mine);
      expect(await exited).to.equal(0);
      const theirs = (JSON.parse(out.slice(out.indexOf('{'))) as { seqs: number[] }).seqs;
      expect([...seqs, ...theirs].sort((x, y) => x - y)).to.deep.equal(Array.from({ length: 600 }, (_, i) => i + 1));
      for (const list of [seqs, theirs]) expect(list).to.deep.equal([...list].sort((x, y) => x - y));
      await audit.flush();
      expect(await audit.verify(node.ctx.keys.publicKey)).to.deep.include({ ok: true, entries: 600 });
    });

    it('close refuses further entries and leaves the head signed', async () => {
      await audit.record(query(1));
      clock.set('2026-06-01T02:00:00.100Z');
      await audit.record(query(2));
      await audit.close();
      expect(await signedSeqs(node)).to.deep.equal([1, 2]);
      const err = await audit.record(query(3)).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(Error);
    });
  });
}
