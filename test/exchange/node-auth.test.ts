import { expect } from 'chai';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { signNodeToken, NodeTokenVerifier } from '../../node/exchange/node-auth.ts';
import { fixedClock } from '../helpers/node.ts';

describe('node-to-node tokens', () => {
  const city = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const clock = fixedClock('2026-06-01T02:00:00Z');
  const keys = new Map<string, KeyObject>([['city-jinan', city.publicKey]]);
  const revoked = new Set<string>();
  const verifier = () => new NodeTokenVerifier({
    selfId: 'sd-hub', clock, clockSkewSeconds: 300,
    lookup: async (id) => { const key = keys.get(id); return key ? { key, status: revoked.has(id) ? 'revoked' : 'active' } : undefined; },
  });
  const token = (over: Partial<Parameters<typeof signNodeToken>[0]> = {}) =>
    signNodeToken({ issuer: 'city-jinan', audience: 'sd-hub', privateKey: city.privateKey, now: clock(), ...over });
  const codeOf = async (fn: () => Promise<unknown>) => { try { await fn(); return 'none'; } catch (err) { return (err as { code?: string }).code; } };

  it('accepts a fresh token from a registered node once, and refuses its replay', async () => {
    const v = verifier();
    const t = token();
    expect(await v.verify(t)).to.deep.equal({ caller: 'city-jinan' });
    expect(await codeOf(() => v.verify(t))).to.equal('NODE_TOKEN_REPLAYED');
  });

  it('refuses an unknown or revoked node, another audience, a wrong key, an expired token and a long-lived one', async () => {
    const v = verifier();
    expect(await codeOf(() => v.verify(token({ issuer: 'city-qingdao' })))).to.equal('NODE_UNKNOWN');
    expect(await codeOf(() => v.verify(token({ audience: 'city-qingdao' })))).to.equal('NODE_TOKEN_INVALID');
    expect(await codeOf(() => v.verify(token({ privateKey: other.privateKey })))).to.equal('NODE_TOKEN_INVALID');
    const old = token({ now: new Date(clock().getTime() - 420_000) });
    expect(await codeOf(() => v.verify(old))).to.equal('NODE_TOKEN_INVALID');
    const iat = Math.floor(clock().getTime() / 1000);
    const long = jwt.sign({ iat, exp: iat + 3600, jti: 'abcdefgh-1234' }, city.privateKey, { algorithm: 'ES256', issuer: 'city-jinan', audience: 'sd-hub' });
    expect(await codeOf(() => v.verify(long))).to.equal('NODE_TOKEN_INVALID');
    const hs = jwt.sign({ iat, exp: iat + 30, jti: 'abcdefgh-5678' }, 'secret', { algorithm: 'HS256', issuer: 'city-jinan', audience: 'sd-hub' });
    expect(await codeOf(() => v.verify(hs))).to.equal('NODE_TOKEN_INVALID');
    keys.delete('city-jinan');
    expect(await codeOf(() => v.verify(token()))).to.equal('NODE_UNKNOWN');
    keys.set('city-jinan', city.publicKey);
    revoked.add('city-jinan');
    expect(await codeOf(() => v.verify(token()))).to.equal('NODE_REVOKED');
    revoked.delete('city-jinan');
  });

  it('tolerates a few minutes of clock skew either way, but not more', async () => {
    const v = verifier();
    expect(await v.verify(token({ now: new Date(clock().getTime() - 200_000) }))).to.deep.equal({ caller: 'city-jinan' });
    expect(await v.verify(token({ now: new Date(clock().getTime() + 200_000) }))).to.deep.equal({ caller: 'city-jinan' });
    expect(await codeOf(() => v.verify(token({ now: new Date(clock().getTime() + 900_000) })))).to.equal('NODE_TOKEN_INVALID');
  });

  it('caps the lifetime it signs at 60 seconds', () => {
    const claims = jwt.decode(token({ ttlSeconds: 600 })) as jwt.JwtPayload;
    expect(Number(claims.exp) - Number(claims.iat)).to.equal(60);
  });
});
