import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { createApp } from '../../node/app.ts';
import { SYSTEM_PRINCIPAL } from '../../node/access/roles.ts';
import { withdrawExpired } from '../../node/publicity/withdrawal.ts';
import { fixedClock, tempNode, type TempNode } from '../helpers/node.ts';
import { artifactPath, launchBrowser } from '../helpers/browser.ts';
import { companyCode, exampleData, JINAN_MARKET, penalty } from '../helpers/records.ts';

/**
 * The whole node as the public meets it, in headless Chromium on a 375 px phone without JavaScript: the
 * publicity rules decide the windows (nothing set by hand), the credit report is the real PDF, the repair
 * application a real ticket decided by the node's operator.
 */
describe('信用山东 in Chromium: search, subject page, credit report and its verification, repair, withdrawal', function () {
  this.timeout(120_000);
  const clock = fixedClock('2026-07-01T02:00:00.000Z');
  const company = { type: 'legal_person', code: companyCode(801), name: '济南鲁味斋餐饮管理有限公司' };
  let node: TempNode;
  let server: Server;
  let base: string;
  let browser: Browser;
  let page: Page;
  const ids: Record<string, string> = {};

  before(async () => {
    node = await tempNode({ clock });
    const results = await node.ctx.records.ingest([
      { category: 'registration', externalId: '登记〔2020〕801号', subject: company, sourceUnit: JINAN_MARKET, decisionDate: '2020-05-06', data: exampleData('registration') },
      // General penalties: public for a year from the decision.
      penalty(802, { subject: company, decisionDate: '2026-03-02' }),
      penalty(803, { subject: company, decisionDate: '2025-09-01' }),
      // 政务共享 only: never on the site.
      { category: 'contract_performance', externalId: '合同〔2026〕804号', subject: company, sourceUnit: JINAN_MARKET, decisionDate: '2026-03-02', data: exampleData('contract_performance') },
    ]);
    ['registration', 'recent', 'older', 'shared'].forEach((k, i) => { ids[k] = results[i]?.id as string; });
    const app = createApp(node.ctx);
    server = await new Promise<Server>((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)); });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    node.ctx.baseUrl.current = base;
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 375, height: 812 }, javaScriptEnabled: false, locale: 'zh-CN', acceptDownloads: true });
  });
  after(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => { server?.close(() => resolve()); });
    await node?.cleanup();
  });

  const shows = async (id: string) => (await page.locator(`#r-${id}`).count()) === 1;

  it('finds the company by a fragment from the middle of its name and shows only what may be published', async () => {
    await page.goto(`${base}/`);
    await page.fill('input[name="q"]', '鲁味斋');
    await Promise.all([page.waitForURL(/\/search\?q=/), page.click('form.search button')]);
    await Promise.all([page.waitForURL(new RegExp(`/subjects/${company.code}$`)), page.click(`a[href="/subjects/${company.code}"]`)]);
    expect(await page.textContent('h1')).to.equal(company.name);
    expect(await shows(ids['recent'] as string)).to.equal(true);
    expect(await shows(ids['older'] as string)).to.equal(true);
    expect(await shows(ids['shared'] as string)).to.equal(false);
    expect(await page.content()).to.not.contain('合同〔2026〕804号');
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).to.be.at.most(375);
    await page.screenshot({ path: artifactPath('subject-page-375.png'), fullPage: true });
  });

  it('downloads the credit report, and the verification page accepts it and detects a forged copy', async () => {
    await page.goto(`${base}/subjects/${company.code}`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[href^="/reports/new"]')]);
    const file = artifactPath('credit-report.pdf');
    await download.saveAs(file);
    const number = /(\d{14})\.pdf$/.exec(download.suggestedFilename())?.[1];
    expect(number, download.suggestedFilename()).to.be.a('string');
    const bytes = readFileSync(file);
    expect(bytes.subarray(0, 5).toString()).to.equal('%PDF-');

    await page.goto(`${base}/verify`);
    await page.setInputFiles('input[name="report"]', file);
    await Promise.all([page.waitForURL(/\/verify$/), page.click('form button[type="submit"]')]);
    expect(await page.getAttribute('[data-valid]', 'data-valid')).to.equal('true');
    expect(await page.getAttribute('[data-matches]', 'data-matches')).to.equal('true');
    expect(await page.textContent('main')).to.contain(company.name);

    // One byte changed in the body of the file: same number and code, not the report that was issued.
    const forged = Buffer.from(bytes);
    const at = forged.indexOf('stream') + 20;
    forged[at] = (forged[at] as number) ^ 0x01;
    const forgedFile = artifactPath('credit-report-forged.pdf');
    writeFileSync(forgedFile, forged);
    await page.goto(`${base}/verify`);
    await page.setInputFiles('input[name="report"]', forgedFile);
    await Promise.all([page.waitForURL(/\/verify$/), page.click('form button[type="submit"]')]);
    expect(await page.getAttribute('[data-matches]', 'data-matches')).to.equal('false');
  });

  it('files a credit repair application; once the source unit approves, the record leaves the site and the applicant sees the outcome', async () => {
    await page.goto(`${base}/subjects/${company.code}`);
    await Promise.all([page.waitForURL(/\/repairs\/new\?record=/), page.click(`#r-${ids['recent']} a:has-text("申请信用修复")`)]);
    await page.fill('#f-evidence', '罚款已于 2026 年 3 月 20 日全额缴纳，缴款书编号 3701260320000801');
    await page.fill('#f-claimantName', '李经理');
    await page.fill('#f-claimantPhone', '0531-86661234');
    await page.check('#f-agree');
    await Promise.all([page.waitForURL(/\/repairs$/), page.click('form button[type="submit"]')]);
    const receipt = await page.textContent('main') ?? '';
    const ticket = /XF\d{16}/.exec(receipt)?.[0];
    expect(ticket, receipt).to.be.a('string');

    const [open] = await node.ctx.tickets.list(SYSTEM_PRINCIPAL, { status: ['received'] });
    expect(open?.number).to.equal(ticket);
    expect(open?.claimant.phone).to.equal('0531-86661234');
    await node.ctx.tickets.resolve(SYSTEM_PRINCIPAL, ticket as string, { outcome: 'approved' });

    await page.goto(`${base}/tickets?number=${ticket}`);
    const status = await page.textContent('main') ?? '';
    expect(status).to.contain('已办结');
    expect(status).to.contain('准予修复');
    expect(status).to.not.contain('0531-86661234');
    // Pages are cached for a minute (Cache-Control: public, max-age=60): a reload asks again.
    await page.goto(`${base}/subjects/${company.code}`);
    await page.reload();
    expect(await shows(ids['recent'] as string)).to.equal(false);
    expect(await shows(ids['older'] as string)).to.equal(true);
  });

  it('a record leaves the site the day after its publicity window ends, and the nightly job marks it while officers still read it', async () => {
    const older = await node.ctx.records.get(ids['older'] as string, SYSTEM_PRINCIPAL);
    expect(older.publishUntil).to.equal('2026-09-01');
    clock.set('2026-09-01T15:59:00.000Z'); // 23:59 on 1 September, China time
    await page.goto(`${base}/subjects/${company.code}`);
    await page.reload();
    expect(await shows(ids['older'] as string)).to.equal(true);
    clock.set('2026-09-01T16:00:00.000Z'); // midnight
    await page.reload();
    expect(await shows(ids['older'] as string)).to.equal(false);
    const res = await withdrawExpired({ db: node.ctx.store.knex, clock: node.ctx.clock, log: node.ctx.log });
    expect(res.withdrawn).to.be.at.least(1);
    const officer = await node.ctx.records.get(ids['older'] as string, SYSTEM_PRINCIPAL);
    expect(officer.status).to.equal('active');
    const fromApi = await fetch(`${base}/public/v1/subjects/${company.code}`);
    expect(await fromApi.text()).to.not.contain(ids['older'] as string);
  });
});
