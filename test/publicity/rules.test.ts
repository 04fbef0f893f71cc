import { expect } from 'chai';
import { SchemaRegistry } from '../../node/records/schema-registry.ts';
import { addMonths, decidePublicity, publicityOf, ruleSet, ruleSetFor, type PublicityConfig, type RecordFacts } from '../../node/publicity/rules.ts';
import { isPubliclyVisible } from '../../node/publicity/visibility.ts';
import { JINAN_MARKET, exampleData } from '../helpers/records.ts';

const registry = SchemaRegistry.load();
const ruleOf = (category: string) => registry.meta(category).publicity;
const ECOLOGY = { code: '11370100004188311L', name: '济南市生态环境局' };
const DEVELOPMENT = { code: '113701000041886295', name: '济南市发展和改革委员会' };

function facts(category: string, over: Partial<RecordFacts> & { data?: Record<string, unknown> } = {}): RecordFacts {
  return {
    category,
    subjectType: 'legal_person',
    severity: null,
    decisionDate: '2026-05-10',
    sourceUnit: JINAN_MARKET,
    writtenOn: '2026-05-12',
    ...over,
    data: { ...exampleData(category), ...(over.data ?? {}) },
  };
}

/** A penalty without the source's own end date or penalty term, so only the rules speak. */
function fine(over: Partial<RecordFacts> & { data?: Record<string, unknown> } = {}): RecordFacts {
  const f = facts('administrative_penalty', { severity: 'general', ...over });
  for (const k of ['publicityUntil', 'penaltyValidUntil']) if (!over.data || !(k in over.data)) delete f.data[k];
  return f;
}

const window = (d: { level: string; publishFrom: string | null; publishUntil: string | null; rule: string }) => [d.level, d.publishFrom, d.publishUntil, d.rule];
const fixed = (rules: PublicityConfig['rules'], minorPublishMonths = 0): PublicityConfig => ({ rules, minorPublishMonths });

describe('publicity rules', () => {
  describe('penalties by severity', () => {
    const penalty = ruleOf('administrative_penalty');

    it('2026-04: minor not published by default, general at most a year, serious at most three years, from the decision date', () => {
      const set = ruleSet('2026-04');
      expect(window(decidePublicity(penalty, fine({ severity: 'minor' }), set))).to.deep.equal(['shared', null, null, '2026-04']);
      expect(window(decidePublicity(penalty, fine({ severity: 'general' }), set))).to.deep.equal(['public', '2026-05-10', '2027-05-10', '2026-04']);
      expect(window(decidePublicity(penalty, fine({ severity: 'serious' }), set))).to.deep.equal(['public', '2026-05-10', '2029-05-10', '2026-04']);
    });

    it('2026-04: a sector that publishes minor penalties does so for at most three months', () => {
      const set = ruleSet('2026-04', { minorPublishMonths: 3 });
      expect(window(decidePublicity(penalty, fine({ severity: 'minor' }), set))).to.deep.equal(['public', '2026-05-10', '2026-08-10', '2026-04']);
      // The source asking for longer is held to the maximum.
      expect(decidePublicity(penalty, fine({ severity: 'minor', data: { publicityUntil: '2027-01-01' } }), set).publishUntil).to.equal('2026-08-10');
      // The option reaches no further than three months.
      expect(decidePublicity(penalty, fine({ severity: 'minor' }), ruleSet('2026-04', { minorPublishMonths: 12 })).publishUntil).to.equal('2026-08-10');
    });

    it('2019: general 3 months to a year, serious 6 months to 3 years, a minor penalty judged as general', () => {
      const set = ruleSet('2019');
      expect(window(decidePublicity(penalty, fine({ severity: 'minor' }), set))).to.deep.equal(['public', '2026-05-10', '2027-05-10', '2019']);
      expect(window(decidePublicity(penalty, fine({ severity: 'general' }), set))).to.deep.equal(['public', '2026-05-10', '2027-05-10', '2019']);
      expect(window(decidePublicity(penalty, fine({ severity: 'serious' }), set))).to.deep.equal(['public', '2026-05-10', '2029-05-10', '2019']);
    });

    it("keeps the source's own end date between the set's shortest and longest period", () => {
      const asked = (severity: string, publicityUntil: string, version: '2019' | '2026-04') =>
        decidePublicity(penalty, fine({ severity, data: { publicityUntil } }), ruleSet(version)).publishUntil;
      expect(asked('general', '2026-12-01', '2026-04')).to.equal('2026-12-01');
      expect(asked('general', '2026-06-01', '2026-04')).to.equal('2026-08-10');
      expect(asked('general', '2028-01-01', '2026-04')).to.equal('2027-05-10');
      // Serious: six months at least under 2019, a year under 2026-04.
      expect(asked('serious', '2026-09-01', '2019')).to.equal('2026-11-10');
      expect(asked('serious', '2026-09-01', '2026-04')).to.equal('2027-05-10');
    });

    it('chooses the set by decision date unless one is fixed, and stores its version', () => {
      expect(ruleSetFor('2026-03-31').version).to.equal('2019');
      expect(ruleSetFor('2026-04-01').version).to.equal('2026-04');
      expect(publicityOf(penalty, fine({ severity: 'minor', decisionDate: '2026-03-31' })).rule).to.equal('2019');
      expect(publicityOf(penalty, fine({ severity: 'minor', decisionDate: '2026-03-31' })).level).to.equal('public');
      expect(window(publicityOf(penalty, fine({ severity: 'minor', decisionDate: '2026-03-31' }), fixed('2026-04')))).to.deep.equal(['shared', null, null, '2026-04']);
      expect(publicityOf(penalty, fine({ severity: 'serious', decisionDate: '2026-06-01' }), fixed('2019')).rule).to.equal('2019');
    });

    it('counts months to the corresponding day, or the last day of a shorter month', () => {
      expect(addMonths('2026-03-31', 3)).to.equal('2026-06-30');
      expect(addMonths('2026-11-30', 3)).to.equal('2027-02-28');
      expect(addMonths('2028-02-29', 12)).to.equal('2029-02-28');
      expect(decidePublicity(penalty, fine({ decisionDate: '2026-03-31' }), ruleSet('2019')).publishUntil).to.equal('2027-03-31');
      expect(decidePublicity(penalty, fine({ severity: 'minor', decisionDate: '2026-11-30' }), ruleSet('2026-04', { minorPublishMonths: 3 })).publishUntil).to.equal('2027-02-28');
    });

    it('a penalty carrying several types takes the longest period: a restriction stays public until it ends', () => {
      const set = ruleSet('2026-04');
      const until = (penaltyTypes: string[], penaltyValidUntil?: string) =>
        decidePublicity(penalty, fine({ data: { penaltyTypes, ...(penaltyValidUntil ? { penaltyValidUntil } : {}) } }), set).publishUntil;
      expect(until(['罚款'], '2029-01-01')).to.equal('2027-05-10');
      expect(until(['罚款', '限制从业'], '2029-01-01')).to.equal('2029-01-01');
      expect(until(['警告', '罚款', '限制开展生产经营活动'], '2028-02-01')).to.equal('2028-02-01');
      // A short suspension does not shorten the fine's period.
      expect(until(['罚款', '责令停产停业'], '2026-08-01')).to.equal('2027-05-10');
      // A ban for life (长期) keeps the record public while it stands.
      expect(until(['罚款', '限制从业'], '2099-12-31')).to.equal(null);
    });

    it('does not publish a warning-only penalty of market regulation, by source unit or by penalty authority', () => {
      const set = ruleSet('2026-04');
      const warning = (sourceUnit: { code: string; name: string }, penaltyAuthority: string, penaltyTypes = ['警告']) =>
        window(decidePublicity(penalty, fine({ sourceUnit, data: { penaltyTypes, penaltyAuthority } }), set));
      expect(warning(JINAN_MARKET, '济南市市场监督管理局')).to.deep.equal(['shared', null, null, '2026-04']);
      expect(warning(DEVELOPMENT, '济南市历下区市场监督管理局')).to.deep.equal(['shared', null, null, '2026-04']);
      expect(warning(DEVELOPMENT, '济南市工商行政管理局')).to.deep.equal(['shared', null, null, '2026-04']);
      // Another sector's warning, and a market warning with a fine, are published.
      expect(warning(ECOLOGY, '济南市生态环境局')).to.deep.equal(['public', '2026-05-10', '2027-05-10', '2026-04']);
      expect(warning(JINAN_MARKET, '济南市市场监督管理局', ['警告', '罚款'])).to.deep.equal(['public', '2026-05-10', '2027-05-10', '2026-04']);
    });
  });

  describe('licences, lists, conditional and plain categories', () => {
    const set = ruleSet('2026-04');

    it('publishes a licence while it is valid: until its end, long-term without end, and no longer once invalid', () => {
      const licence = ruleOf('administrative_license');
      const valid = decidePublicity(licence, facts('administrative_license', { data: { validUntil: '2031-03-01' } }), set);
      expect(window(valid)).to.deep.equal(['public', '2026-05-10', '2031-03-01', '2026-04']);
      const expired = decidePublicity(licence, facts('administrative_license', { decisionDate: '2020-01-06', data: { validFrom: '2020-01-06', validUntil: '2025-01-05' } }), set);
      expect(window(expired)).to.deep.equal(['public', '2020-01-06', '2025-01-05', '2026-04']);
      const row = (d: typeof valid) => ({ publicity: d.level, status: 'active', publish_from: d.publishFrom, publish_until: d.publishUntil });
      expect(isPubliclyVisible(row(expired), '2026-05-12')).to.equal(false);
      expect(isPubliclyVisible(row(valid), '2031-03-01')).to.equal(true);
      expect(isPubliclyVisible(row(valid), '2031-03-02')).to.equal(false);
      const longTerm = decidePublicity(licence, facts('administrative_license', { data: { validUntil: '2099-12-31' } }), set);
      expect(window(longTerm)).to.deep.equal(['public', '2026-05-10', null, '2026-04']);
      // Reported invalid (当前状态 无效) in the version written on 2026-06-01: public until the day before.
      const invalid = decidePublicity(licence, facts('administrative_license', { writtenOn: '2026-06-01', data: { status: '无效' } }), set);
      expect(window(invalid)).to.deep.equal(['public', '2026-05-10', '2026-05-31', '2026-04']);
    });

    it('ends a list entry at the earliest of its removal and expiry dates present, else keeps it while listed', () => {
      const list = ruleOf('serious_dishonesty_list');
      const entry = (data: Record<string, unknown>) => {
        const f = facts('serious_dishonesty_list', { severity: 'serious' });
        delete f.data['validUntil'];
        return decidePublicity(list, { ...f, data: { ...f.data, ...data } }, set).publishUntil;
      };
      expect(entry({ validUntil: '2029-03-01', removalDate: '2027-01-15' })).to.equal('2027-01-15');
      expect(entry({ validUntil: '2027-01-15', removalDate: '2029-03-01' })).to.equal('2027-01-15');
      expect(entry({ validUntil: '2029-03-01' })).to.equal('2029-03-01');
      expect(entry({})).to.equal(null);
      const bidding = decidePublicity(ruleOf('bidding'), facts('bidding', { severity: 'general', data: { announcementUntil: '2026-11-10', disqualifiedUntil: '2027-05-10' } }), set);
      expect(bidding.publishUntil).to.equal('2026-11-10');
      const abnormal = decidePublicity(ruleOf('abnormal_operation_list'), facts('abnormal_operation_list', { decisionDate: '2025-03-01', data: { removalDate: '2025-09-18' } }), set);
      expect(window(abnormal)).to.deep.equal(['public', '2025-03-01', '2025-09-18', '2026-04']);
    });

    it('makes a shared category public when its publicWhen field says so (A-grade taxpayers, dishonest debtors)', () => {
      const tax = (grade: string) => window(decidePublicity(ruleOf('tax_credit_rating'), facts('tax_credit_rating', { data: { grade } }), set));
      expect(tax('A')).to.deep.equal(['public', '2026-05-10', null, '2026-04']);
      expect(tax('B')).to.deep.equal(['shared', null, null, '2026-04']);
      expect(tax('D')).to.deep.equal(['shared', null, null, '2026-04']);
      const court = (dishonestDebtor: boolean, removalDate?: string) =>
        window(decidePublicity(ruleOf('court_enforcement'), facts('court_enforcement', { data: { dishonestDebtor, ...(removalDate ? { removalDate } : {}) } }), set));
      expect(court(true)).to.deep.equal(['public', '2026-05-10', null, '2026-04']);
      expect(court(true, '2027-05-01')).to.deep.equal(['public', '2026-05-10', '2027-05-01', '2026-04']);
      expect(court(false)).to.deep.equal(['shared', null, null, '2026-04']);
    });

    it("keeps natural persons' records public only where the category's rule says so", () => {
      const person = { subjectType: 'natural_person' };
      expect(decidePublicity(ruleOf('professional_qualification'), facts('professional_qualification', person), set).level).to.equal('shared');
      expect(decidePublicity(ruleOf('court_enforcement'), facts('court_enforcement', { ...person, data: { dishonestDebtor: false } }), set).level).to.equal('shared');
      expect(decidePublicity(ruleOf('court_enforcement'), facts('court_enforcement', { ...person, data: { dishonestDebtor: true } }), set).level).to.equal('public');
      expect(window(decidePublicity(ruleOf('administrative_penalty'), fine(person), set))).to.deep.equal(['public', '2026-05-10', '2027-05-10', '2026-04']);
      expect(decidePublicity(ruleOf('contract_performance'), facts('contract_performance'), set).level).to.equal('shared');
    });

    it('publishes a category without a window from its decision date, with no end while the record stands', () => {
      expect(window(decidePublicity(ruleOf('registration'), facts('registration'), set))).to.deep.equal(['public', '2026-05-10', null, '2026-04']);
      expect(window(decidePublicity(ruleOf('energy_saving'), facts('energy_saving'), set))).to.deep.equal(['shared', null, null, '2026-04']);
    });
  });
});
