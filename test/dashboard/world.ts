import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { freePorts, initFederation, type FederationNodeSpec } from '../../node/cli/federation.ts';
import { loadConfig } from '../../node/config/load.ts';
import { startNode, type RunningNode } from '../../node/app.ts';
import { stateRepo } from '../../node/exchange/state-repo.ts';
import { makeUscc } from '../../node/identity/index.ts';
import { companyCode, exampleData, JINAN_MARKET, penalty, QINGDAO_MARKET } from '../helpers/records.ts';
import type { fixedClock } from '../helpers/node.ts';

/** A hub with two cities, a market bureau under each and provincial tax straight under the hub. */
export const SPECS: Array<Omit<FederationNodeSpec, 'port'>> = [
  { id: 'sd-hub', name: '山东省公共信用信息平台', role: 'province', region: '370000' },
  { id: 'city-jinan', name: '济南市公共信用信息平台', role: 'city', region: '370100', parent: 'sd-hub' },
  { id: 'city-qingdao', name: '青岛市公共信用信息平台', role: 'city', region: '370200', parent: 'sd-hub' },
  { id: 'jinan-market', name: '济南市市场监督管理局', role: 'industry', region: '370100', sector: 'market', parent: 'city-jinan' },
  { id: 'qingdao-market', name: '青岛市市场监督管理局', role: 'industry', region: '370200', sector: 'market', parent: 'city-qingdao' },
  { id: 'sd-tax', name: '国家税务总局山东省税务局', role: 'industry', region: '370000', sector: 'tax', parent: 'sd-hub' },
];

const TAX = { code: makeUscc('1', '1', '370000', '00430013'), name: '国家税务总局山东省税务局' };

/** An alarm detail with markup in it: it must come out escaped in the page and the SVG. */
export const NASTY_ALARM = '链冲突 <img src=x onerror=alert(1)> & "quoted" \'single\'';

export interface DashboardWorld {
  node(id: string): RunningNode;
  hub(): RunningNode;
  clock: ReturnType<typeof fixedClock>;
  /** The objection filed at the hub, overdue by "now". */
  ticket: string;
  stop(): Promise<void>;
}

const license = (n: number, region: string, unit: { code: string; name: string }, decisionDate: string) => ({
  category: 'administrative_license', externalId: `许可〔2026〕${n}号`,
  subject: { type: 'legal_person', code: companyCode(n, region), name: `测试许可企业${n}` },
  sourceUnit: unit, decisionDate, data: exampleData('administrative_license'),
});

/** The day (from the first write) the dashboard is read on, at 10:00 China time. */
export const NOW_DAY = 25;

/**
 * Days counted from a start some weeks after the real date: the nodes were enrolled on the real clock, and a
 * revocation must come after its enrollment.
 */
const START = Math.floor(Date.now() / 86_400_000) * 86_400_000 + 40 * 86_400_000;
export const at = (day: number, hourUtc = 3): string => new Date(START + day * 86_400_000 + hourUtc * 3_600_000).toISOString();
/** The China day of `at(day)`. */
export const dayOf = (day: number): string => at(day).slice(0, 10);

/**
 * The federation in this process on one clock, with records written on known days, synced, one bureau revoked by
 * its city (`nodes revoke` path), an objection overdue at the hub, a failed round and an alarm at the hub.
 * Expected at the hub on NOW_DAY: records per origin jinan-market 3, qingdao-market 3, sd-tax 2; intake by city
 * 370100: 4 (day 0: 3, day 8: 1), 370200: 4 (day 5: 3, day 8: 1); by category penalty 7 (day 0: 3, day 5: 2,
 * day 8: 2), license 1 (day 5); overdue: handling node jinan-market 1, source unit Jinan market regulation 1.
 */
export async function dashboardWorld(clock: ReturnType<typeof fixedClock>): Promise<DashboardWorld> {
  const dir = mkdtempSync(path.join(tmpdir(), 'credit-node-dashboard-'));
  const ports = await freePorts(SPECS.length);
  const made = await initFederation(dir, SPECS.map((s, i) => ({ ...s, port: ports[i] as number })), (cfg) => {
    cfg['log'] = { level: 'silent' };
    cfg['exchange'] = { retry: { attempts: 1, baseDelayMs: 10, maxDelayMs: 10 } };
  });
  const nodes = new Map<string, RunningNode>();
  try {
    for (const n of made) nodes.set(n.spec.id, await startNode(loadConfig(n.configFile, {}), { log: pino({ level: 'silent' }), schedule: false, jobs: false, clock }));
  } catch (err) {
    for (const r of nodes.values()) await r.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const node = (id: string) => nodes.get(id) as RunningNode;
  // Bureaus first, then the cities, then the bureaus again (pulling what came down).
  const revoked = new Set<string>();
  const syncAll = async () => {
    for (const id of ['jinan-market', 'qingdao-market', 'sd-tax', 'city-jinan', 'city-qingdao', 'jinan-market', 'qingdao-market']) {
      if (!revoked.has(id)) await node(id).ctx.sync.round();
    }
  };
  const stop = async () => {
    for (const r of [...nodes.values()].reverse()) await r.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    return await fill();
  } catch (err) {
    await stop();
    throw err;
  }

  async function fill(): Promise<DashboardWorld> {
    const decided = dayOf(-10);
    clock.set(at(0));
    const written = await node('jinan-market').ctx.records.ingest([penalty(1, { decisionDate: decided }), penalty(2, { decisionDate: decided }), penalty(3, { decisionDate: decided })]);
    clock.set(at(5));
    await node('qingdao-market').ctx.records.ingest([
      penalty(11, { externalId: '青市监罚〔2026〕11号', subject: { type: 'legal_person', code: companyCode(11, '370202'), name: '青岛测试海产有限公司' }, sourceUnit: QINGDAO_MARKET, decisionDate: decided }),
      penalty(12, { externalId: '青市监罚〔2026〕12号', subject: { type: 'legal_person', code: companyCode(12, '370203'), name: '青岛测试机械有限公司' }, sourceUnit: QINGDAO_MARKET, decisionDate: decided }),
      license(13, '370202', QINGDAO_MARKET, decided),
    ]);
    clock.set(at(8));
    await node('sd-tax').ctx.records.ingest([
      penalty(21, { externalId: '鲁税罚〔2026〕21号', subject: { type: 'legal_person', code: companyCode(21, '370102'), name: '济南测试商贸有限公司' }, sourceUnit: TAX, decisionDate: decided }),
      penalty(22, { externalId: '鲁税罚〔2026〕22号', subject: { type: 'legal_person', code: companyCode(22, '370211'), name: '青岛测试物流有限公司' }, sourceUnit: TAX, decisionDate: decided }),
    ]);
    await syncAll();

    // Qingdao revokes its bureau (credit-node nodes revoke); the revocation travels up with the city's chain.
    clock.set(at(9));
    await node('city-qingdao').ctx.directory.revoke('qingdao-market');
    revoked.add('qingdao-market');
    await syncAll();

    // An objection at the hub about a Jinan record, never forwarded further: overdue by now.
    const code = (penalty(1)['subject'] as { code: string }).code;
    const filed = await node('sd-hub').ctx.tickets.fileObjection({ recordId: written[0]?.id as string, subjectCode: code, reason: 'wrong', description: '处罚决定书载明的罚款金额与公示的金额不一致。', claimant: { name: '王经理', phone: '0531-88886666' } });

    clock.set(at(NOW_DAY, 2));
    const hubDb = node('sd-hub').ctx.store.knex;
    // Provincial tax: its last pull failed with 7 events waiting for it; Qingdao: an alarm with markup in it.
    await stateRepo.put(hubDb, 'sd-tax', 'child-down', at(NOW_DAY, 1), { error: '连接超时 <timeout>', lag: 7 });
    await stateRepo.alarm(hubDb, { at: at(NOW_DAY - 1, 8), code: 'CHAIN_CONFLICT', peer: 'city-qingdao', detail: NASTY_ALARM });

    const hub = node('sd-hub');
    await hub.ctx.users.add({ username: 'operator1', role: 'operator', password: 'ops-pass-2026' });
    await hub.ctx.users.add({ username: 'officer1', role: 'officer', password: 'officer-pass-2026' });
    await hub.ctx.users.add({ username: 'operator2', role: 'operator', password: 'ops-pass-2026' });
    return { node, hub: () => hub, clock, ticket: filed.ticket, stop };
  }
}

export { JINAN_MARKET };
