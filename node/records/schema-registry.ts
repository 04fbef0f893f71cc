import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { ErrorObject, KeywordDefinition, SchemaObject, ValidateFunction } from 'ajv';
import { NotFound } from '../errors.ts';

export type SubjectType = 'legal_person' | 'non_enterprise' | 'natural_person';
export type Severity = 'minor' | 'general' | 'serious';
export type PublicityLevel = 'public' | 'shared' | 'restricted';
/** What ends a public record's window: its severity's period, its own validity, its list period, or nothing. */
export type PublicityWindow = 'severity' | 'validity' | 'listPeriod' | 'none';

/** The envelope fields a CSV/XLSX column can fill (the keys of a category's `x-envelope`). */
export const ENVELOPE_PATHS = [
  'externalId', 'decisionDate', 'subject.name', 'subject.code', 'subject.type', 'sourceUnit.name', 'sourceUnit.code', 'severity',
] as const;
export type EnvelopePath = (typeof ENVELOPE_PATHS)[number];

export interface PublicityRule {
  level: PublicityLevel;
  /** Short Chinese legal basis. */
  basis: string;
  window: PublicityWindow;
  /** The record is public (instead of `level`) when this data field holds one of these values. */
  publicWhen?: { field: string; in: Array<string | number | boolean> };
  /** Data fields that end the window, first present wins (for `validity` and `listPeriod`). */
  windowEnd?: string[];
}

/** One national column that may fill an envelope field. */
export interface EnvelopeColumn {
  label: string;
  fieldCode?: string;
  /** Cell value → envelope value; an empty string means "leave absent" (the importer derives it). */
  values?: Record<string, string>;
}

export interface CategoryMeta {
  category: string;
  title: string;
  severities: Severity[];
  subjectTypes: SubjectType[];
  publicity: PublicityRule;
  /** Aliases per envelope path, in priority order. */
  envelope: Partial<Record<EnvelopePath, EnvelopeColumn[]>>;
  /** [start, end] data field pairs: end must not be before start. */
  dateOrder: Array<[string, string]>;
}

export interface FieldError {
  path: string;
  message: string;
  code?: string;
}

/** A (sub)schema as the files under `schemas/` write it. */
export interface PropertySchema {
  type?: string;
  format?: string;
  enum?: unknown[];
  items?: PropertySchema;
  properties?: Record<string, PropertySchema>;
  required?: string[];
  description?: string;
  'x-label'?: string;
  'x-field-code'?: string;
  'x-values'?: Record<string, string>;
  'x-list-separator'?: string;
  [keyword: string]: unknown;
}

interface RawEnvelopeColumn { 'x-label': string; 'x-field-code'?: string; 'x-values'?: Record<string, string> }

/** A category schema file; its custom keywords were checked against CATEGORY_SCHEMA_SHAPE at load. */
export interface CategorySchema extends PropertySchema {
  $id: string;
  title: string;
  description: string;
  'x-category': string;
  'x-severities': Severity[];
  'x-subject-types': SubjectType[];
  'x-publicity': PublicityRule;
  'x-envelope': Partial<Record<EnvelopePath, RawEnvelopeColumn[]>>;
  'x-date-order': Array<[string, string]>;
  properties: Record<string, PropertySchema>;
  required: string[];
  examples: Array<Record<string, unknown>>;
}

const SEVERITIES: readonly Severity[] = ['minor', 'general', 'serious'];
const SUBJECT_TYPES: readonly SubjectType[] = ['legal_person', 'non_enterprise', 'natural_person'];
const VALUE_MAP = { type: 'object', additionalProperties: { type: 'string' } };

/**
 * The custom keywords of our schemas. They annotate and never validate data, so ajv's strict mode stays on (an
 * unknown or misspelt keyword is still an error); each one's own value is checked against its metaSchema.
 */
const ANNOTATION_KEYWORDS: KeywordDefinition[] = [
  { keyword: 'x-label', metaSchema: { type: 'string', minLength: 1 } },
  { keyword: 'x-field-code', metaSchema: { type: 'string', pattern: '^[A-Z][A-Z0-9_]*$' } },
  { keyword: 'x-category', metaSchema: { type: 'string', pattern: '^[a-z][a-z_]*$' } },
  { keyword: 'x-severities', metaSchema: { type: 'array', uniqueItems: true, items: { enum: SEVERITIES } } },
  { keyword: 'x-subject-types', metaSchema: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: SUBJECT_TYPES } } },
  {
    keyword: 'x-publicity',
    metaSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['level', 'basis', 'window'],
      properties: {
        level: { enum: ['public', 'shared', 'restricted'] },
        basis: { type: 'string', minLength: 1 },
        window: { enum: ['severity', 'validity', 'listPeriod', 'none'] },
        publicWhen: {
          type: 'object',
          additionalProperties: false,
          required: ['field', 'in'],
          properties: { field: { type: 'string' }, in: { type: 'array', minItems: 1, items: { type: ['string', 'number', 'boolean'] } } },
        },
        windowEnd: { type: 'array', minItems: 1, items: { type: 'string' } },
      },
    },
  },
  {
    keyword: 'x-envelope',
    metaSchema: {
      type: 'object',
      propertyNames: { enum: ENVELOPE_PATHS },
      additionalProperties: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['x-label'],
          properties: { 'x-label': { type: 'string', minLength: 1 }, 'x-field-code': { type: 'string' }, 'x-values': VALUE_MAP },
        },
      },
    },
  },
  { keyword: 'x-date-order', metaSchema: { type: 'array', items: { type: 'array', minItems: 2, maxItems: 2, items: { type: 'string' } } } },
  { keyword: 'x-list-separator', metaSchema: { type: 'string', minLength: 1 } },
  { keyword: 'x-values', metaSchema: VALUE_MAP },
];

/** What every file under schemas/records/ must declare (checked at load, before compiling it). */
const CATEGORY_SCHEMA_SHAPE: SchemaObject = {
  type: 'object',
  required: [
    '$schema', '$id', 'title', 'x-category', 'x-severities', 'x-subject-types', 'x-publicity', 'x-envelope', 'x-date-order',
    'type', 'additionalProperties', 'required', 'properties', 'examples',
  ],
  properties: {
    $schema: { const: 'https://json-schema.org/draft/2020-12/schema' },
    $id: { type: 'string', pattern: '^https://credit-node\\.local/schemas/records/[a-z_]+\\.schema\\.json$' },
    title: { type: 'string', minLength: 1 },
    type: { const: 'object' },
    additionalProperties: { const: false },
    required: { type: 'array', items: { type: 'string' } },
    properties: { type: 'object', minProperties: 1, additionalProperties: { type: 'object', required: ['x-label'] } },
    examples: { type: 'array', minItems: 1, items: { type: 'object' } },
  },
};

const RECORD_SCHEMA = 'record.schema.json';
const ENVELOPE_REQUIRED: readonly EnvelopePath[] = ['externalId', 'decisionDate', 'subject.name', 'subject.code', 'sourceUnit.name', 'sourceUnit.code'];

/** The `schemas/` folder: walk up from this file (node/records/ under tsx, dist/node/records/ when built). */
function findSchemasDir(dir?: string): string {
  if (dir !== undefined) {
    const abs = path.resolve(dir);
    if (existsSync(path.join(abs, RECORD_SCHEMA))) return abs;
    if (existsSync(path.join(abs, 'schemas', RECORD_SCHEMA))) return path.join(abs, 'schemas');
    throw new Error(`no ${RECORD_SCHEMA} in ${abs} or ${path.join(abs, 'schemas')}`);
  }
  let cur = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(cur, 'schemas', RECORD_SCHEMA))) return path.join(cur, 'schemas');
    const up = path.dirname(cur);
    if (up === cur) throw new Error(`cannot find schemas/${RECORD_SCHEMA} above ${fileURLToPath(import.meta.url)}`);
    cur = up;
  }
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (err) {
    throw new Error(`cannot read schema ${file}: ${(err as Error).message}`);
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

const TYPE_NAMES: Record<string, string> = {
  string: '文本', number: '数字', integer: '整数', boolean: '布尔值（true 或 false）', array: '数组（列表）', object: '对象', null: '空值',
};
const FORMAT_HINTS: Record<string, string> = { date: 'YYYY-MM-DD', 'date-time': 'YYYY-MM-DDTHH:mm:ssZ', time: 'HH:mm:ss' };

function pointerToSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The Chinese label of the value at `segments` under `root`; array items read as 处罚类别（第2项）. */
function labelAt(root: PropertySchema, segments: readonly string[], rootLabel: string): string {
  let node: PropertySchema | undefined = root;
  let label = rootLabel;
  let suffix = '';
  for (const seg of segments) {
    if (node?.type === 'array' || node?.items !== undefined) {
      node = node.items;
      suffix += /^\d+$/.test(seg) ? `（第${Number(seg) + 1}项）` : `.${seg}`;
    } else {
      const props: Record<string, PropertySchema> | undefined = node?.properties;
      node = props && Object.hasOwn(props, seg) ? props[seg] : undefined;
      label = seg;
      suffix = '';
    }
    const own = node?.['x-label'];
    if (own !== undefined) {
      label = own;
      suffix = '';
    }
  }
  return label + suffix;
}

function decimalsOf(step: number): number | undefined {
  const n = Math.round(-Math.log10(step));
  return n > 0 && Math.abs(step - 10 ** -n) < 1e-12 ? n : undefined;
}

/** One ajv error in Chinese, naming the field by its label; undefined for errors that only restate others. */
function translate(err: ErrorObject, label: string): { message: string; code: string } | undefined {
  const p = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'if':
      return undefined; // the failing `then` keyword reports the real problem
    case 'required':
      return { message: `缺少必填字段：${label}`, code: 'FIELD_REQUIRED' };
    case 'additionalProperties':
      return { message: `未知字段：${String(p['additionalProperty'])}`, code: 'FIELD_UNKNOWN' };
    case 'type': {
      const types = String(p['type']).split(',').map((t) => TYPE_NAMES[t] ?? t);
      return { message: `${label}必须是${types.join('或')}`, code: 'FIELD_TYPE' };
    }
    case 'enum': {
      const values = (p['allowedValues'] as unknown[]).map(String);
      // Some values contain 、 themselves (pre-2021 penalty types): quote them so the list stays readable.
      const list = values.some((v) => v.includes('、')) ? values.map((v) => `“${v}”`).join('、') : values.join('、');
      return { message: `${label}的值不在允许范围内：${list}`, code: 'FIELD_ENUM' };
    }
    case 'const':
      return { message: `${label}的值必须为：${String(p['allowedValue'])}`, code: 'FIELD_ENUM' };
    case 'format': {
      const hint = FORMAT_HINTS[String(p['format'])];
      return { message: hint ? `${label}格式应为 ${hint}` : `${label}格式不正确`, code: 'FIELD_FORMAT' };
    }
    case 'pattern':
      return { message: `${label}格式不正确`, code: 'FIELD_FORMAT' };
    case 'minimum':
      return { message: `${label}不能小于 ${String(p['limit'])}`, code: 'FIELD_RANGE' };
    case 'exclusiveMinimum':
      return { message: `${label}必须大于 ${String(p['limit'])}`, code: 'FIELD_RANGE' };
    case 'maximum':
      return { message: `${label}不能大于 ${String(p['limit'])}`, code: 'FIELD_RANGE' };
    case 'exclusiveMaximum':
      return { message: `${label}必须小于 ${String(p['limit'])}`, code: 'FIELD_RANGE' };
    case 'multipleOf': {
      const step = Number(p['multipleOf']);
      const places = decimalsOf(step);
      return { message: places ? `${label}最多保留 ${places} 位小数` : `${label}必须是 ${step} 的整数倍`, code: 'FIELD_RANGE' };
    }
    case 'minLength':
      return Number(p['limit']) <= 1
        ? { message: `${label}不能为空`, code: 'FIELD_REQUIRED' }
        : { message: `${label}长度不能少于 ${String(p['limit'])} 个字符`, code: 'FIELD_LENGTH' };
    case 'maxLength':
      return { message: `${label}长度不能超过 ${String(p['limit'])} 个字符`, code: 'FIELD_LENGTH' };
    case 'minItems':
      return { message: `${label}至少需要 ${String(p['limit'])} 项`, code: 'FIELD_LENGTH' };
    case 'maxItems':
      return { message: `${label}最多 ${String(p['limit'])} 项`, code: 'FIELD_LENGTH' };
    case 'uniqueItems':
      return { message: `${label}有重复项：第${Number(p['j']) + 1}项与第${Number(p['i']) + 1}项相同`, code: 'FIELD_DUPLICATE' };
    default:
      return { message: `${label}：${err.message ?? '不符合要求'}`, code: 'FIELD_INVALID' };
  }
}

/**
 * The JSON Schemas of the record envelope and of every category, compiled once by one Ajv instance, with errors
 * turned into Chinese messages that name the field's national label. `load()` hands out one registry per
 * schemas folder.
 */
export class SchemaRegistry {
  private static readonly loaded = new Map<string, SchemaRegistry>();

  /** The registry of `dir` (a `schemas/` folder or the folder holding it; default: the package's own). */
  static load(dir?: string): SchemaRegistry {
    const schemasDir = findSchemasDir(dir);
    let registry = SchemaRegistry.loaded.get(schemasDir);
    if (!registry) {
      registry = new SchemaRegistry(schemasDir);
      SchemaRegistry.loaded.set(schemasDir, registry);
    }
    return registry;
  }

  readonly dir: string;
  private readonly envelope: PropertySchema;
  private readonly envelopeValidator: ValidateFunction;
  private readonly schemas = new Map<string, CategorySchema>();
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly metas = new Map<string, CategoryMeta>();

  private constructor(schemasDir: string) {
    this.dir = schemasDir;
    const ajv = new Ajv2020.default({ allErrors: true, strict: true, strictRequired: false, multipleOfPrecision: 3 });
    addFormats.default(ajv);
    for (const def of ANNOTATION_KEYWORDS) ajv.addKeyword(def);

    this.envelope = deepFreeze(readJson(path.join(schemasDir, RECORD_SCHEMA)) as PropertySchema);
    this.envelopeValidator = ajv.compile(this.envelope);
    const categories = (this.envelope.properties?.['category']?.enum ?? []) as string[];

    const checkShape = ajv.compile(CATEGORY_SCHEMA_SHAPE);
    const recordsDir = path.join(schemasDir, 'records');
    const files = readdirSync(recordsDir).filter((f) => f.endsWith('.schema.json'));
    for (const file of files) {
      const raw = readJson(path.join(recordsDir, file));
      const id = file.slice(0, -'.schema.json'.length);
      if (!checkShape(raw)) {
        throw new Error(`schemas/records/${file}: ${(checkShape.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).join('; ')}`);
      }
      const schema = deepFreeze(raw as CategorySchema);
      if (schema['x-category'] !== id) throw new Error(`schemas/records/${file}: x-category is "${schema['x-category']}", expected "${id}"`);
      if (!categories.includes(id)) throw new Error(`schemas/records/${file}: category "${id}" is not in the envelope's category enum`);
      checkReferences(schema, file);
      this.validators.set(id, ajv.compile(schema));
      this.schemas.set(id, schema);
      this.metas.set(id, deepFreeze(toMeta(schema)));
    }
    const missing = categories.filter((c) => !this.schemas.has(c));
    if (missing.length > 0) throw new Error(`no schema file under schemas/records/ for: ${missing.join(', ')}`);
  }

  /** The category ids, in the order of the envelope's enum (CONTRACT.md). */
  categories(): string[] {
    return ((this.envelope.properties?.['category']?.enum ?? []) as string[]).filter((c) => this.schemas.has(c));
  }

  has(category: string): boolean {
    return this.schemas.has(category);
  }

  /** The raw (frozen) schema of a category's `data`. */
  schema(category: string): CategorySchema {
    const schema = this.schemas.get(category);
    if (!schema) throw new NotFound(`未知的信用信息类别：${category}`);
    return schema;
  }

  /** The raw (frozen) envelope schema. */
  envelopeSchema(): PropertySchema {
    return this.envelope;
  }

  meta(category: string): CategoryMeta {
    const meta = this.metas.get(category);
    if (!meta) throw new NotFound(`未知的信用信息类别：${category}`);
    return meta;
  }

  /** The Chinese label of a data field (`fineAmount`, `penaltyTypes.1`); the field name if it has none. */
  label(category: string, field: string): string {
    return labelAt(this.schema(category), field.split('.'), field);
  }

  /**
   * The Chinese label of an envelope path (`externalId`, `subject.code`). With a category, a path that the
   * category maps from exactly one national column takes that column's label (行政处罚决定书文号).
   */
  envelopeLabel(envelopePath: string, category?: string): string {
    // subject.type and severity hold codes (legal_person, serious) that the national columns translate, so
    // naming them by the column would confuse: keep the envelope's own label there.
    const coded = envelopePath === 'subject.type' || envelopePath === 'severity';
    const aliases = category !== undefined && !coded && this.metas.has(category) ? this.meta(category).envelope[envelopePath as EnvelopePath] : undefined;
    const only = aliases?.length === 1 ? aliases[0] : undefined;
    if (only) return only.label;
    return labelAt(this.envelope, envelopePath.split('.'), envelopePath);
  }

  /** The envelope paths every record needs (sourceUnit may come from the import options; subject.type from the code). */
  requiredEnvelopePaths(): readonly EnvelopePath[] {
    return ENVELOPE_REQUIRED;
  }

  /** Schema problems of a whole record's envelope (not its `data`: see validateData). */
  validateEnvelope(record: unknown): FieldError[] {
    if (this.envelopeValidator(record)) return [];
    const category = record !== null && typeof record === 'object' ? (record as Record<string, unknown>)['category'] : undefined;
    const known = typeof category === 'string' && this.has(category) ? category : undefined;
    return this.collect(this.envelopeValidator.errors ?? [], '', (segments) => {
      const dotted = segments.join('.');
      if (segments.length === 0) return labelAt(this.envelope, [], this.envelope['title'] as string);
      return this.envelopeLabel(dotted, known);
    });
  }

  /** Schema problems of a category's `data` object; paths start with `data.`. */
  validateData(category: string, data: unknown): FieldError[] {
    const validate = this.validators.get(category);
    if (!validate) return [{ path: 'category', message: `未知的信用信息类别：${category}`, code: 'FIELD_ENUM' }];
    if (validate(data)) return [];
    const schema = this.schema(category);
    return this.collect(validate.errors ?? [], 'data', (segments) => labelAt(schema, segments, '业务数据'));
  }

  private collect(errors: readonly ErrorObject[], prefix: string, labelOf: (segments: string[]) => string): FieldError[] {
    const out: FieldError[] = [];
    const seen = new Set<string>();
    // A value of the wrong type also fails its enum/format/...: report the type only.
    const typeFailed = new Set(errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
    for (const err of errors) {
      if (err.keyword !== 'type' && typeFailed.has(err.instancePath)) continue;
      const segments = pointerToSegments(err.instancePath);
      const p = err.params as Record<string, unknown>;
      if (err.keyword === 'required') segments.push(String(p['missingProperty']));
      if (err.keyword === 'additionalProperties') segments.push(String(p['additionalProperty']));
      const text = translate(err, labelOf(segments));
      if (!text) continue;
      const fieldPath = [prefix, ...segments].filter((s) => s !== '').join('.');
      const key = `${fieldPath}\u0000${text.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ path: fieldPath, message: text.message, code: text.code });
    }
    return out;
  }
}

/** Field names that the custom keywords refer to must exist, so a typo fails at start, not at ingest. */
function checkReferences(schema: CategorySchema, file: string): void {
  const fields = new Set(Object.keys(schema.properties));
  const refs = [
    ...schema.required,
    ...schema['x-date-order'].flat(),
    ...(schema['x-publicity'].windowEnd ?? []),
    ...(schema['x-publicity'].publicWhen ? [schema['x-publicity'].publicWhen.field] : []),
  ];
  for (const ref of refs) {
    if (!fields.has(ref)) throw new Error(`schemas/records/${file}: "${ref}" is not a property of data`);
  }
  for (const [name, prop] of Object.entries(schema.properties)) {
    const sep = prop['x-list-separator'];
    if (sep === undefined) continue;
    if (prop.type !== 'array') throw new Error(`schemas/records/${file}: x-list-separator on non-array property ${name}`);
    try {
      new RegExp(sep, 'u');
    } catch {
      throw new Error(`schemas/records/${file}: x-list-separator of ${name} is not a regular expression`);
    }
  }
}

function toMeta(schema: CategorySchema): CategoryMeta {
  const envelope: Partial<Record<EnvelopePath, EnvelopeColumn[]>> = {};
  for (const p of ENVELOPE_PATHS) {
    const aliases = schema['x-envelope'][p];
    if (!aliases) continue;
    envelope[p] = aliases.map((a) => ({
      label: a['x-label'],
      ...(a['x-field-code'] !== undefined ? { fieldCode: a['x-field-code'] } : {}),
      ...(a['x-values'] !== undefined ? { values: a['x-values'] } : {}),
    }));
  }
  return {
    category: schema['x-category'],
    title: schema.title,
    severities: [...schema['x-severities']],
    subjectTypes: [...schema['x-subject-types']],
    publicity: schema['x-publicity'],
    envelope,
    dateOrder: schema['x-date-order'].map(([a, b]) => [a, b]),
  };
}
