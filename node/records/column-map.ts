import { checkCode } from '../identity/index.ts';
import { chinaDate } from '../clock.ts';
import { ENVELOPE_PATHS } from './schema-registry.ts';
import type { FieldError, PropertySchema, SchemaRegistry } from './schema-registry.ts';

/**
 * CSV/XLSX import: which column fills which field of the Record JSON. Bureau files carry the national Chinese
 * headers (行政处罚决定书文号), the national field codes (CF_WSH) or our own names (externalId, fineAmount).
 */

export type ColumnTarget =
  | {
      kind: 'envelope';
      path: string;
      values?: Record<string, string>;
      /** Alias priority for the path: among non-empty cells, the lowest rank wins (then the leftmost column). */
      rank: number;
    }
  | {
      kind: 'data';
      field: string;
      /** JSON type of the field, or `date` for `format: date` strings. */
      type: string;
      itemType?: string;
      separator?: string;
      values?: Record<string, string>;
    };

export interface MappedColumn {
  index: number;
  header: string;
  /** The field's Chinese label, for messages. */
  label: string;
  target: ColumnTarget;
}

export interface ColumnMap {
  category: string;
  /** One entry per (column, target); a column may feed two targets (统一社会信用代码 → subject.code and externalId). */
  columns: MappedColumn[];
  /** Headers that match nothing (blank headers are ignored). */
  unknown: string[];
  /** Chinese labels of required fields that no column provides (alternatives joined by 或). */
  missingRequired: string[];
  /** The same, as paths: `externalId`, `data.violationType`. */
  missingPaths: string[];
}

/** An XLSX cell as a reader may hand it over; CSV readers give strings. */
export type Cell = string | number | boolean | Date | null | undefined;

/** Header comparison: no BOM, NFKC (full-width brackets and letters to half-width), no spaces, no * marks, any case. */
export function headerKey(header: string): string {
  return header
    .replace(/^\uFEFF/, '')
    .normalize('NFKC')
    .replace(/\s+/g, '')
    .replace(/\((必填|选填|可选)\)$/, '')
    .replace(/^\*+|\*+$/g, '')
    .toLowerCase();
}

function camel(envelopePath: string): string {
  return envelopePath.replace(/\.([a-z])/g, (_, c: string) => c.toUpperCase());
}

function dataType(prop: PropertySchema): string {
  if (prop.type === 'string' && prop.format === 'date') return 'date';
  return prop.type ?? 'string';
}

interface Candidate { target: ColumnTarget; label: string }

function addKey(index: Map<string, Candidate[]>, key: string | undefined, candidate: Candidate): void {
  if (key === undefined || key === '') return;
  const k = headerKey(key);
  const list = index.get(k) ?? [];
  const same = list.find((c) => sameTarget(c.target, candidate.target));
  if (!same) list.push(candidate);
  else if (same.target.kind === 'envelope' && candidate.target.kind === 'envelope' && candidate.target.rank < same.target.rank) {
    same.target = candidate.target;
  }
  index.set(k, list);
}

function sameTarget(a: ColumnTarget, b: ColumnTarget): boolean {
  if (a.kind === 'envelope' && b.kind === 'envelope') return a.path === b.path;
  if (a.kind === 'data' && b.kind === 'data') return a.field === b.field;
  return false;
}

/** Every name a header may use for each field of the category. */
function headerIndex(registry: SchemaRegistry, category: string): Map<string, Candidate[]> {
  const index = new Map<string, Candidate[]>();
  const meta = registry.meta(category);
  for (const p of ENVELOPE_PATHS) {
    const aliases = meta.envelope[p] ?? [];
    const label = registry.envelopeLabel(p, category);
    const allValues = Object.assign({}, ...aliases.map((a) => a.values ?? {})) as Record<string, string>;
    const withValues = Object.keys(allValues).length > 0 ? { values: allValues } : {};
    aliases.forEach((alias, rank) => {
      const target: ColumnTarget = { kind: 'envelope', path: p, rank, ...(alias.values ? { values: alias.values } : {}) };
      addKey(index, alias.label, { target, label: alias.label });
      addKey(index, alias.fieldCode, { target, label: alias.label });
    });
    // Our own names first (they are unambiguous), the envelope's generic Chinese label last.
    const own: ColumnTarget = { kind: 'envelope', path: p, rank: -1, ...withValues };
    for (const name of new Set([p, camel(p), p.replace('.', '')])) addKey(index, name, { target: own, label });
    addKey(index, registry.envelopeLabel(p), { target: { kind: 'envelope', path: p, rank: 1000, ...withValues }, label });
  }
  for (const [field, prop] of Object.entries(registry.schema(category).properties)) {
    const itemType = prop.items ? dataType(prop.items) : undefined;
    const target: ColumnTarget = {
      kind: 'data',
      field,
      type: dataType(prop),
      ...(itemType !== undefined ? { itemType } : {}),
      ...(prop['x-list-separator'] !== undefined ? { separator: prop['x-list-separator'] } : {}),
      ...(prop['x-values'] !== undefined ? { values: prop['x-values'] } : {}),
    };
    const label = prop['x-label'] ?? field;
    for (const key of [prop['x-label'], prop['x-field-code'], field, `data.${field}`]) addKey(index, key, { target, label });
  }
  return index;
}

/**
 * Maps the header row of a file to the category's fields. sourceUnit is never reported missing (the import may
 * name it for the whole file), nor subject.type (the importer derives it from the code).
 */
export function buildColumnMap(registry: SchemaRegistry, category: string, headers: string[]): ColumnMap {
  const index = headerIndex(registry, category);
  const columns: MappedColumn[] = [];
  const unknown: string[] = [];
  headers.forEach((header, i) => {
    const key = headerKey(header);
    if (key === '') return;
    const found = index.get(key);
    if (!found) {
      unknown.push(header);
      return;
    }
    for (const c of found) columns.push({ index: i, header, label: c.label, target: c.target });
  });

  const missingRequired: string[] = [];
  const missingPaths: string[] = [];
  const meta = registry.meta(category);
  for (const p of registry.requiredEnvelopePaths()) {
    if (p.startsWith('sourceUnit.')) continue;
    if (columns.some((c) => c.target.kind === 'envelope' && c.target.path === p)) continue;
    const aliases = meta.envelope[p];
    missingRequired.push(aliases && aliases.length > 0 ? aliases.map((a) => a.label).join('或') : registry.envelopeLabel(p));
    missingPaths.push(p);
  }
  for (const field of registry.schema(category).required) {
    if (columns.some((c) => c.target.kind === 'data' && c.target.field === field)) continue;
    missingRequired.push(registry.label(category, field));
    missingPaths.push(`data.${field}`);
  }
  return { category, columns, unknown, missingRequired, missingPaths };
}

// ---- cell conversion -------------------------------------------------------------------------------------------

/** A JS Date as the calendar day in China (UTC+8, no DST): right both for XLSX dates (UTC midnight) and local ones. */
function chinaDay(d: Date): string | undefined {
  if (Number.isNaN(d.getTime())) return undefined;
  return chinaDate(d);
}

function ymd(y: number, m: number, d: number): string | undefined {
  if (m < 1 || m > 12 || d < 1) return undefined;
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  if (d > last) return undefined;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** Excel's day serial (1900 system, day 1 = 1900-01-01 with its phantom 1900-02-29). */
function excelSerial(n: number): string | undefined {
  if (!Number.isInteger(n) || n < 10000 || n > 99999) return undefined;
  return new Date(Date.UTC(1899, 11, 30) + n * 86400_000).toISOString().slice(0, 10);
}

/**
 * A date cell as YYYY-MM-DD: 2026/3/2, 2026-03-02, 2026.3.2, 2026年3月2日, 20260302, an Excel day serial, a Date,
 * or an ISO date-time (taken as the day in China). Undefined when it is none of these or not a real day.
 */
export function parseDateCell(value: Cell): string | undefined {
  if (value instanceof Date) return chinaDay(value);
  if (typeof value === 'number') return excelSerial(value);
  if (typeof value !== 'string') return undefined;
  const s = value.normalize('NFKC').trim();
  let m = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$/.exec(s);
  if (m) return ymd(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  if (m) return ymd(Number(m[1]), Number(m[2]), Number(m[3]));
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(s)) return chinaDay(new Date(s));
  m = /^(\d{4})-(\d{2})-(\d{2})T[\d:.]+$/.exec(s);
  if (m) return ymd(Number(m[1]), Number(m[2]), Number(m[3]));
  if (/^\d{5}$/.test(s)) return excelSerial(Number(s));
  return undefined;
}

/** A number cell: full-width digits, thousands separators (1,234.5) and a trailing 万元 are accepted. */
export function parseNumberCell(value: Cell): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  let s = value.normalize('NFKC').replace(/\s+/g, '').replace(/万元$/, '');
  if (s.includes(',')) {
    if (!/^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$/.test(s)) return undefined;
    s = s.replace(/,/g, '');
  }
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(s)) return undefined;
  return Number(s);
}

const TRUE = new Set(['是', 'true', '1', 'y', 'yes', '有']);
const FALSE = new Set(['否', 'false', '0', 'n', 'no', '无']);

export function parseBooleanCell(value: Cell): boolean | undefined {
  if (typeof value === 'boolean') return value;
  const s = String(value ?? '').normalize('NFKC').trim().toLowerCase();
  if (TRUE.has(s)) return true;
  if (FALSE.has(s)) return false;
  return undefined;
}

function cellText(value: Cell): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return chinaDay(value) ?? '';
  return String(value).trim();
}

/** The cell after the target's x-values mapping; '' means absent. */
function mapped(value: Cell, values: Record<string, string> | undefined): Cell {
  if (!values) return typeof value === 'string' ? value.trim() : value;
  const text = cellText(value);
  return Object.hasOwn(values, text) ? values[text] : typeof value === 'string' ? value.trim() : value;
}

function isEmpty(value: Cell): boolean {
  return value === null || value === undefined || (typeof value === 'string' && value.trim() === '');
}

type Converted = { ok: true; value: unknown } | { ok: false; message: string; code: string };

function convert(value: Cell, type: string, label: string): Converted {
  const shown = cellText(value);
  switch (type) {
    case 'date': {
      const d = parseDateCell(value);
      return d !== undefined ? { ok: true, value: d } : { ok: false, message: `${label}格式应为 YYYY-MM-DD（无法识别“${shown}”）`, code: 'FIELD_FORMAT' };
    }
    case 'number': {
      const n = parseNumberCell(value);
      return n !== undefined ? { ok: true, value: n } : { ok: false, message: `${label}必须是数字（收到“${shown}”）`, code: 'FIELD_TYPE' };
    }
    case 'integer': {
      const n = parseNumberCell(typeof value === 'string' ? value.replace(/年度?$/, '') : value);
      return n !== undefined && Number.isInteger(n) ? { ok: true, value: n } : { ok: false, message: `${label}必须是整数（收到“${shown}”）`, code: 'FIELD_TYPE' };
    }
    case 'boolean': {
      const b = parseBooleanCell(value);
      return b !== undefined ? { ok: true, value: b } : { ok: false, message: `${label}应填写“是”或“否”（收到“${shown}”）`, code: 'FIELD_TYPE' };
    }
    default:
      return { ok: true, value: shown };
  }
}

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const [head, ...rest] = dotted.split('.');
  if (head === undefined) return;
  if (rest.length === 0) {
    target[head] = value;
    return;
  }
  const child = (target[head] ??= {}) as Record<string, unknown>;
  setPath(child, rest.join('.'), value);
}

/**
 * One table row as Record JSON. Cells are trimmed and empty ones left out; dates, numbers, booleans and lists are
 * converted and x-values applied; a subject.type no column gives is derived from the subject's code. Conversion
 * problems come back as errors (the field is then left out); schema validation is the caller's next step.
 */
export function rowToRecord(
  map: ColumnMap,
  values: readonly Cell[],
  opts: { category: string; sourceUnit?: { code: string; name: string } },
): { record: Record<string, unknown>; errors: FieldError[] } {
  const record: Record<string, unknown> = { category: opts.category };
  const data: Record<string, unknown> = {};
  const errors: FieldError[] = [];

  const envelope = new Map<string, { rank: number; column: MappedColumn; value: Cell }>();
  const dataSeen = new Set<string>();
  for (const column of map.columns) {
    const raw = values[column.index];
    if (isEmpty(raw)) continue;
    const { target } = column;
    const value = mapped(raw, target.values);
    if (isEmpty(value)) continue;
    if (target.kind === 'envelope') {
      const best = envelope.get(target.path);
      if (!best || target.rank < best.rank) envelope.set(target.path, { rank: target.rank, column, value });
      continue;
    }
    if (dataSeen.has(target.field)) continue;
    dataSeen.add(target.field);
    const path = `data.${target.field}`;
    if (target.type === 'array') {
      const parts = cellText(value).split(new RegExp(target.separator ?? '[;；]', 'u')).map((s) => s.trim()).filter((s) => s !== '');
      const items: unknown[] = [];
      parts.forEach((part, i) => {
        const c = convert(part, target.itemType ?? 'string', `${column.label}（第${i + 1}项）`);
        if (c.ok) items.push(c.value);
        else errors.push({ path: `${path}.${i}`, message: c.message, code: c.code });
      });
      if (items.length > 0) data[target.field] = items;
      continue;
    }
    const c = convert(value, target.type, column.label);
    if (c.ok) data[target.field] = c.value;
    else errors.push({ path, message: c.message, code: c.code });
  }

  for (const p of ENVELOPE_PATHS) {
    const hit = envelope.get(p);
    if (!hit) continue;
    const c = convert(hit.value, p === 'decisionDate' ? 'date' : 'string', hit.column.label);
    if (c.ok) setPath(record, p, c.value);
    else errors.push({ path: p, message: c.message, code: c.code });
  }
  // No type column, or 法人及非法人组织 (enterprise or 机关/事业单位?): the code says which (DOMAIN.md §1).
  const subject = record['subject'] as Record<string, unknown> | undefined;
  if (subject && subject['type'] === undefined && typeof subject['code'] === 'string') {
    const derived = checkCode(subject['code']).subjectType;
    if (derived) subject['type'] = derived;
  }
  if (opts.sourceUnit) {
    const unit = (record['sourceUnit'] ?? {}) as Record<string, unknown>;
    unit['code'] ??= opts.sourceUnit.code;
    unit['name'] ??= opts.sourceUnit.name;
    record['sourceUnit'] = unit;
  }
  record['data'] = data;
  return { record, errors };
}
