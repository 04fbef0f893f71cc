import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import { canonicalize, canonicalizeWith } from '../../node/exchange/canonical-json.ts';
import { eventHash, GENESIS_HASH } from '../../node/exchange/event-log.ts';
import { signCompact, verifyCompact } from '../../node/exchange/jws.ts';
import { sha256Hex } from '../../node/exchange/canonical-json.ts';

describe('canonical JSON (RFC 8785) and hashing', () => {
  it('sorts keys by UTF-16 code units, drops whitespace, writes numbers in shortest form', () => {
    expect(canonicalize({ b: 1, a: [true, null, 'x'], c: { z: 1e21, y: 0.000001, x: -0 } })).to.equal('{"a":[true,null,"x"],"b":1,"c":{"x":0,"y":0.000001,"z":1e+21}}');
    // RFC 8785 §3.2.3 ordering example: code units, not code points or locale.
    expect(canonicalize({ '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ud83d\ude00': 'Emoji', '1': 'One', '\u0080': 'Control', 'ö': 'Latin' }))
      .to.equal('{"\\r":"Carriage Return","1":"One","\u0080":"Control","ö":"Latin","\u20ac":"Euro Sign","\ud83d\ude00":"Emoji"}');
    expect(canonicalize({ 处罚: '罚款', a: undefined })).to.equal('{"处罚":"罚款"}');
    expect(() => canonicalize({ n: Number.NaN })).to.throw();
  });

  it('canonicalizeWith gives the same text as canonicalize', () => {
    const data = { fineAmount: 2, penaltyTypes: ['罚款', '警告'] };
    const obj = { id: 'x', data, subject: { name: '某公司', code: '91' } };
    expect(canonicalizeWith(obj, { data: canonicalize(data) })).to.equal(canonicalize(obj));
  });

  it('the spliced event hash equals the hash of the whole canonical event', () => {
    const e = { origin: 'city-jinan', seq: 7, kind: 'record' as const, entityId: 'r1', op: 'update', body: { b: 2, a: ['处罚'] }, at: '2026-06-01T00:00:00.000Z', prevHash: GENESIS_HASH };
    expect(eventHash(e)).to.equal(sha256Hex(canonicalize(e)));
    expect(eventHash({ ...e, seq: 8 })).not.to.equal(eventHash(e));
  });

  it('signs and verifies a head with ES256, refusing another key or an altered payload', () => {
    const a = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const b = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const head = { origin: 'city-jinan', seq: 3, hash: 'ab'.repeat(32), at: '2026-06-01T00:00:00.000Z' };
    const jws = signCompact(head, a.privateKey, 'city-jinan');
    expect(verifyCompact(jws, a.publicKey)).to.deep.equal(head);
    expect(verifyCompact(jws, b.publicKey)).to.equal(undefined);
    const [h, , s] = jws.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...head, seq: 4 })).toString('base64url')}.${s}`;
    expect(verifyCompact(forged, a.publicKey)).to.equal(undefined);
  });
});
