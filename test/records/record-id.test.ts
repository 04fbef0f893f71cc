import { expect } from 'chai';
import { newRecordId } from '../../node/records/record-id.ts';

describe('record ids (UUID version 7)', () => {
  it('are strictly increasing within one millisecond, so an import appends to the id index', () => {
    const at = '2026-11-26T08:00:00.000Z';
    const ids = Array.from({ length: 50_000 }, () => newRecordId(at));
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!, `${ids[i - 1]} < ${ids[i]}`).to.equal(true);
    expect(new Set(ids).size).to.equal(ids.length);
  });

  it('carry the time, version 7 and the RFC 9562 variant', () => {
    // Later than any time the other tests of this process use: the generator never goes back in time.
    const at = '2090-01-02T03:04:05.678Z';
    const id = newRecordId(at);
    expect(id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).to.equal(Date.parse(at));
  });

  it('stay ordered when the given time goes back, and follow a later time', () => {
    const a = newRecordId('2091-05-05T00:00:00.100Z');
    const b = newRecordId('2091-05-05T00:00:00.050Z');
    const c = newRecordId('2091-05-05T00:00:01.000Z');
    expect(b > a).to.equal(true);
    expect(c > b).to.equal(true);
    expect(parseInt(c.replace(/-/g, '').slice(0, 12), 16)).to.equal(Date.parse('2091-05-05T00:00:01.000Z'));
  });

  it('refuse an invalid time', () => {
    expect(() => newRecordId('not a time')).to.throw(/invalid time/);
  });
});
