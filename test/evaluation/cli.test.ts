import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cli } from '../helpers/cli.ts';
import { fixedClock, tempNode, type TempNode } from '../helpers/node.ts';
import { companyCode } from '../helpers/records.ts';
import { fine, registration, taxRating } from './records.ts';

describe('credit-node evaluate', () => {
  let node: TempNode;
  before(async () => {
    node = await tempNode({ clock: fixedClock('2026-11-20T02:00:00Z') });
    await node.ctx.records.ingest([registration(1, '2019-03-01'), taxRating(1, 2025, 'B', '2026-04-15'), fine(1, 1, 'serious', '2026-11-18'), registration(2, '2012-05-18')]);
    await node.ctx.close();
  });
  after(async () => { await node.cleanup().catch(() => undefined); });

  it('evaluates everyone under a model as of a day, then one subject with its explanation', () => {
    const all = cli(['evaluate', '--all', '--as-of', '2026-11-20', '--config', node.configFile]);
    expect(all.status, all.stderr).to.equal(0);
    expect(all.json).to.include({ modelVersion: '2026.1', asOf: '2026-11-20', subjects: 2, written: 2, batches: 1 });

    const one = cli(['evaluate', '--subject', companyCode(1), '--as-of', '2026-11-20', '--config', node.configFile]);
    expect(one.status, one.stderr).to.equal(0);
    const result = one.json as { grade: string; gradeText: string; score: number; factors: Array<{ indicator: string; points: number; note: string }> };
    expect(result).to.include({ subjectKey: companyCode(1), grade: 'C', gradeText: '中', score: 68 });
    expect(result.factors.find((f) => f.indicator === 'penalties')).to.include({ points: -12, note: '查见1条：2026-11-18 严重 -12' });

    const stored = cli(['evaluate', '--subject', companyCode(1), '--stored', '--config', node.configFile]);
    expect((stored.json as { results: Array<{ modelVersion: string; grade: string }> }).results.map((r) => [r.modelVersion, r.grade])).to.deep.equal([['2026.1', 'C']]);
    // The ingest queued both subjects (the running node would have worked the queue within seconds).
    const stats = cli(['evaluate', '--stats', '--config', node.configFile]);
    expect(stats.json).to.deep.include({ modelVersion: '2026.1', grades: { B: 1, C: 1 }, queued: 2 });
    expect((cli(['evaluate', '--pending', '--config', node.configFile]).json as { subjects: number }).subjects).to.equal(2);
    expect(cli(['evaluate', '--stats', '--config', node.configFile]).json).to.deep.include({ queued: 0 });
  });

  it('refuses bad usage, an unknown model and a bad model file', () => {
    expect(cli(['evaluate', '--config', node.configFile]).status).to.equal(2);
    const unknown = cli(['evaluate', '--all', '--model', '2030.1', '--config', node.configFile]);
    expect(unknown.status).to.equal(1);
    expect(unknown.stderr).to.contain('没有版本为 2030.1 的评价模型');
    const dir = mkdtempSync(path.join(tmpdir(), 'eval-models-'));
    const original = readFileSync(node.configFile, 'utf8');
    try {
      writeFileSync(path.join(dir, '2026.1.json'), JSON.stringify({ version: '2026.1', title: '坏模型', effectiveFrom: '2026-01-01', subjectTypes: { legal_person: { baseScore: 70 } } }));
      writeFileSync(node.configFile, JSON.stringify({ ...JSON.parse(original), evaluation: { models: dir } }));
      const bad = cli(['evaluate', '--all', '--config', node.configFile]);
      expect(bad.status).to.equal(1);
      expect(bad.stderr).to.contain(path.join(dir, '2026.1.json'));
      expect(bad.stderr).to.contain('/subjectTypes/non_enterprise 缺少必填项');
    } finally {
      writeFileSync(node.configFile, original);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
