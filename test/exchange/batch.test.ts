import { expect } from 'chai';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { canonicalize, sha256Hex } from '../../node/exchange/canonical-json.ts';
import { eventHash, eventLines, GENESIS_HASH, wireEventText } from '../../node/exchange/event-log.ts';
import { checkEvent, parseUpBatch, parseUpLines, runLines, runText, upBatchLines, upBatchText, verifyRun, type OriginRun, type WireEvent } from '../../node/exchange/batch.ts';
import { signCompact } from '../../node/exchange/jws.ts';

const keyPair = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const own = keyPair();
const other = keyPair();

/** A chain of `n` events of one origin from genesis, hashed as the event log does. */
function chain(origin: string, n: number, from = 1, prev = GENESIS_HASH): WireEvent[] {
  const out: WireEvent[] = [];
  for (let seq = from; seq < from + n; seq++) {
    const e = { origin, seq, kind: 'record' as const, entityId: `r-${seq}`, op: 'create', body: { n: seq, text: '行政处罚' }, at: '2026-06-01T02:00:00.000Z', prevHash: prev };
    const hash = eventHash(e);
    out.push({ ...e, hash });
    prev = hash;
  }
  return out;
}

const sign = (e: WireEvent, key: KeyObject = own.privateKey) => signCompact({ origin: e.origin, seq: e.seq, hash: e.hash, at: e.at }, key, e.origin);
const rehash = (e: Omit<WireEvent, 'hash'> & { body: unknown }): WireEvent => ({ ...e, hash: eventHash(e) });

function codeOf(fn: () => unknown): { code?: string; details?: unknown } {
  try {
    fn();
  } catch (err) {
    return err as { code?: string; details?: unknown };
  }
  return { code: 'none' };
}

describe('exchange batches: wire events', () => {
  const [e1] = chain('city-jinan', 1) as [WireEvent];

  it('checkEvent accepts an event whose hash is the hash of its content and returns its canonical body', () => {
    const got = checkEvent(JSON.parse(JSON.stringify(e1)), 'x');
    expect(got.bodyText).to.equal(canonicalize(e1.body));
    expect(got.hash).to.equal(e1.hash);
    // The hash is SHA-256 over the canonical JSON of the event without `hash`.
    const { hash: _h, ...rest } = e1;
    expect(e1.hash).to.equal(sha256Hex(canonicalize(rest)));
  });

  it('checkEvent refuses altered content (EVENT_TAMPERED) and malformed events (BATCH_INVALID)', () => {
    expect(codeOf(() => checkEvent({ ...e1, body: { n: 2, text: '行政处罚' } }, 'x'))).to.deep.include({ code: 'EVENT_TAMPERED', details: { origin: 'city-jinan', seq: 1 } });
    expect(codeOf(() => checkEvent({ ...e1, at: '2026-06-01T02:00:01.000Z' }, 'x')).code).to.equal('EVENT_TAMPERED');
    expect(codeOf(() => checkEvent(null, 'x')).code).to.equal('BATCH_INVALID');
    expect(codeOf(() => checkEvent({ ...e1, hash: undefined }, 'x')).code).to.equal('BATCH_INVALID');
    expect(codeOf(() => checkEvent({ ...e1, seq: 0 }, 'x')).code).to.equal('BATCH_INVALID');
    expect(codeOf(() => checkEvent({ ...e1, seq: '1' }, 'x')).code).to.equal('BATCH_INVALID');
    expect(codeOf(() => checkEvent({ ...e1, kind: 'payment' }, 'x')).code).to.equal('BATCH_INVALID');
    const { body: _b, ...noBody } = e1;
    expect(codeOf(() => checkEvent(noBody, 'x')).code).to.equal('BATCH_INVALID');
  });

  it('runText and upBatchText are the JSON of the run and the batch', () => {
    const events = chain('city-jinan', 3);
    const raw = events.map((e, i) => ({ pos: 10 + i, origin: e.origin, seq: e.seq, kind: e.kind, entityId: e.entityId, op: e.op, bodyText: canonicalize(e.body), at: e.at, prevHash: e.prevHash, hash: e.hash }));
    const heads = [{ origin: 'city-jinan', seq: 3, hash: (events[2] as WireEvent).hash, at: (events[2] as WireEvent).at, signature: sign(events[2] as WireEvent) }];
    const text = upBatchText('city-jinan', 'sd-hub', [runText('city-jinan', raw, heads)]);
    // On the wire the body is the exact text the origin hashed (bodyText).
    const wire = events.map(({ body, ...e }) => ({ ...e, bodyText: canonicalize(body) }));
    expect(JSON.parse(text)).to.deep.equal({ from: 'city-jinan', to: 'sd-hub', origins: [{ origin: 'city-jinan', events: wire, heads: [heads[0]?.signature] }] });
    expect(JSON.parse(wireEventText(raw[0] as (typeof raw)[number]))).to.deep.equal(wire[0]);
    expect(checkEvent(wire[0], 'x')).to.deep.include({ body: e1.body, bodyText: canonicalize(e1.body), hash: e1.hash });
  });

  it('the line form carries the same batch as the JSON form, each body on its own line exactly as hashed', () => {
    const a = chain('jinan-market', 3);
    const b = chain('jinan-tax', 2);
    const lines = (evs: WireEvent[]) => evs.map(({ body, ...e }) => eventLines({ ...e, bodyText: canonicalize(body) }));
    const headOf = (e: WireEvent) => [{ origin: e.origin, seq: e.seq, hash: e.hash, at: e.at, signature: sign(e) }];
    const bytes = Buffer.concat(upBatchLines('city-jinan', 'sd-hub', [runLines('jinan-market', 3, lines(a).flat(), headOf(a[2] as WireEvent)), runLines('jinan-tax', 2, lines(b).flat(), headOf(b[1] as WireEvent)), runLines('city-jinan', 0, [], [])]));
    const text = bytes.toString('utf8');
    // Every line is JSON (NDJSON); a body line is the canonical text itself, never an escaped string.
    const split = text.split('\n');
    expect(split).to.have.length(1 + (1 + 6) + (1 + 4) + 1);
    for (const l of split) expect(() => JSON.parse(l)).not.to.throw();
    expect(split[3]).to.equal(canonicalize(a[0]?.body));
    // Read from the bytes as they arrive; each body stays the bytes it came as.
    const batch = parseUpLines(bytes, 100);
    expect((batch.origins[0] as OriginRun).events[0]?.bodyBytes?.toString('utf8')).to.equal(canonicalize(a[0]?.body));
    expect(batch.from).to.equal('city-jinan');
    expect(batch.to).to.equal('sd-hub');
    expect(batch.origins.map((r) => [r.origin, r.events.length, r.heads.length])).to.deep.equal([['jinan-market', 3, 1], ['jinan-tax', 2, 1], ['city-jinan', 0, 0]]);
    const run = batch.origins[0] as OriginRun;
    expect(verifyRun(run, undefined, new Map(), own.publicKey).fresh.map((e) => [e.seq, e.hash, e.body])).to.deep.equal(a.map((e) => [e.seq, e.hash, e.body]));
    // A trailing newline is allowed.
    expect(parseUpLines(`${text}\n`, 100).origins).to.have.length(3);
  });

  it('the line form refuses, naming the line: bad JSON, a bad run header, missing event lines, too many events; an altered body line breaks the hash', () => {
    const a = chain('jinan-market', 2);
    const ls = a.map(({ body, ...e }) => eventLines({ ...e, bodyText: canonicalize(body) }));
    const last = a[1] as WireEvent;
    const good = Buffer.concat(upBatchLines('jinan-market', 'city-jinan', [runLines('jinan-market', 2, ls.flat(), [{ origin: last.origin, seq: last.seq, hash: last.hash, at: last.at, signature: sign(last) }])])).toString('utf8');
    const err = (t: string, max = 100) => codeOf(() => parseUpLines(t, max)) as { code?: string; message?: string };
    expect(err('')).to.include({ code: 'BATCH_INVALID' });
    expect(err('{"from":"a"}').code).to.equal('BATCH_INVALID');
    const broken = err(good.replace('{"origin"', '{origin'));
    expect(broken.code).to.equal('BATCH_INVALID');
    expect(broken.message).to.include('第 2 行');
    expect(err(good.replace('"events":2', '"events":"2"')).message).to.include('第 2 行');
    const short = err(good.split('\n').slice(0, -1).join('\n'));
    expect(short.message).to.match(/声明 2 个事件/);
    expect(err(good, 1).code).to.equal('BATCH_TOO_LARGE');
    const lines = good.split('\n');
    lines[3] = (lines[3] as string).replace('行政处罚', '行政许可');
    const run = parseUpLines(lines.join('\n'), 100).origins[0] as OriginRun;
    expect(codeOf(() => verifyRun(run, undefined, new Map(), own.publicKey))).to.deep.include({ code: 'EVENT_TAMPERED', details: { origin: 'jinan-market', seq: 1 } });
    // A header line cannot smuggle in another origin or a body (as JSON or as text).
    const smuggled = good.split('\n');
    smuggled[2] = (smuggled[2] as string).replace('{"seq":1,', '{"seq":1,"origin":"sd-hub","body":{"n":9},"bodyText":"{\\"n\\":9}",');
    const parsed = parseUpLines(smuggled.join('\n'), 100).origins[0] as OriginRun;
    expect(parsed.events[0]).to.include({ origin: 'jinan-market' });
    expect(parsed.events[0]?.bodyText).to.equal(undefined);
    expect(parsed.events[0]?.bodyBytes?.toString('utf8')).to.equal(canonicalize(a[0]?.body));
    const fresh = verifyRun(parsed, undefined, new Map(), own.publicKey).fresh[0];
    expect(fresh?.body).to.deep.equal(a[0]?.body);
    expect(fresh?.bodyText).to.equal(canonicalize(a[0]?.body));
    // A body line that is not UTF-8 is refused as such, whatever hash the sender gave it.
    const bad = Buffer.from(good, 'utf8');
    const at = bad.indexOf(Buffer.from('行政处罚', 'utf8'));
    bad[at + 1] = 0xff;
    const notText = parseUpLines(bad, 100).origins[0] as OriginRun;
    expect(codeOf(() => verifyRun(notText, undefined, new Map(), own.publicKey))).to.deep.include({ code: 'BATCH_INVALID' });
    expect((codeOf(() => verifyRun(notText, undefined, new Map(), own.publicKey)) as { message: string }).message).to.include('UTF-8');
  });

  it('checkEvent takes the body as the hashed text or as JSON; any other spelling of the text breaks the hash', () => {
    const { body, ...rest } = e1;
    expect(checkEvent({ ...rest, bodyText: canonicalize(body) }, 'x').hash).to.equal(e1.hash);
    expect(checkEvent({ ...rest, body: { text: '行政处罚', n: 1 } }, 'x').hash).to.equal(e1.hash);
    expect(codeOf(() => checkEvent({ ...rest, bodyText: JSON.stringify({ text: '行政处罚', n: 1 }) }, 'x')).code).to.equal('EVENT_TAMPERED');
    expect(codeOf(() => checkEvent({ ...rest, bodyText: `${canonicalize(body)} ` }, 'x')).code).to.equal('EVENT_TAMPERED');
    expect(codeOf(() => checkEvent({ ...rest, bodyText: '{"n":' }, 'x')).code).to.equal('BATCH_INVALID');
  });

  it('parseUpBatch counts events against the limit (BATCH_TOO_LARGE) and names malformed parts (BATCH_INVALID)', () => {
    const run: OriginRun = { origin: 'city-jinan', events: chain('city-jinan', 5), heads: [] };
    expect(parseUpBatch({ from: 'a', to: 'b', origins: [run] }, 5).origins).to.have.length(1);
    expect(codeOf(() => parseUpBatch({ from: 'a', to: 'b', origins: [run, { ...run, origin: 'x' }] }, 9))).to.deep.include({ code: 'BATCH_TOO_LARGE', details: { count: 10, max: 9 } });
    expect(codeOf(() => parseUpBatch([], 9)).code).to.equal('BATCH_INVALID');
    expect(codeOf(() => parseUpBatch({ to: 'b', origins: [] }, 9)).code).to.equal('BATCH_INVALID');
    expect(codeOf(() => parseUpBatch({ from: 'a', to: 'b' }, 9)).code).to.equal('BATCH_INVALID');
    expect(codeOf(() => parseUpBatch({ from: 'a', to: 'b', origins: [{ origin: 'x', events: [] }] }, 9)).code).to.equal('BATCH_INVALID');
  });
});

describe('exchange batches: verifyRun', () => {
  const origin = 'jinan-market';
  const events = chain(origin, 6);
  const at = (seq: number) => events[seq - 1] as WireEvent;
  const hashes = (upto: number) => new Map(events.slice(0, upto).map((e) => [e.seq, e.hash]));
  const run = (from: number, to: number, heads: string[] = [sign(at(to))]): OriginRun => ({ origin, events: events.slice(from - 1, to), heads });

  it('takes a run from genesis with the checkpoint covering its last event', () => {
    const r = verifyRun(run(1, 6, [sign(at(3)), sign(at(6))]), undefined, new Map(), own.publicKey);
    expect(r.fresh.map((e) => e.seq)).to.deep.equal([1, 2, 3, 4, 5, 6]);
    expect(r.checkpoints.map((c) => c.seq)).to.deep.equal([3, 6]);
    expect(r.skipped).to.equal(0);
  });

  it('skips events it already holds with the same hash (re-delivery)', () => {
    const r = verifyRun(run(1, 6), { seq: 4, hash: at(4).hash }, hashes(4), own.publicKey);
    expect(r.fresh.map((e) => e.seq)).to.deep.equal([5, 6]);
    expect(r.skipped).to.equal(4);
    const again = verifyRun(run(1, 4), { seq: 4, hash: at(4).hash }, hashes(4), own.publicKey);
    expect(again).to.deep.include({ skipped: 4 });
    expect(again.fresh).to.have.length(0);
  });

  it('refuses a known seq with a different hash (EVENT_TAMPERED)', () => {
    const stored = hashes(4);
    stored.set(2, 'f'.repeat(64));
    expect(codeOf(() => verifyRun(run(1, 6), { seq: 4, hash: at(4).hash }, stored, own.publicKey))).to.deep.include({ code: 'EVENT_TAMPERED', details: { origin, seq: 2 } });
  });

  it('refuses a run that starts beyond head + 1 (SYNC_GAP with the expected seq)', () => {
    expect(codeOf(() => verifyRun(run(5, 6), { seq: 3, hash: at(3).hash }, new Map(), own.publicKey))).to.deep.include({ code: 'SYNC_GAP', details: { expected: [{ origin, seq: 4 }] } });
    expect(codeOf(() => verifyRun(run(2, 6), undefined, new Map(), own.publicKey))).to.deep.include({ code: 'SYNC_GAP', details: { expected: [{ origin, seq: 1 }] } });
  });

  it('refuses a run that does not continue the stored head (wrong prevHash)', () => {
    const forked = chain(origin, 2, 5, 'a'.repeat(64));
    const r: OriginRun = { origin, events: forked, heads: [sign(forked[1] as WireEvent)] };
    expect(codeOf(() => verifyRun(r, { seq: 4, hash: at(4).hash }, new Map(), own.publicKey))).to.deep.include({ code: 'EVENT_TAMPERED', details: { origin, seq: 5 } });
    // A link broken inside the run, each event rehashed so only the link is wrong.
    const broken = [at(1), rehash({ ...at(2), body: at(2).body, prevHash: 'b'.repeat(64) })];
    expect(codeOf(() => verifyRun({ origin, events: broken, heads: [sign(broken[1] as WireEvent)] }, undefined, new Map(), own.publicKey))).to.deep.include({ code: 'EVENT_TAMPERED', details: { origin, seq: 2 } });
  });

  it('refuses a run without a checkpoint covering its last event (HEAD_SIGNATURE_INVALID)', () => {
    expect(codeOf(() => verifyRun(run(1, 6, [sign(at(3))]), undefined, new Map(), own.publicKey))).to.deep.include({ code: 'HEAD_SIGNATURE_INVALID', details: { origin, seq: 6 } });
    expect(codeOf(() => verifyRun(run(1, 6, []), undefined, new Map(), own.publicKey)).code).to.equal('HEAD_SIGNATURE_INVALID');
  });

  it('refuses a checkpoint signed by another key, naming another origin, or not a JWS (HEAD_SIGNATURE_INVALID)', () => {
    expect(codeOf(() => verifyRun(run(1, 6, [sign(at(6), other.privateKey)]), undefined, new Map(), own.publicKey)).code).to.equal('HEAD_SIGNATURE_INVALID');
    const elsewhere = signCompact({ origin: 'city-jinan', seq: 6, hash: at(6).hash, at: at(6).at }, own.privateKey);
    expect(codeOf(() => verifyRun(run(1, 6, [elsewhere]), undefined, new Map(), own.publicKey)).code).to.equal('HEAD_SIGNATURE_INVALID');
    expect(codeOf(() => verifyRun(run(1, 6, ['not.a.jws']), undefined, new Map(), own.publicKey)).code).to.equal('HEAD_SIGNATURE_INVALID');
    expect(codeOf(() => verifyRun(run(1, 6, [42 as unknown as string]), undefined, new Map(), own.publicKey)).code).to.equal('HEAD_SIGNATURE_INVALID');
  });

  it('refuses a checkpoint the origin signed over another hash at that seq (EVENT_TAMPERED)', () => {
    const fork = signCompact({ origin, seq: 6, hash: 'c'.repeat(64), at: at(6).at }, own.privateKey, origin);
    expect(codeOf(() => verifyRun(run(1, 6, [fork]), undefined, new Map(), own.publicKey))).to.deep.include({ code: 'EVENT_TAMPERED', details: { origin, seq: 6 } });
  });

  it('refuses events of another origin mixed into the run, and seqs that do not follow (BATCH_INVALID)', () => {
    const stranger = chain('sd-tax', 1)[0] as WireEvent;
    expect(codeOf(() => verifyRun({ origin, events: [at(1), stranger], heads: [sign(at(1))] }, undefined, new Map(), own.publicKey)).code).to.equal('BATCH_INVALID');
    expect(codeOf(() => verifyRun({ origin, events: [at(1), at(2), at(4)], heads: [sign(at(4))] }, undefined, new Map(), own.publicKey)).code).to.equal('BATCH_INVALID');
    expect(codeOf(() => verifyRun({ origin, events: [at(1), at(1)], heads: [sign(at(1))] }, undefined, new Map(), own.publicKey)).code).to.equal('BATCH_INVALID');
  });
});
