import { expect } from 'chai';
import { Federation, waitFor } from '../helpers/federation.ts';
import { generateRecords } from '../../scripts/generate-data.ts';

const licenses = (count: number, startIndex: number) =>
  generateRecords({ category: 'administrative_license', count, seed: 21, startIndex }) as Iterable<Record<string, unknown>>;

interface PeerRow { last_ok: string | null; last_error: string | null; last_attempt: string | null }

/** The hub goes away; the city keeps taking its industry's records; the hub, back, catches up by itself. */
describe('federation: the hub offline', function () {
  this.timeout(240_000);
  let fed: Federation;

  before(async function () {
    this.timeout(120_000);
    fed = await Federation.create();
    await fed.startAll();
  });
  after(async () => { await fed?.destroy(); });

  const upToHub = (): PeerRow | undefined => fed.read('city-jinan', (db) => db.prepare("select last_ok, last_error, last_attempt from sync_state where peer = 'sd-hub' and direction = 'up'").get() as PeerRow | undefined);

  it('the city keeps receiving while the hub is down, reports the failures, and the hub catches up after a restart without any command', async () => {
    expect(await fed.importRecords('jinan-market', 'administrative_license', licenses(100, 0))).to.include({ accepted: 100, rejected: 0 });
    await fed.waitConverged({ timeoutMs: 60_000, expected: { 'jinan-market': 100, 'city-jinan': 1, 'sd-hub': 2, 'sd-tax': 0 } });
    const hubBefore = fed.chains('sd-hub').get('jinan-market');
    expect(hubBefore?.count).to.equal(100);

    await fed.kill('sd-hub');
    const killedAt = new Date().toISOString();
    expect(await fed.importRecords('jinan-market', 'administrative_license', licenses(150, 100))).to.include({ accepted: 150, rejected: 0 });
    expect(await fed.importRecords('jinan-market', 'administrative_license', licenses(150, 250))).to.include({ accepted: 150, rejected: 0 });

    // The city receives everything from its industry node while the hub is down.
    await waitFor(() => (fed.chains('city-jinan').get('jinan-market')?.count === 400 ? true : undefined), {
      timeoutMs: 60_000, what: 'city-jinan to hold 400 jinan-market events', explain: () => JSON.stringify(Object.fromEntries(fed.chains('city-jinan'))),
    });
    expect(fed.divergence().filter((d) => !d.includes(' at sd-hub'))).to.deep.equal([]);
    // Its attempts to push up fail, and it says so.
    const failing = await waitFor(() => {
      const row = upToHub();
      return row?.last_error && (row.last_attempt ?? '') > killedAt ? row : undefined;
    }, { timeoutMs: 30_000, what: 'a failed push from city-jinan to the hub', explain: () => JSON.stringify(upToHub()) });
    expect(failing.last_error).to.match(/无法连接上级节点/);
    expect((failing.last_ok ?? '') < killedAt, `last success ${failing.last_ok} before the kill at ${killedAt}`).to.equal(true);
    const status = await fed.status('city-jinan');
    const up = status.peers.find((p) => p.id === 'sd-hub' && p.direction === 'up');
    expect(up?.lastError).to.be.a('string').and.match(/无法连接上级节点/);
    expect(status.heads['jinan-market']).to.equal(400);
    // The hub's store is as it was when it died.
    fed.read('sd-hub', (db) => expect(Number(db.prepare("select count(*) from events where origin = 'jinan-market'").pluck().get())).to.equal(100));

    // Back, with nobody running sync: the city's retries and schedules bring the hub level.
    await fed.start('sd-hub');
    await fed.waitConverged({ timeoutMs: 60_000, expected: { 'jinan-market': 400, 'city-jinan': 1, 'sd-hub': 2, 'sd-tax': 0 } });
    expect(fed.events('sd-hub', 'jinan-market')).to.deep.equal(fed.events('city-jinan', 'jinan-market'));
    expect(fed.records('sd-hub', 'jinan-market')).to.deep.equal(fed.records('city-jinan', 'jinan-market'));
    const recovered = await waitFor(() => {
      const row = upToHub();
      return row?.last_error === null && (row.last_ok ?? '') > killedAt ? row : undefined;
    }, { timeoutMs: 30_000, what: 'a successful push after the restart', explain: () => JSON.stringify(upToHub()) });
    expect(recovered.last_error).to.equal(null);
  });
});
