import { expect } from 'chai';
import { Federation, sleep } from '../helpers/federation.ts';
import { generateRecords } from '../../scripts/generate-data.ts';

const KILLS = 20;
const BACKLOG = 20_000;
const CHUNK = 1000;
const MAX_CHUNKS = 8;

const penalties = (count: number, startIndex: number) =>
  generateRecords({ category: 'administrative_penalty', count, seed: 5, startIndex }) as Iterable<Record<string, unknown>>;

/**
 * kill -9 of the city and of the hub at random moments while a large backlog syncs and the industry node keeps
 * importing: every chain must end the same at every node that holds it, nothing lost, nothing twice.
 */
describe('federation: kill -9 of the city and the hub during a large sync', function () {
  this.timeout(300_000);
  let fed: Federation;
  const log: string[] = [];
  const t0 = Date.now();
  const note = (line: string) => { log.push(`${((Date.now() - t0) / 1000).toFixed(1)} s ${line}`); };

  before(async function () {
    this.timeout(180_000);
    // Small batches: the backlog is many requests up each link, so kills land inside the sync.
    fed = await Federation.create({ configure: (cfg) => { (cfg['exchange'] as Record<string, unknown>)['maxBatchEvents'] = 500; } });
    // The backlog is imported while the city and the hub are down; it moves once they start.
    await Promise.all([fed.start('jinan-market'), fed.start('sd-tax')]);
    const r = await fed.importRecords('jinan-market', 'administrative_penalty', penalties(BACKLOG, 0));
    note(`backlog of ${r.accepted} imported`);
    expect(r).to.include({ rows: BACKLOG, accepted: BACKLOG, rejected: 0 });
    await Promise.all([fed.start('sd-hub'), fed.start('city-jinan')]);
    note('city and hub started');
  });
  after(async function () {
    if (this.currentTest?.state === 'failed' || process.env['CREDIT_NODE_FED_TRACE']) process.stderr.write(`${log.join('\n')}\n`);
    await fed?.destroy();
  });

  it(`converges with nothing lost or duplicated after ${KILLS} kills of each`, async () => {
    let imported = BACKLOG;
    let chunks = 0;
    let killing = true;
    // More imports at jinan-market the whole time (a CLI process beside the running node, as an operator would).
    const importing = (async () => {
      while (killing && chunks < MAX_CHUNKS) {
        const r = await fed.importRecords('jinan-market', 'administrative_penalty', penalties(CHUNK, BACKLOG + chunks * CHUNK));
        expect(r).to.include({ rows: CHUNK, accepted: CHUNK, rejected: 0 });
        imported += r.accepted;
        chunks += 1;
        note(`import ${chunks}: ${r.accepted}`);
      }
    })();
    importing.catch(() => undefined);
    const killLoop = async (id: string) => {
      for (let i = 0; i < KILLS; i++) {
        // Mostly while the node runs and syncs; every fourth time while it is still starting (store opening,
        // migrations, first round).
        const starting = i % 4 === 1;
        if (!starting) await fed.waitHealthy(id);
        const wait = Math.floor(Math.random() * (starting ? 2000 : 1200));
        await sleep(wait);
        await fed.kill(id);
        note(`kill -9 ${id} #${i + 1}, ${wait} ms after it ${starting ? 'was started' : 'answered /healthz'}`);
        fed.spawn(id);
      }
      await fed.waitHealthy(id);
    };
    try {
      await Promise.all([killLoop('city-jinan'), killLoop('sd-hub')]);
    } finally {
      killing = false;
    }
    note('kills done');
    await importing;
    expect(fed.node('city-jinan').starts - 1, 'restarts of city-jinan').to.be.at.least(KILLS);
    expect(fed.node('sd-hub').starts - 1, 'restarts of sd-hub').to.be.at.least(KILLS);
    expect(chunks, 'imports during the kills').to.be.at.least(1);
    expect(imported).to.equal(BACKLOG + chunks * CHUNK);

    note('imports done');
    await fed.waitConverged({ timeoutMs: 120_000, expected: { 'jinan-market': imported, 'city-jinan': 1, 'sd-hub': 2, 'sd-tax': 0 } });

    note('converged');
    for (const id of fed.holdersOf('jinan-market')) {
      const events = fed.count(id, "select count(*) from events where origin = 'jinan-market'");
      const distinct = fed.count(id, "select count(*) from (select distinct origin, seq from events where origin = 'jinan-market')");
      const maxSeq = fed.count(id, "select max(seq) from events where origin = 'jinan-market'");
      const records = fed.count(id, "select count(*) from records where origin = 'jinan-market'");
      const distinctRecords = fed.count(id, "select count(*) from (select distinct source_unit_code, category, external_id from records where origin = 'jinan-market')");
      const versions = fed.count(id, 'select count(*) from record_versions');
      expect({ id, events, distinct, maxSeq, records, distinctRecords, versions }).to.deep.equal({ id, events: imported, distinct: imported, maxSeq: imported, records: imported, distinctRecords: imported, versions: 0 });
    }
    // The rows the receivers projected are the same.
    expect(fed.records('sd-hub', 'jinan-market')).to.deep.equal(fed.records('city-jinan', 'jinan-market'));

    const verified = await fed.verifyAll();
    note('verified');
    for (const id of fed.ids) expect(verified[id]?.status, `verify ${id}: ${verified[id]?.stderr}`).to.equal(0);
    expect((verified['sd-hub']?.json as { chains: Record<string, number> }).chains).to.deep.equal({ 'sd-hub': 2, 'city-jinan': 1, 'jinan-market': imported });
    expect((verified['city-jinan']?.json as { chains: Record<string, number> }).chains).to.deep.equal({ 'city-jinan': 1, 'jinan-market': imported });
    // Crashes are not tampering: no node raised an alarm.
    for (const id of fed.ids) expect(fed.count(id, 'select count(*) from alarms'), `alarms at ${id}`).to.equal(0);
  });
});
