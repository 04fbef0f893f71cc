import { expect } from 'chai';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SchemaRegistry } from '../../node/records/schema-registry.ts';
import type { FieldError, PropertySchema } from '../../node/records/schema-registry.ts';

const registry = SchemaRegistry.load();

/** CONTRACT.md: the v1 categories, in order, with their Chinese names. */
const CATEGORIES: Record<string, string> = {
  registration: '登记注册基本信息',
  administrative_license: '行政许可',
  administrative_penalty: '行政处罚',
  serious_dishonesty_list: '严重失信主体名单',
  abnormal_operation_list: '经营异常名录',
  honor: '诚实守信相关荣誉',
  tax_credit_rating: '纳税信用等级',
  court_enforcement: '司法判决及执行',
  contract_performance: '合同履约',
  bidding: '招标投标',
  construction: '工程建设',
  environmental: '环境保护',
  energy_saving: '节能减排',
  annual_assessment: '非企业法人履职与年度考核',
  professional_qualification: '职业资格',
};

/** DOMAIN.md §4: every national exchange field code of licences and penalties. */
const XK_CODES = [
  'XK_XDR_MC', 'XK_XDR_LB', 'XK_XDR_SHXYM', 'XK_XDR_GSZC', 'XK_XDR_ZZJG', 'XK_XDR_SWDJ', 'XK_XDR_SYDW', 'XK_XDR_SHZZ',
  'XK_FRDB', 'XK_FR_ZJLX', 'XK_FR_ZJHM', 'XK_XDR_ZJLX', 'XK_XDR_ZJHM', 'XK_XKWS', 'XK_WSH', 'XK_XKLB', 'XK_XKZS', 'XK_XKBH',
  'XK_NR', 'XK_JDRQ', 'XK_YXQZ', 'XK_YXQZI', 'XK_XKJG', 'XK_XKJGDM', 'XK_ZT', 'XK_LYDW', 'XK_LYDWDM', 'BZ',
];
const CF_CODES = [
  'CF_XDR_MC', 'CF_XDR_LB', 'CF_XDR_SHXYM', 'CF_XDR_GSZC', 'CF_XDR_ZZJG', 'CF_XDR_SWDJ', 'CF_XDR_SYDW', 'CF_XDR_SHZZ',
  'CF_FRDB', 'CF_FR_ZJLX', 'CF_FR_ZJHM', 'CF_XDR_ZJLX', 'CF_XDR_ZJHM', 'CF_WSH', 'CF_WFXW', 'CF_SY', 'CF_YJ', 'CF_CFLB',
  'CF_NR', 'CF_NR_FK', 'CF_NR_WFFF', 'CF_NR_ZKDX', 'CF_JDRQ', 'CF_YXQ', 'CF_GSJZQ', 'CF_CFJG', 'CF_CFJGDM', 'CF_SJLY',
  'CF_SJLYDM', 'BZ',
];

const CHINESE = /[\u4e00-\u9fff]/;
const TYPE_WORD: Record<string, string> = { string: '文本', number: '数字', integer: '整数', boolean: '布尔值', array: '数组' };

function messages(errors: FieldError[]): string[] {
  return errors.map((e) => e.message);
}

function envelopeExample(): Record<string, unknown> {
  const examples = registry.envelopeSchema()['examples'] as Array<Record<string, unknown>>;
  return structuredClone(examples[0] ?? {});
}

function fieldCodes(category: string): Map<string, string> {
  const schema = registry.schema(category);
  const codes = new Map<string, string>();
  for (const [name, prop] of Object.entries(schema.properties)) if (prop['x-field-code']) codes.set(prop['x-field-code'], `data.${name}`);
  for (const [p, aliases] of Object.entries(registry.meta(category).envelope)) {
    for (const a of aliases ?? []) if (a.fieldCode) codes.set(a.fieldCode, p);
  }
  return codes;
}

describe('records/schemas: the category schemas', () => {
  it('has one schema per v1 category, in the contract order, titled with its Chinese name', () => {
    expect(registry.categories()).to.deep.equal(Object.keys(CATEGORIES));
    for (const [category, title] of Object.entries(CATEGORIES)) {
      const schema = registry.schema(category);
      expect(schema.$id).to.equal(`https://credit-node.local/schemas/records/${category}.schema.json`);
      expect(schema['x-category']).to.equal(category);
      expect(schema.title).to.equal(title);
      expect(registry.meta(category).title).to.equal(title);
    }
    expect(registry.has('administrative_penalty')).to.equal(true);
    expect(registry.has('blacklist')).to.equal(false);
    expect(() => registry.schema('blacklist')).to.throw(/未知的信用信息类别/);
  });

  for (const category of Object.keys(CATEGORIES)) {
    describe(category, () => {
      const schema = registry.schema(category);

      it('validates every one of its examples', () => {
        expect(schema.examples.length).to.be.greaterThan(0);
        for (const example of schema.examples) expect(registry.validateData(category, example)).to.deep.equal([]);
      });

      it('gives every data property a Chinese x-label', () => {
        for (const [name, prop] of Object.entries(schema.properties)) {
          expect(prop['x-label'], name).to.be.a('string').and.match(CHINESE);
        }
      });

      it('rejects an example without a required field and with a wrongly typed one, in Chinese, naming the labels', () => {
        const data = structuredClone(schema.examples[0] ?? {});
        const [removed, retyped] = schema.required;
        expect(removed, 'at least two required fields').to.be.a('string');
        expect(retyped, 'at least two required fields').to.be.a('string');
        const gone = removed as string;
        const wrong = retyped as string;
        delete data[gone];
        data[wrong] = { nested: 'object' };
        const errors = registry.validateData(category, data);
        const goneLabel = registry.label(category, gone);
        const wrongProp = schema.properties[wrong] as PropertySchema;
        expect(errors).to.deep.include({ path: `data.${gone}`, message: `缺少必填字段：${goneLabel}`, code: 'FIELD_REQUIRED' });
        const typeError = errors.find((e) => e.path === `data.${wrong}`);
        expect(typeError?.code).to.equal('FIELD_TYPE');
        expect(typeError?.message).to.contain(`${registry.label(category, wrong)}必须是${TYPE_WORD[wrongProp.type ?? 'string'] ?? ''}`);
      });

      it('rejects unknown fields and a data value that is not an object', () => {
        const data = { ...structuredClone(schema.examples[0] ?? {}), colour: 'red' };
        expect(registry.validateData(category, data)).to.deep.equal([{ path: 'data.colour', message: '未知字段：colour', code: 'FIELD_UNKNOWN' }]);
        expect(messages(registry.validateData(category, 'text'))).to.deep.equal(['业务数据必须是对象']);
      });

      it('declares its envelope rules consistently', () => {
        const meta = registry.meta(category);
        expect(meta.subjectTypes).to.not.be.empty;
        for (const t of meta.subjectTypes) expect(['legal_person', 'non_enterprise', 'natural_person']).to.include(t);
        for (const s of meta.severities) expect(['minor', 'general', 'serious']).to.include(s);
        expect(['public', 'shared', 'restricted']).to.include(meta.publicity.level);
        expect(meta.publicity.basis).to.match(CHINESE);
        for (const p of ['externalId', 'decisionDate', 'subject.name', 'subject.code', 'sourceUnit.name', 'sourceUnit.code'] as const) {
          expect(meta.envelope[p], p).to.be.an('array').that.is.not.empty;
        }
        expect(meta.envelope.severity === undefined, 'severity column only where severities exist').to.equal(meta.severities.length === 0);
        for (const [start, end] of meta.dateOrder) {
          expect(schema.properties[start]?.format).to.equal('date');
          expect(schema.properties[end]?.format).to.equal('date');
        }
        // Example dates keep their declared order.
        for (const example of schema.examples) {
          for (const [start, end] of meta.dateOrder) {
            const a = example[start];
            const b = example[end];
            if (typeof a === 'string' && typeof b === 'string') expect(b >= a, `${start} <= ${end}`).to.equal(true);
          }
        }
      });

      it('forms a valid record together with the envelope', () => {
        const record = { ...envelopeExample(), category, data: structuredClone(schema.examples[0]) };
        expect(registry.validateEnvelope(record)).to.deep.equal([]);
      });
    });
  }

  it('carries every national licence and penalty field code of DOMAIN.md §4', () => {
    const xk = fieldCodes('administrative_license');
    for (const c of XK_CODES) expect(xk.has(c), c).to.equal(true);
    const cf = fieldCodes('administrative_penalty');
    for (const c of CF_CODES) expect(cf.has(c), c).to.equal(true);
    expect(cf.get('CF_WSH')).to.equal('externalId');
    expect(cf.get('CF_JDRQ')).to.equal('decisionDate');
    expect(cf.get('CF_NR_FK')).to.equal('data.fineAmount');
    expect(cf.get('CF_CFLB')).to.equal('data.penaltyTypes');
    expect(cf.get('CF_SJLYDM')).to.equal('sourceUnit.code');
    expect(xk.get('XK_YXQZI')).to.equal('data.validUntil');
    expect(xk.get('XK_XKLB')).to.equal('data.licenseCategory');
    expect(xk.get('XK_WSH')).to.equal('externalId');
    expect(xk.get('XK_XDR_SHXYM')).to.equal('subject.code');
  });

  it('declares the severities, subject types and publicity the domain rules ask for', () => {
    expect(registry.meta('administrative_penalty').severities).to.deep.equal(['minor', 'general', 'serious']);
    expect(registry.meta('administrative_penalty').publicity).to.include({ level: 'public', window: 'severity' });
    expect(registry.meta('administrative_license').severities).to.deep.equal([]);
    expect(registry.meta('administrative_license').publicity).to.deep.include({ level: 'public', window: 'validity', windowEnd: ['validUntil'] });
    expect(registry.meta('administrative_license').dateOrder).to.deep.equal([['validFrom', 'validUntil']]);
    expect(registry.meta('serious_dishonesty_list').severities).to.deep.equal(['serious']);
    expect(registry.meta('registration').subjectTypes).to.deep.equal(['legal_person', 'non_enterprise']);
    expect(registry.meta('professional_qualification').subjectTypes).to.deep.equal(['natural_person']);
    expect(registry.meta('tax_credit_rating').publicity).to.deep.include({ level: 'shared', publicWhen: { field: 'grade', in: ['A'] } });
  });

  it('accepts both the 2021 and the pre-2021 penalty types, and requires a fine amount for 罚款', () => {
    const base = structuredClone(registry.schema('administrative_penalty').examples[0] ?? {});
    const old = { ...base, penaltyTypes: ['警告', '没收违法所得、没收非法财物', '暂扣或者吊销许可证、暂扣或者吊销执照'] };
    expect(registry.validateData('administrative_penalty', old)).to.deep.equal([]);
    const noFine: Record<string, unknown> = { ...base, penaltyTypes: ['罚款'] };
    delete noFine['fineAmount'];
    expect(messages(registry.validateData('administrative_penalty', noFine))).to.deep.equal(['缺少必填字段：罚款金额（万元）']);
    const bad = { ...base, penaltyTypes: ['罚款', '打板子'] };
    const [err] = registry.validateData('administrative_penalty', bad);
    expect(err?.path).to.equal('data.penaltyTypes.1');
    expect(err?.message).to.match(/^处罚类别（第2项）的值不在允许范围内：“警告”、“通报批评”/);
    expect(err?.message).to.contain('“没收违法所得、没收非法财物”');
    expect(messages(registry.validateData('administrative_penalty', { ...base, penaltyTypes: [] }))).to.deep.equal(['处罚类别至少需要 1 项']);
  });

  it('checks amounts in 万元: not negative, at most 6 decimals', () => {
    const base = structuredClone(registry.schema('administrative_penalty').examples[0] ?? {});
    expect(registry.validateData('administrative_penalty', { ...base, fineAmount: 1822800.123456 })).to.deep.equal([]);
    expect(messages(registry.validateData('administrative_penalty', { ...base, fineAmount: 0.1234567 }))).to.deep.equal(['罚款金额（万元）最多保留 6 位小数']);
    expect(messages(registry.validateData('administrative_penalty', { ...base, fineAmount: -1 }))).to.deep.equal(['罚款金额（万元）不能小于 0']);
    expect(messages(registry.validateData('administrative_penalty', { ...base, fineAmount: '2' }))).to.deep.equal(['罚款金额（万元）必须是数字']);
  });

  it('names enum values and formats in its messages', () => {
    const lic = structuredClone(registry.schema('administrative_license').examples[0] ?? {});
    expect(registry.validateData('administrative_license', { ...lic, licenseCategory: '普遍', validUntil: '2031/03/01', licensingAuthorityCode: 'abc' })).to.deep.equal([
      { path: 'data.licenseCategory', message: '许可类别的值不在允许范围内：普通、特许、认可、核准、登记、其他', code: 'FIELD_ENUM' },
      { path: 'data.validUntil', message: '有效期至格式应为 YYYY-MM-DD', code: 'FIELD_FORMAT' },
      { path: 'data.licensingAuthorityCode', message: '许可机关统一社会信用代码格式不正确', code: 'FIELD_FORMAT' },
    ]);
    expect(messages(registry.validateData('administrative_license', { ...lic, validFrom: '2026-02-30' }))).to.deep.equal(['有效期自格式应为 YYYY-MM-DD']);
    expect(messages(registry.validateData('administrative_license', { ...lic, licenseContent: '' }))).to.deep.equal(['许可内容不能为空']);
    expect(registry.label('administrative_penalty', 'penaltyTypes.1')).to.equal('处罚类别（第2项）');
    expect(registry.label('administrative_penalty', 'nothing')).to.equal('nothing');
  });
});

describe('records/schemas: the record envelope', () => {
  it('validates its own example', () => {
    expect(registry.validateEnvelope(envelopeExample())).to.deep.equal([]);
    const data = envelopeExample()['data'];
    expect(registry.validateData('administrative_penalty', data)).to.deep.equal([]);
  });

  it('gives every property a Chinese label and keeps to the input form', () => {
    const env = registry.envelopeSchema();
    expect(env['additionalProperties']).to.equal(false);
    const walk = (props: Record<string, PropertySchema> | undefined): void => {
      for (const [name, prop] of Object.entries(props ?? {})) {
        expect(prop['x-label'], name).to.match(CHINESE);
        walk(prop.properties);
      }
    };
    walk(env.properties);
    expect(env.required).to.deep.equal(['category', 'externalId', 'subject', 'sourceUnit', 'decisionDate', 'data']);
  });

  it('reports envelope problems in Chinese, with the category’s national labels where it has one column', () => {
    const rec = envelopeExample();
    delete rec['externalId'];
    rec['decisionDate'] = '2026-3-2';
    rec['id'] = 'r-1';
    rec['subject'] = { type: 'company', code: '91370102MA0000015A' };
    expect(registry.validateEnvelope(rec)).to.have.deep.members([
      { path: 'externalId', message: '缺少必填字段：行政处罚决定书文号', code: 'FIELD_REQUIRED' },
      { path: 'decisionDate', message: '处罚决定日期格式应为 YYYY-MM-DD', code: 'FIELD_FORMAT' },
      { path: 'id', message: '未知字段：id', code: 'FIELD_UNKNOWN' },
      { path: 'subject.name', message: '缺少必填字段：行政相对人名称', code: 'FIELD_REQUIRED' },
      { path: 'subject.type', message: '主体类型的值不在允许范围内：legal_person、non_enterprise、natural_person', code: 'FIELD_ENUM' },
    ]);
  });

  it('falls back to its own labels for an unknown category, and rejects a non-object', () => {
    const rec: Record<string, unknown> = { ...envelopeExample(), category: 'blacklist', severity: 'grave' };
    delete rec['externalId'];
    expect(messages(registry.validateEnvelope(rec))).to.have.members([
      `信息类别的值不在允许范围内：${Object.keys(CATEGORIES).join('、')}`,
      '缺少必填字段：业务编号',
      '严重程度的值不在允许范围内：minor、general、serious',
    ]);
    expect(messages(registry.validateEnvelope([]))).to.deep.equal(['信用记录必须是对象']);
    expect(registry.validateData('blacklist', {})).to.deep.equal([{ path: 'category', message: '未知的信用信息类别：blacklist', code: 'FIELD_ENUM' }]);
  });
});

describe('records/schemas: loading', () => {
  it('compiles once and hands out the same registry for the same folder', () => {
    expect(SchemaRegistry.load()).to.equal(registry);
    expect(SchemaRegistry.load(path.dirname(registry.dir))).to.equal(registry);
    expect(SchemaRegistry.load(registry.dir)).to.equal(registry);
  });

  it('refuses schemas with an unknown keyword, a missing label or a bad custom keyword value', () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'credit-schemas-'));
    const file = path.join(tmp, 'records', 'honor.schema.json');
    try {
      cpSync(registry.dir, tmp, { recursive: true });
      const original = readFileSync(file, 'utf8');
      const edit = (change: (s: Record<string, unknown>) => void): void => {
        const s = JSON.parse(original) as Record<string, unknown>;
        change(s);
        writeFileSync(file, JSON.stringify(s));
      };
      const props = (s: Record<string, unknown>) => s['properties'] as Record<string, Record<string, unknown>>;

      edit((s) => { (props(s)['honorName'] as Record<string, unknown>)['x-lable'] = '荣誉名称'; });
      expect(() => SchemaRegistry.load(path.join(tmp, 'a'))).to.throw();
      expect(() => SchemaRegistry.load(tmp)).to.throw(/x-lable/);

      edit((s) => { delete (props(s)['honorName'] as Record<string, unknown>)['x-label']; });
      expect(() => SchemaRegistry.load(tmp)).to.throw(/x-label/);

      edit((s) => { s['x-severities'] = ['grave']; });
      expect(() => SchemaRegistry.load(tmp)).to.throw(/x-severities/);

      edit((s) => { s['x-date-order'] = [['validFrom', 'validUntil']]; });
      expect(() => SchemaRegistry.load(tmp)).to.throw(/validFrom/);

      writeFileSync(file, original);
      expect(SchemaRegistry.load(tmp).categories()).to.have.length(15);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
