import { expect } from 'chai';
import { checkCode } from '../../node/identity/check-code.ts';
import { makeResidentId } from '../../node/identity/resident-id.ts';
import { orgCodeCheckChar, usccCheckChar, validateUscc } from '../../node/identity/uscc.ts';

const TODAY = new Date('2025-06-01T04:00:00Z');
const codesOf = (errs: { code: string }[]): string[] => errs.map((e) => e.code);

describe('identity/check-code', () => {
  it('recognises valid USCCs, all-digit ones included', () => {
    expect(checkCode('91110000600037341L', { today: TODAY })).to.deep.equal({
      code: '91110000600037341L', valid: true, kind: 'uscc', subjectType: 'legal_person', errors: [],
    });
    for (const code of ['121200004013590816', '911522010783762860']) {
      expect(checkCode(code, { today: TODAY }), code).to.include({ valid: true, kind: 'uscc' });
    }
    expect(checkCode('121200004013590816').subjectType).to.equal('non_enterprise');
    expect(checkCode('92141127MA0KD1Y64A').subjectType).to.equal('legal_person');
  });

  it('recognises valid resident IDs, 15-digit and lower-case x included', () => {
    expect(checkCode('11010519491231002x', { today: TODAY })).to.deep.equal({
      code: '11010519491231002X', valid: true, kind: 'resident_id', subjectType: 'natural_person', errors: [],
    });
    expect(checkCode('120103198806018241', { today: TODAY })).to.include({ valid: true, kind: 'resident_id' });
    expect(checkCode('110105491231002', { today: TODAY })).to.include({
      valid: true, kind: 'resident_id', code: '11010519491231002X',
    });
  });

  it('reports an invalid ID as an ID when positions 7-14 look like a birth date', () => {
    const month13 = checkCode('360426199113010079', { today: TODAY });
    expect(month13).to.include({ valid: false, kind: 'resident_id', subjectType: 'natural_person' });
    expect(codesOf(month13.errors)).to.include('ID_BIRTHDATE');
    const check = checkCode('36042619910102009X', { today: TODAY });
    expect(check.kind).to.equal('resident_id');
    expect(codesOf(check.errors)).to.deep.equal(['ID_CHECKSUM']);
  });

  it('reports an invalid all-digit code as a USCC otherwise', () => {
    const r = checkCode('121200004013590817', { today: TODAY });
    expect(r).to.include({ valid: false, kind: 'uscc', subjectType: 'non_enterprise' });
    expect(codesOf(r.errors)).to.deep.equal(['USCC_CHECKSUM']);
  });

  it('treats letters other than a final X as a USCC', () => {
    expect(codesOf(checkCode('91110000600037341N').errors)).to.deep.equal(['USCC_CHECKSUM']);
    const alpha = checkCode('9111000060003IOZSV');
    expect(alpha.kind).to.equal('uscc');
    expect(codesOf(alpha.errors)).to.deep.equal(['USCC_ALPHABET']);
    const badAuthority = checkCode('B1370102MA0KD1Y64A');
    expect(badAuthority.kind).to.equal('uscc');
    expect(badAuthority.subjectType).to.equal(null);
  });

  it('decides the kind of other lengths from the content', () => {
    expect(checkCode('12345')).to.deep.equal({
      code: '12345', valid: false, kind: 'unknown', subjectType: null,
      errors: [{ code: 'CODE_UNKNOWN', message: '无法识别的代码：既不是统一社会信用代码，也不是公民身份号码' }],
    });
    const shortUscc = checkCode('911100006000373L');
    expect(shortUscc.kind).to.equal('uscc');
    expect(codesOf(shortUscc.errors)).to.deep.equal(['USCC_LENGTH']);
    const truncatedId = checkCode('11010519491231002');
    expect(truncatedId.kind).to.equal('resident_id');
    expect(codesOf(truncatedId.errors)).to.deep.equal(['ID_LENGTH']);
    expect(checkCode('').kind).to.equal('unknown');
    expect(checkCode('hello, world!').kind).to.equal('unknown');
    expect(codesOf(checkCode('11010549123100x').errors)).to.deep.equal(['ID_FORMAT']);
  });

  it('passes legacy codes through with a warning', () => {
    const xiamen = '91350211M0000XUF46';
    const rejected = checkCode(xiamen);
    expect(rejected.valid).to.equal(false);
    expect(rejected.warnings).to.equal(undefined);
    const accepted = checkCode(xiamen, { legacyCodes: new Set([xiamen]) });
    expect(accepted).to.include({ valid: true, kind: 'uscc', subjectType: 'legal_person' });
    expect(codesOf(accepted.warnings ?? [])).to.deep.equal(['USCC_LEGACY']);
  });

  it('tells a resident ID that passes the USCC final check by chance from a USCC', () => {
    // Jiangsu 3211xx IDs read as authority 3 / category 2 (公证处) with a Beijing-prefixed region, so only the
    // check characters can tell them apart.
    const lucky: string[] = [];
    for (let seq = 0; seq < 1000; seq++) {
      const id = makeResidentId('321102', '19800101', String(seq).padStart(3, '0'));
      if (usccCheckChar(id.slice(0, 17)) === id.charAt(17)) lucky.push(id);
    }
    expect(lucky.length).to.be.greaterThan(5);
    let caughtByInnerCheck = 0;
    for (const id of lucky) {
      expect(checkCode(id, { today: TODAY }), id).to.include({ kind: 'resident_id', valid: true });
      const asUscc = validateUscc(id);
      if (orgCodeCheckChar(id.slice(8, 16)) !== id.charAt(16)) {
        expect(codesOf(asUscc.errors), id).to.deep.equal(['USCC_ORG_CHECK']);
        caughtByInnerCheck++;
      }
    }
    expect(caughtByInnerCheck).to.be.greaterThan(0);
  });
});
