import { expect } from 'chai';
import { Federation, waitFor, type NodeStatus } from '../helpers/federation.ts';
import { companyCode, penalty } from '../helpers/records.ts';
import { generateRecords } from '../../scripts/generate-data.ts';
import { makeUscc } from '../../node/identity/index.ts';

/** Provincial tax as a source unit (a valid, made-up code). */
const SD_TAX_UNIT = { code: makeUscc('1', '1', '370000', '00150013'), name: '国家税务总局山东省税务局' };

/** A tax penalty about a company registered in `region` (USCC digits 3–8). */
function taxPenalty(n: number, region: string): Record<string, unknown> {
  return penalty(n, {
    externalId: `鲁税罚〔2026〕${n}号`,
    subject: { type: 'legal_person', code: companyCode(n, region), name: `${region === '370102' ? '济南' : '青岛'}测试贸易有限公司${n}` },
    sourceUnit: SD_TAX_UNIT,
  });
}

/** Records rows without the timestamps (see the comparison below). */
const withoutTimes = (rows: Array<Record<string, unknown>>) => rows.map(({ created_at: _c, updated_at: _u, ...r }) => r);

describe('federation: signed batch exchange between real nodes', function () {
  this.timeout(180_000);
  let fed: Federation;

  before(async function () {
    this.timeout(120_000);
    fed = await Federation.create();
    await fed.startAll();
  });
  after(async () => { await fed?.destroy(); });

  it('records imported at an industry node reach its city and the hub with the same events and rows', async () => {
    const penalties = await fed.importRecords('jinan-market', 'administrative_penalty', generateRecords({ category: 'administrative_penalty', count: 200, seed: 11 }) as Iterable<Record<string, unknown>>);
    const licenses = await fed.importRecords('jinan-market', 'administrative_license', generateRecords({ category: 'administrative_license', count: 150, seed: 12 }) as Iterable<Record<string, unknown>>);
    expect(penalties).to.include({ rows: 200, accepted: 200, rejected: 0 });
    expect(licenses).to.include({ rows: 150, accepted: 150, rejected: 0 });

    // sd-hub: enrollments of city-jinan and sd-tax; city-jinan: enrollment of jinan-market.
    await fed.waitConverged({ timeoutMs: 60_000, expected: { 'jinan-market': 350, 'city-jinan': 1, 'sd-hub': 2, 'sd-tax': 0 } });

    const strip = (id: string) => fed.events(id, 'jinan-market').map((e) => ({ seq: e.seq, hash: e.hash }));
    const atOrigin = strip('jinan-market');
    expect(atOrigin).to.have.length(350);
    expect(atOrigin.map((e) => e.seq)).to.deep.equal(Array.from({ length: 350 }, (_, i) => i + 1));
    expect(strip('city-jinan')).to.deep.equal(atOrigin);
    expect(strip('sd-hub')).to.deep.equal(atOrigin);
    // Full events, bodies included, byte for byte.
    expect(fed.events('sd-hub', 'jinan-market')).to.deep.equal(fed.events('jinan-market', 'jinan-market'));

    const origin = fed.records('jinan-market', 'jinan-market');
    expect(origin).to.have.length(350);
    expect(new Set(origin.map((r) => r['category']))).to.deep.equal(new Set(['administrative_penalty', 'administrative_license']));
    const city = fed.records('city-jinan', 'jinan-market');
    const hub = fed.records('sd-hub', 'jinan-market');
    // Receivers project from the same events: identical rows, timestamps included.
    expect(hub).to.deep.equal(city);
    // The origin stamps its rows with its own clock reading, a few ms before the event's `at` that receivers
    // use: compared without timestamps (reported for node/records/service.ts write()).
    expect(withoutTimes(city)).to.deep.equal(withoutTimes(origin));
    for (const r of city) expect(r['seq']).to.be.within(1, 350);
  });

  it('a record about a Jinan company entered at sd-tax reaches city-jinan by down-sync; one about a Qingdao company does not', async () => {
    const jinan = taxPenalty(1, '370102');
    const qingdao = taxPenalty(2, '370202');
    const summary = await fed.importRecords('sd-tax', 'administrative_penalty', [jinan, qingdao]);
    expect(summary).to.include({ rows: 2, accepted: 2, rejected: 0 });
    await fed.waitConverged({ timeoutMs: 60_000, expected: { 'jinan-market': 350, 'city-jinan': 1, 'sd-hub': 2, 'sd-tax': 2 } });

    const jinanCode = (jinan['subject'] as { code: string }).code;
    const qingdaoCode = (qingdao['subject'] as { code: string }).code;
    const fromTax = await waitFor(() => {
      const rows = fed.records('city-jinan', 'sd-tax');
      return rows.length > 0 ? rows : undefined;
    }, { timeoutMs: 30_000, what: 'the Jinan tax record at city-jinan', explain: async () => JSON.stringify((await fed.status('city-jinan')).peers) });
    expect(fromTax.map((r) => r['subject_key'])).to.deep.equal([jinanCode]);
    const hubRow = fed.records('sd-hub', 'sd-tax').find((r) => r['subject_key'] === jinanCode);
    expect(fromTax[0]).to.deep.equal(hubRow);

    // The event itself: same (origin, seq, hash) as at the origin and the hub; the Qingdao one is nowhere in Jinan.
    const taxEvents = fed.events('sd-tax', 'sd-tax');
    const cityTax = fed.events('city-jinan', 'sd-tax');
    expect(cityTax).to.have.length(1);
    expect(cityTax[0]).to.deep.equal(taxEvents.find((e) => e.seq === cityTax[0]?.seq));
    expect(cityTax[0]?.body).to.contain(jinanCode);
    for (const id of ['city-jinan', 'jinan-market']) {
      expect(fed.count(id, 'select count(*) from subjects where key = ?', qingdaoCode), `${id} knows the Qingdao company`).to.equal(0);
      expect(fed.count(id, "select count(*) from events where body like '%' || ? || '%'", qingdaoCode)).to.equal(0);
    }
    // The industry node below the city does not receive other origins' penalties (its interest is its sector and lists).
    expect(fed.count('jinan-market', "select count(*) from events where origin = 'sd-tax'")).to.equal(0);
  });

  it('verify passes at every node and status shows every peer link with a last success', async () => {
    const expectedChains: Record<string, Record<string, number>> = {
      'sd-hub': { 'sd-hub': 2, 'city-jinan': 1, 'jinan-market': 350, 'sd-tax': 2 },
      'city-jinan': { 'city-jinan': 1, 'jinan-market': 350 },
      'jinan-market': { 'jinan-market': 350 },
      'sd-tax': { 'sd-tax': 2 },
    };
    // What each node holds of other chains as its parent's selection (directory changes, Jinan's tax record).
    const expectedPartial: Record<string, Record<string, number>> = {
      'sd-hub': {},
      'city-jinan': { 'sd-hub': 2, 'sd-tax': 1 },
      'jinan-market': { 'city-jinan': 1, 'sd-hub': 2 },
      'sd-tax': { 'city-jinan': 1, 'sd-hub': 2 },
    };
    const verified = await fed.verifyAll();
    for (const id of fed.ids) {
      expect(verified[id]?.status, `verify ${id}: ${verified[id]?.stderr}`).to.equal(0);
      expect(verified[id]?.json).to.deep.include({ ok: true, chains: expectedChains[id], partial: expectedPartial[id] });
      // The audit chain is checked too: every node has audited at least its batches.
      expect((verified[id]?.json as { audit: { entries: number } }).audit.entries, id).to.be.greaterThan(0);
    }
    const statuses = Object.fromEntries(await Promise.all(fed.ids.map(async (id) => [id, await fed.status(id)] as const)));
    const links: Record<string, string> = { 'city-jinan': 'sd-hub', 'jinan-market': 'city-jinan', 'sd-tax': 'sd-hub' };
    for (const [id, parent] of Object.entries(links)) {
      const s = statuses[id] as NodeStatus;
      expect(s.alarms, id).to.deep.equal([]);
      for (const direction of ['up', 'down']) {
        const p = s.peers.find((x) => x.id === parent && x.direction === direction);
        expect(p, `${id} → ${parent} ${direction}`).to.not.equal(undefined);
        expect(p?.lastOk, `${id} → ${parent} ${direction}`).to.be.a('string');
        expect(p?.lastError, `${id} → ${parent} ${direction}`).to.equal(null);
      }
    }
    const hub = statuses['sd-hub'] as NodeStatus;
    expect(hub.heads).to.deep.equal(expectedChains['sd-hub']);
    expect(hub.counts['records']).to.equal(352);
    expect(hub.peers.filter((p) => p.direction === 'child-up').map((p) => p.id).sort()).to.deep.equal(['city-jinan', 'sd-tax']);
    expect(hub.alarms).to.deep.equal([]);
  });
});
