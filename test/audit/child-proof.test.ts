import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import { backends, tempNode, fixedClock, type TempNode } from '../helpers/node.ts';
import { signCompact, verifyCompact } from '../../node/exchange/jws.ts';
import { acceptChildProof, childHeads, AUDIT_GENESIS, type AuditLog, type AuditProof } from '../../node/audit/audit-log.ts';
import { auditOf, db, rechain, resetAudit, tamper } from './helpers.ts';

for (const backend of backends()) {
  describe(`audit evidence for the parent on ${backend}`, function () {
    this.timeout(60_000);
    const clock = fixedClock('2026-06-01T02:00:00.000Z');
    let child: TempNode;
    let parent: TempNode;
    let audit: AuditLog;
    const CHILD = 'city-jinan';
    before(async () => {
      [child, parent] = await Promise.all([
        tempNode({ backend, id: CHILD, role: 'city', region: '370100', clock }),
        tempNode({ backend, id: 'sd-hub', role: 'province', region: '370000', clock }),
      ]);
    });
    after(async () => { await Promise.all([child?.cleanup(), parent?.cleanup()]); });
    beforeEach(async () => {
      await Promise.all([resetAudit(child), resetAudit(parent)]);
      audit = auditOf(child);
      for (let i = 1; i <= 20; i++) await audit.record({ action: 'query', count: i });
      await audit.flush();
    });

    const accept = (proof: AuditProof, key = child.ctx.keys.publicKey) =>
      db(parent).transaction((trx) => acceptChildProof(trx, CHILD, proof, key, clock));
    const storedHead = async () => (await childHeads(db(parent))).find((h) => h.node === CHILD);

    it('proofSince gives the links after a seq with a head signed over the last one (stored or fresh)', async () => {
      const all = await audit.proofSince(0, 100);
      expect(all.links.map((l) => l.seq)).to.deep.equal(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(all.links[0]?.prevHash).to.equal(AUDIT_GENESIS);
      const stored = (await db(child)('audit_signed_heads').where({ seq: 20 }).first()) as { signature: string };
      expect(all.head).to.equal(stored.signature);

      const part = await audit.proofSince(3, 5);
      expect(part.links.map((l) => l.seq)).to.deep.equal([4, 5, 6, 7, 8]);
      expect(verifyCompact(part.head, child.ctx.keys.publicKey)).to.deep.include({ node: CHILD, seq: 8, hash: part.links[4]?.hash });

      const none = await audit.proofSince(20, 10);
      expect(none.links).to.deep.equal([]);
      expect(verifyCompact(none.head, child.ctx.keys.publicKey)).to.deep.include({ seq: 20, hash: all.links[19]?.hash });
    });

    it('accepts a clean first proof and its extension, storing the child\'s signed head', async () => {
      expect(await accept(await audit.proofSince(0, 10))).to.deep.include({ ok: true, seq: 10, advanced: true });
      const first = await storedHead();
      expect(first).to.deep.include({ node: CHILD, seq: 10, updatedAt: '2026-06-01T02:00:00.000Z' });
      expect(verifyCompact(first?.signature ?? '', child.ctx.keys.publicKey)).to.deep.include({ seq: 10, hash: first?.hash });
      const more = await audit.proofSince(10, 100);
      expect(await accept(more)).to.deep.include({ ok: true, seq: 20, hash: more.links.at(-1)?.hash, advanced: true });
      expect((await storedHead())?.seq).to.equal(20);
      expect(await accept(await audit.proofSince(20, 100))).to.deep.include({ ok: true, seq: 20, advanced: false });
    });

    it('accepts an overlapping re-send whose links hold the stored hash at the stored seq', async () => {
      await accept(await audit.proofSince(0, 12));
      for (let i = 21; i <= 25; i++) await audit.record({ action: 'search', count: i });
      expect(await accept(await audit.proofSince(4, 100))).to.deep.include({ ok: true, seq: 25, advanced: true });
      // A re-send that ends before the stored head holds nothing new: nothing changes.
      expect(await accept(await audit.proofSince(0, 5))).to.deep.include({ ok: true, seq: 25, advanced: false });
      expect((await storedHead())?.seq).to.equal(25);
    });

    it('rejects a rewritten history, whether it continues the stored head or overlaps it, and stores nothing', async () => {
      await accept(await audit.proofSince(0, 20));
      const before = await storedHead();
      // The child's operator edits entry 15 and recomputes the chain, then the node goes on writing.
      await tamper(child, [['update audit_log set count = ? where seq = ?', [0, 15]]]);
      await rechain(child, 15);
      for (let i = 21; i <= 24; i++) await audit.record({ action: 'query', count: i });
      await audit.flush();

      const onward = await accept(await audit.proofSince(20, 100));
      expect(onward).to.deep.include({ ok: false, seq: 21 });
      expect(onward).not.to.have.property('gap');
      expect((onward as { reason: string }).reason).to.match(/改写/);
      const overlap = await accept(await audit.proofSince(10, 100));
      expect(overlap).to.deep.include({ ok: false, seq: 20 });
      expect((overlap as { reason: string }).reason).to.match(/改写/);
      expect(await storedHead()).to.deep.equal(before);
    });

    it('rejects a head going back, a gap, a broken run, a head that does not cover the last link and a foreign signature', async () => {
      await accept(await audit.proofSince(0, 10));
      const before = await storedHead();
      const expectRefused = async (proof: AuditProof, seq: number, reason: RegExp, key = child.ctx.keys.publicKey) => {
        const r = await accept(proof, key);
        expect(r).to.deep.include({ ok: false, seq });
        expect((r as { reason: string }).reason).to.match(reason);
      };
      // The child's chain now ends before what the parent holds (restored from an old backup, or cut).
      const truncated = { head: signCompact({ node: CHILD, seq: 6, hash: (await audit.proofSince(5, 1)).links[0]?.hash, at: '2026-06-01T02:00:00.000Z' }, child.ctx.keys.privateKey), links: [] };
      await expectRefused(truncated, 6, /回退/);
      // Missing links are a gap (an earlier batch was lost), not a rewrite: the parent only reports where it stands.
      const gap = await accept(await audit.proofSince(12, 100));
      expect(gap).to.deep.include({ ok: false, seq: 11, gap: true, storedSeq: 10 });
      expect((gap as { reason: string }).reason).to.match(/缺少序号 11/);
      const run = await audit.proofSince(10, 100);
      await expectRefused({ head: run.head, links: run.links.filter((l) => l.seq !== 14) }, 14, /不连续/);
      await expectRefused({ head: run.head, links: run.links.slice(0, -1) }, 19, /最后一个链接/);
      await expectRefused({ head: run.head, links: run.links.map((l) => (l.seq === 13 ? { ...l, prevHash: 'a'.repeat(64) } : l)) }, 13, /prevHash/);
      const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      await expectRefused(run, 10, /签名无效/, other.publicKey);
      const forged = { head: signCompact({ node: CHILD, seq: 20, hash: run.links.at(-1)?.hash, at: '2026-06-01T02:00:00.000Z' }, other.privateKey), links: run.links };
      await expectRefused(forged, 10, /签名无效/);
      await expectRefused({ head: 'x', links: [{ seq: 'eleven' }] } as unknown as AuditProof, 10, /格式/);
      expect(await storedHead()).to.deep.equal(before);
    });

    it('rejects a first proof that does not start at the genesis hash', async () => {
      const proof = await audit.proofSince(0, 5);
      const links = proof.links.map((l) => (l.seq === 1 ? { ...l, prevHash: 'b'.repeat(64) } : l));
      const r = await accept({ head: proof.head, links });
      expect(r).to.deep.include({ ok: false, seq: 1 });
      expect(await storedHead()).to.equal(undefined);
    });
  });
}
