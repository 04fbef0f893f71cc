import { expect } from 'chai';
import { SchemaRegistry } from '../../node/records/schema-registry.ts';
import { buildColumnMap, headerKey, parseDateCell, parseNumberCell, rowToRecord } from '../../node/records/column-map.ts';
import type { Cell, ColumnMap } from '../../node/records/column-map.ts';
import { makeResidentId, makeUscc } from '../../node/identity/index.ts';

const registry = SchemaRegistry.load();
const COMPANY = makeUscc('9', '1', '370102', 'MA000001');
const BUREAU = makeUscc('1', '1', '370100', '00430011');
const INSTITUTION = makeUscc('1', '2', '370102', '00418801');
const PERSON = makeResidentId('370102', '19850612', '123');
const SOURCE = { code: BUREAU, name: '济南市市场监督管理局' };

function targetsOf(map: ColumnMap, header: string): string[] {
  return map.columns
    .filter((c) => c.header === header)
    .map((c) => (c.target.kind === 'envelope' ? c.target.path : `data.${c.target.field}`));
}

/** A national penalty file: headers and one row, as a bureau exports it. */
const PENALTY_HEADERS = [
  '\uFEFF行政相对人名称', '行政相对人类别', '统一社会信用代码', '法定代表人', '证件号码', '行政处罚决定书文号', '违法行为类型',
  '违法事实', '处罚依据', '处罚类别', '处罚内容', '罚款金额（万元）', '没收违法所得、没收非法财物的金额(万元)', '处罚决定日期',
  '处罚有效期', '公示截止期', '处罚机关', '处罚机关统一社会信用代码', '失信严重程度', '备注',
];
function penaltyRow(overrides: Record<string, Cell> = {}): Cell[] {
  const row: Record<string, Cell> = {
    '\uFEFF行政相对人名称': ' 济南鲁味食品有限公司 ', 行政相对人类别: '法人及非法人组织', 统一社会信用代码: COMPANY, 法定代表人: '王建国',
    证件号码: '', 行政处罚决定书文号: '济市监罚〔2026〕12号', 违法行为类型: '生产经营标签不符合规定的食品',
    违法事实: '标签未标注食品生产许可证编号', 处罚依据: '《中华人民共和国食品安全法》第一百二十五条', 处罚类别: '罚款；没收违法所得、没收非法财物',
    处罚内容: '罚款2万元，没收违法所得860元', '罚款金额（万元）': '2', '没收违法所得、没收非法财物的金额(万元)': '0.086',
    处罚决定日期: '2026/3/2', 处罚有效期: '长期', 公示截止期: '2027年3月2日', 处罚机关: '济南市市场监督管理局',
    处罚机关统一社会信用代码: BUREAU, 失信严重程度: '一般', 备注: '',
    ...overrides,
  };
  return PENALTY_HEADERS.map((h) => row[h]);
}

describe('records/column-map: headers', () => {
  it('normalises BOM, spaces, full-width brackets, * marks and case', () => {
    expect(headerKey('\uFEFF 罚款金额（万元） ')).to.equal(headerKey('罚款金额(万元)'));
    expect(headerKey('*行政处罚决定书文号')).to.equal(headerKey('行政处罚决定书文号'));
    expect(headerKey('CF_WSH')).to.equal(headerKey('cf_wsh'));
    expect(headerKey('ＣＦ＿ＷＳＨ')).to.equal(headerKey('CF_WSH'));
  });

  it('resolves national Chinese headers, with brackets of either width', () => {
    const map = buildColumnMap(registry, 'administrative_penalty', PENALTY_HEADERS);
    expect(map.unknown).to.deep.equal([]);
    expect(map.missingRequired).to.deep.equal([]);
    expect(targetsOf(map, '\uFEFF行政相对人名称')).to.deep.equal(['subject.name']);
    expect(targetsOf(map, '行政处罚决定书文号')).to.deep.equal(['externalId']);
    expect(targetsOf(map, '处罚决定日期')).to.deep.equal(['decisionDate']);
    expect(targetsOf(map, '罚款金额（万元）')).to.deep.equal(['data.fineAmount']);
    expect(targetsOf(map, '没收违法所得、没收非法财物的金额(万元)')).to.deep.equal(['data.confiscatedAmount']);
    expect(targetsOf(map, '失信严重程度')).to.deep.equal(['severity']);
    // 行政相对人类别 is both the envelope's subject type and a national data field.
    expect(targetsOf(map, '行政相对人类别')).to.have.members(['subject.type', 'data.subjectCategory']);
    const fine = map.columns.find((c) => c.header === '罚款金额（万元）');
    expect(fine?.target).to.deep.equal({ kind: 'data', field: 'fineAmount', type: 'number' });
    const types = map.columns.find((c) => c.header === '处罚类别');
    expect(types?.target).to.deep.equal({ kind: 'data', field: 'penaltyTypes', type: 'array', itemType: 'string', separator: '[;；,，]' });
  });

  it('resolves national field codes in any case, and the schema’s own names', () => {
    const headers = ['cf_xdr_mc', 'CF_XDR_SHXYM', 'CF_WSH', 'cf_jdrq', 'CF_NR_FK', 'subject.code', 'subjectName', 'externalId', 'fineAmount', 'data.penaltyBasis', 'decisionDate'];
    const map = buildColumnMap(registry, 'administrative_penalty', headers);
    expect(map.unknown).to.deep.equal([]);
    expect(headers.map((h) => targetsOf(map, h))).to.deep.equal([
      ['subject.name'], ['subject.code'], ['externalId'], ['decisionDate'], ['data.fineAmount'], ['subject.code'], ['subject.name'],
      ['externalId'], ['data.fineAmount'], ['data.penaltyBasis'], ['decisionDate'],
    ]);
    const lic = buildColumnMap(registry, 'administrative_license', ['XK_YXQZI', 'xk_xklb', '有效期自', '许可类别', 'XK_ZT']);
    expect(lic.columns.map((c) => (c.target.kind === 'data' ? c.target.field : c.target.path))).to.deep.equal(['validUntil', 'licenseCategory', 'validFrom', 'licenseCategory', 'status']);
    expect(lic.columns[0]?.target).to.include({ type: 'date' });
  });

  it('lists unknown headers and the labels of required fields no column provides, never sourceUnit', () => {
    const map = buildColumnMap(registry, 'administrative_penalty', ['行政相对人名称', '违法事实', '颜色', '', '  ']);
    expect(map.unknown).to.deep.equal(['颜色']);
    expect(map.missingRequired).to.deep.equal([
      '行政处罚决定书文号', '处罚决定日期', '统一社会信用代码或证件号码', '违法行为类型', '处罚依据', '处罚类别', '处罚内容', '处罚机关',
      '处罚机关统一社会信用代码',
    ]);
    expect(map.missingPaths).to.include.members(['externalId', 'subject.code', 'data.penaltyTypes']);
    expect(map.missingPaths.some((p) => p.startsWith('sourceUnit') || p === 'subject.type')).to.equal(false);
  });

  it('lets one column feed two fields where the national file has one (registration: code and record id)', () => {
    const map = buildColumnMap(registry, 'registration', ['企业名称', '统一社会信用代码', '成立日期']);
    expect(targetsOf(map, '统一社会信用代码')).to.have.members(['externalId', 'subject.code']);
    expect(targetsOf(map, '成立日期')).to.have.members(['decisionDate', 'data.establishmentDate']);
  });
});

describe('records/column-map: rows', () => {
  const map = buildColumnMap(registry, 'administrative_penalty', PENALTY_HEADERS);
  const opts = { category: 'administrative_penalty', sourceUnit: SOURCE };

  it('builds a Record JSON that passes the envelope and data schemas', () => {
    const { record, errors } = rowToRecord(map, penaltyRow(), opts);
    expect(errors).to.deep.equal([]);
    expect(record).to.deep.equal({
      category: 'administrative_penalty',
      externalId: '济市监罚〔2026〕12号',
      decisionDate: '2026-03-02',
      subject: { name: '济南鲁味食品有限公司', code: COMPANY, type: 'legal_person' },
      severity: 'general',
      sourceUnit: SOURCE,
      data: {
        subjectCategory: '法人及非法人组织',
        legalRepresentative: '王建国',
        violationType: '生产经营标签不符合规定的食品',
        violationFacts: '标签未标注食品生产许可证编号',
        penaltyBasis: '《中华人民共和国食品安全法》第一百二十五条',
        penaltyTypes: ['罚款', '没收违法所得、没收非法财物'],
        penaltyContent: '罚款2万元，没收违法所得860元',
        fineAmount: 2,
        confiscatedAmount: 0.086,
        penaltyValidUntil: '2099-12-31',
        publicityUntil: '2027-03-02',
        penaltyAuthority: '济南市市场监督管理局',
        penaltyAuthorityCode: BUREAU,
      },
    });
    expect(registry.validateEnvelope(record)).to.deep.equal([]);
    expect(registry.validateData('administrative_penalty', record['data'])).to.deep.equal([]);
  });

  it('converts the date forms bureaus send, padding month and day', () => {
    const day = (cell: Cell) => (rowToRecord(map, penaltyRow({ 处罚决定日期: cell }), opts).record['decisionDate']);
    expect(day('2026/3/2')).to.equal('2026-03-02');
    expect(day('2026-03-02')).to.equal('2026-03-02');
    expect(day('2026.3.2')).to.equal('2026-03-02');
    expect(day('2026年3月2日')).to.equal('2026-03-02');
    expect(day('2026/3/2 0:00:00')).to.equal('2026-03-02');
    expect(day('20260302')).to.equal('2026-03-02');
    expect(day(new Date(Date.UTC(2026, 2, 2)))).to.equal('2026-03-02'); // an XLSX date: UTC midnight
    expect(day('2026-03-01T16:00:00.000Z')).to.equal('2026-03-02'); // midnight in China, as an ISO string
    expect(day(46083)).to.equal('2026-03-02'); // an Excel day serial
    expect(parseDateCell('2026/2/30')).to.equal(undefined);
    expect(parseDateCell('2026/13/1')).to.equal(undefined);
    expect(parseDateCell('3/2/2026')).to.equal(undefined);
  });

  it('reports a date it cannot read, naming the label', () => {
    const { record, errors } = rowToRecord(map, penaltyRow({ 处罚决定日期: '2026/2/30', 公示截止期: '明年' }), opts);
    expect(errors).to.deep.equal([
      { path: 'data.publicityUntil', message: '公示截止期格式应为 YYYY-MM-DD（无法识别“明年”）', code: 'FIELD_FORMAT' },
      { path: 'decisionDate', message: '处罚决定日期格式应为 YYYY-MM-DD（无法识别“2026/2/30”）', code: 'FIELD_FORMAT' },
    ]);
    expect(record).to.not.have.property('decisionDate');
  });

  it('splits penalty types on ; ； , ， but never on 、', () => {
    const types = (cell: string) => (rowToRecord(map, penaltyRow({ 处罚类别: cell }), opts).record['data'] as Record<string, unknown>)['penaltyTypes'];
    expect(types('罚款；没收违法所得、没收非法财物')).to.deep.equal(['罚款', '没收违法所得、没收非法财物']);
    expect(types('警告;罚款, 没收违法所得，没收非法财物')).to.deep.equal(['警告', '罚款', '没收违法所得', '没收非法财物']);
    expect(types('暂扣或者吊销许可证、暂扣或者吊销执照')).to.deep.equal(['暂扣或者吊销许可证、暂扣或者吊销执照']);
  });

  it('parses amounts with thousands separators and reports a non-number with its Chinese label', () => {
    const fine = (cell: Cell) => rowToRecord(map, penaltyRow({ '罚款金额（万元）': cell }), opts);
    expect((fine('1,234.5').record['data'] as Record<string, unknown>)['fineAmount']).to.equal(1234.5);
    expect((fine('２万元').record['data'] as Record<string, unknown>)['fineAmount']).to.equal(2);
    expect((fine(0.5).record['data'] as Record<string, unknown>)['fineAmount']).to.equal(0.5);
    const { record, errors } = fine('两万');
    expect(errors).to.deep.equal([{ path: 'data.fineAmount', message: '罚款金额（万元）必须是数字（收到“两万”）', code: 'FIELD_TYPE' }]);
    expect(record['data']).to.not.have.property('fineAmount');
    expect(parseNumberCell('1,23')).to.equal(undefined);
    expect(parseNumberCell('12元')).to.equal(undefined);
  });

  it('takes the first alias that has a value, maps x-values and derives the subject type from the code', () => {
    const person = rowToRecord(map, penaltyRow({ 行政相对人类别: '自然人', 统一社会信用代码: '', 证件号码: PERSON, 失信严重程度: '严重' }), opts).record;
    expect(person['subject']).to.deep.equal({ name: '济南鲁味食品有限公司', code: PERSON, type: 'natural_person' });
    expect(person['severity']).to.equal('serious');
    const both = rowToRecord(map, penaltyRow({ 证件号码: PERSON }), opts).record;
    expect((both['subject'] as Record<string, unknown>)['code']).to.equal(COMPANY);
    const institution = rowToRecord(map, penaltyRow({ 统一社会信用代码: INSTITUTION }), opts).record;
    expect((institution['subject'] as Record<string, unknown>)['type']).to.equal('non_enterprise');
  });

  it('fills sourceUnit from the options only where no column gives it', () => {
    const headers = [...PENALTY_HEADERS, '数据来源单位', 'CF_SJLYDM'];
    const withSource = buildColumnMap(registry, 'administrative_penalty', headers);
    const row = [...penaltyRow(), '济南市历下区市场监督管理局', ''];
    const { record } = rowToRecord(withSource, row, opts);
    expect(record['sourceUnit']).to.deep.equal({ name: '济南市历下区市场监督管理局', code: BUREAU });
    const none = rowToRecord(map, penaltyRow(), { category: 'administrative_penalty' }).record;
    expect(none).to.not.have.property('sourceUnit');
  });

  it('converts booleans, integers and coded values of other categories', () => {
    const court = buildColumnMap(registry, 'court_enforcement', ['案号', '执行法院', '立案日期', '案件状态', '失信被执行人', '被执行人姓名/名称', '统一社会信用代码']);
    expect(court.missingRequired).to.deep.equal([]);
    const row = (flag: string) => rowToRecord(court, ['（2025）鲁0102执1234号', '济南市历下区人民法院', '2025-3-12', '终本', flag, '济南鲁味食品有限公司', COMPANY], { category: 'court_enforcement', sourceUnit: SOURCE });
    const ok = row('否');
    expect(ok.errors).to.deep.equal([]);
    expect(ok.record['externalId']).to.equal('（2025）鲁0102执1234号');
    expect(ok.record['decisionDate']).to.equal('2025-03-12');
    expect(ok.record['data']).to.deep.equal({ caseNumber: '（2025）鲁0102执1234号', court: '济南市历下区人民法院', filingDate: '2025-03-12', caseStatus: '终结本次执行程序', dishonestDebtor: false });
    expect(registry.validateData('court_enforcement', ok.record['data'])).to.deep.equal([]);
    expect((row('是').record['data'] as Record<string, unknown>)['dishonestDebtor']).to.equal(true);
    expect(row('也许').errors).to.deep.equal([{ path: 'data.dishonestDebtor', message: '失信被执行人应填写“是”或“否”（收到“也许”）', code: 'FIELD_TYPE' }]);

    const tax = buildColumnMap(registry, 'tax_credit_rating', ['评价年度', '纳税信用等级']);
    expect(rowToRecord(tax, ['2025年度', 'A级'], { category: 'tax_credit_rating' }).record['data']).to.deep.equal({ evaluationYear: 2025, grade: 'A' });
    expect(rowToRecord(tax, ['2025.5', 'B'], { category: 'tax_credit_rating' }).errors[0]?.message).to.equal('评价年度必须是整数（收到“2025.5”）');

    const lic = buildColumnMap(registry, 'administrative_license', ['XK_ZT', '有效期至']);
    expect(rowToRecord(lic, ['2', '长期'], { category: 'administrative_license' }).record['data']).to.deep.equal({ status: '无效', validUntil: '2099-12-31' });
  });
});
