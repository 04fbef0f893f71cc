/**
 * The evaluation model (信用评价模型): one JSON file per version in the models folder (config `evaluation.models`),
 * checked against schemas/evaluation-model.schema.json and then for what a schema cannot say (unique indicator ids,
 * grade bands from high to low, overrides naming a counting indicator and a known grade). A bad file stops the
 * node with the file and the JSON path of every problem.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { ConfigInvalid } from '../errors.ts';
import { projectRoot } from '../paths.ts';

export type SubjectType = 'legal_person' | 'non_enterprise' | 'natural_person';
export const SUBJECT_TYPES: readonly SubjectType[] = ['legal_person', 'non_enterprise', 'natural_person'];

export interface Cap { min?: number; max?: number }
export type PointsMap = Record<string, number>;

interface Base { id: string; label: string; description?: string; cap?: Cap }

export interface RegistrationAge extends Base { kind: 'registrationAge'; params: { bands: Array<{ minYears: number; points: number }>; missingPoints?: number } }
export interface RegistrationStatus extends Base { kind: 'registrationStatus'; params: { points: PointsMap; otherPoints?: number; missingPoints?: number } }
export interface CountIndicator extends Base {
  kind: 'count';
  params: {
    category: string;
    /** data field (or `$severity`) → accepted values. */
    match?: Record<string, Array<string | number | boolean>>;
    validUntil?: string[];
    removedOn?: string[];
    withinMonths?: number;
    points?: number;
    pointsBy?: { field: string; values: PointsMap; otherPoints?: number };
    decay?: Array<{ withinMonths: number; factor: number }>;
  };
}
export interface LatestRating extends Base {
  kind: 'latestRating';
  params: { category: string; field: string; yearField: string; withinYears?: number; points: PointsMap; otherPoints?: number; missingPoints?: number };
}
export interface TicketCount extends Base { kind: 'tickets'; params: { ticketType: 'objection' | 'complaint' | 'repair'; outcomes: string[]; withinMonths?: number; points: number } }

export type Indicator = RegistrationAge | RegistrationStatus | CountIndicator | LatestRating | TicketCount;

export interface GradeBand { grade: string; text: string; minScore: number }
export interface Override { indicator: string; maxGrade: string; note: string }

export interface EvaluatedType {
  evaluated: true;
  note?: string;
  baseScore: number;
  minScore: number;
  maxScore: number;
  indicators: Indicator[];
  /** From the best grade to the worst (strictly decreasing minScore). */
  grades: GradeBand[];
  overrides: Override[];
}
export interface NotEvaluatedType { evaluated: false; note: string }
export type TypeModel = EvaluatedType | NotEvaluatedType;

export interface EvaluationModel {
  version: string;
  title: string;
  effectiveFrom: string;
  basis?: string;
  description?: string;
  subjectTypes: Record<SubjectType, TypeModel>;
  /** The file it was read from. */
  file: string;
  /** Record categories any indicator reads, and those whose bodies (data fields) it needs. */
  categories: ReadonlySet<string>;
  bodyCategories: ReadonlySet<string>;
  /** Ticket types any indicator counts. */
  ticketTypes: ReadonlySet<string>;
  /** Subject types evaluated under this model. */
  evaluatedTypes: readonly SubjectType[];
}

export interface ModelSet {
  /** Every version in the folder, oldest first. */
  models: ReadonlyMap<string, EvaluationModel>;
  /** The version in use: config `evaluation.model`, else the highest. */
  current: EvaluationModel;
}

export type Problem = { path: string; message: string };

const NOT_EVALUATED_DEFAULT = '本模型不对该类主体开展评价';

/** Orders model versions by their numbers (2026.10 after 2026.9). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

let validator: ValidateFunction | undefined;

function schemaValidator(): ValidateFunction {
  if (validator) return validator;
  const schema = JSON.parse(readFileSync(path.join(projectRoot(), 'schemas', 'evaluation-model.schema.json'), 'utf8')) as object;
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats.default(ajv);
  validator = ajv.compile(schema);
  return validator;
}

function describe(e: ErrorObject): Problem | undefined {
  const where = e.instancePath === '' ? '/' : e.instancePath;
  const under = (name: string) => `${where === '/' ? '' : where}/${name}`;
  switch (e.keyword) {
    case 'if':
      return undefined; // the failing branch's own errors say what is wrong
    case 'required':
      return { path: under(String(e.params['missingProperty'])), message: '缺少必填项' };
    case 'additionalProperties':
      return { path: under(String(e.params['additionalProperty'])), message: '未知的配置项' };
    case 'enum':
      return { path: where, message: `取值必须是：${(e.params['allowedValues'] as unknown[]).join('、')}` };
    case 'const':
      return { path: where, message: `取值必须是 ${JSON.stringify(e.params['allowedValue'])}` };
    case 'oneOf':
      return { path: where, message: '须有 points（每条分值）或 pointsBy（按字段取值计分）之一，且只能有一个' };
    case 'pattern':
      return { path: where, message: `格式不正确（应符合 ${String(e.params['pattern'])}）` };
    case 'type':
      return { path: where, message: `类型应为 ${String(e.params['type'])}` };
    case 'format':
      return { path: where, message: `格式应为 ${String(e.params['format'])}` };
    default:
      return { path: where, message: e.message ?? e.keyword };
  }
}

/** What the JSON Schema cannot check; `categories`, when given, are the record categories the node knows. */
function semanticProblems(m: Omit<EvaluationModel, 'file' | 'categories' | 'bodyCategories' | 'ticketTypes' | 'evaluatedTypes'>, known?: ReadonlySet<string>): Problem[] {
  const out: Problem[] = [];
  for (const type of SUBJECT_TYPES) {
    const t = m.subjectTypes[type];
    if (!t || !t.evaluated) continue;
    const at = `/subjectTypes/${type}`;
    if (t.minScore >= t.maxScore) out.push({ path: `${at}/maxScore`, message: '最高分须大于最低分' });
    if (t.baseScore < t.minScore || t.baseScore > t.maxScore) out.push({ path: `${at}/baseScore`, message: '基础分须在最低分与最高分之间' });
    const ids = new Set<string>();
    t.indicators.forEach((ind, i) => {
      const ip = `${at}/indicators/${i}`;
      if (ids.has(ind.id)) out.push({ path: `${ip}/id`, message: `指标标识重复：${ind.id}` });
      ids.add(ind.id);
      if (ind.cap?.min !== undefined && ind.cap.max !== undefined && ind.cap.min > ind.cap.max) out.push({ path: `${ip}/cap`, message: '扣分封顶不得大于加分封顶' });
      const category = 'category' in ind.params ? ind.params.category : undefined;
      if (category !== undefined && known && !known.has(category)) out.push({ path: `${ip}/params/category`, message: `未知的信用信息类别：${category}` });
      if (ind.kind === 'count' && ind.params.decay) {
        const d = ind.params.decay;
        for (let k = 1; k < d.length; k++) {
          if ((d[k] as { withinMonths: number }).withinMonths <= (d[k - 1] as { withinMonths: number }).withinMonths) out.push({ path: `${ip}/params/decay/${k}/withinMonths`, message: '衰减档位的月数须从小到大排列' });
        }
      }
      if (ind.kind === 'registrationAge') {
        const b = ind.params.bands;
        for (let k = 1; k < b.length; k++) {
          if ((b[k] as { minYears: number }).minYears >= (b[k - 1] as { minYears: number }).minYears) out.push({ path: `${ip}/params/bands/${k}/minYears`, message: '年限档位须从大到小排列' });
        }
      }
    });
    const grades = new Set<string>();
    t.grades.forEach((g, i) => {
      if (grades.has(g.grade)) out.push({ path: `${at}/grades/${i}/grade`, message: `等级重复：${g.grade}` });
      grades.add(g.grade);
      const prev = t.grades[i - 1];
      if (prev && g.minScore >= prev.minScore) out.push({ path: `${at}/grades/${i}/minScore`, message: '等级须按最低分从高到低排列' });
    });
    const lowest = t.grades[t.grades.length - 1];
    if (lowest && lowest.minScore > t.minScore) out.push({ path: `${at}/grades/${t.grades.length - 1}/minScore`, message: `最低一档的最低分须不高于模型最低分 ${t.minScore}，否则部分分数没有等级` });
    t.overrides.forEach((o, i) => {
      const ind = t.indicators.find((x) => x.id === o.indicator);
      if (!ind) out.push({ path: `${at}/overrides/${i}/indicator`, message: `没有该指标：${o.indicator}` });
      else if (ind.kind !== 'count' && ind.kind !== 'tickets') out.push({ path: `${at}/overrides/${i}/indicator`, message: '直接判级只能由计数类指标（count、tickets）触发' });
      if (!grades.has(o.maxGrade)) out.push({ path: `${at}/overrides/${i}/maxGrade`, message: `等级划分中没有 ${o.maxGrade}` });
    });
  }
  return out;
}

/** The record categories an indicator reads, and whether it needs their bodies. */
export function reads(ind: Indicator): { category?: string; body: boolean } {
  switch (ind.kind) {
    case 'registrationAge':
    case 'registrationStatus':
      return { category: 'registration', body: true };
    case 'latestRating':
      return { category: ind.params.category, body: true };
    case 'count': {
      const p = ind.params;
      const dataField = (f: string) => !f.startsWith('$');
      const body = Object.keys(p.match ?? {}).some(dataField) || (p.validUntil?.length ?? 0) > 0 || (p.removedOn?.length ?? 0) > 0 || (p.pointsBy !== undefined && dataField(p.pointsBy.field));
      return { category: p.category, body };
    }
    default:
      return { body: false };
  }
}

/**
 * One model from its parsed JSON. Throws ConfigInvalid naming `file` and every problem's JSON path.
 * `categories`: the record categories the node knows (unknown ones are refused when given).
 */
export function parseModel(raw: unknown, file: string, categories?: Iterable<string>): EvaluationModel {
  const validate = schemaValidator();
  const fail = (problems: Problem[]): never => {
    throw new ConfigInvalid(`评价模型文件 ${file} 有误：${problems.map((p) => `${p.path} ${p.message}`).join('；')}`, problems);
  };
  if (!validate(raw)) fail((validate.errors ?? []).map(describe).filter((p): p is Problem => p !== undefined));
  const m = raw as Omit<EvaluationModel, 'file' | 'categories' | 'bodyCategories' | 'ticketTypes' | 'evaluatedTypes' | 'subjectTypes'> & { subjectTypes: Partial<Record<SubjectType, Partial<EvaluatedType> | NotEvaluatedType>> };
  const expected = `${m.version}.json`;
  if (path.basename(file) !== expected) fail([{ path: '/version', message: `模型版本 ${m.version} 与文件名不一致（应为 ${expected}）` }]);
  const subjectTypes = {} as Record<SubjectType, TypeModel>;
  for (const type of SUBJECT_TYPES) {
    const t = m.subjectTypes[type];
    if (!t) subjectTypes[type] = { evaluated: false, note: NOT_EVALUATED_DEFAULT };
    else if (t.evaluated === false) subjectTypes[type] = t;
    else subjectTypes[type] = { ...(t as EvaluatedType), evaluated: true, overrides: t.overrides ?? [] };
  }
  const parsed = { ...m, subjectTypes };
  const problems = semanticProblems(parsed, categories ? new Set(categories) : undefined);
  if (problems.length) fail(problems);
  const used = new Set<string>();
  const bodies = new Set<string>();
  const tickets = new Set<string>();
  const evaluatedTypes: SubjectType[] = [];
  for (const type of SUBJECT_TYPES) {
    const t = subjectTypes[type];
    if (!t.evaluated) continue;
    evaluatedTypes.push(type);
    for (const ind of t.indicators) {
      const r = reads(ind);
      if (r.category) used.add(r.category);
      if (r.category && r.body) bodies.add(r.category);
      if (ind.kind === 'tickets') tickets.add(ind.params.ticketType);
    }
  }
  return { ...parsed, file, categories: used, bodyCategories: bodies, ticketTypes: tickets, evaluatedTypes };
}

/** Reads and checks one model file. */
export function readModel(file: string, categories?: Iterable<string>): EvaluationModel {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigInvalid(`评价模型文件 ${file} 无法读取：${(err as Error).message}`, [{ path: '/', message: (err as Error).message }]);
  }
  return parseModel(raw, file, categories);
}

/**
 * Every model in `dir` (<version>.json, all checked: any of them may be replayed), and the one in use: `use` when
 * given (config `evaluation.model`), else the highest version.
 */
export function loadModels(dir: string, opts: { use?: string; categories?: Iterable<string> } = {}): ModelSet {
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch (err) {
    throw new ConfigInvalid(`评价模型目录 ${dir} 无法读取：${(err as Error).message}`, [{ path: '/evaluation/models', message: (err as Error).message }]);
  }
  const categories = opts.categories ? [...opts.categories] : undefined;
  const list = names.map((n) => readModel(path.join(dir, n), categories)).sort((a, b) => compareVersions(a.version, b.version));
  if (list.length === 0) throw new ConfigInvalid(`评价模型目录 ${dir} 中没有模型文件（<版本>.json）`, [{ path: '/evaluation/models', message: '没有模型文件' }]);
  const models = new Map(list.map((m) => [m.version, m]));
  const current = opts.use !== undefined ? models.get(opts.use) : list[list.length - 1];
  if (!current) throw new ConfigInvalid(`评价模型目录 ${dir} 中没有版本 ${opts.use ?? ''}（现有：${[...models.keys()].join('、')}）`, [{ path: '/evaluation/model', message: `没有该版本的模型文件` }]);
  return { models, current };
}
