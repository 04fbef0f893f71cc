import { expect } from 'chai';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { EvaluationService, queueSubjectKeys, queueSubjects } from '../../node/evaluation/service.ts';
import { startEvaluationJobs } from '../../node/evaluation/jobs.ts';
import { evaluationsRepo } from '../../node/evaluation/evaluations-repo.ts';
import { changeRecordStatus } from '../../node/records/status.ts';
import { projectRoot } from '../../node/paths.ts';
import { backends, fixedClock, tempNode, type TempNode } from '../helpers/node.ts';
import { companyCode } from '../helpers/records.ts';
import { fine, honor, licence, registration, seriousList, taxRating } from './records.ts';

const log = pino({ level: 'silent' });
const NONE = (indicator: string, label: string) => ({ indicator, label, value: 0, points: 0, note: '未查见' });

for (const backend of backends()) {
  describe(`credit evaluation on ${backend}`, () => {
    const clock = fixedClock('2026-11-20T02:00:00Z');
    let node: TempNode;
    let service: EvaluationService;
    const open = (extra: { models?: string; model?: string; batchSize?: number } = {}) => EvaluationService.open({
      db: node.ctx.store.knex, clock, log, categories: node.ctx.registry.categories(),
      config: { ...node.ctx.config.evaluation, ...extra },
    });
    const ingest = async (records: Array<Record<string, unknown>>) => {
      const results = await node.ctx.records.ingest(records);
      for (const r of results) expect(r.status, JSON.stringify(r.errors)).to.be.oneOf(['created', 'updated']);
      return results;
    };

    beforeEach(async () => {
      clock.set('2026-11-20T02:00:00Z');
      node = await tempNode({ backend, clock });
      service = open();
    });
    afterEach(async () => {
      await service.idle();
      await node.cleanup();
    });

    it('grades hand-built companies as the model predicts, with every indicator explained', async () => {
      await ingest([
        // 1: fourteen years, a valid licence, a national and a provincial honour, tax grade A.
        registration(1, '2012-05-18', '存续', '2024-11-06'), licence(1, 1, '2026-03-02', '2031-03-01'),
        honor(1, 1, '省级', '2025-06-01', '2027-12-31'), honor(1, 2, '国家级', '2026-03-01', '2029-02-28'), taxRating(1, 2025, 'A', '2026-04-15'),
        // 2: seven years, a serious penalty last month and a general one 20 months ago.
        registration(2, '2019-03-01'), fine(2, 1, 'serious', '2026-10-20'), fine(2, 2, 'general', '2025-03-01'),
        // 3: as good as 1, but on a serious dishonesty list since June.
        registration(3, '2010-01-01'), taxRating(3, 2025, 'A', '2026-04-15'), honor(3, 1, '国家级', '2026-01-10', '2029-01-09'), honor(3, 2, '省级', '2026-02-10', '2028-02-09'),
        seriousList(3, '2026-06-01', '2029-06-01'),
      ]);
      const summary = await service.evaluateAll();
      expect(summary).to.include({ modelVersion: '2026.1', asOf: '2026-11-20', subjects: 3, written: 3, gradeChanges: 0, batches: 1 });

      const first = await service.resultFor(companyCode(1));
      expect(first).to.deep.equal({
        grade: 'A', gradeText: '优', score: 97, modelVersion: '2026.1', asOf: '2026-11-20',
        factors: [
          { indicator: 'registration_age', label: '成立年限', value: '14.5年', points: 6, note: '成立于2012-05-18，满10年档，计+6分' },
          { indicator: 'registration_status', label: '登记状态', value: '存续', points: 2, note: '登记状态为存续，计+2分' },
          { indicator: 'licenses', label: '有效行政许可', value: 1, points: 1, note: '查见1条：2026-03-02 +1' },
          NONE('penalties', '行政处罚'),
          NONE('serious_dishonesty', '严重失信主体名单'),
          NONE('dishonest_debtor', '失信被执行人'),
          NONE('unfulfilled_enforcement', '未履行的执行案件'),
          NONE('abnormal_operation', '经营异常名录'),
          NONE('bidding_violations', '招标投标违法行为'),
          { indicator: 'honors', label: '诚实守信荣誉', value: 2, points: 10, note: '查见2条：2026-03-01 国家级 +8；2025-06-01 省级 +6，合计+14分，按加分封顶计+10分' },
          { indicator: 'tax_rating', label: '纳税信用等级', value: 'A（2025年度）', points: 8, note: '2025年度评价结果为A，计+8分' },
          { indicator: 'environmental_rating', label: '环境信用评价', value: null, points: 0, note: '未查见2024年度及以后的评价结果' },
          NONE('contracts', '合同履约'),
          NONE('complaints_substantiated', '投诉经核查属实'),
          NONE('objections_upheld', '异议经核查维持原信息'),
        ],
      });

      const second = await service.resultFor(companyCode(2));
      expect(second).to.include({ grade: 'C', gradeText: '中', score: 62 });
      expect(second?.factors.find((f) => f.indicator === 'registration_age')).to.include({ value: '7.7年', points: 4 });
      expect(second?.factors.find((f) => f.indicator === 'penalties')).to.deep.equal({ indicator: 'penalties', label: '行政处罚', value: 2, points: -14, note: '查见2条：2026-10-20 严重 -12；2025-03-01 一般（按0.5折算） -2' });

      // 70 + 6 + 2 + 8 + 10 - 40 = 56 reaches C; the listing makes it D.
      const third = await service.resultFor(companyCode(3));
      expect(third).to.include({ grade: 'D', gradeText: '差', score: 56 });
      expect(third?.factors.find((f) => f.indicator === 'serious_dishonesty')).to.deep.equal({ indicator: 'serious_dishonesty', label: '严重失信主体名单', value: 1, points: -40, note: '查见1条：2026-06-01 -40；列入严重失信主体名单期间直接判为D级' });

      // One subject on its own gives the same, and says which inputs it used.
      const again = await service.evaluateSubject(companyCode(1));
      expect(again).to.include({ subjectKey: companyCode(1), subjectType: 'legal_person', grade: 'A', score: 97, asOf: '2026-11-20', computedAt: '2026-11-20T02:00:00.000Z' });
      expect((again as { inputsDigest: string }).inputsDigest).to.match(/^[0-9a-f]{64}$/);
      expect((await service.stats()).grades).to.deep.equal({ A: 1, C: 1, D: 1 });
    });

    it('a record change moves the grade through the queue, and revoking it moves it back', async () => {
      await ingest([registration(4, '2019-03-01'), taxRating(4, 2025, 'B', '2026-04-15')]);
      await service.evaluateAll();
      expect(await service.resultFor(companyCode(4))).to.include({ grade: 'B', score: 80 });

      clock.set('2026-11-20T06:00:00Z');
      const [written] = await ingest([fine(4, 1, 'serious', '2026-11-18')]);
      await queueSubjectKeys(node.ctx.store.knex, [companyCode(4)]);
      expect(await service.queueSize()).to.equal(1);
      const run = await service.processQueue();
      expect(run).to.include({ subjects: 1, written: 1, gradeChanges: 1, batches: 1 });
      expect(await service.queueSize()).to.equal(0);
      const lowered = await service.resultFor(companyCode(4));
      expect(lowered).to.include({ grade: 'C', gradeText: '中', score: 68 });
      expect(lowered?.factors.find((f) => f.indicator === 'penalties')?.note).to.equal('查见1条：2026-11-18 严重 -12');

      // The source unit revokes the decision (a new version with status revoked): it no longer counts.
      clock.set('2026-11-20T07:00:00Z');
      const db = node.ctx.store.knex;
      await db.transaction(async (trx) => {
        await changeRecordStatus(trx, { eventLog: node.ctx.eventLog, nodeId: node.ctx.config.id }, written?.id as string, 'revoked', clock().toISOString());
        const subject = await evaluationsRepo.subjectByKey(trx, companyCode(4));
        await queueSubjects(trx, [Number(subject?.id)]);
      });
      await service.processQueue();
      expect(await service.resultFor(companyCode(4))).to.include({ grade: 'B', score: 80 });

      const explained = await service.explain(companyCode(4));
      expect(explained?.history.map((h) => [h.previous_grade, h.grade, h.score])).to.deep.equal([['C', 'B', 80], ['B', 'C', 68], [null, 'B', 80]]);
    });

    it('keeps a subject queued when it is queued again while being evaluated', async () => {
      await ingest([registration(5, '2019-03-01')]);
      const db = node.ctx.store.knex;
      await queueSubjectKeys(db, [companyCode(5)]);
      const [entry] = await evaluationsRepo.peekQueue(db, 10);
      await queueSubjectKeys(db, [companyCode(5)]);
      await db.transaction((trx) => evaluationsRepo.unqueue(trx, [entry as { subject_id: number; gen: number }]));
      expect(await service.queueSize()).to.equal(1);
      await service.processQueue();
      expect(await service.queueSize()).to.equal(0);
      expect(await service.resultFor(companyCode(5))).to.include({ grade: 'B', score: 76 });
    });

    it('evaluates a new model version beside the old one and keeps both results; --as-of replays a past day', async () => {
      await ingest([registration(6, '2019-03-01'), fine(6, 1, 'general', '2026-01-10')]);
      const dir = mkdtempSync(path.join(tmpdir(), 'eval-models-'));
      try {
        cpSync(path.join(projectRoot(), 'config', 'evaluation', '2026.1.json'), path.join(dir, '2026.1.json'));
        const next = JSON.parse(readFileSync(path.join(dir, '2026.1.json'), 'utf8')) as { version: string; subjectTypes: { legal_person: { baseScore: number } } };
        next.version = '2026.2';
        next.subjectTypes.legal_person.baseScore = 60;
        writeFileSync(path.join(dir, '2026.2.json'), JSON.stringify(next));
        const old = open({ models: dir, model: '2026.1' });
        await old.evaluateAll();
        const both = open({ models: dir });
        expect(both.currentModel.version).to.equal('2026.2');
        expect(await both.resultFor(companyCode(6))).to.equal(undefined);
        await both.evaluateAll();
        // 70 + 4 + 2 - 4 = 72 under 2026.1; ten less under 2026.2.
        expect(await both.resultFor(companyCode(6))).to.include({ modelVersion: '2026.2', score: 62, grade: 'C' });
        expect(await both.resultFor(companyCode(6), { model: '2026.1' })).to.include({ modelVersion: '2026.1', score: 72, grade: 'B' });
        const explained = await both.explain(companyCode(6));
        expect(explained?.results.map((r) => [r.modelVersion, r.grade, r.gradeText])).to.deep.equal([['2026.1', 'B', '良'], ['2026.2', 'C', '中']]);
        // Replaying the old model as of a day before the penalty.
        const replay = await both.evaluateAll({ model: '2026.1', asOf: '2025-12-31' });
        expect(replay).to.include({ modelVersion: '2026.1', asOf: '2025-12-31', subjects: 1 });
        expect(await both.resultFor(companyCode(6), { model: '2026.1' })).to.include({ asOf: '2025-12-31', score: 76, grade: 'B' });
        expect(await both.resultFor(companyCode(6))).to.include({ modelVersion: '2026.2', score: 62 });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('the scheduled jobs evaluate everyone once a day and work off the queue between runs', async () => {
      await ingest([registration(7, '2019-03-01')]);
      const jobs = startEvaluationJobs(service, '0 0 2 * * *', { log, queueIntervalMs: 20, startDelayMs: 0 });
      try {
        expect(await jobs.full.run()).to.include({ subjects: 1, asOf: '2026-11-20' });
        // Today's run has finished: a restart or a second trigger the same day does not repeat it.
        expect(await jobs.full.run()).to.equal(undefined);
        await ingest([fine(7, 1, 'serious', '2026-11-19')]);
        await queueSubjectKeys(node.ctx.store.knex, [companyCode(7)]);
        for (let i = 0; i < 200 && (await service.queueSize()) > 0; i++) await new Promise((r) => setTimeout(r, 10));
        await service.idle();
        expect(await service.resultFor(companyCode(7))).to.include({ grade: 'C', score: 64 });
      } finally {
        await jobs.stop();
      }
    });
  });
}
