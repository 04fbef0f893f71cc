import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { backends, tempNode, fixedClock, type TempNode } from '../helpers/node.ts';
import { companyCode } from '../helpers/records.ts';
import { csvCell } from '../../node/audit/audit-csv.ts';
import type { AuditEntry, AuditLog } from '../../node/audit/audit-log.ts';
import { auditOf, resetAudit } from './helpers.ts';

const alice = { id: 1, username: 'alice', role: 'officer' };
const bob = { id: 2, username: 'bob', role: 'officer' };

async function csvOf(gen: AsyncGenerator<string>): Promise<string> {
  let text = '';
  for await (const chunk of gen) text += chunk;
  return text;
}

describe('audit CSV cells', () => {
  it('quotes as RFC 4180 asks and keeps formulas as text', () => {
    expect(csvCell('plain')).to.equal('plain');
    expect(csvCell('a,b')).to.equal('"a,b"');
    expect(csvCell('say "hi"')).to.equal('"say ""hi"""');
    expect(csvCell('two\r\nlines')).to.equal('"two\r\nlines"');
    expect(csvCell('=1+1')).to.equal("'=1+1");
    expect(csvCell('+86 531')).to.equal("'+86 531");
    expect(csvCell('-2')).to.equal("'-2");
    expect(csvCell('@SUM(A1)')).to.equal("'@SUM(A1)");
    expect(csvCell('\t=cmd')).to.equal("'\t=cmd");
    expect(csvCell('=HYPERLINK("http://x","点我"),')).to.equal('"\'=HYPERLINK(""http://x"",""点我""),"');
    expect(csvCell('a=b')).to.equal('a=b');
  });
});

for (const backend of backends()) {
  describe(`audit query and export on ${backend}`, function () {
    this.timeout(60_000);
    const clock = fixedClock('2026-05-01T00:00:00.000Z');
    let node: TempNode;
    let audit: AuditLog;
    const A = companyCode(1);
    const B = companyCode(2);
    before(async () => {
      node = await tempNode({ backend, clock });
      await resetAudit(node);
      audit = auditOf(node);
      // seq 1-4 on May 1st, 5-8 on May 20th, 9-10 on June 1st.
      await audit.record({ action: 'sign_in', user: alice });
      await audit.record({ action: 'query', user: alice, subject: A, count: 3, purpose: '行政许可审查' });
      await audit.record({ action: 'query', user: bob, subject: B, count: 1, purpose: '招投标 100% 核查' });
      await audit.record({ action: 'export', user: bob, subject: A, count: 50, target: 'report.pdf' });
      clock.set('2026-05-20T10:00:00.000Z');
      await audit.record({ action: 'query', user: alice, subject: A, count: 2, purpose: '=HYPERLINK("http://evil","点我")' });
      await audit.record({ action: 'search', user: bob, count: 12, detail: { q: '海尔' } });
      await audit.record({ action: 'query', user: bob, subject: A, count: 1, purpose: '日常监管, "双随机"\n抽查' });
      await audit.record({ action: 'batch_in', target: 'city-jinan', count: 300 });
      clock.set('2026-06-01T08:00:00.000Z');
      await audit.record({ action: 'query', user: alice, subject: B, count: 1, purpose: '行政处罚' });
      await audit.record({ action: 'write', user: { id: 3, username: 'clerk1', role: 'clerk' }, count: 4, target: '-1+1' });
    });
    after(async () => { await node?.cleanup(); });

    const seqs = (entries: AuditEntry[]) => entries.map((e) => e.seq);

    it('filters by user, subject, action (one or several), time and purpose, newest first', async () => {
      expect(seqs((await audit.query({})).entries)).to.deep.equal([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
      expect(seqs((await audit.query({ userId: 1 })).entries)).to.deep.equal([9, 5, 2, 1]);
      expect(seqs((await audit.query({ username: 'bob' })).entries)).to.deep.equal([7, 6, 4, 3]);
      expect(seqs((await audit.query({ subject: A })).entries)).to.deep.equal([7, 5, 4, 2]);
      expect(seqs((await audit.query({ subject: A, action: 'query' })).entries)).to.deep.equal([7, 5, 2]);
      expect(seqs((await audit.query({ action: ['export', 'search'] })).entries)).to.deep.equal([6, 4]);
      expect(seqs((await audit.query({ since: '2026-05-20T10:00:00.000Z' })).entries)).to.deep.equal([10, 9, 8, 7, 6, 5]);
      expect(seqs((await audit.query({ since: '2026-05-02T00:00:00.000Z', until: '2026-06-01T08:00:00.000Z' })).entries)).to.deep.equal([8, 7, 6, 5]);
      expect(seqs((await audit.query({ purpose: '核查' })).entries)).to.deep.equal([3]);
      // % and _ in a fragment are the characters themselves, not wildcards.
      expect(seqs((await audit.query({ purpose: '100%' })).entries)).to.deep.equal([3]);
      expect(seqs((await audit.query({ purpose: '行政_' })).entries)).to.deep.equal([]);
      expect(seqs((await audit.query({ subject: A, action: 'query', since: '2026-05-02T00:00:00.000Z', userId: 2 })).entries)).to.deep.equal([7]);
    });

    it('pages by the seq cursor, at most 500 a page', async () => {
      const first = await audit.query({}, { limit: 4 });
      expect(seqs(first.entries)).to.deep.equal([10, 9, 8, 7]);
      expect(first.next).to.equal(7);
      const second = await audit.query({}, { limit: 4, before: first.next ?? 0 });
      expect(seqs(second.entries)).to.deep.equal([6, 5, 4, 3]);
      const last = await audit.query({}, { limit: 4, before: second.next ?? 0 });
      expect(seqs(last.entries)).to.deep.equal([2, 1]);
      expect(last.next).to.equal(null);
      const big = await audit.query({}, { limit: 100_000 });
      expect(big.entries).to.have.length(10);
    });

    it('exports CSV: Chinese and English header, RFC 4180 quoting, formulas kept as text, newest first', async () => {
      let rows = 0;
      const text = await csvOf(audit.exportCsv({}, undefined, () => { rows += 1; }));
      expect(rows).to.equal(10);
      expect(text.startsWith('\uFEFF序号(seq),时间(at),用户编号(user_id),用户名(username)')).to.equal(true);
      expect(text.split('\r\n').at(-1)).to.equal('');
      const parsed = parse(text, { bom: true, relax_column_count: false }) as string[][];
      const [header, ...body] = parsed;
      expect(header).to.include('查询事由(purpose)');
      const col = (name: string) => (header as string[]).indexOf(name);
      expect(body.map((r) => Number(r[col('序号(seq)')]))).to.deep.equal([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
      const bySeq = (seq: number) => body.find((r) => r[0] === String(seq)) as string[];
      expect(bySeq(5)[col('查询事由(purpose)')]).to.equal('\'=HYPERLINK("http://evil","点我")');
      expect(bySeq(7)[col('查询事由(purpose)')]).to.equal('日常监管, "双随机"\n抽查');
      expect(bySeq(10)[col('对象(target)')]).to.equal("'-1+1");
      expect(JSON.parse(bySeq(6)[col('详情(detail)')] as string)).to.deep.equal({ q: '海尔' });
      expect(bySeq(8)[col('用户名(username)')]).to.equal('');
      expect(bySeq(2)[col('哈希(hash)')]).to.equal((await audit.query({ subject: A, action: 'query' })).entries.at(-1)?.hash);
    });

    it('exports a filtered set larger than one page, all of it, in order', async () => {
      const more = auditOf(node, { clock });
      await Promise.all(Array.from({ length: 1234 }, (_, i) => more.record({ action: 'batch_out', target: 'sd-hub', count: i })));
      const text = await csvOf(audit.exportCsv({ action: 'batch_out' }));
      const body = (parse(text, { bom: true }) as string[][]).slice(1);
      expect(body).to.have.length(1234);
      expect(body.map((r) => Number(r[0]))).to.deep.equal(Array.from({ length: 1234 }, (_, i) => 11 + 1233 - i));
      const below = (parse(await csvOf(audit.exportCsv({ action: 'batch_out' }, 100)), { bom: true }) as string[][]).slice(1);
      expect(below.map((r) => Number(r[0]))).to.deep.equal(Array.from({ length: 89 }, (_, i) => 99 - i));
    });
  });
}
