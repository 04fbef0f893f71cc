import type { Knex } from 'knex';
import type { Clock } from '../clock.ts';
import type { SchemaRegistry } from '../records/schema-registry.ts';
import { REPORT_SECTIONS } from '../query/subject-report.ts';
import { searchSubjects, type SearchResult } from '../query/search.ts';
import { checkCode, maskResidentId } from '../identity/index.ts';
import { chinaDay, isPubliclyVisible } from '../publicity/visibility.ts';
import { NotFound } from '../errors.ts';
import { countOnConnection, type CountStatistics } from './statistics-counts.ts';
import { publicRepo, type PublicRecordRow, type PublicSubjectRow } from './public-repo.ts';
import { regionName, type SiteInfo } from './site.ts';

/**
 * What the website and the app API show, built from publicly visible rows only (public-repo.ts), each row
 * checked once more against isPubliclyVisible before it becomes a view. Text is scrubbed of anything that reads
 * as a resident ID number or a mobile number (DOMAIN.md §8), whatever field it sits in.
 */

export interface PublicField { name: string; label: string; value: string }

export interface PublicRecord {
  id: string;
  category: string;
  categoryTitle: string;
  externalId: string;
  externalIdLabel: string;
  decisionDate: string;
  severity: string | null;
  severityText: string | null;
  sourceUnit: { code: string; name: string };
  status: string;
  /** 异议处理中: an objection is being handled. */
  disputed: boolean;
  publishUntil: string | null;
  fields: PublicField[];
}

export interface PublicSubject { type: string; typeText: string; code: string; name: string; region: string | null; regionName: string }

export interface PublicSection { key: string; title: string; records: PublicRecord[] }

export interface PublicSubjectPage {
  asOf: string;
  subject: PublicSubject;
  sections: PublicSection[];
  /** The platform's credit evaluation as the public may see it (grade and why), where one runs. */
  evaluation?: PublicEvaluation;
}

export interface PublicEvaluation {
  grade: string;
  gradeText: string;
  score: number;
  modelVersion: string;
  asOf: string;
  factors: Array<{ indicator: string; label: string; value: string | number | null; points: number; note: string }>;
}

export const SEVERITY_TEXT: Readonly<Record<string, string>> = { minor: '轻微', general: '一般', serious: '严重' };
const TYPE_TEXT: Readonly<Record<string, string>> = { legal_person: '法人', non_enterprise: '非法人组织' };

/** Personal identifiers and the subject category carried elsewhere: never shown, even masked. */
const HIDDEN_FIELDS: ReadonlySet<string> = new Set(['legalRepresentativeIdType', 'legalRepresentativeIdNumber', 'idType', 'subjectCategory']);

const ID_LIKE = /(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])/g;
const ID15_LIKE = /(?<![0-9A-Za-z])[1-9]\d{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?![0-9A-Za-z])/g;
const MOBILE_LIKE = /(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)/g;

/** Masks resident ID numbers (18 and 15 digits) and mobile numbers found anywhere in a text. */
export function scrub(text: string): string {
  return text.replace(ID_LIKE, (m) => maskResidentId(m)).replace(ID15_LIKE, (m) => maskResidentId(m)).replace(MOBILE_LIKE, (_m, a: string, _b: string, c: string) => `${a}****${c}`);
}

function formatValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map(formatValue).filter(Boolean).join('；');
  if (typeof v === 'boolean') return v ? '是' : '否';
  if (typeof v === 'object') return '';
  const s = String(v);
  return s === '2099-12-31' ? '长期' : s;
}

const SECTION_OF = new Map(REPORT_SECTIONS.flatMap((s) => s.categories.map((c) => [c, s.key] as const)));

export function sectionOf(category: string): string {
  return SECTION_OF.get(category) ?? 'other';
}

export class PublicData {
  private stats: { day: string; until: number; value: PortalStatistics } | undefined;
  private computing: Promise<PortalStatistics | undefined> | undefined;

  constructor(private readonly deps: { db: Knex; clock: Clock; registry: SchemaRegistry; site: SiteInfo; statisticsCacheSeconds: number; openObjections?: ((ids: string[]) => Promise<Set<string>>) | undefined; countStatistics?: CountStatistics | undefined; evaluationOf?: ((subjectKey: string) => Promise<PublicEvaluation | undefined>) | undefined }) {}

  /** Marks the records under objection (an open objection ticket here, or the record's own status) 异议处理中. */
  private async markDisputed(records: PublicRecord[]): Promise<void> {
    if (!this.deps.openObjections || records.length === 0) return;
    const open = await this.deps.openObjections(records.map((r) => r.id));
    for (const r of records) if (open.has(r.id)) r.disputed = true;
  }

  today(): string {
    return chinaDay(this.deps.clock());
  }

  categoryTitle(category: string): string {
    return this.deps.registry.has(category) ? this.deps.registry.meta(category).title : category;
  }

  /** A stored row as the public sees it; throws if the row is not publicly visible today (a bug upstream). */
  recordView(row: PublicRecordRow, today: string): PublicRecord {
    if (!isPubliclyVisible(row, today) || row.subject_type === 'natural_person') throw new Error(`record ${row.id} is not public`);
    const body = JSON.parse(row.body) as { data?: Record<string, unknown>; sourceUnit?: { code?: string; name?: string } };
    const data = body.data ?? {};
    const reg = this.deps.registry;
    const known = reg.has(row.category);
    const order = known ? Object.keys(reg.schema(row.category).properties) : Object.keys(data);
    const fields: PublicField[] = [];
    for (const name of order) {
      if (HIDDEN_FIELDS.has(name) || !(name in data)) continue;
      const value = scrub(formatValue(data[name]));
      if (value) fields.push({ name, label: known ? reg.label(row.category, name) : name, value });
    }
    return {
      id: row.id,
      category: row.category,
      categoryTitle: this.categoryTitle(row.category),
      externalId: scrub(row.external_id),
      externalIdLabel: known ? reg.envelopeLabel('externalId', row.category) : '文号',
      decisionDate: row.decision_date,
      severity: row.severity,
      severityText: row.severity ? SEVERITY_TEXT[row.severity] ?? row.severity : null,
      sourceUnit: { code: row.source_unit_code, name: row.source_unit_name },
      status: row.status,
      disputed: row.status === 'disputed',
      publishUntil: row.publish_until,
      fields,
    };
  }

  subjectView(s: PublicSubjectRow): PublicSubject {
    return { type: s.type, typeText: TYPE_TEXT[s.type] ?? '', code: s.key, name: scrub(s.name), region: s.region, regionName: regionName(s.region) };
  }

  /**
   * An organisation's public page by USCC, in the sections of a credit report. Anything else (a resident ID
   * number, an unknown code) is NOT_FOUND without echoing what was asked.
   */
  async subjectPage(rawCode: string): Promise<PublicSubjectPage> {
    const check = checkCode(String(rawCode ?? '').slice(0, 40));
    if (!check.valid || check.kind !== 'uscc') throw new NotFound('未找到该主体，请核对统一社会信用代码');
    const s = await publicRepo.subjectByCode(this.deps.db, check.code);
    if (!s) throw new NotFound(`未找到统一社会信用代码为 ${check.code} 的主体`);
    const today = this.today();
    const rows = await publicRepo.recordsOf(this.deps.db, s.id, today);
    const sections: PublicSection[] = REPORT_SECTIONS.map((x) => ({ key: x.key, title: x.title, records: [] }));
    const byKey = new Map(sections.map((x) => [x.key, x]));
    for (const r of rows) byKey.get(sectionOf(r.category))?.records.push(this.recordView(r, today));
    await this.markDisputed(sections.flatMap((x) => x.records));
    const evaluation = await this.deps.evaluationOf?.(s.key);
    return { asOf: today, subject: this.subjectView(s), sections, ...(evaluation ? { evaluation } : {}) };
  }

  /** One public record with its subject (for the objection and repair forms); NOT_FOUND otherwise. */
  async record(id: string): Promise<{ record: PublicRecord; subject: PublicSubject }> {
    const today = this.today();
    const row = /^[0-9A-Za-z-]{1,40}$/.test(id) ? await publicRepo.recordById(this.deps.db, id, today) : undefined;
    const subject = row ? await publicRepo.subjectById(this.deps.db, row.subject_id) : undefined;
    if (!row || !subject) throw new NotFound('未找到该条公示信息（可能已不在公示期内）');
    const record = this.recordView(row, today);
    await this.markDisputed([record]);
    return { record, subject: this.subjectView(subject) };
  }

  /** An organisation by USCC, whether or not anything about it is public (the complaint form). */
  async subjectByCode(code: string): Promise<PublicSubject | undefined> {
    const s = await publicRepo.subjectByCode(this.deps.db, code);
    return s ? this.subjectView(s) : undefined;
  }

  /**
   * Organisations by name fragment or code; a city site searches its own region unless asked for the whole
   * province. The counts are of public records only.
   */
  async search(q: unknown, page: number | undefined, wholeProvince: boolean): Promise<PublicSearch> {
    const prefix = wholeProvince ? undefined : this.deps.site.defaultRegionPrefix;
    const result = await searchSubjects(this.deps.db, q, {
      includeNaturalPersons: false,
      ...(prefix ? { regionPrefixes: [prefix] } : {}),
      ...(page === undefined ? {} : { page }),
    });
    const today = this.today();
    const organisations = result.items.filter((i) => i.type !== 'natural_person');
    const ids = await publicRepo.subjectIdsByCodes(this.deps.db, organisations.map((i) => i.code));
    const counts = await publicRepo.publicCounts(this.deps.db, [...ids.values()], today);
    return {
      query: scrub(result.query),
      match: result.match,
      page: result.page,
      limit: result.limit,
      total: result.total,
      totalCapped: result.totalCapped,
      regionPrefix: prefix ?? null,
      items: organisations.map((i) => ({
        type: i.type, code: i.code, name: scrub(i.name), region: i.region, regionName: regionName(i.region),
        publicRecords: counts.get(ids.get(i.code) ?? -1) ?? 0,
      })),
    };
  }

  /**
   * Records by category and by city (a city site: by county of its own region). Counted at most every
   * `statisticsCacheSeconds` in the background (off the node's thread on SQLite): a request gets the last counts
   * at once, even while new ones are made; only before the first counts exist does it wait a moment, then answer
   * `pending` (the page says the statistics are being prepared).
   */
  async statistics(): Promise<PortalStatistics> {
    const day = this.today();
    const now = this.deps.clock().getTime();
    if (this.stats && this.stats.day === day && this.stats.until > now) return this.stats.value;
    const job = this.refreshStatistics(day);
    if (this.stats) return this.stats.value;
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), FIRST_STATISTICS_WAIT_MS); });
    const first = await Promise.race([job, waited]);
    clearTimeout(timer);
    return first ?? { asOf: day, regionPrefix: this.deps.site.defaultRegionPrefix ?? null, total: 0, byCategory: [], byRegion: [], pending: true };
  }

  private refreshStatistics(day: string): Promise<PortalStatistics | undefined> {
    this.computing ??= this.computeStatistics(day)
      .then((value) => {
        this.stats = { day, until: this.deps.clock().getTime() + this.deps.statisticsCacheSeconds * 1000, value };
        return value;
      })
      // The last counts stay shown; the next request tries again.
      .catch(() => undefined)
      .finally(() => { this.computing = undefined; });
    return this.computing;
  }

  private async computeStatistics(day: string): Promise<PortalStatistics> {
    const prefix = this.deps.site.defaultRegionPrefix;
    const digits = prefix && prefix.length >= 4 ? 6 : 4;
    const { byCategory: cats, byRegion: regions } = await (this.deps.countStatistics ?? countOnConnection(this.deps.db))(day, prefix, digits);
    const byCategory = cats.map((c) => ({ category: c.key ?? '', title: this.categoryTitle(c.key ?? ''), count: Number(c.n) }))
      .sort((a, b) => b.count - a.count || a.category.localeCompare(b.category));
    const byRegion = regions.map((r) => {
      const code = r.key && r.key.length >= 4 ? (digits === 4 ? `${r.key.slice(0, 4)}00` : r.key) : null;
      return { region: code, name: code ? regionName(code) : '地区未登记', count: Number(r.n) };
    }).sort((a, b) => b.count - a.count || String(a.region).localeCompare(String(b.region)));
    return { asOf: day, regionPrefix: prefix ?? null, total: byCategory.reduce((n, c) => n + c.count, 0), byCategory, byRegion };
  }
}

/** How long a request waits for the very first statistics before the page says they are being prepared. */
const FIRST_STATISTICS_WAIT_MS = 1500;

export interface PublicSearch extends Pick<SearchResult, 'query' | 'match' | 'page' | 'limit' | 'total' | 'totalCapped'> {
  /** The region searched (a city site's own by default); null: everywhere. */
  regionPrefix: string | null;
  items: Array<{ type: string; code: string; name: string; region: string | null; regionName: string; publicRecords: number }>;
}

export interface PortalStatistics {
  asOf: string;
  regionPrefix: string | null;
  total: number;
  byCategory: Array<{ category: string; title: string; count: number }>;
  byRegion: Array<{ region: string | null; name: string; count: number }>;
  /** No counts yet: they are being made. */
  pending?: boolean;
}
