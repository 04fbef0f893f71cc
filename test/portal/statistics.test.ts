import { expect } from 'chai';
import request from 'supertest';
import { fixedClock, tempNode, type TempNode } from '../helpers/node.ts';
import { countOnConnection, countOnThread, type CountStatistics } from '../../node/portal/statistics-counts.ts';
import type { StatisticsCounts } from '../../node/portal/statistics-thread.ts';
import { portalApp } from './app.ts';
import { seedPortal } from './seed.ts';

describe('portal statistics at scale: counted in the background, never in the way of a page', () => {
  let node: TempNode;
  const clock = fixedClock('2026-06-01T02:00:00.000Z');

  before(async () => {
    node = await tempNode({ clock });
    await seedPortal(node.ctx);
  });
  after(async () => { await node.cleanup(); });

  it('counts the same on a thread of its own (read-only connection to the SQLite file) as on the node’s connection', async () => {
    const file = (node.ctx.config.store as { file: string }).file;
    const sort = (c: StatisticsCounts) => ({ byCategory: [...c.byCategory].map((r) => [r.key, Number(r.n)]).sort(), byRegion: [...c.byRegion].map((r) => [r.key, Number(r.n)]).sort() });
    for (const [prefix, digits] of [[undefined, 4], ['3701', 6]] as const) {
      const onThread = await countOnThread(file, 5000)('2026-06-01', prefix, digits);
      const inline = await countOnConnection(node.ctx.store.knex)('2026-06-01', prefix, digits);
      expect(sort(onThread)).to.deep.equal(sort(inline));
      expect(onThread.byCategory.length).to.be.greaterThan(0);
    }
  });

  it('before the first counts the page says they are being prepared; later a slow recount keeps the last counts shown', async () => {
    let release: (() => void) | undefined;
    let calls = 0;
    const real = countOnConnection(node.ctx.store.knex);
    const slow: CountStatistics = async (...args) => {
      calls += 1;
      await new Promise<void>((resolve) => { release = resolve; });
      return real(...args);
    };
    const app = portalApp(node.ctx, { countStatistics: slow, portal: { statisticsCacheSeconds: 60 } });
    const home = await request(app).get('/').expect(200);
    expect(home.text).to.contain('统计数据正在生成');
    expect((await request(app).get('/public/v1/statistics').expect(200)).body).to.deep.include({ pending: true, total: 0 });
    expect(calls).to.equal(1);
    release?.();
    await new Promise((r) => setTimeout(r, 50));
    const counted = (await request(app).get('/public/v1/statistics').expect(200)).body as { total: number; pending?: boolean };
    expect(counted.pending).to.equal(undefined);
    expect(counted.total).to.be.greaterThan(0);
    // The counts expire: the next request starts a recount and is answered at once with the last counts.
    clock.set('2026-06-01T02:02:00.000Z');
    const during = (await request(app).get('/public/v1/statistics').expect(200)).body as { total: number };
    expect(during.total).to.equal(counted.total);
    expect(calls).to.equal(2);
    expect((await request(app).get('/').expect(200)).text).to.not.contain('统计数据正在生成');
    release?.();
  });
});
