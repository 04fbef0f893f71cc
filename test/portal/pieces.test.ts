import { expect } from 'chai';
import { esc, html, page, pageFrame, SafeHtml } from '../../node/portal/layout.ts';
import { regionPrefix, shortRegionName, siteOf } from '../../node/portal/site.ts';
import { excerpt, renderArticleBody } from '../../node/portal/article-markup.ts';
import { scrub } from '../../node/portal/public-data.ts';
import { barChart } from '../../node/portal/charts.ts';
import { readTicketForm } from '../../node/portal/forms.ts';
import { PORTAL_CSP, portalHelmetOptions } from '../../node/portal/safety.ts';
import { personCode } from '../helpers/records.ts';

const hub = siteOf({ name: '山东省公共信用信息平台', role: 'province', region: '370000' });

describe('portal pieces', () => {
  it('names the site after its region: 信用山东 on the hub, 信用济南 on the Jinan city node, or as configured', () => {
    expect(hub).to.deep.include({ name: '信用山东', regionName: '山东省', defaultRegionPrefix: undefined });
    expect(siteOf({ name: '济南市公共信用信息平台', role: 'city', region: '370100' })).to.deep.include({ name: '信用济南', regionName: '济南市', defaultRegionPrefix: '3701' });
    expect(siteOf({ name: '青岛', role: 'city', region: '370200', portal: { siteName: '信用青岛市' } }).name).to.equal('信用青岛市');
    expect(siteOf({ name: '市场监管', role: 'industry', region: '370100' }).name).to.equal('信用山东');
    expect(['山东省', '济南市', '内蒙古自治区', '历下区', '北京市', '莱芜市'].map(shortRegionName)).to.deep.equal(['山东', '济南', '内蒙古', '历下', '北京', '莱芜']);
    expect(['370000', '370100', '370102'].map(regionPrefix)).to.deep.equal(['37', '3701', '370102']);
  });

  it('escapes every interpolated value and keeps only fragments built by the templates', () => {
    expect(esc(`<a href="x">'&\``)).to.equal('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#96;');
    const inner = html`<b>${'<i>'}</b>`;
    expect(html`<p title="${'"x"'}">${inner}${['<', html`<br>`]}${null}${false}${0}</p>`.text).to.equal('<p title="&quot;x&quot;">'
      + '<b>&lt;i&gt;</b>&lt;<br>0</p>');
    const full = page({ title: '<t>', body: new SafeHtml('<p>ok</p>'), site: hub });
    expect(full).to.match(/^<!doctype html><html lang="zh-CN">/);
    expect(full).to.include('<title>&lt;t&gt; - 信用山东</title>').and.include('<p>ok</p>');
    expect(pageFrame(hub)('核验', '<section>x</section>')).to.include('<section>x</section>').and.include('<title>核验 - 信用山东</title>');
  });

  it('renders article markup without letting HTML or script URLs through', () => {
    const out = renderArticleBody('## 标题\n\n第一段 **重点** [政策原文](https://www.gov.cn/a?b=1&c=2)\n第二行<script>alert(1)</script>\n\n- 一\n- 二\n\n1. 甲\n2. 乙\n\n[坏链接](javascript:alert(1)) [也坏](//evil.example/x)').text;
    expect(out).to.include('<h3>标题</h3>').and.include('<strong>重点</strong>').and.include('<a href="https://www.gov.cn/a?b=1&amp;c=2" rel="noopener noreferrer nofollow">政策原文</a>');
    expect(out).to.include('<br>第二行&lt;script&gt;alert(1)&lt;/script&gt;').and.include('<ul><li>一</li><li>二</li></ul>').and.include('<ol><li>甲</li><li>乙</li></ol>');
    expect(out).to.not.match(/href="(javascript|\/\/)/);
    expect(excerpt('## 标题\n\n**重点**内容 [链接](/x)', 6)).to.equal('标题 重点内…');
  });

  it('masks ID numbers and mobile numbers wherever they sit in a text', () => {
    const id = personCode(5);
    const text = scrub(`当事人${id}，电话13912345678，旧证370102850612123，文号济市监罚〔2026〕12号，代码91370102MA0000014R`);
    expect(text).to.not.include(id);
    expect(text).to.include(`${id.slice(0, 6)}********${id.slice(14)}`).and.include('139****5678').and.include('370102******123');
    expect(text).to.include('济市监罚〔2026〕12号').and.include('91370102MA0000014R');
  });

  it('draws bar charts as SVG with presentation attributes only', () => {
    const svg = barChart('按类别', [{ label: '行政处罚', value: 10 }, { label: '<x>', value: 0 }]).text;
    expect(svg).to.match(/^<svg class="chart" viewBox="0 0 360 \d+"/);
    expect(svg).to.include('&lt;x&gt;').and.include('width="184"');
    expect(svg).to.not.include('style=');
    expect(barChart('空', []).text).to.include('暂无数据');
  });

  it('checks ticket forms with the limits the markup declares', () => {
    const ok = readTicketForm('objection', { reason: 'wrong', description: ' 文号与处罚决定书不一致\u0007 ', claimantName: '张三', claimantPhone: '0531-1234567' });
    expect(ok.problems).to.deep.equal([]);
    expect(ok.fields).to.deep.equal({ claimantName: '张三', claimantPhone: '0531-1234567', description: '文号与处罚决定书不一致', reason: 'wrong' });
    const bad = readTicketForm('repair', { evidence: '短', claimantName: 'x'.repeat(51), claimantPhone: 'abc', description: ['a', 'b'] });
    expect(bad.problems.map((p) => p.field)).to.deep.equal(['evidence', 'description', 'claimantName', 'claimantPhone', 'agree']);
    expect(readTicketForm('repair', { evidence: '罚款已缴清，缴款书号0001', claimantName: '张三', claimantPhone: '13912345678', agree: 'yes' }).fields.commitment).to.include('本单位承诺');
  });

  it('exports a CSP without inline scripts or styles, for helmet too', () => {
    expect(PORTAL_CSP).to.include("default-src 'self'").and.include("img-src 'self' data:").and.include("frame-ancestors 'none'");
    expect(PORTAL_CSP).to.not.include('unsafe');
    const csp = portalHelmetOptions.contentSecurityPolicy as { useDefaults: boolean; directives: Record<string, string[]> };
    expect(csp.useDefaults).to.equal(false);
    expect(csp.directives['style-src']).to.deep.equal(["'self'"]);
  });
});
