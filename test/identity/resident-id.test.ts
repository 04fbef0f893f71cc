import { expect } from 'chai';
import {
  convertId15To18,
  makeResidentId,
  maskResidentId,
  residentIdCheckChar,
  validateResidentId,
} from '../../node/identity/resident-id.ts';

const codesOf = (errs: { code: string }[]): string[] => errs.map((e) => e.code);
const TODAY = new Date('2025-06-01T04:00:00Z');
const withCheck = (first17: string): string => first17 + residentIdCheckChar(first17);

describe('identity/resident-id', () => {
  describe('DOMAIN.md §2 vectors', () => {
    it('accepts 11010519491231002X', () => {
      const r = validateResidentId('11010519491231002X', { today: TODAY });
      expect(r.errors).to.deep.equal([]);
      expect(r).to.include({ valid: true, birthDate: '1949-12-31', sex: 'female', regionCode: '110105' });
      expect(r.converted).to.equal(undefined);
    });

    it('accepts 44011320141005001X (male) and 120103198806018241 (female)', () => {
      expect(validateResidentId('44011320141005001X', { today: TODAY })).to.include({
        valid: true, sex: 'male', birthDate: '2014-10-05',
      });
      expect(validateResidentId('120103198806018241', { today: TODAY })).to.include({
        valid: true, sex: 'female', birthDate: '1988-06-01',
      });
    });

    it('accepts a lower-case x and normalises it', () => {
      const r = validateResidentId('11010519491231002x', { today: TODAY });
      expect(r.valid).to.equal(true);
      expect(r.code).to.equal('11010519491231002X');
    });

    it('rejects 36042619910102009X with ID_CHECKSUM', () => {
      expect(codesOf(validateResidentId('36042619910102009X', { today: TODAY }).errors)).to.deep.equal(['ID_CHECKSUM']);
    });

    it('rejects 360426199113010079 (month 13) with ID_BIRTHDATE', () => {
      const r = validateResidentId('360426199113010079', { today: TODAY });
      expect(r.valid).to.equal(false);
      expect(codesOf(r.errors)).to.include('ID_BIRTHDATE');
      expect(r.birthDate).to.equal(undefined);
    });
  });

  describe('birth date', () => {
    it('rejects month 13 even when the check character is right', () => {
      expect(codesOf(validateResidentId(withCheck('36042619911301007'), { today: TODAY }).errors)).to.deep.equal([
        'ID_BIRTHDATE',
      ]);
    });

    it('rejects Feb 29 in a non-leap year and accepts it in leap years', () => {
      const at = (d: string) => validateResidentId(withCheck(`370102${d}123`), { today: TODAY });
      expect(codesOf(at('20230229').errors)).to.deep.equal(['ID_BIRTHDATE']);
      expect(codesOf(at('19000229').errors)).to.deep.equal(['ID_BIRTHDATE']);
      expect(at('20240229').valid).to.equal(true);
      expect(at('20000229').valid).to.equal(true);
    });

    it('rejects a future date, judged by the calendar date in China', () => {
      expect(codesOf(validateResidentId(withCheck('37010220300101123'), { today: TODAY }).errors)).to.deep.equal([
        'ID_BIRTHDATE',
      ]);
      // 2025-05-31T16:30Z is already 2025-06-01 in Beijing.
      const justAfterMidnight = new Date('2025-05-31T16:30:00Z');
      expect(validateResidentId(withCheck('37010220250601123'), { today: justAfterMidnight }).valid).to.equal(true);
      expect(validateResidentId(withCheck('37010220250602123'), { today: justAfterMidnight }).valid).to.equal(false);
    });

    it('rejects births before 1890', () => {
      expect(codesOf(validateResidentId(withCheck('37010218891231123'), { today: TODAY }).errors)).to.deep.equal([
        'ID_BIRTHDATE',
      ]);
      expect(validateResidentId(withCheck('37010218900101123'), { today: TODAY }).valid).to.equal(true);
    });
  });

  describe('structure', () => {
    it('reports ID_LENGTH and ID_FORMAT', () => {
      expect(codesOf(validateResidentId('1101051949123100').errors)).to.deep.equal(['ID_LENGTH']);
      expect(codesOf(validateResidentId('1101051949123X002').errors)).to.deep.equal(['ID_LENGTH']);
      expect(codesOf(validateResidentId('1101051949123X0021').errors)).to.deep.equal(['ID_FORMAT']);
      expect(codesOf(validateResidentId('11010549123100X').errors)).to.deep.equal(['ID_FORMAT']);
    });

    it('rejects a region outside any province, and accepts 71, 81, 82 and 83', () => {
      expect(codesOf(validateResidentId(withCheck('99010219800101123'), { today: TODAY }).errors)).to.deep.equal([
        'ID_REGION',
      ]);
      expect(codesOf(validateResidentId(withCheck('10000019800101123'), { today: TODAY }).errors)).to.deep.equal([
        'ID_REGION',
      ]);
      for (const p of ['710000', '810000', '820000', '830000', '371202', '372801']) {
        expect(validateResidentId(withCheck(`${p}19800101123`), { today: TODAY }).valid, p).to.equal(true);
      }
    });

    it('reports every applicable error', () => {
      const code = '990102198013010000';
      const expected = residentIdCheckChar(code.slice(0, 17)) === '0' ? [] : ['ID_CHECKSUM'];
      expect(codesOf(validateResidentId(code, { today: TODAY }).errors)).to.deep.equal([
        'ID_REGION',
        'ID_BIRTHDATE',
        ...expected,
      ]);
    });
  });

  describe('15 → 18 conversion', () => {
    it('converts a known pair (checked by hand)', () => {
      // 1·7+1·9+0·10+1·5+0·8+5·4+1·2+9·1+4·6+9·3+1·7+2·9+3·10+1·5+0·8+0·4+2·2 = 167; 167 mod 11 = 2 → 'X'
      expect(convertId15To18('110105491231002')).to.equal('11010519491231002X');
      // 3·7+7·9+0+1·5+0+2·4+1·2+9·1+8·6+0+0+1·9+0+1·5+1·8+2·4+3·2 = 192; 192 mod 11 = 5 → '7'
      expect(convertId15To18('370102800101123')).to.equal('370102198001011237');
    });

    it('validates a 15-digit number through its 18-digit form', () => {
      const r = validateResidentId('110105491231002', { today: TODAY });
      expect(r).to.include({ valid: true, code: '11010519491231002X', converted: true, birthDate: '1949-12-31' });
      const bad = validateResidentId('110105491301002', { today: TODAY });
      expect(codesOf(bad.errors)).to.deep.equal(['ID_BIRTHDATE']);
      expect(bad.converted).to.equal(true);
    });

    it('refuses input that is not 15 digits', () => {
      expect(() => convertId15To18('11010549123100X')).to.throw(RangeError);
    });
  });

  describe('makeResidentId', () => {
    it('rebuilds the DOMAIN.md examples', () => {
      expect(makeResidentId('110105', '19491231', '002')).to.equal('11010519491231002X');
      expect(makeResidentId('120103', '19880601', '824')).to.equal('120103198806018241');
    });

    it('refuses malformed parts and impossible dates', () => {
      expect(() => makeResidentId('37010', '19800101', '123')).to.throw(RangeError);
      expect(() => makeResidentId('370102', '19800230', '123')).to.throw(RangeError);
      expect(() => makeResidentId('370102', '19800101', '12')).to.throw(RangeError);
    });
  });

  describe('maskResidentId', () => {
    it('keeps the first 6 and last 4 of an 18-character number', () => {
      expect(maskResidentId('370102198001011234')).to.equal('370102********1234');
      expect(maskResidentId('11010519491231002x')).to.equal('110105********002X');
    });

    it('hides the whole birth date of a 15-digit number', () => {
      expect(maskResidentId('370102800101123')).to.equal('370102******123');
    });

    it('never shows more than the last 4 characters of anything else', () => {
      expect(maskResidentId('12345678')).to.equal('********');
      expect(maskResidentId('1234567890')).to.equal('******7890');
      expect(maskResidentId('')).to.equal('');
    });
  });
});
