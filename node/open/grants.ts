import type { SchemaRegistry } from '../records/schema-registry.ts';
import { maskResidentId } from '../identity/index.ts';
import { BadRequest, OutOfScope, type ErrorDetail } from '../errors.ts';

/**
 * What a client may read (pure): the datasets (record categories) granted to it, each with all its fields or a
 * chosen few. Personal identifiers inside record data (法定代表人证件号码 and its type, national codes *_ZJHM and
 * *_ZJLX) are never given out, whatever the grant says.
 */

/** One granted dataset; no `fields`: every field but the personal identifiers. */
export interface DatasetGrant { dataset: string; fields?: string[] }

/** dataset → the fields it may read (null: all but the personal identifiers). */
export type Scope = Map<string, ReadonlySet<string> | null>;

const hiddenCache = new WeakMap<SchemaRegistry, Map<string, ReadonlySet<string>>>();

/** The data fields of a category that never leave through the open API. */
export function hiddenFields(registry: SchemaRegistry, category: string): ReadonlySet<string> {
  let byCategory = hiddenCache.get(registry);
  if (!byCategory) hiddenCache.set(registry, (byCategory = new Map()));
  let hidden = byCategory.get(category);
  if (!hidden) {
    const props = registry.schema(category).properties;
    hidden = new Set(Object.entries(props).filter(([, p]) => /_(ZJHM|ZJLX)$/.test(p['x-field-code'] ?? '')).map(([k]) => k));
    byCategory.set(category, hidden);
  }
  return hidden;
}

const splitList = (v: unknown): string[] => {
  if (Array.isArray(v)) return v.map((x) => String(x).trim()).filter(Boolean);
  return typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : [];
};

/**
 * The grants of a new client from `datasets` (names, or { dataset, fields }) and `fields` (`category.field`
 * strings, as the command line writes them). Every unknown category or field, and every personal identifier
 * field, is named in one BadRequest.
 */
export function parseGrants(registry: SchemaRegistry, datasets: unknown, fields?: unknown): DatasetGrant[] {
  const problems: ErrorDetail[] = [];
  const grants = new Map<string, Set<string> | null>();
  const entries = typeof datasets === 'string' ? splitList(datasets) : Array.isArray(datasets) ? datasets : [];
  if (entries.length === 0) problems.push({ path: 'datasets', message: '须至少指定一个可使用的数据集（信用信息类别）' });
  const addField = (path: string, dataset: string, field: string) => {
    const props = registry.schema(dataset).properties;
    if (!(field in props)) problems.push({ path, message: `${registry.meta(dataset).title}（${dataset}）没有字段 ${field}` });
    else if (hiddenFields(registry, dataset).has(field)) problems.push({ path, message: `${registry.label(dataset, field)}（${field}）是个人身份标识，不对外提供` });
    else {
      let set = grants.get(dataset);
      if (!set) grants.set(dataset, (set = new Set()));
      set.add(field);
    }
  };
  entries.forEach((entry, i) => {
    const path = `datasets[${i}]`;
    const e = typeof entry === 'string' ? { dataset: entry } : (entry ?? {}) as { dataset?: unknown; fields?: unknown };
    const name = typeof e.dataset === 'string' ? e.dataset.trim() : '';
    if (!registry.has(name)) {
      problems.push({ path, message: `未知的数据集（信用信息类别）：${name || '（空）'}` });
      return;
    }
    if (!grants.has(name)) grants.set(name, null);
    if (e.fields !== undefined) {
      const list = splitList(e.fields);
      if (list.length === 0) problems.push({ path: `${path}.fields`, message: '字段列表不能为空（省略则可使用全部字段）' });
      for (const f of list) addField(`${path}.fields`, name, f);
    }
  });
  for (const item of splitList(fields)) {
    const dot = item.indexOf('.');
    const dataset = dot > 0 ? item.slice(0, dot) : '';
    const field = item.slice(dot + 1);
    if (!grants.has(dataset)) problems.push({ path: 'fields', message: `字段 ${item} 须写作“数据集.字段”，且数据集须在 datasets 中` });
    else if (field) addField('fields', dataset, field);
  }
  if (problems.length) throw new BadRequest(problems.map((p) => p.message).join('；'), problems);
  return [...grants].map(([dataset, set]) => (set ? { dataset, fields: [...set] } : { dataset }));
}

export function scopeOf(grants: readonly DatasetGrant[]): Scope {
  return new Map(grants.map((g) => [g.dataset, g.fields ? new Set(g.fields) : null]));
}

/**
 * The scope of one call: the client's grants, narrowed by what the request asks for (`datasets=a,b`,
 * `fields=a.x,b.y`). Asking for a dataset or a field outside the grant is OUT_OF_SCOPE, naming each one.
 */
export function narrowScope(registry: SchemaRegistry, granted: Scope, datasets: unknown, fields: unknown): Scope {
  const problems: ErrorDetail[] = [];
  const outside: ErrorDetail[] = [];
  let scope: Scope = granted;
  const asked = splitList(datasets);
  if (asked.length > 0) {
    scope = new Map();
    for (const d of asked) {
      if (!registry.has(d)) problems.push({ path: 'datasets', message: `未知的数据集（信用信息类别）：${d}` });
      else if (!granted.has(d)) outside.push({ path: 'datasets', message: `未获准使用数据集 ${d}（${registry.meta(d).title}）` });
      else scope.set(d, granted.get(d) ?? null);
    }
  }
  const askedFields = splitList(fields);
  if (askedFields.length > 0) {
    const byDataset = new Map<string, Set<string>>();
    for (const item of askedFields) {
      const dot = item.indexOf('.');
      const d = dot > 0 ? item.slice(0, dot) : '';
      const f = item.slice(dot + 1);
      if (!registry.has(d) || !f || !(f in registry.schema(d).properties)) {
        problems.push({ path: 'fields', message: `字段 ${item} 不存在（须写作“数据集.字段”）` });
        continue;
      }
      const allowed = scope.has(d) ? scope.get(d) : undefined;
      if (allowed === undefined || hiddenFields(registry, d).has(f) || (allowed !== null && !allowed.has(f))) {
        outside.push({ path: 'fields', message: `未获准使用字段 ${item}（${registry.label(d, f)}）` });
        continue;
      }
      let set = byDataset.get(d);
      if (!set) byDataset.set(d, (set = new Set()));
      set.add(f);
    }
    if (problems.length === 0 && outside.length === 0) scope = new Map([...byDataset].map(([d, set]) => [d, set]));
  }
  if (problems.length) throw new BadRequest(problems.map((p) => p.message).join('；'), problems);
  if (outside.length) throw new OutOfScope(outside.map((p) => p.message).join('；'), outside);
  return scope;
}

const ID18_LIKE = /(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])/g;
const ID15_LIKE = /(?<![0-9A-Za-z])[1-9]\d{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?![0-9A-Za-z])/g;
const MOBILE_LIKE = /(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)/g;

/** Masks whatever reads as a resident ID number or a mobile number inside free text (DOMAIN.md §8). */
export function maskText(text: string): string {
  return text.replace(ID18_LIKE, (m) => maskResidentId(m)).replace(ID15_LIKE, (m) => maskResidentId(m))
    .replace(MOBILE_LIKE, (_m, a: string, _b: string, c: string) => `${a}****${c}`);
}

function maskValue(v: unknown): unknown {
  if (typeof v === 'string') return maskText(v);
  if (Array.isArray(v)) return v.map(maskValue);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, maskValue(x)]));
  return v;
}

/** A record's data as a client may read it: granted fields only, never personal identifiers, text masked. */
export function allowedData(registry: SchemaRegistry, category: string, fields: ReadonlySet<string> | null, data: Record<string, unknown>): Record<string, unknown> {
  const hidden = registry.has(category) ? hiddenFields(registry, category) : new Set<string>();
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) {
    if (hidden.has(k) || (fields !== null && !fields.has(k))) continue;
    out[k] = maskValue(v);
  }
  return out;
}
