import { headerKey } from '../../node/records/column-map.ts';
import { ENVELOPE_PATHS, type EnvelopeColumn, type PropertySchema, type SchemaRegistry } from '../../node/records/schema-registry.ts';
import type { DataValue, RecordJson, Severity } from './types.ts';

/** How one row is written: bureau files mix 2026/03/02 and 2026-03-02, and national codes (1 for 有效, A级). */
export interface RowStyle {
  slashDates: boolean;
  /** Write a field's national form where the schema maps one (x-values): 长期 for 2099-12-31, 终本, 绿牌 … */
  nationalValues: boolean;
}

export interface CsvColumn {
  header: string;
  cell(r: RecordJson, style: RowStyle): string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const dateCell = (iso: string, style: RowStyle) => (style.slashDates && DATE.test(iso) ? iso.replace(/-/g, '/') : iso);

/** Unified-code positions 1-2 → the national subject class a bureau writes (主体类别). */
function formLabel(code: string): string {
  const head = code.slice(0, 2);
  if (head === '91') return '企业';
  if (head === '92') return '个体工商户';
  if (head === '93') return '农民专业合作社';
  if (head === '11') return '机关';
  if (head === '12') return '事业单位';
  return head.startsWith('5') ? '社会组织' : '非企业法人';
}

/**
 * The subject-class cell: the most specific label whose mapping gives the subject's type, or one mapped to ''
 * (法人及非法人组织: the importer then reads the type off the code). Empty when the column has no such label.
 */
function subjectTypeCell(values: Record<string, string> | undefined, r: RecordJson): string {
  if (!values) return '';
  const type = r.subject.type;
  const candidates = type === 'natural_person' ? ['自然人'] : [formLabel(r.subject.code), type === 'legal_person' ? '企业' : '非企业法人', '法人及非法人组织'];
  for (const c of candidates) {
    if (!Object.hasOwn(values, c)) continue;
    const v = values[c];
    if (v === type || (v === '' && type !== 'natural_person')) return c;
  }
  return '';
}

function severityCell(values: Record<string, string> | undefined, severity: Severity | undefined): string {
  if (severity === undefined) return '';
  const hit = Object.entries(values ?? {}).find(([, v]) => v === severity);
  return hit ? hit[0] : severity;
}

/** value → the first national form the schema maps to it. */
function reverse(values: Record<string, string> | undefined): ReadonlyMap<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(values ?? {})) if (!out.has(v)) out.set(v, k);
  return out;
}

function scalarCell(value: DataValue, prop: PropertySchema | undefined, national: ReadonlyMap<string, string>, style: RowStyle): string {
  if (typeof value === 'boolean') return value ? '是' : '否';
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return value.join('；');
  if (style.nationalValues) {
    const alias = national.get(value);
    if (alias !== undefined) return alias;
  }
  return prop?.format === 'date' ? dateCell(value, style) : value;
}

/**
 * The CSV columns of a category as a bureau would export them: the national Chinese header of each envelope
 * field (the first alias of x-envelope), then each data field's x-label. A header the envelope already used
 * (证书编号, 核准日期, 行政相对人类别) is written once: the importer fills both from it, and the generator keeps
 * the two values equal.
 */
export function csvColumns(registry: SchemaRegistry, category: string): CsvColumn[] {
  const meta = registry.meta(category);
  const schema = registry.schema(category);
  const columns: CsvColumn[] = [];
  const seen = new Set<string>();
  const add = (header: string, cell: CsvColumn['cell']) => {
    const key = headerKey(header);
    if (seen.has(key)) return;
    seen.add(key);
    columns.push({ header, cell });
  };
  for (const p of ENVELOPE_PATHS) {
    const aliases: EnvelopeColumn[] = meta.envelope[p] ?? [];
    const first = aliases[0];
    if (!first) continue;
    if (p === 'externalId') add(first.label, (r) => r.externalId);
    else if (p === 'decisionDate') add(first.label, (r, st) => dateCell(r.decisionDate, st));
    else if (p === 'subject.name') add(first.label, (r) => r.subject.name);
    else if (p === 'subject.code') {
      // Persons go in the ID-number column (证件号码), organisations in 统一社会信用代码, as the national files do.
      const personal = aliases.find((a) => /身份证|证件号码/.test(a.label));
      if (!personal || personal === first) add(first.label, (r) => r.subject.code);
      else {
        add(first.label, (r) => (r.subject.type === 'natural_person' ? '' : r.subject.code));
        add(personal.label, (r) => (r.subject.type === 'natural_person' ? r.subject.code : ''));
      }
    } else if (p === 'subject.type') add(first.label, (r) => subjectTypeCell(first.values, r));
    else if (p === 'sourceUnit.name') add(first.label, (r) => r.sourceUnit.name);
    else if (p === 'sourceUnit.code') add(first.label, (r) => r.sourceUnit.code);
    else if (p === 'severity' && meta.severities.length > 0) add(first.label, (r) => severityCell(first.values, r.severity));
  }
  for (const [field, prop] of Object.entries(schema.properties)) {
    const national = reverse(prop['x-values']);
    add(prop['x-label'] ?? field, (r, st) => {
      const v = r.data[field];
      return v === undefined ? '' : scalarCell(v, prop, national, st);
    });
  }
  return columns;
}

/** RFC 4180 quoting: only where needed, doubling quotes. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(cells: readonly string[]): string {
  return cells.map(csvField).join(',');
}
