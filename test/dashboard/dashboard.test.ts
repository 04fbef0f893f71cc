import { expect } from 'chai';
import request from 'supertest';
import { PORTAL_CSP } from '../../node/portal/safety.ts';
import { intake, lastDays, type Dashboard, type DashboardNode } from '../../node/dashboard/data.ts';
import { stackedColumns, treeSvg } from '../../node/dashboard/svg.ts';
import { backends, fixedClock, tempNode } from '../helpers/node.ts';
import { companyCode, penalty } from '../helpers/records.ts';
import { recordsRepo } from '../../node/records/repo.ts';
import { ticketStats } from '../../node/disputes/escalation.ts';
import { DashboardService } from '../../node/dashboard/data.ts';
import { at, dashboardWorld, dayOf, JINAN_MARKET, NASTY_ALARM, NOW_DAY, type DashboardWorld } from './world.ts';

/**
 * A tiny XML well-formedness check: tags nest and close, attribute values are quoted without '<', every '&'
 * starts an entity, no stray '<'. Returns the problems found.
 */
export function xmlProblems(xml: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  const token = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>|<|&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/g;
  for (const m of xml.matchAll(token)) {
    if (m[0] === '<') { problems.push(`stray < at ${m.index}`); continue; }
    if (m[0] === '&') { problems.push(`bare & at ${m.index}`); continue; }
    const [, close, name, , selfClosing] = m;
    if (selfClosing) continue;
    if (!close) { stack.push(name as string); continue; }
    const open = stack.pop();
    if (open !== name) problems.push(`</${name}> closes <${open ?? '(none)'}> at ${m.index}`);
  }
  if (stack.length) problems.push(`unclosed: ${stack.join(', ')}`);
  return problems;
}

const cookieOf = (res: request.Response): string => String((res.headers['set-cookie'] as unknown as string[] | undefined)?.[0] ?? '').split(';')[0] as string;
const setCookie = (res: request.Response): string => String((res.headers['set-cookie'] as unknown as string[] | undefined)?.[0] ?? '');

function find(n: DashboardNode, id: string): DashboardNode | undefined {
  if (n.id === id) return n;
  for (const c of n.children) {
    const hit = find(c, id);
    if (hit) return hit;
  }
  return undefined;
}

describe('federation dashboard (in process)', function () {
  this.timeout(120_000);
  let world: DashboardWorld;
  let url: string;
  const clock = fixedClock(new Date().toISOString());

  before(async () => {
    world = await dashboardWorld(clock);
    url = world.hub().url;
  });
  after(async () => { await world?.stop(); });

  const token = async (username: string, password: string) => (await request(url).post('/api/v1/auth/token').send({ username, password }).expect(200)).body.token as string;
  const signIn = (username: string, password: string, origin: string | null = url) => {
    const r = request(url).post('/ops/login').type('form');
    if (origin) r.set('origin', origin);
    return r.send({ username, password });
  };

  it('GET /api/v1/federation/dashboard: the tree, intake by city and category, overdue tickets per unit, for operators only', async () => {
    await request(url).get('/api/v1/federation/dashboard').expect(401);
    await request(url).get('/api/v1/federation/dashboard').set('authorization', `Bearer ${await token('officer1', 'officer-pass-2026')}`).expect(403);
    const res = await request(url).get('/api/v1/federation/dashboard').set('authorization', `Bearer ${await token('operator1', 'ops-pass-2026')}`).expect(200);
    expect(res.headers['cache-control']).to.equal('no-store');
    const d = res.body as Dashboard;
    expect(d).to.have.keys('node', 'tree', 'intake', 'overdue', 'tickets');
    expect(d.node).to.deep.include({ id: 'sd-hub', role: 'province', asOf: at(NOW_DAY, 2) });

    // The tree: the hub on top, cities first, then provincial tax (vertical, straight under the hub).
    const t = d.tree;
    expect(t).to.deep.include({ id: 'sd-hub', link: 'self', state: 'ok', parent: null });
    expect(t.children.map((c) => c.id)).to.deep.equal(['city-jinan', 'city-qingdao', 'sd-tax']);
    expect(find(t, 'city-jinan')?.children.map((c) => c.id)).to.deep.equal(['jinan-market']);
    expect(find(t, 'city-qingdao')?.children.map((c) => c.id)).to.deep.equal(['qingdao-market']);
    const hubDb = world.hub().ctx.store.knex;
    for (const id of ['sd-hub', 'city-jinan', 'city-qingdao', 'jinan-market', 'qingdao-market', 'sd-tax']) {
      expect(find(t, id)?.events, id).to.equal((await world.hub().ctx.eventLog.head(hubDb, id))?.seq ?? 0);
    }
    const records = Object.fromEntries(['sd-hub', 'city-jinan', 'city-qingdao', 'jinan-market', 'qingdao-market', 'sd-tax'].map((id) => [id, find(t, id)?.records]));
    expect(records).to.deep.equal({ 'sd-hub': 0, 'city-jinan': 0, 'city-qingdao': 0, 'jinan-market': 3, 'qingdao-market': 3, 'sd-tax': 2 });
    expect(find(t, 'city-jinan')).to.deep.include({ link: 'direct', state: 'ok', error: null, lastContact: at(9), lag: { down: 0, up: null }, alarmCount: 0 });
    expect(find(t, 'jinan-market')).to.deep.include({ link: 'relayed', via: 'city-jinan', state: 'ok', lastContact: null, lastEventAt: at(0) });
    expect(find(t, 'qingdao-market')).to.deep.include({ status: 'revoked', state: 'revoked' });
    // A failed last pull (with the lag it left) and a recent alarm mark their nodes.
    expect(find(t, 'sd-tax')).to.deep.include({ state: 'error', error: '连接超时 <timeout>', lag: { down: 7, up: null } });
    expect(find(t, 'city-qingdao')).to.deep.include({ state: 'error', error: null, alarmCount: 1 });
    expect(find(t, 'city-qingdao')?.alarms).to.deep.equal([{ at: at(NOW_DAY - 1, 8), code: 'CHAIN_CONFLICT', detail: NASTY_ALARM }]);

    // Intake of the last 30 China days, by the subject's city and by category.
    const days = d.intake.days;
    expect(days).to.have.length(30);
    expect(d.intake).to.deep.include({ to: dayOf(NOW_DAY), from: days[0], total: 8 });
    const per = (counts: Record<number, number>) => days.map((day) => counts[[0, 5, 8].find((n) => dayOf(n) === day) ?? -1] ?? 0);
    expect(d.intake.byCity).to.deep.equal([
      { key: '370100', name: '济南市', total: 4, perDay: per({ 0: 3, 8: 1 }) },
      { key: '370200', name: '青岛市', total: 4, perDay: per({ 5: 3, 8: 1 }) },
    ]);
    expect(d.intake.byCategory).to.deep.equal([
      { key: 'administrative_penalty', name: '行政处罚', total: 7, perDay: per({ 0: 3, 5: 2, 8: 2 }) },
      { key: 'administrative_license', name: '行政许可', total: 1, perDay: per({ 5: 1 }) },
    ]);

    // The objection filed at the hub is overdue at the bureau that holds the record.
    expect(d.overdue).to.deep.equal([
      { by: 'node', key: 'jinan-market', name: '济南市市场监督管理局', open: 1, overdue: 1 },
      { by: 'sourceUnit', key: JINAN_MARKET.code, name: JINAN_MARKET.name, open: 1, overdue: 1 },
    ]);
    expect(d.tickets).to.deep.equal({ asOf: dayOf(NOW_DAY), open: 1, overdue: 1, closed: 0 });
  });

  it('pages are refused without sign-in and to an officer', async () => {
    const anon = await request(url).get('/ops/').expect(303);
    expect(anon.headers['location']).to.equal('/ops/login');
    // A cookie that is no token: back to the sign-in page, the cookie cleared.
    const junk = await request(url).get('/ops/').set('cookie', 'credit_node_ops=not-a-token').expect(303);
    expect(setCookie(junk)).to.match(/^credit_node_ops=; .*Max-Age=0/);
    // An officer's token in the cookie reads nothing; an officer's sign-in sets no cookie.
    const officer = await request(url).get('/ops/').set('cookie', `credit_node_ops=${await token('officer1', 'officer-pass-2026')}`).expect(403);
    expect(officer.text).to.contain('无权查看运行监控');
    expect(officer.text).to.not.contain('联邦拓扑');
    const signedIn = await signIn('officer1', 'officer-pass-2026').expect(403);
    expect(signedIn.headers['set-cookie']).to.equal(undefined);
    expect(signedIn.text).to.contain('仅限管理员和运维人员');
    const login = await request(url).get('/ops/login').expect(200);
    expect(login.headers['content-security-policy']).to.equal(PORTAL_CSP);
    expect(login.text).to.contain('运维人员登录');
    expect(login.text).to.not.match(/<script/i);
  });

  it('sign-in: only from the node\'s own page, the same lock-out as the API, an HttpOnly SameSite=Strict cookie (Secure over https)', async () => {
    expect((await signIn('operator1', 'ops-pass-2026', null).expect(403)).text).to.contain('请求来源不符');
    await signIn('operator1', 'ops-pass-2026', 'http://elsewhere.example').expect(403);
    expect((await signIn('operator1', 'wrong-password').expect(401)).text).to.contain('用户名或密码错误');
    for (let i = 0; i < 5; i++) await signIn('operator2', 'wrong-password').expect(401);
    expect((await signIn('operator2', 'ops-pass-2026').expect(401)).text).to.contain('已锁定');

    const ok = await signIn('operator1', 'ops-pass-2026').expect(303);
    expect(ok.headers['location']).to.equal('/ops/');
    const flags = setCookie(ok);
    expect(flags).to.match(/^credit_node_ops=[\w-]+\.[\w-]+\.[\w-]+; /);
    expect(flags).to.contain('HttpOnly').and.contain('SameSite=Strict').and.contain('Path=/ops');
    expect(flags).to.not.contain('Secure');
    // Behind a TLS proxy on loopback the cookie is Secure.
    const https = await signIn('operator1', 'ops-pass-2026', url.replace('http:', 'https:')).set('x-forwarded-proto', 'https').expect(303);
    expect(setCookie(https)).to.contain('; Secure');

    const page = await request(url).get('/ops/').set('cookie', cookieOf(ok)).expect(200);
    expect(page.headers['content-security-policy']).to.equal(PORTAL_CSP);
    expect(page.headers['cache-control']).to.equal('no-store');
    expect(page.text).to.not.match(/<script/i);
    for (const label of ['联邦运行总览', '联邦拓扑', '每日接收记录（按地市）', '每日接收记录（按类别）', '逾期办件（按办理节点）', '国家税务总局山东省税务局', '已撤销']) expect(page.text, label).to.contain(label);
    // The alarm's markup is text everywhere it appears.
    expect(page.text).to.not.contain('<img src=x');
    expect(page.text).to.contain('&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quoted&quot; &#39;single&#39;');
    expect(page.text).to.contain('连接超时 &lt;timeout&gt;');
    await request(url).get('/ops/login').set('cookie', cookieOf(ok)).expect(303);
  });

  it('the SVG pictures are well-formed XML with every text escaped', async () => {
    const ok = await signIn('operator1', 'ops-pass-2026').expect(303);
    const page = (await request(url).get('/ops/').set('cookie', cookieOf(ok)).expect(200)).text;
    // The check itself catches what it is for.
    for (const bad of ['<svg><g></svg>', '<svg>a & b</svg>', '<svg><text x="1<2">t</text></svg>', '<svg>a < b</svg>']) expect(xmlProblems(bad), bad).to.not.deep.equal([]);
    const svgs = page.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    expect(svgs.length).to.equal(5);
    for (const svg of svgs) expect(xmlProblems(svg)).to.deep.equal([]);
    const tree = svgs.find((s) => s.startsWith('<svg class="tree"')) as string;
    expect(tree).to.contain('xmlns="http://www.w3.org/2000/svg"').and.contain('济南市市场监督管理局').and.contain('CHAIN_CONFLICT');

    const nasty: DashboardNode = {
      id: 'x-1', name: '<a href="javascript:1">单位</a> & \'引号\'', role: 'industry', region: '370100', sector: 'a<b', status: 'active', parent: 'root',
      link: 'direct', via: null, lag: { down: 1, up: null }, lastContact: 'not a date', lastEventAt: null, events: 1, records: 2,
      error: '</text><script>alert(1)</script>', alarms: [{ at: '2027-01-01T00:00:00.000Z', code: 'X&Y', detail: ']]> <!-- -->' }], alarmCount: 3, state: 'error', children: [],
    };
    const root: DashboardNode = { ...nasty, id: 'root', name: '根节点', parent: null, link: 'self', error: null, state: 'ok', children: [nasty, { ...nasty, id: 'x-2', state: 'revoked', children: [{ ...nasty, id: 'x-3' }] }] };
    const drawn = treeSvg(root).text;
    expect(xmlProblems(drawn)).to.deep.equal([]);
    for (const raw of ['<script', '<a href', '<!--']) expect(drawn).to.not.contain(raw);
    expect(drawn).to.contain('&lt;script&gt;').and.contain('X&amp;Y');
    const chart = stackedColumns('按<类别>', ['2027-01-01', '2027-01-02'], Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, name: `类别<${i}>&`, total: i + 1, perDay: [i, 1] }))).text;
    expect(xmlProblems(chart)).to.deep.equal([]);
    expect(chart).to.contain('其他（3 项）').and.contain('类别&lt;0&gt;&amp;');
  });

  it('sign-out needs the form token, then the session ends everywhere', async () => {
    const ok = await signIn('operator1', 'ops-pass-2026').expect(303);
    const cookie = cookieOf(ok);
    const page = (await request(url).get('/ops/').set('cookie', cookie).expect(200)).text;
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1] as string;
    expect(csrf).to.be.a('string');
    await request(url).post('/ops/logout').set('cookie', cookie).set('origin', url).type('form').send({}).expect(403);
    await request(url).post('/ops/logout').set('cookie', cookie).set('origin', 'http://elsewhere.example').type('form').send({ csrf }).expect(403);
    const out = await request(url).post('/ops/logout').set('cookie', cookie).set('origin', url).type('form').send({ csrf }).expect(303);
    expect(out.headers['location']).to.equal('/ops/login?out=1');
    expect(setCookie(out)).to.match(/^credit_node_ops=; .*Max-Age=0/);
    expect((await request(url).get('/ops/').set('cookie', cookie).expect(303)).headers['location']).to.equal('/ops/login');
    await request(url).get('/api/v1/federation/dashboard').set('authorization', `Bearer ${cookie.slice('credit_node_ops='.length)}`).expect(401);
    expect((await request(url).get('/ops/login?out=1').expect(200)).text).to.contain('您已退出登录');
    // A new sign-in a moment later works again.
    clock.set(new Date(clock().getTime() + 1000).toISOString());
    const again = await signIn('operator1', 'ops-pass-2026').expect(303);
    await request(url).get('/ops/').set('cookie', cookieOf(again)).expect(200);
  });

  it('intake folds UTC hours into China days', () => {
    const days = lastDays(new Date('2027-01-02T10:00:00Z'), 2);
    expect(days).to.deep.equal(['2027-01-01', '2027-01-02']);
    const out = intake(days, [
      { hour: '2027-01-01T15', category: 'a', city: '3701', n: 2 }, // 23:00 China time, 1 January
      { hour: '2027-01-01T16', category: 'a', city: '3702', n: 5 }, // 00:00 China time, 2 January
      { hour: '2026-12-31T15', category: 'b', city: null, n: 9 }, // before the window
    ], (c) => c.toUpperCase());
    expect(out.total).to.equal(7);
    expect(out.byCity).to.deep.equal([{ key: '370200', name: '青岛市', total: 5, perDay: [0, 5] }, { key: '370100', name: '济南市', total: 2, perDay: [2, 0] }]);
    expect(out.byCategory).to.deep.equal([{ key: 'a', name: 'A', total: 7, perDay: [2, 5] }]);
  });
});

for (const backend of backends()) {
  describe(`dashboard figures of a single node (${backend})`, function () {
    this.timeout(60_000);

    it('counts records per origin and per China day, city and category from the records repo; a node alone is its whole tree', async () => {
      const clock = fixedClock('2027-03-01T15:30:00.000Z'); // 23:30 China time, 1 March
      const node = await tempNode({ backend, clock, id: 'solo-hub' });
      try {
        const { ctx } = node;
        await ctx.records.ingest([penalty(1), penalty(2, { subject: { type: 'legal_person', code: companyCode(2, '370211'), name: '青岛测试有限公司' } })]);
        clock.set('2027-03-01T16:30:00.000Z'); // 00:30 China time, 2 March
        await ctx.records.ingest([penalty(3)]);
        clock.set('2027-03-02T04:00:00.000Z');
        const figures = await recordsRepo.intake(ctx.store.knex, '2027-02-28T16:00:00.000Z', '2027-03-02T16:00:00.000Z');
        expect([...figures.byOrigin]).to.deep.equal([['solo-hub', 3]]);
        expect(figures.byHour.sort((a, b) => a.hour.localeCompare(b.hour) || String(a.city).localeCompare(String(b.city)))).to.deep.equal([
          { hour: '2027-03-01T15', category: 'administrative_penalty', city: '3701', n: 1 },
          { hour: '2027-03-01T15', category: 'administrative_penalty', city: '3702', n: 1 },
          { hour: '2027-03-01T16', category: 'administrative_penalty', city: '3701', n: 1 },
        ]);
        const d = await new DashboardService({ ...ctx, ticketStats: async () => ticketStats(ctx.store.knex, ctx.clock, await ctx.nodeNames()) }).read();
        expect(d.tree).to.deep.include({ id: 'solo-hub', link: 'self', records: 3, events: 3, state: 'ok', children: [] });
        expect(d.intake.byCity.map((c) => [c.key, c.perDay.slice(-2)])).to.deep.equal([['370100', [1, 1]], ['370200', [1, 0]]]);
        expect(d.overdue).to.deep.equal([]);
      } finally {
        await node.cleanup();
      }
    });
  });
}
