import { expect } from 'chai';
import request from 'supertest';
import { createApp } from '../../node/app.ts';
import { fixedClock, tempNode, type TempNode } from '../helpers/node.ts';
import { company, fine, honor, registration, taxRating } from './records.ts';

/** The hub evaluates: a changed subject is re-evaluated, and the grade shows where CONTRACT.md says, with why. */
describe('credit evaluation in the node: queue, subject page, credit report, officer report', function () {
  this.timeout(60_000);
  let node: TempNode;
  const clock = fixedClock('2026-06-01T02:00:00.000Z');
  const n = 8801;
  const code = company(n).code;

  before(async () => { node = await tempNode({ clock }); });
  after(async () => { await node.cleanup(); });

  it('queues the subjects a write changed and shows the grade on the public page (published indicators only) and to officers (all of them)', async () => {
    const { ctx } = node;
    expect(ctx.evaluation, 'the province hub evaluates by default').to.not.equal(undefined);
    await ctx.records.ingest([registration(n, '2010-03-01'), honor(n, 1, '省级', '2025-05-01', '2027-12-31'), taxRating(n, 2025, 'C', '2026-04-01')]);
    expect(await ctx.evaluation?.queueSize()).to.equal(1);
    await ctx.evaluation?.processQueue();
    const full = await ctx.evaluation?.resultFor(code);
    expect(full?.factors.map((f) => f.indicator)).to.include('tax_rating');

    const app = createApp(ctx);
    const page = await request(app).get(`/public/v1/subjects/${code}`).expect(200);
    const shown = page.body.evaluation as { grade: string; factors: Array<{ indicator: string; value: unknown; points: number }> };
    expect(shown.grade).to.equal(full?.grade);
    // The tax grade C is shared among government only: its indicator is folded into one line, values withheld.
    expect(shown.factors.map((f) => f.indicator)).to.not.include('tax_rating');
    expect(shown.factors.map((f) => f.indicator)).to.include('withheld');
    expect(shown.factors.every((f) => f.value === null)).to.equal(true);
    expect(shown.factors.reduce((s, f) => s + f.points, 0)).to.be.closeTo(full?.factors.reduce((s, f) => s + f.points, 0) ?? 0, 0.01);
    expect((await request(app).get(`/subjects/${code}`).expect(200)).text).to.contain('公共信用综合评价').and.contain(`>${full?.grade}</strong>`);

    const report = await ctx.reports.model(code);
    expect(report.model.evaluation).to.deep.include({ grade: full?.grade, modelVersion: full?.modelVersion });
    expect((await ctx.reports.issue(code)).pdf.length).to.be.greaterThan(1000);

    await ctx.users.add({ username: 'officer-eval', role: 'officer', password: 'officer-eval-2026', regions: ['37'] });
    const { token } = (await request(app).post('/api/v1/auth/token').send({ username: 'officer-eval', password: 'officer-eval-2026' }).expect(200)).body as { token: string };
    const officer = await request(app).get(`/api/v1/subjects/${code}`).set('authorization', `Bearer ${token}`).expect(200);
    expect(officer.body.evaluation.factors.map((f: { indicator: string }) => f.indicator)).to.include('tax_rating');
  });

  it('a serious penalty lowers the grade once the queue is worked', async () => {
    const { ctx } = node;
    const before = await ctx.evaluation?.resultFor(code);
    await ctx.records.ingest([fine(n, 1, 'serious', '2026-05-20')]);
    await ctx.evaluation?.processQueue();
    const after = await ctx.evaluation?.resultFor(code);
    expect(after?.score).to.be.lessThan(before?.score ?? 0);
  });
});
