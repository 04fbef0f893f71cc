import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isCreditNodeError } from '../../node/errors.ts';
import { compareVersions, loadModels, parseModel, type EvaluatedType } from '../../node/evaluation/model.ts';
import { scoreSubject, type RecordFact } from '../../node/evaluation/score.ts';
import { projectRoot } from '../../node/paths.ts';
import { SchemaRegistry } from '../../node/records/schema-registry.ts';

const MODELS = path.join(projectRoot(), 'config', 'evaluation');
// `any`: the tests spoil the parsed file in arbitrary places.
const shipped = () => JSON.parse(readFileSync(path.join(MODELS, '2026.1.json'), 'utf8')) as Record<string, any>;

function refused(fn: () => unknown): { message: string; details: Array<{ path: string; message: string }> } {
  try {
    fn();
  } catch (err) {
    if (!isCreditNodeError(err)) throw err;
    expect(err.code).to.equal('CONFIG_INVALID');
    return { message: err.message, details: err.details as Array<{ path: string; message: string }> };
  }
  throw new Error('the model was accepted');
}

describe('evaluation model files', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(path.join(tmpdir(), 'eval-models-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('loads the shipped model: every category it reads is a record category of the node', () => {
    const set = loadModels(MODELS, { categories: SchemaRegistry.load().categories() });
    expect(set.current.version).to.equal('2026.1');
    expect(set.current.evaluatedTypes).to.deep.equal(['legal_person', 'non_enterprise']);
    expect(set.current.subjectTypes.natural_person.evaluated).to.equal(false);
    // Penalties are scored from the envelope alone (severity, decision date): their bodies are not read.
    expect(set.current.categories.has('administrative_penalty')).to.equal(true);
    expect(set.current.bodyCategories.has('administrative_penalty')).to.equal(false);
    expect(set.current.bodyCategories.has('registration')).to.equal(true);
    expect([...set.current.ticketTypes].sort()).to.deep.equal(['complaint', 'objection']);
  });

  it('orders versions by number and uses the highest unless the config names one', () => {
    expect(['2026.10', '2026.2', '2025.7'].sort(compareVersions)).to.deep.equal(['2025.7', '2026.2', '2026.10']);
    for (const v of ['2026.2', '2026.10']) writeFileSync(path.join(dir, `${v}.json`), JSON.stringify({ ...shipped(), version: v }));
    expect(loadModels(dir).current.version).to.equal('2026.10');
    expect(loadModels(dir, { use: '2026.2' }).current.version).to.equal('2026.2');
    expect(refused(() => loadModels(dir, { use: '2027.1' })).message).to.contain('没有版本 2027.1');
  });

  it('refuses a malformed model, naming the file and the JSON path of each problem', () => {
    const bad = shipped();
    delete bad.subjectTypes.legal_person.indicators[1].params.points;
    bad.subjectTypes.legal_person.indicators[2].kind = 'average';
    bad.subjectTypes.non_enterprise.grades[1].minScore = 90;
    const file = path.join(dir, '2026.1.json');
    writeFileSync(file, JSON.stringify(bad));
    const { message, details } = refused(() => loadModels(dir));
    expect(message).to.contain(file);
    expect(details).to.deep.include({ path: '/subjectTypes/legal_person/indicators/1/params/points', message: '缺少必填项' });
    expect(details.map((d) => d.path)).to.include('/subjectTypes/legal_person/indicators/2/kind');
    // Past the schema: bands must go from high to low.
    bad.subjectTypes.legal_person.indicators[1].params.points = { 存续: 2 };
    bad.subjectTypes.legal_person.indicators[2].kind = 'count';
    writeFileSync(file, JSON.stringify(bad));
    const second = refused(() => loadModels(dir));
    expect(second.details).to.deep.equal([{ path: '/subjectTypes/non_enterprise/grades/1/minScore', message: '等级须按最低分从高到低排列' }]);
  });

  it('refuses unknown categories, overrides of unknown indicators or grades, and a version that is not the file name', () => {
    const bad = shipped();
    bad.subjectTypes.legal_person.indicators[3].params.category = 'parking_tickets';
    bad.subjectTypes.legal_person.overrides[0].indicator = 'nothing';
    bad.subjectTypes.legal_person.overrides[1].maxGrade = 'E';
    const { details } = refused(() => parseModel(bad, path.join(dir, '2026.1.json'), SchemaRegistry.load().categories()));
    expect(details).to.deep.include({ path: '/subjectTypes/legal_person/indicators/3/params/category', message: '未知的信用信息类别：parking_tickets' });
    expect(details).to.deep.include({ path: '/subjectTypes/legal_person/overrides/0/indicator', message: '没有该指标：nothing' });
    expect(details).to.deep.include({ path: '/subjectTypes/legal_person/overrides/1/maxGrade', message: '等级划分中没有 E' });
    const named = refused(() => parseModel(shipped(), path.join(dir, '2026.3.json')));
    expect(named.details).to.deep.equal([{ path: '/version', message: '模型版本 2026.1 与文件名不一致（应为 2026.1.json）' }]);
    writeFileSync(path.join(dir, '2026.1.json'), '{ "version": ');
    expect(refused(() => loadModels(dir)).message).to.contain(path.join(dir, '2026.1.json'));
  });
});

describe('scoring (pure)', () => {
  const model = parseModel(shipped(), path.join(MODELS, '2026.1.json')).subjectTypes.legal_person as EvaluatedType;
  const asOf = '2026-11-20';
  let n = 0;
  const rec = (category: string, decisionDate: string, data: Record<string, unknown> = {}, severity: string | null = null): RecordFact => ({ id: `r${++n}`, version: 1, category, severity, decisionDate, data });
  const factor = (s: ReturnType<typeof scoreSubject>, id: string) => s.factors.find((f) => f.indicator === id);

  it('starts from the base score with every indicator listed, in the model\'s order', () => {
    const s = scoreSubject(model, { records: [], tickets: [] }, asOf);
    expect(s.score).to.equal(70);
    expect(s.grade).to.equal('B');
    expect(s.gradeText).to.equal('良');
    expect(s.factors.map((f) => f.indicator)).to.deep.equal(model.indicators.map((i) => i.id));
    expect(factor(s, 'registration_status')).to.deep.equal({ indicator: 'registration_status', label: '登记状态', value: null, points: 0, note: '未查见登记注册信息' });
  });

  it('decays penalties by age and stops counting them after three years; caps the total', () => {
    const s = scoreSubject(model, {
      records: [
        rec('administrative_penalty', '2026-11-20', {}, 'serious'), // today: full
        rec('administrative_penalty', '2025-11-20', {}, 'general'), // exactly 12 months: still full
        rec('administrative_penalty', '2025-11-19', {}, 'general'), // a day older: half
        rec('administrative_penalty', '2023-11-20', {}, 'serious'), // 36 months: 0.2
        rec('administrative_penalty', '2023-11-19', {}, 'serious'), // older: not counted
        rec('administrative_penalty', '2026-11-21', {}, 'serious'), // after the day: not there yet
      ],
      tickets: [],
    }, asOf);
    const f = factor(s, 'penalties');
    expect(f?.value).to.equal(4);
    expect(f?.points).to.equal(-12 - 4 - 2 - 2.4);
    expect(f?.note).to.equal('查见4条：2026-11-20 严重 -12；2025-11-20 一般 -4；2025-11-19 一般（按0.5折算） -2；2023-11-20 严重（按0.2折算） -2.4');
    const many = scoreSubject(model, { records: Array.from({ length: 5 }, () => rec('administrative_penalty', '2026-10-01', {}, 'serious')), tickets: [] }, asOf);
    expect(factor(many, 'penalties')?.points).to.equal(-40);
    expect(factor(many, 'penalties')?.note).to.match(/合计-60分，按扣分封顶计-40分$/);
  });

  it('counts a list entry while it stands: not after its last valid day, not from its removal day', () => {
    const list = (data: Record<string, unknown>) => ({ records: [rec('serious_dishonesty_list', '2026-01-05', data, 'serious')], tickets: [] });
    expect(factor(scoreSubject(model, list({ validUntil: '2026-11-20' }), asOf), 'serious_dishonesty')?.value).to.equal(1);
    expect(factor(scoreSubject(model, list({ validUntil: '2026-11-19' }), asOf), 'serious_dishonesty')?.value).to.equal(0);
    expect(factor(scoreSubject(model, list({ removalDate: '2026-11-21' }), asOf), 'serious_dishonesty')?.value).to.equal(1);
    expect(factor(scoreSubject(model, list({ removalDate: '2026-11-20' }), asOf), 'serious_dishonesty')?.value).to.equal(0);
  });

  it('an override makes the grade no better than its own, whatever the score', () => {
    const s = scoreSubject(model, {
      records: [
        rec('registration', '2010-01-01', { establishmentDate: '2010-01-01', registrationStatus: '存续' }),
        rec('tax_credit_rating', '2026-04-15', { evaluationYear: 2025, grade: 'A' }),
        rec('honor', '2026-01-10', { honorLevel: '国家级' }),
        rec('honor', '2026-02-10', { honorLevel: '省级' }),
        rec('abnormal_operation_list', '2026-07-10', { listingReason: '未按照规定期限公示年度报告' }),
      ],
      tickets: [],
    }, asOf);
    // 70 + 6 + 2 + 8 + 10 (capped) - 8 = 88: band A, made C by the abnormal operation listing.
    expect(s.score).to.equal(88);
    expect([s.grade, s.gradeText]).to.deep.equal(['C', '中']);
    expect(factor(s, 'abnormal_operation')?.note).to.equal('查见1条：2026-07-10 -8；列入经营异常名录期间最高为C级');
    expect(factor(s, 'honors')?.note).to.equal('查见2条：2026-02-10 省级 +6；2026-01-10 国家级 +8，合计+14分，按加分封顶计+10分');
  });

  it('takes the latest rating within its years, and counts decided tickets in their window', () => {
    const s = scoreSubject(model, {
      records: [
        rec('tax_credit_rating', '2025-04-15', { evaluationYear: 2024, grade: 'A' }),
        rec('tax_credit_rating', '2026-04-15', { evaluationYear: 2025, grade: 'C' }),
        rec('environmental', '2023-05-01', { evaluationYear: 2022, rating: '环保不良企业' }),
      ],
      tickets: [
        { number: 'T1', version: 3, type: 'complaint', outcome: 'substantiated', decidedOn: '2025-12-01' },
        { number: 'T2', version: 3, type: 'complaint', outcome: 'unsubstantiated', decidedOn: '2025-12-01' },
        { number: 'T3', version: 3, type: 'objection', outcome: 'upheld', decidedOn: '2025-11-01' },
      ],
    }, asOf);
    expect(factor(s, 'tax_rating')).to.include({ value: 'C（2025年度）', points: -6 });
    expect(factor(s, 'environmental_rating')).to.include({ value: null, points: 0, note: '未查见2024年度及以后的评价结果' });
    expect(factor(s, 'complaints_substantiated')).to.include({ value: 1, points: -3 });
    expect(factor(s, 'objections_upheld')).to.include({ value: 0, points: 0 });
  });
});
