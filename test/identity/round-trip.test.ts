import { expect } from 'chai';
import { checkCode } from '../../node/identity/check-code.ts';
import { SD_DIVISIONS_2024 } from '../../node/identity/divisions-data.ts';
import { PROVINCES } from '../../node/identity/regions.ts';
import { makeResidentId, validateResidentId } from '../../node/identity/resident-id.ts';
import { AUTHORITIES, USCC_ALPHABET, makeUscc, validateUscc } from '../../node/identity/uscc.ts';

/** Small seeded PRNG (mulberry32) so a failure reproduces. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rand: () => number, items: readonly T[]): T {
  const item = items[Math.floor(rand() * items.length)];
  if (item === undefined) throw new Error('empty list');
  return item;
}

const TODAY = new Date('2025-06-01T04:00:00Z');
const REGIONS = [...SD_DIVISIONS_2024.map((r) => r[0]), ...Object.keys(PROVINCES), '371202'];
const PAIRS = Object.entries(AUTHORITIES).flatMap(([a, e]) => Object.keys(e.categories).map((c) => [a, c] as const));
const N = 500;

describe('identity round trips', () => {
  it('makeUscc output always validates, and any single substitution is caught', () => {
    const rand = rng(20240601);
    for (let i = 0; i < N; i++) {
      const [a, c] = pick(rand, PAIRS);
      const region = rand() < 0.05 ? '100000' : pick(rand, REGIONS);
      const body = Array.from({ length: 8 }, () => pick(rand, [...USCC_ALPHABET])).join('');
      const code = makeUscc(a, c, region, body);
      const r = validateUscc(code);
      expect(r.errors, code).to.deep.equal([]);
      expect(r.regionCode).to.equal(region);
      expect(r.subjectType).to.equal(a === '9' ? 'legal_person' : 'non_enterprise');
      const k = checkCode(code, { today: TODAY });
      expect(k.valid, code).to.equal(true);
      expect(k.kind).to.equal(validateResidentId(code, { today: TODAY }).valid ? 'resident_id' : 'uscc');

      const pos = Math.floor(rand() * 18);
      const orig = code.charAt(pos);
      const repl = pick(rand, [...USCC_ALPHABET].filter((ch) => ch !== orig));
      const mutated = code.slice(0, pos) + repl + code.slice(pos + 1);
      expect(validateUscc(mutated).valid, `${code} → ${mutated}`).to.equal(false);
    }
  });

  it('makeResidentId output always validates, and any single digit change is caught', () => {
    const rand = rng(19491001);
    const start = Date.UTC(1890, 0, 1);
    const end = TODAY.getTime() - 86_400_000;
    for (let i = 0; i < N; i++) {
      const region = pick(rand, REGIONS.filter((r) => r !== '100000'));
      const birth = new Date(start + Math.floor(rand() * (end - start))).toISOString().slice(0, 10).replaceAll('-', '');
      const seq = String(Math.floor(rand() * 1000)).padStart(3, '0');
      const id = makeResidentId(region, birth, seq);
      const r = validateResidentId(id, { today: TODAY });
      expect(r.errors, id).to.deep.equal([]);
      expect(r.birthDate).to.equal(`${birth.slice(0, 4)}-${birth.slice(4, 6)}-${birth.slice(6)}`);
      expect(r.sex).to.equal(Number(seq.charAt(2)) % 2 === 1 ? 'male' : 'female');
      expect(checkCode(id, { today: TODAY })).to.include({ valid: true, kind: 'resident_id' });
      expect(checkCode(id.toLowerCase(), { today: TODAY }).valid).to.equal(true);

      const pos = Math.floor(rand() * 17);
      const orig = id.charAt(pos);
      const repl = pick(rand, [...'0123456789'].filter((ch) => ch !== orig));
      const mutated = id.slice(0, pos) + repl + id.slice(pos + 1);
      expect(validateResidentId(mutated, { today: TODAY }).valid, `${id} → ${mutated}`).to.equal(false);
    }
  });
});
