import { expect } from 'chai';
import { pino } from 'pino';
import { generateRecords } from '../../scripts/generate-data.ts';
import { EvaluationService } from '../../node/evaluation/service.ts';
import { evaluationsRepo } from '../../node/evaluation/evaluations-repo.ts';
import { backends, fixedClock, tempNode, type TempNode } from '../helpers/node.ts';

/** Generated records of every category the model reads, about a few hundred subjects. */
const PLAN: ReadonlyArray<[string, number]> = [
  ['registration', 300], ['administrative_penalty', 300], ['administrative_license', 200], ['honor', 80], ['tax_credit_rating', 150],
  ['serious_dishonesty_list', 40], ['court_enforcement', 80], ['abnormal_operation_list', 50], ['contract_performance', 60],
  ['environmental', 30], ['bidding', 30], ['annual_assessment', 40], ['energy_saving', 30],
];

for (const backend of backends()) {
  describe(`full credit evaluation of generated subjects on ${backend}`, function () {
    this.timeout(300_000);
    const clock = fixedClock('2026-11-20T02:00:00Z');
    let node: TempNode;

    before(async () => {
      node = await tempNode({ backend, clock });
      for (const [category, count] of PLAN) {
        const records = [...generateRecords({ category, count, seed: 11 })];
        const results = await node.ctx.records.ingest(records);
        expect(results.filter((r) => r.status === 'rejected')).to.deep.equal([]);
      }
    });
    after(async () => node.cleanup());

    it('gives every subject the same result in batches as one by one', async () => {
      const db = node.ctx.store.knex;
      // A batch size that does not divide the number of subjects, so batches end mid-way and at a remainder.
      const service = EvaluationService.open({ db, clock, log: pino({ level: 'silent' }), config: { ...node.ctx.config.evaluation, batchSize: 37 } });
      const summary = await service.evaluateAll();
      const subjects = await evaluationsRepo.subjectsAfter(db, 0, 100_000, ['legal_person', 'non_enterprise']);
      expect(summary.subjects).to.equal(subjects.length);
      expect(summary.subjects).to.be.greaterThan(300);
      expect(summary.batches).to.equal(Math.ceil(subjects.length / 37));
      const grades = new Set<string>();
      for (const s of subjects) {
        const batched = await service.resultFor(s.key);
        const single = await service.evaluateSubject(Number(s.id));
        expect(single && 'grade' in single, s.key).to.equal(true);
        const { grade, gradeText, score, modelVersion, asOf, factors } = single as NonNullable<typeof batched>;
        expect(batched, s.key).to.deep.equal({ grade, gradeText, score, modelVersion, asOf, factors });
        grades.add(grade);
      }
      // The generated data reaches every grade.
      expect([...grades].sort()).to.deep.equal(['A', 'B', 'C', 'D']);
      // Nothing changed, so the one-by-one runs wrote nothing new.
      expect((await service.explain(subjects[0]?.key as string))?.history).to.have.length(1);
      const again = await service.evaluateAll();
      expect(again).to.include({ subjects: summary.subjects, written: 0, gradeChanges: 0 });
      // Batches read in slices give the same results (the digests match: nothing is written).
      const sliced = EvaluationService.open({ db, clock, log: pino({ level: 'silent' }), config: { ...node.ctx.config.evaluation, batchSize: 200 }, sliceSize: 7 });
      expect(await sliced.evaluateAll()).to.include({ subjects: summary.subjects, written: 0, batches: Math.ceil(subjects.length / 200) });
    });
  });
}
