import { expect } from 'chai';
import request from 'supertest';
import { createApp, type RunningNode } from '../../node/app.ts';
import { SYSTEM_PRINCIPAL } from '../../node/access/roles.ts';
import { escalateOverdue, ticketStats } from '../../node/disputes/escalation.ts';
import { ticketsRepo } from '../../node/disputes/tickets-repo.ts';
import { fixedClock } from '../helpers/node.ts';
import { inProcessFederation, type InProcessFederation } from '../helpers/in-process.ts';
import { penalty } from '../helpers/records.ts';

const claimant = { name: '王经理', phone: '0531-88886666' };
const objection = (recordId: string, reason = 'wrong') => ({ recordId, reason, description: '处罚决定书载明的罚款金额与公示的金额不一致。', claimant });

/** Objections and complaints across an in-process federation (hub, Jinan, Jinan market regulation) on an injected clock. */
describe('objections and complaints on working-day deadlines', function () {
  this.timeout(120_000);
  // Wednesday before the National Day holiday (2026-10-01 … 10-07, make-up working Saturday 10-10).
  const clock = fixedClock('2026-09-30T02:00:00Z');
  let fed: InProcessFederation;

  before(async () => {
    fed = await inProcessFederation(clock, 'credit-node-objection-', (cfg, spec) => {
      // Complaints about Jinan's market behaviour go to Jinan market regulation; others to the region's platform.
      if (spec.id === 'sd-hub') cfg['disputes'] = { complaintRoutes: [{ sector: 'market', region: '3701', node: 'jinan-market' }] };
    });
  });
  after(async () => { await fed.stop(); });
  beforeEach(() => { clock.set('2026-09-30T02:00:00Z'); });

  const hub = () => fed.hub();
  const city = () => fed.city();
  const market = () => fed.market();
  const syncAll = () => fed.syncAll();

  const publicRecord = async (n: RunningNode, code: string, id: string) => {
    const res = await request(createApp(n.ctx)).get(`/public/v1/subjects/${code}`);
    if (res.status !== 200) return undefined;
    const records = (res.body.sections as Array<{ records: Array<{ id: string; disputed: boolean; status: string; fields: Array<{ name: string; value: string }> }> }>).flatMap((s) => s.records);
    return records.find((r) => r.id === id);
  };
  const notices = async (n: RunningNode, ticket: string) => (await n.ctx.outbox.list({ ticket }, 50)).map((x) => `${x.audience}:${x.event}`).sort();

  it('an objection filed at the hub before National Day: marked at once, carried to the city, received by the source unit, deadlines in working days across the holiday', async () => {
    const [rec] = await market().ctx.records.ingest([penalty(601)]);
    const id = rec?.id as string;
    const code = (penalty(601)['subject'] as { code: string }).code;
    await syncAll();
    expect(await publicRecord(hub(), code, id)).to.deep.include({ disputed: false });

    const app = createApp(hub().ctx);
    const filed = await request(app).post('/public/v1/objections').send({ ...objection(id), subjectCode: code }).expect(201);
    expect(filed.body).to.deep.include({ status: 'forwarded', recordId: id });
    // Forwarding within 2 working days: 10-01 … 10-07 are holidays, so 10-08 and 10-09.
    expect(filed.body.due).to.equal('2026-10-09');
    expect(JSON.stringify(filed.body)).to.not.contain('88886666');
    const ticket = filed.body.ticket as string;
    // The mark is on the hub's portal at once, before anything travelled.
    expect(await publicRecord(hub(), code, id)).to.deep.include({ disputed: true });
    expect((await request(app).get(`/subjects/${code}`).expect(200)).text).to.contain('异议处理中');
    await request(app).post('/public/v1/objections').send(objection(id)).expect(409);

    await syncAll();
    // The city shows the mark (the objection travels like its record), the source unit has it in review.
    expect(await publicRecord(city(), code, id)).to.deep.include({ disputed: true });
    const atMarket = await market().ctx.tickets.show(SYSTEM_PRINCIPAL, ticket);
    expect(atMarket).to.deep.include({ status: 'in_review', step: 'decide', dueOn: '2026-10-13' });
    expect(atMarket.claimant.phone).to.equal(claimant.phone);
    expect(await notices(market(), ticket)).to.deep.equal(['handler:in_review']);
    await syncAll();
    const seen = await request(app).get(`/public/v1/objections/${ticket}`).expect(200);
    expect(seen.body).to.deep.include({ status: 'in_review', due: '2026-10-13' });
    expect(seen.body.history.map((h: { status: string }) => h.status)).to.deep.equal(['received', 'forwarded', 'in_review']);
    expect(await notices(hub(), ticket)).to.deep.equal(['claimant:forwarded', 'claimant:in_review']);
    await request(app).get(`/public/v1/complaints/${ticket}`).expect(404);

    // Correction: a new version of the record, written by its origin; the mark is lifted everywhere.
    const changed = penalty(601, { data: { ...(penalty(601)['data'] as Record<string, unknown>), penaltyContent: '罚款人民币贰仟元整' } });
    await expectCode(market().ctx.tickets.resolve(SYSTEM_PRINCIPAL, ticket, { outcome: 'corrected' }), 'BAD_REQUEST');
    await expectCode(market().ctx.tickets.resolve(SYSTEM_PRINCIPAL, ticket, { outcome: 'corrected', record: penalty(601) }), 'BAD_REQUEST');
    const done = await market().ctx.tickets.resolve(SYSTEM_PRINCIPAL, ticket, { outcome: 'corrected', reasons: '罚款金额录入有误，已更正', record: changed });
    expect(done).to.deep.include({ status: 'resolved', outcome: 'corrected', correctedVersion: 2 });
    await syncAll();
    for (const n of [hub(), city()]) {
      const r = await publicRecord(n, code, id);
      expect(r).to.deep.include({ disputed: false, status: 'corrected' });
    }
    const answer = await request(app).get(`/public/v1/objections/${ticket}`).expect(200);
    expect(answer.body).to.deep.include({ status: 'resolved', outcome: 'corrected', due: null });
    expect(await notices(hub(), ticket)).to.deep.equal(['claimant:forwarded', 'claimant:in_review', 'claimant:resolved:corrected']);
  });

  it('upheld needs reasons and leaves the record; revoked takes it off the public pages everywhere', async () => {
    const [a, b] = await market().ctx.records.ingest([penalty(602), penalty(603)]);
    await syncAll();
    const upheld = await hub().ctx.tickets.fileObjection(objection(a?.id as string, 'not_public'));
    const revoked = await city().ctx.tickets.fileObjection(objection(b?.id as string, 'inconsistent'));
    await syncAll();
    await expectCode(market().ctx.tickets.resolve(SYSTEM_PRINCIPAL, upheld.ticket, { outcome: 'upheld' }), 'BAD_REQUEST');
    await expectCode(market().ctx.tickets.resolve(SYSTEM_PRINCIPAL, upheld.ticket, { outcome: 'approved' }), 'BAD_REQUEST');
    await market().ctx.tickets.resolve(SYSTEM_PRINCIPAL, upheld.ticket, { outcome: 'upheld', reasons: '经核实，公示信息与处罚决定书一致' });
    await market().ctx.tickets.resolve(SYSTEM_PRINCIPAL, revoked.ticket, { outcome: 'revoked', reasons: '处罚决定已被依法撤销' });
    await syncAll();
    const codeA = (penalty(602)['subject'] as { code: string }).code;
    const codeB = (penalty(603)['subject'] as { code: string }).code;
    for (const n of [hub(), city()]) {
      expect(await publicRecord(n, codeA, a?.id as string)).to.deep.include({ disputed: false, status: 'active' });
      expect(await publicRecord(n, codeB, b?.id as string)).to.equal(undefined);
      expect((await n.ctx.records.get(b?.id as string, SYSTEM_PRINCIPAL)).status).to.equal('revoked');
    }
    expect((await hub().ctx.tickets.lookup(upheld.ticket)).reasons).to.equal('经核实，公示信息与处罚决定书一致');
    // Filed at the city: the answer is there (it went up through the city and came back down by its address).
    expect((await city().ctx.tickets.lookup(revoked.ticket)).outcome).to.equal('revoked');
  });

  it('a late step escalates once to the parent platform of the unit, and shows in the operators’ counts', async () => {
    const [rec] = await market().ctx.records.ingest([penalty(604)]);
    await syncAll();
    const t = await hub().ctx.tickets.fileObjection(objection(rec?.id as string));
    await syncAll();
    const due = (await market().ctx.tickets.show(SYSTEM_PRINCIPAL, t.ticket)).dueOn as string;
    expect(due).to.equal('2026-10-13');
    // The receipt (a version made at the unit) reaches Jinan's platform with the next push.
    await syncAll();
    const deps = (n: RunningNode) => ({ db: n.ctx.store.knex, clock, log: n.ctx.log, nodeId: n.ctx.config.id, isTop: !n.ctx.config.parentId, directory: n.ctx.directory, notifier: n.ctx.outbox });
    // On its last day it is not late yet.
    clock.set('2026-10-13T15:00:00Z');
    expect((await escalateOverdue(deps(city()))).escalated).to.equal(0);
    clock.set('2026-10-14T01:00:00Z');
    // The unit's own node and the hub do not escalate it: Jinan's platform does, once.
    expect((await escalateOverdue(deps(market()))).escalated).to.equal(0);
    expect((await escalateOverdue(deps(hub()))).escalated).to.equal(0);
    expect((await escalateOverdue(deps(city()))).escalated).to.equal(1);
    expect((await escalateOverdue(deps(city()))).escalated).to.equal(0);
    expect(await notices(city(), t.ticket)).to.deep.equal(['escalation:overdue:decide']);
    const stats = await ticketStats(city().ctx.store.knex, clock, await city().ctx.nodeNames());
    const marketRow = stats.byNode.find((r) => r.key === 'jinan-market');
    expect(marketRow).to.deep.include({ overdue: 1, name: '济南市市场监督管理局' });
    expect(stats.escalated.map((e) => e.number)).to.include(t.ticket);
    expect((await market().ctx.tickets.list(SYSTEM_PRINCIPAL, { overdue: true })).map((x) => x.number)).to.deep.equal([t.ticket]);
    // The JSON endpoint for operators.
    await city().ctx.users.add({ username: 'op-city', role: 'operator', password: 'op-city-pass-2026' });
    const app = createApp(city().ctx);
    const { token } = (await request(app).post('/api/v1/auth/token').send({ username: 'op-city', password: 'op-city-pass-2026' }).expect(200)).body as { token: string };
    const viaApi = await request(app).get('/api/v1/tickets/stats').set('authorization', `Bearer ${token}`).expect(200);
    expect(viaApi.body.overdue).to.be.greaterThan(0);
    await market().ctx.tickets.resolve(SYSTEM_PRINCIPAL, t.ticket, { outcome: 'upheld', reasons: '经核实无误' });
    await syncAll();
    expect((await ticketStats(city().ctx.store.knex, clock, new Map())).escalated.find((e) => e.number === t.ticket)?.resolved).to.equal(true);
  });

  it('a complaint goes to the competent authority by sector and region, else to the platform of the subject’s region', async () => {
    const [rec] = await market().ctx.records.ingest([penalty(605)]);
    await syncAll();
    const code = (penalty(605)['subject'] as { code: string }).code;
    const app = createApp(hub().ctx);
    const toMarket = await request(app).post('/public/v1/complaints')
      .send({ subjectCode: code, sector: 'market', description: '该企业销售过期食品，多次投诉未改正。', claimant }).expect(201);
    const toCity = await request(app).post('/public/v1/complaints')
      .send({ subjectCode: code, sector: 'environment', description: '该企业夜间排放刺鼻废气，影响周边居民。', claimant }).expect(201);
    expect(toMarket.body.ticket).to.match(/^TS20260930\d{8}$/);
    // Forwarded within 2 working days, answered within 10 of filing (10-08, 10-09, Saturday 10-10, 10-12 … 10-20).
    expect(toMarket.body.due).to.equal('2026-10-09');
    await syncAll();
    const atMarket = await market().ctx.tickets.show(SYSTEM_PRINCIPAL, toMarket.body.ticket);
    expect(atMarket).to.deep.include({ handler: 'jinan-market', status: 'in_review', dueOn: '2026-10-20' });
    const atCity = await city().ctx.tickets.show(SYSTEM_PRINCIPAL, toCity.body.ticket);
    expect(atCity).to.deep.include({ handler: 'city-jinan', status: 'in_review' });
    // Only the city has it (and the hub it was filed at): the market neither sees nor decides it.
    await expectCode(market().ctx.tickets.resolve(SYSTEM_PRINCIPAL, toCity.body.ticket, { outcome: 'substantiated' }), 'NOT_FOUND');
    await market().ctx.tickets.resolve(SYSTEM_PRINCIPAL, toMarket.body.ticket, { outcome: 'substantiated', reasons: '已立案查处' });
    await syncAll();
    expect((await request(app).get(`/public/v1/complaints/${toMarket.body.ticket}`).expect(200)).body).to.deep.include({ status: 'resolved', outcome: 'substantiated' });
    // Bad input: unknown subject, bad sector, short description, all named.
    const bad = await request(app).post('/public/v1/complaints').send({ subjectCode: '91370000MA00000000', sector: 'x', description: '短', claimant: { name: '', phone: 'abc' } }).expect(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path)).to.include.members(['sector', 'description', 'claimant.name']);
    expect(rec?.status).to.equal('created');
  });

  it('an objection with evidence files: stored with digest and size, readable by the deciding unit only', async () => {
    const [rec] = await market().ctx.records.ingest([penalty(606)]);
    await syncAll();
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
    const app = createApp(hub().ctx);
    const filed = await request(app).post('/public/v1/objections')
      .field('recordId', rec?.id as string).field('reason', 'wrong').field('description', '公示的处罚事由与决定书不符，附决定书扫描件。')
      .field('claimantName', claimant.name).field('claimantPhone', claimant.phone)
      .attach('evidenceFiles', pdf, { filename: '处罚决定书.pdf', contentType: 'application/pdf' }).expect(201);
    const wrongType = await request(app).post('/public/v1/objections')
      .send({ ...objection(rec?.id as string), evidenceFiles: [{ name: 'a.pdf', type: 'application/pdf', content: Buffer.from('MZ\u0090\u0000not a pdf').toString('base64') }] }).expect(400);
    expect(wrongType.body.error.details[0].path).to.equal('evidenceFiles[0]');
    await syncAll();
    const t = await market().ctx.tickets.show(SYSTEM_PRINCIPAL, filed.body.ticket);
    expect(t.evidenceFiles).to.deep.equal([{ name: '处罚决定书.pdf', type: 'application/pdf', size: pdf.length, sha256: (await import('node:crypto')).createHash('sha256').update(pdf).digest('hex') }]);
    expect((await market().ctx.tickets.evidenceFile(SYSTEM_PRINCIPAL, filed.body.ticket, 0)).data.equals(pdf)).to.equal(true);
    // The stored ticket keeps the description only; the file stays in the ticket's first event.
    expect(JSON.stringify(await ticketsRepo.get(market().ctx.store.knex, filed.body.ticket))).to.not.contain('content');
  });

  it('the site’s objection form takes evidence files and hands over to the tickets; the mark shows on the subject page', async () => {
    const [rec] = await market().ctx.records.ingest([penalty(607)]);
    await syncAll();
    const code = (penalty(607)['subject'] as { code: string }).code;
    const app = createApp(city().ctx);
    const form = await request(app).get('/objections/new').query({ record: rec?.id }).expect(200);
    expect(form.text).to.contain('enctype="multipart/form-data"').and.contain('type="file" name="evidenceFiles"');
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);
    const done = await request(app).post('/objections')
      .field('record', rec?.id as string).field('reason', 'duplicated').field('description', '同一违法行为被重复公示了两次，请核实。')
      .field('claimantName', claimant.name).field('claimantPhone', claimant.phone)
      .attach('evidenceFiles', png, { filename: 'C:\\扫描件\\说明.png', contentType: 'image/png' }).expect(201);
    const number = /YY\d{16}/.exec(done.text)?.[0] as string;
    expect(number).to.match(/^YY20260930/);
    expect((await request(app).get(`/subjects/${code}`).expect(200)).text).to.contain('异议处理中');
    const t = await city().ctx.tickets.show(SYSTEM_PRINCIPAL, number);
    expect(t.evidenceFiles?.map((f) => [f.name, f.type, f.size])).to.deep.equal([['说明.png', 'image/png', png.length]]);
    // A file that is not what it says is refused on the form, naming the file; nothing is filed.
    const before = (await city().ctx.tickets.list(SYSTEM_PRINCIPAL, {}, 500)).length;
    const refused = await request(app).post('/objections')
      .field('record', rec?.id as string).field('reason', 'wrong').field('description', '公示金额有误，附缴款凭证。')
      .field('claimantName', claimant.name).field('claimantPhone', claimant.phone)
      .attach('evidenceFiles', Buffer.from('MZ not a picture'), { filename: 'x.png', contentType: 'image/png' });
    expect(refused.status).to.equal(400);
    expect(refused.text).to.contain('x.png');
    expect((await city().ctx.tickets.list(SYSTEM_PRINCIPAL, {}, 500)).length).to.equal(before);
  });
});

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  try {
    await p;
  } catch (err) {
    expect((err as { code?: string }).code, (err as Error).message).to.equal(code);
    return;
  }
  expect.fail(`expected ${code}`);
}
