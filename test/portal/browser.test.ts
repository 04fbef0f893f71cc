import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { fixedClock, tempNode, type TempNode } from '../helpers/node.ts';
import { artifactPath, launchBrowser } from '../helpers/browser.ts';
import type { TicketSubmission } from '../../node/portal/tickets.ts';
import { portalApp } from './app.ts';
import { seedPortal, type PortalSeed } from './seed.ts';

/**
 * The portal in headless Chromium as a visitor on a 375 px phone with JavaScript switched off: search a company,
 * open its page, file a repair application through the form, and see a record leave once its window ends.
 */
describe('portal in Chromium at 375 px without JavaScript', () => {
  let node: TempNode;
  let seed: PortalSeed;
  let server: Server;
  let base: string;
  let browser: Browser;
  let page: Page;
  const clock = fixedClock('2026-06-01T02:00:00.000Z');
  const filed: TicketSubmission[] = [];
  const messages: string[] = [];

  before(async () => {
    node = await tempNode({ clock });
    seed = await seedPortal(node.ctx);
    const app = portalApp(node.ctx, { onTicket: async (s) => { filed.push(s); return { ticket: 'XF2026060112345678', status: 'forwarded' }; } });
    server = await new Promise<Server>((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)); });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 375, height: 812 }, javaScriptEnabled: false, locale: 'zh-CN' });
    page.on('console', (m) => messages.push(m.text()));
  });
  after(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => { server?.close(() => resolve()); });
    await node?.cleanup();
  });

  const noSideScroll = async () => expect(await page.evaluate<number>('document.documentElement.scrollWidth')).to.be.at.most(375);

  it('searches a company from the home page and opens its page', async () => {
    await page.goto(`${base}/`);
    await noSideScroll();
    await page.fill('input[name="q"]', '鲁信泉');
    await Promise.all([page.waitForURL(/\/search\?q=/), page.click('form.search button')]);
    await page.click(`a[href="/subjects/${seed.food.code}"]`);
    await page.waitForURL(new RegExp(`/subjects/${seed.food.code}$`));
    expect(await page.textContent('h1')).to.equal(seed.food.name);
    expect(await page.isVisible('text=异议处理中')).to.equal(true);
    expect(await page.locator(`#r-${seed.visible.penalty}`).count()).to.equal(1);
    await noSideScroll();
    await page.screenshot({ path: artifactPath('portal-subject-375.png'), fullPage: true });
    // The stylesheet applied under the CSP: the header bar is red, nothing was refused.
    expect(await page.evaluate<string>("getComputedStyle(document.querySelector('.top')).backgroundColor")).to.equal('rgb(183, 28, 28)');
    expect(messages.filter((m) => /Content Security Policy|Refused/.test(m))).to.deep.equal([]);
  });

  it('files a credit repair application through the form', async () => {
    await page.click(`#r-${seed.visible.penalty} a:has-text("申请信用修复")`);
    await page.waitForURL(/\/repairs\/new\?record=/);
    await noSideScroll();
    await page.fill('#f-evidence', '罚款已于 2026 年 4 月 1 日全额缴纳，缴款书编号 3701260401000123');
    await page.fill('#f-claimantName', '张经理');
    await page.fill('#f-claimantPhone', '0531-88886666');
    await page.check('#f-agree');
    await Promise.all([page.waitForURL(/\/repairs$/), page.click('form button[type="submit"]')]);
    expect(await page.textContent('h1')).to.equal('信用修复申请已提交');
    expect(await page.textContent('main')).to.include('XF2026060112345678');
    expect(filed).to.have.length(1);
    expect(filed[0]).to.deep.include({ kind: 'repair', recordId: seed.visible.penalty, subjectCode: seed.food.code });
    expect(filed[0]?.fields).to.deep.include({ claimantName: '张经理', claimantPhone: '0531-88886666' });
  });

  it('no longer shows a record once its publicity window has ended (injected clock)', async () => {
    await node.ctx.store.knex('records').where({ id: seed.visible.penalty }).update({ publish_until: '2026-06-01' });
    await page.goto(`${base}/subjects/${seed.food.code}`);
    expect(await page.locator(`#r-${seed.visible.penalty}`).count()).to.equal(1);
    clock.set('2026-06-01T16:00:00.000Z'); // midnight, 2 June, China time
    await page.reload();
    expect(await page.locator(`#r-${seed.visible.penalty}`).count()).to.equal(0);
    expect(await page.locator(`#r-${seed.visible.disputed}`).count()).to.equal(1);
  });
});
