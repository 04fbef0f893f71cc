import { expect } from 'chai';
import {
  USCC_ALPHABET,
  describeAuthority,
  makeUscc,
  normalizeUscc,
  orgCodeCheckChar,
  usccCheckChar,
  validateUscc,
} from '../../node/identity/uscc.ts';

const codesOf = (errs: { code: string }[]): string[] => errs.map((e) => e.code);

/** Assembles a code by hand, with a correct final check character unless told otherwise. */
function assemble(head10: string, body8: string, orgCheck = orgCodeCheckChar(body8)): string {
  const first17 = head10.slice(0, 8) + body8 + orgCheck;
  return first17 + usccCheckChar(first17);
}

describe('identity/uscc', () => {
  describe('check characters', () => {
    it('computes the final check of the DOMAIN.md examples', () => {
      expect(usccCheckChar('91110000600037341')).to.equal('L');
      expect(usccCheckChar('12120000401359081')).to.equal('6');
      expect(usccCheckChar('91371082775260043')).to.equal('P');
      expect(usccCheckChar('92141127MA0KD1Y64')).to.equal('A');
    });

    it('gives 0 when the weighted sum is a multiple of 31 (the outer mod 31)', () => {
      expect(usccCheckChar('91152201078376286')).to.equal('0');
    });

    it('computes the GB 11714 organisation-code check, with 10 → X and 11 → 0', () => {
      expect(orgCodeCheckChar('60003734')).to.equal('1');
      expect(orgCodeCheckChar('MA0KD1Y6')).to.equal('4');
      // 3·0+7·0+9·0+10·0+5·0+8·0+4·0+2·1 = 2 → 11-2 = 9
      expect(orgCodeCheckChar('00000001')).to.equal('9');
      // sum 0 → 11 → '0'
      expect(orgCodeCheckChar('00000000')).to.equal('0');
      // 2·5 = 10 → 11-10 = 1; 2·6 = 12 → 11-1 = 10 → 'X'
      expect(orgCodeCheckChar('00000005')).to.equal('1');
      expect(orgCodeCheckChar('00000006')).to.equal('X');
    });

    it('rejects characters outside the alphabet instead of computing nonsense', () => {
      expect(() => usccCheckChar('9111000060003734I')).to.throw(RangeError);
      expect(() => usccCheckChar('911100006')).to.throw(RangeError);
      expect(() => orgCodeCheckChar('6000373')).to.throw(RangeError);
    });

    it('exposes the 31-symbol alphabet without I, O, Z, S, V', () => {
      expect(USCC_ALPHABET).to.have.length(31);
      for (const ch of 'IOZSV') expect(USCC_ALPHABET).not.to.include(ch);
    });
  });

  describe('validateUscc: DOMAIN.md §1 vectors', () => {
    for (const code of ['91110000600037341L', '121200004013590816', '91371082775260043P', '911522010783762860', '92141127MA0KD1Y64A']) {
      it(`accepts ${code}`, () => {
        const r = validateUscc(code);
        expect(r.errors).to.deep.equal([]);
        expect(r.valid).to.equal(true);
        expect(r.code).to.equal(code);
      });
    }

    it('rejects 91110000600037341N with USCC_CHECKSUM only', () => {
      expect(codesOf(validateUscc('91110000600037341N').errors)).to.deep.equal(['USCC_CHECKSUM']);
    });

    it('rejects 91110000600037342L with both check errors (all errors are reported)', () => {
      const r = validateUscc('91110000600037342L');
      expect(r.valid).to.equal(false);
      expect(codesOf(r.errors)).to.have.members(['USCC_ORG_CHECK', 'USCC_CHECKSUM']);
    });

    it('rejects 9111000060003IOZSV with USCC_ALPHABET and skips the check-character tests', () => {
      const r = validateUscc('9111000060003IOZSV');
      expect(codesOf(r.errors)).to.deep.equal(['USCC_ALPHABET']);
      expect(r.errors[0]?.message).to.include('I');
    });

    it('rejects 12345 with USCC_LENGTH only', () => {
      const r = validateUscc('12345');
      expect(codesOf(r.errors)).to.deep.equal(['USCC_LENGTH']);
      expect(r.valid).to.equal(false);
    });

    it('reports length and alphabet together', () => {
      expect(codesOf(validateUscc('91110000600037341LI').errors)).to.deep.equal(['USCC_LENGTH', 'USCC_ALPHABET']);
    });
  });

  describe('validateUscc: structure', () => {
    it('describes authority, subject type and region', () => {
      const ent = validateUscc('92141127MA0KD1Y64A');
      expect(ent.subjectType).to.equal('legal_person');
      expect(ent.authority?.categoryName).to.equal('个体工商户');
      expect(ent.regionCode).to.equal('141127');
      const inst = validateUscc('121200004013590816');
      expect(inst.subjectType).to.equal('non_enterprise');
      expect(inst.authority?.authorityName).to.equal('机构编制');
      expect(inst.authority?.categoryName).to.equal('事业单位');
    });

    it('rejects unknown authority/category pairs with USCC_AUTHORITY', () => {
      for (const head of ['94', '99', 'B1', 'Y2', '01']) {
        const code = assemble(`${head}370102`, '77526004');
        expect(codesOf(validateUscc(code).errors), code).to.deep.equal(['USCC_AUTHORITY']);
      }
    });

    it('rejects a region outside any province, or with letters, with USCC_REGION', () => {
      expect(codesOf(validateUscc(assemble('91990000', '77526004')).errors)).to.deep.equal(['USCC_REGION']);
      expect(codesOf(validateUscc(assemble('91370A02', '77526004')).errors)).to.deep.equal(['USCC_REGION']);
    });

    it('accepts any division inside a real province, a retired one included, and the central 100000', () => {
      expect(validateUscc(assemble('91370181', '77526004')).valid).to.equal(true);
      expect(validateUscc(assemble('91371202', '77526004')).valid).to.equal(true);
      expect(validateUscc(assemble('11100000', '00001312')).valid).to.equal(true);
    });

    it('reports every structural and check error at once', () => {
      const first17 = '99990000775260045'; // authority 9/9, region 99xxxx, inner check should be 3
      const wrong = usccCheckChar(first17) === '0' ? '1' : '0';
      expect(codesOf(validateUscc(first17 + wrong).errors)).to.deep.equal([
        'USCC_AUTHORITY',
        'USCC_REGION',
        'USCC_ORG_CHECK',
        'USCC_CHECKSUM',
      ]);
    });

    it('rejects a wrong organisation-code check even when the final check is right', () => {
      const code = assemble('91370102', '77526004', '5');
      expect(codesOf(validateUscc(code).errors)).to.deep.equal(['USCC_ORG_CHECK']);
    });
  });

  describe('legacy pilot codes', () => {
    const xiamen = '91350211M0000XUF46';

    it('rejects the Xiamen pilot code by default with USCC_CHECKSUM (its inner check passes)', () => {
      expect(orgCodeCheckChar('M0000XUF')).to.equal('4');
      const r = validateUscc(xiamen);
      expect(r.valid).to.equal(false);
      expect(codesOf(r.errors)).to.deep.equal(['USCC_CHECKSUM']);
      expect(r.warnings).to.deep.equal([]);
      expect(r.legacy).to.equal(undefined);
    });

    it('accepts it with a USCC_LEGACY warning when listed', () => {
      const r = validateUscc(` ${xiamen.toLowerCase()} `, { legacyCodes: new Set([xiamen]) });
      expect(r.valid).to.equal(true);
      expect(r.errors).to.deep.equal([]);
      expect(codesOf(r.warnings)).to.deep.equal(['USCC_LEGACY']);
      expect(r.legacy).to.equal(true);
    });

    it('waives an organisation-code check failure too', () => {
      const code = assemble('91370102', '77526004', '5');
      const r = validateUscc(code, { legacyCodes: new Set([code]) });
      expect(r.valid).to.equal(true);
      expect(codesOf(r.warnings)).to.deep.equal(['USCC_LEGACY']);
    });

    it('does not waive structural errors, and does nothing for a code that passes', () => {
      const bad = `${assemble('94370102', '77526004').slice(0, 17)}Y`;
      const r = validateUscc(bad, { legacyCodes: new Set([bad]) });
      expect(r.valid).to.equal(false);
      expect(codesOf(r.errors)).to.deep.equal(['USCC_AUTHORITY']);
      const good = validateUscc('91110000600037341L', { legacyCodes: new Set(['91110000600037341L']) });
      expect(good.warnings).to.deep.equal([]);
      expect(good.legacy).to.equal(undefined);
    });

    it('only applies to listed codes', () => {
      expect(validateUscc(xiamen, { legacyCodes: new Set(['91110000600037341L']) }).valid).to.equal(false);
    });
  });

  describe('normalisation', () => {
    it('strips spaces and dashes and upper-cases', () => {
      expect(normalizeUscc(' 9111 0000-6000 3734 1l ')).to.equal('91110000600037341L');
    });

    it('converts full-width characters and strips ideographic spaces', () => {
      expect(normalizeUscc('９１１１００００\u3000６０００３７３４１Ｌ')).to.equal('91110000600037341L');
      expect(normalizeUscc('９１１１００００－６０００３７３４１ｌ')).to.equal('91110000600037341L');
      expect(validateUscc('９１１１００００６０００３７３４１Ｌ').valid).to.equal(true);
    });
  });

  describe('describeAuthority', () => {
    it('knows the whole GB 32100 table', () => {
      const table: Record<string, string> = {
        '1': '1239', '2': '19', '3': '123459', '4': '19', '5': '1239', '6': '129', '7': '129', '8': '19',
        '9': '123', A: '19', N: '1239', Y: '1',
      };
      for (const a of USCC_ALPHABET) {
        for (const c of USCC_ALPHABET) {
          const known = table[a]?.includes(c) ?? false;
          expect(describeAuthority(a, c) !== undefined, `${a}${c}`).to.equal(known);
        }
      }
    });

    it('maps authority 9 to legal_person and the rest to non_enterprise', () => {
      expect(describeAuthority('9', '3')?.subjectType).to.equal('legal_person');
      expect(describeAuthority('9', '3')?.categoryName).to.equal('农民专业合作社');
      expect(describeAuthority('5', '3')).to.deep.equal({
        authority: '5', authorityName: '民政', category: '3', categoryName: '基金会', subjectType: 'non_enterprise',
      });
      expect(describeAuthority('N', '2')?.categoryName).to.equal('村级集体经济组织');
      expect(describeAuthority('A', '1')?.categoryName).to.equal('军队事业单位');
    });

    it('is not fooled by inherited property names', () => {
      expect(describeAuthority('constructor', '1')).to.equal(undefined);
      expect(describeAuthority('1', 'toString')).to.equal(undefined);
    });
  });

  describe('makeUscc', () => {
    it('rebuilds the DOMAIN.md examples from their parts', () => {
      expect(makeUscc('9', '1', '110000', '60003734')).to.equal('91110000600037341L');
      expect(makeUscc('9', '2', '141127', 'MA0KD1Y6')).to.equal('92141127MA0KD1Y64A');
      expect(makeUscc('9', '1', '152201', '07837628')).to.equal('911522010783762860');
    });

    it('refuses malformed parts', () => {
      expect(() => makeUscc('9', '4', '110000', '60003734')).to.throw(RangeError);
      expect(() => makeUscc('9', '1', '11000', '60003734')).to.throw(RangeError);
      expect(() => makeUscc('9', '1', '110000', '6000373I')).to.throw(RangeError);
    });
  });
});
