import { expect } from 'chai';
import pg from 'pg';
import { main } from '../../scripts/simulate-province.ts';
import type { Figures } from '../../scripts/simulate/report.ts';

const PG_URL = process.env['CREDIT_NODE_TEST_PG'];

/** Runs the simulation in this process (its nodes are processes of the built program), capturing what it prints. */
async function simulate(argv: string[]): Promise<{ code: number; figures: Figures; err: string }> {
  let out = '';
  let err = '';
  const code = await main([...argv, '--json'], { out: (s) => { out += s; }, err: (s) => { err += s; } });
  expect(out.trim(), err).to.match(/^\{.*\}$/s);
  return { code, figures: JSON.parse(out) as Figures, err };
}

/** The simulation's own schemas (sim_…) on the test server. */
async function simSchemas(url: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<{ name: string }>("select schema_name as name from information_schema.schemata where schema_name like 'sim\\_%'")).rows.map((r) => r.name);
  } finally {
    await c.end();
  }
}

function expectClean(f: Figures, err: string): void {
  expect(f.converged, err).to.equal(true);
  expect(f.phases.map((p) => p.name)).to.deep.equal(['load', 'kill']);
  for (const p of f.phases) {
    expect(p.converged, `${p.name}: ${p.problems.join('\n')}`).to.equal(true);
    expect(p.convergenceSeconds).to.be.a('number').above(0);
    expect(p.lost, p.name).to.equal(0);
    expect(p.recordsMissing, p.name).to.equal(0);
    expect(p.duplicated, p.name).to.equal(0);
    expect(p.diverged, p.name).to.equal(0);
    expect(p.rejected, p.name).to.equal(0);
    expect(p.problems, p.name).to.deep.equal([]);
    // Every record imported at an industry node reached the hub in the phase.
    expect(p.hubIntake.events, p.name).to.be.at.least(p.records);
    expect(p.hubIntake.rate, p.name).to.be.above(0);
  }
  expect(f.lost).to.equal(0);
  expect(f.duplicated).to.equal(0);
  expect(f.ok).to.equal(true);
}

describe('province simulation (scripts/simulate-province.ts, reduced)', function () {
  this.timeout(400_000);

  it('1 hub, 3 cities, 6 industry nodes as processes: converges, then converges again while a third of them and the hub are killed with SIGKILL, nothing lost or duplicated', async () => {
    const { code, figures: f, err } = await simulate(['--cities', '3', '--industry-per-city', '2', '--provincial', '0', '--records', '150', '--kill-fraction', '0.33', '--kill-hub', '--sync-seconds', '2', '--seed', '7']);
    expect(code, err).to.equal(0);
    expectClean(f, err);
    expect(f.nodes).to.deep.equal({ hub: 1, city: 3, industry: 6, provincial: 0 });
    expect(f.hubStore).to.equal('sqlite');
    expect(f.phases[0]?.records).to.equal(6 * 150);
    expect(f.phases[1]?.records).to.equal(6 * 150);
    // A third of the 9 cities and industry nodes, and the hub; each killed once and started again.
    const kills = f.phases[1]?.kills ?? [];
    expect(kills).to.have.length(4);
    expect(kills.map((k) => k.node)).to.include('sd-hub');
    expect(f.restarts).to.equal(4);
    for (const role of ['hub', 'city', 'industry', 'import']) {
      expect(f.peakRssMb[role], role).to.be.a('number').above(20);
      expect(f.meanPeakRssMb[role], role).to.be.a('number').above(20);
    }
  });

  (PG_URL ? it : it.skip)('the hub on PostgreSQL (its own schema, dropped afterwards), killed during load too', async () => {
    const before = await simSchemas(PG_URL as string);
    const { code, figures: f, err } = await simulate(['--cities', '2', '--industry-per-city', '1', '--provincial', '1', '--records', '100', '--kill-fraction', '0', '--kill-hub', '--hub-pg', PG_URL as string, '--sync-seconds', '2']);
    expect(code, err).to.equal(0);
    expectClean(f, err);
    expect(f.hubStore).to.equal('pg');
    expect(f.phases[1]?.kills.map((k) => k.node)).to.deep.equal(['sd-hub']);
    expect(await simSchemas(PG_URL as string)).to.deep.equal(before);
  });
});
