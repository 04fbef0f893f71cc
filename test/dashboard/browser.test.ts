import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { artifactPath, launchBrowser } from '../helpers/browser.ts';
import { fixedClock } from '../helpers/node.ts';
import { dashboardWorld, type DashboardWorld } from './world.ts';

/** Not XML: shows the parser check can fail. */
const BROKEN = '<svg xmlns="http://www.w3.org/2000/svg"><g><text>a & b</g></svg>';

const NAMES = ['山东省公共信用信息平台', '济南市公共信用信息平台', '青岛市公共信用信息平台', '济南市市场监督管理局', '青岛市市场监督管理局', '国家税务总局山东省税务局'];

/**
 * The operators' dashboard of a hub in headless Chromium without JavaScript: sign in through the form, see the
 * federation tree and the charts at desktop width and on a 375 px phone (screenshots under test-artifacts/),
 * sign out.
 */
describe('federation dashboard in Chromium', function () {
  this.timeout(180_000);
  let world: DashboardWorld;
  let browser: Browser;
  const messages: string[] = [];

  before(async () => {
    world = await dashboardWorld(fixedClock(new Date().toISOString()));
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await world?.stop();
  });

  async function signedIn(width: number, height: number): Promise<Page> {
    const page = await browser.newPage({ viewport: { width, height }, javaScriptEnabled: false, locale: 'zh-CN' });
    page.on('console', (m) => messages.push(m.text()));
    await page.goto(`${world.hub().url}/ops/`);
    await page.waitForURL(/\/ops\/login$/);
    await page.fill('#f-username', 'operator1');
    await page.fill('#f-password', 'ops-pass-2026');
    await Promise.all([page.waitForURL(/\/ops\/$/), page.click('form.card button[type="submit"]')]);
    return page;
  }

  const treeText = async (page: Page) => (await page.locator('svg.tree').textContent()) ?? '';

  it('signs in and shows the tree with every node, the failing ones marked, and the charts (desktop)', async () => {
    const page = await signedIn(1280, 900);
    expect(await page.textContent('h1')).to.equal('联邦运行总览');
    expect(await page.isVisible('svg.tree')).to.equal(true);
    const text = await treeText(page);
    for (const name of NAMES) expect(text, name).to.contain(name);
    expect(text).to.contain('已撤销');
    expect(await page.locator('svg.tree g.node.error').count()).to.equal(2);
    expect(await page.locator('svg.tree g.node.revoked').count()).to.equal(1);
    expect(await page.locator('svg.intake').count()).to.equal(2);
    // The stylesheets applied under the CSP and nothing was refused.
    expect(await page.evaluate<string>("getComputedStyle(document.querySelector('.ops-top')).backgroundColor")).to.equal('rgb(38, 50, 56)');
    expect(messages.filter((m) => /Content Security Policy|Refused/.test(m))).to.deep.equal([]);
    // The alarm's markup stayed text.
    expect(await page.locator('main img').count()).to.equal(0);
    // The pictures as the server sent them parse as XML (Chromium's own parser).
    const sent = await (await page.request.get(`${world.hub().url}/ops/`)).text();
    const svgs = sent.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    expect(svgs.length).to.equal(5);
    const errors = await page.evaluate<number[]>(`(${JSON.stringify([...svgs, BROKEN])}).map((s) => new DOMParser().parseFromString(s, 'image/svg+xml').getElementsByTagName('parsererror').length)`);
    expect(errors.slice(0, -1)).to.deep.equal(svgs.map(() => 0));
    expect(errors.at(-1)).to.be.above(0);
    await page.screenshot({ path: artifactPath('dashboard-desktop.png'), fullPage: true });
    await page.close();
  });

  it('works on a 375 px phone: the page does not scroll sideways, the tree scrolls in its box; sign-out ends the session', async () => {
    const page = await signedIn(375, 812);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).to.be.at.most(375);
    expect(await page.isVisible('svg.tree')).to.equal(true);
    const text = await treeText(page);
    for (const name of NAMES) expect(text, name).to.contain(name);
    // The tree keeps its size (readable) inside a box that scrolls; the charts fit the screen.
    expect(await page.evaluate<number>("document.querySelector('.scroll').scrollWidth")).to.be.above(375);
    expect(await page.evaluate<number>("document.querySelector('svg.intake').getBoundingClientRect().width")).to.be.at.most(375);
    await page.screenshot({ path: artifactPath('dashboard-375.png'), fullPage: true });

    await Promise.all([page.waitForURL(/\/ops\/login\?out=1$/), page.click('.ops-top button[type="submit"]')]);
    expect(await page.textContent('main')).to.contain('您已退出登录');
    await page.goto(`${world.hub().url}/ops/`);
    await page.waitForURL(/\/ops\/login$/);
    await page.close();
  });
});
