import { readFileSync } from 'node:fs';
import PDFDocument from 'pdfkit';
import * as fontkit from 'fontkit';
import { ConfigInvalid } from '../../errors.ts';
import { chinaWallTime } from '../../clock.ts';
import type { ReportModel } from './report-model.ts';
import { DEFAULT_REPORT_FONT } from './default-font.ts';

export { DEFAULT_REPORT_FONT };

/** The parsed font a report embeds (as a subset of the glyphs it uses). */
export interface ReportFont {
  readonly path: string;
  readonly postscriptName: string;
  /** fontkit's font, handed to pdfkit as the font source. */
  readonly font: fontkit.Font;
}

const loaded = new Map<string, ReportFont>();

/**
 * Opens the report's font once per path (a CJK font is megabytes; parsing it for every report would cost more
 * than the report). A TrueType collection (.ttc) gives the font named by `family` (its PostScript name), or its
 * first font. Throws CONFIG_INVALID naming the config key when the file is missing or not a font.
 */
export function loadReportFont(file: string = DEFAULT_REPORT_FONT, family?: string): ReportFont {
  const key = `${file}\u0000${family ?? ''}`;
  const cached = loaded.get(key);
  if (cached) return cached;
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ConfigInvalid(`${missing ? '找不到' : '无法读取'}公共信用报告的中文字体文件：${file}（配置项 report.font；默认字体由 Debian 软件包 fonts-wqy-zenhei 提供）`);
  }
  let opened: fontkit.Font | fontkit.FontCollection | null;
  try {
    opened = fontkit.create(bytes);
  } catch {
    opened = null;
  }
  if (!opened) throw new ConfigInvalid(`公共信用报告的字体文件不是可用的 TrueType/OpenType 字体：${file}（配置项 report.font）`);
  let font: fontkit.Font | undefined;
  if ('fonts' in opened) {
    font = family ? opened.fonts.find((f) => f.postscriptName === family) : opened.fonts[0];
    if (!font) throw new ConfigInvalid(`字体集合 ${file} 中没有名为 ${family ?? ''} 的字体（配置项 report.fontFamily；可选：${opened.fonts.map((f) => f.postscriptName).join('、')}）`);
  } else {
    if (family && opened.postscriptName !== family) throw new ConfigInvalid(`字体文件 ${file} 的字体名称是 ${opened.postscriptName}，不是 ${family}（配置项 report.fontFamily）`);
    font = opened;
  }
  const out: ReportFont = { path: file, postscriptName: font.postscriptName, font };
  loaded.set(key, out);
  return out;
}

/** What makes one issued report unique: printed on every page and kept in the PDF's metadata. */
export interface ReportStamp {
  number: string;
  verificationCode: string;
  issuedAt: Date;
  /** The issuing platform (信用山东, 信用济南 ...). */
  issuer: string;
  /** Where the report can be verified (the issuing site's /verify). */
  verifyUrl: string;
}

const CHINESE_NUMERALS = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十', '十一', '十二'];

/** 2026年11月26日 10:30 in China Standard Time. */
export function chinaTime(at: Date): string {
  const t = chinaWallTime(at);
  return `${t.slice(0, 4)}年${t.slice(5, 7)}月${t.slice(8, 10)}日 ${t.slice(11, 16)}`;
}

/** The metadata keywords the verification page reads back from an uploaded report (ASCII, kept as plain text). */
export function reportKeywords(stamp: Pick<ReportStamp, 'number' | 'verificationCode'>): string {
  return `report-number:${stamp.number} verification-code:${stamp.verificationCode}`;
}

/** The number and code of a report read back from its metadata (reportKeywords), if it carries them. */
export function readReportKeywords(pdf: Buffer): { number: string; verificationCode: string } | undefined {
  const m = /report-number:([0-9A-Za-z-]{1,40}) verification-code:([0-9A-Za-z]{1,40})/.exec(pdf.toString('latin1'));
  return m ? { number: m[1] as string, verificationCode: m[2] as string } : undefined;
}

const PAGE = { size: 'A4' as const, margin: 56, footer: 44 };
const COLOR = { text: '#1a1a1a', muted: '#555555', rule: '#999999', accent: '#9b1c1c' };

/**
 * The report as a PDF (A4) with the font embedded as a subset: title, issuer, subject, report number,
 * verification code and issue time, the sections with their records (or 无相关记录), and on every page a
 * footer with the number, the code, the page and the verification address. The same model and stamp give the
 * same bytes (the document's dates and id come from the stamp).
 */
export async function renderReportPdf(model: ReportModel, stamp: ReportStamp, font: ReportFont): Promise<Buffer> {
  const doc = new PDFDocument({
    size: PAGE.size,
    margins: { top: PAGE.margin, left: PAGE.margin, right: PAGE.margin, bottom: PAGE.margin + PAGE.footer },
    bufferPages: true,
    info: {
      Title: '公共信用信息报告',
      Author: stamp.issuer,
      Subject: `${model.subject.name}（${model.subject.code}）公共信用信息报告 ${stamp.number}`,
      Keywords: reportKeywords(stamp),
      Creator: stamp.issuer,
      Producer: 'credit-node',
      CreationDate: stamp.issuedAt,
    },
    lang: 'zh-CN',
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  // pdfkit takes an opened fontkit font as a source as well as a file (it only needs its layout engine).
  doc.font(font.font as unknown as PDFKit.Mixins.PDFFontSource);
  const width = doc.page.width - PAGE.margin * 2;
  const left = PAGE.margin;

  doc.fillColor(COLOR.text).fontSize(22).text('公共信用信息报告', { align: 'center', characterSpacing: 2 });
  doc.moveDown(0.3);
  doc.fontSize(10).fillColor(COLOR.muted).text(`报告编号：${stamp.number}　　验证码：${stamp.verificationCode}`, { align: 'center' });
  doc.moveDown(0.8);
  rule(doc, left, width);

  const facts: Array<[string, string]> = [
    ['主体名称', model.subject.name],
    ['统一社会信用代码', model.subject.code],
    ['主体类型', model.subject.typeLabel],
    ['出具机构', stamp.issuer],
    ['出具时间', chinaTime(stamp.issuedAt)],
    ['信息截止日期', model.asOf],
  ];
  doc.fontSize(11).fillColor(COLOR.text);
  for (const [label, value] of facts) labelled(doc, label, value, left, width, 110);
  doc.moveDown(0.5);
  doc.fontSize(9).fillColor(COLOR.muted).text(
    `说明：本报告载有出具时依法向社会公开（社会公开类）的公共信用信息，共 ${model.recordCount} 条，不含政务共享和授权查询类信息。`
    + `报告真伪可凭报告编号和验证码在 ${stamp.verifyUrl} 查验，并可上传本报告文件核对其数字摘要（SHA-256）；报告内容经任何改动后将无法通过核对。`,
    left, doc.y, { width, lineGap: 2 },
  );
  doc.moveDown(0.8);

  model.sections.forEach((section, i) => {
    ensureRoom(doc, 60);
    doc.fontSize(14).fillColor(COLOR.accent).text(`${CHINESE_NUMERALS[i] ?? String(i + 1)}、${section.title}`, left, doc.y, { width });
    doc.moveDown(0.3);
    const evaluation = section.key === 'evaluation' ? model.evaluation : undefined;
    if (evaluation) {
      doc.fontSize(11.5).fillColor(COLOR.text).text(`公共信用综合评价：${evaluation.grade}（${evaluation.gradeText}），得分 ${evaluation.score}`, left + 14, doc.y, { width: width - 14 });
      doc.moveDown(0.15);
      doc.fontSize(10);
      labelled(doc, '评价模型', `${evaluation.modelVersion}，评价日期 ${evaluation.asOf}`, left + 28, width - 28, 130);
      for (const f of evaluation.factors) labelled(doc, f.label, `${f.points > 0 ? '+' : ''}${f.points} 分`, left + 28, width - 28, 130);
      doc.moveDown(0.5);
      if (section.entries.length === 0) {
        doc.moveDown(0.4);
        return;
      }
    }
    if (section.entries.length === 0) {
      doc.fontSize(10.5).fillColor(COLOR.muted).text('无相关记录', left + 14, doc.y, { width: width - 14 });
      doc.moveDown(0.8);
      return;
    }
    section.entries.forEach((e, j) => {
      ensureRoom(doc, 70);
      doc.fontSize(11.5).fillColor(COLOR.text).text(`${j + 1}. ${e.categoryLabel}${e.disputed ? '（异议处理中）' : ''}`, left + 14, doc.y, { width: width - 14 });
      doc.moveDown(0.15);
      doc.fontSize(10);
      const lines: Array<[string, string]> = [[e.decisionDateLabel, e.decisionDate], ['数据来源单位', e.sourceUnit]];
      if (e.document) lines.push([e.document.label, e.document.value]);
      for (const f of e.fields) lines.push([f.label, f.value]);
      if (e.publishUntil) lines.push(['公示截止日期', e.publishUntil]);
      for (const [label, value] of lines) labelled(doc, label, value, left + 28, width - 28, 130);
      doc.moveDown(0.5);
    });
    doc.moveDown(0.4);
  });
  ensureRoom(doc, 40);
  rule(doc, left, width);
  doc.fontSize(9).fillColor(COLOR.muted).text('（报告正文结束）', left, doc.y, { width, align: 'center' });

  const pages = doc.bufferedPageRange();
  for (let p = pages.start; p < pages.start + pages.count; p += 1) {
    doc.switchToPage(p);
    // Written inside the bottom margin: without lifting it pdfkit would start a new page for the footer.
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    const y = doc.page.height - PAGE.margin - PAGE.footer + 16;
    doc.moveTo(left, y - 6).lineTo(left + width, y - 6).lineWidth(0.5).strokeColor(COLOR.rule).stroke();
    doc.fontSize(8).fillColor(COLOR.muted);
    doc.text(`报告编号：${stamp.number}　验证码：${stamp.verificationCode}　第 ${p - pages.start + 1} 页／共 ${pages.count} 页`, left, y, { width, align: 'center', lineBreak: false });
    doc.text(`查验地址：${stamp.verifyUrl}`, left, y + 12, { width, align: 'center', lineBreak: false });
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  return ended;
}

function rule(doc: PDFKit.PDFDocument, left: number, width: number): void {
  doc.moveTo(left, doc.y).lineTo(left + width, doc.y).lineWidth(0.8).strokeColor(COLOR.rule).stroke();
  doc.moveDown(0.6);
}

/** `label：value` with the value wrapping in its own column. */
function labelled(doc: PDFKit.PDFDocument, label: string, value: string, x: number, width: number, labelWidth: number): void {
  ensureRoom(doc, doc.currentLineHeight(true) * 1.5);
  const y = doc.y;
  const color = doc.fillColor.bind(doc);
  // A gap between the columns, or a label that fills its column runs into the value.
  color(COLOR.muted).text(`${label}：`, x, y, { width: labelWidth - 8 });
  const afterLabel = doc.y;
  const page = doc.page;
  color(COLOR.text).text(value, x + labelWidth, y, { width: width - labelWidth, lineGap: 1 });
  // A long value may go on to the next page; on the same page the longer of the two columns sets the next line.
  if (doc.page === page) doc.y = Math.max(doc.y, afterLabel);
  doc.x = x;
}

/** Starts a new page when fewer than `height` points are left above the bottom margin. */
function ensureRoom(doc: PDFKit.PDFDocument, height: number): void {
  if (doc.y + height > doc.page.height - doc.page.margins.bottom) doc.addPage();
}
