import type { RequestHandler } from 'express';
import type { ErrorObject, SchemaObject } from 'ajv';
import { BadRequest, type ErrorDetail } from '../errors.ts';
import { ApiSchemas } from '../openapi/api-schemas.ts';

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: '文本', number: '数字', integer: '整数', boolean: '布尔值（true 或 false）', array: '数组', object: '对象', null: '空值（null）',
};

/** `/claimant/phone` → `claimant.phone`, `/evidenceFiles/0` → `evidenceFiles[0]`, as the services name fields. */
function fieldPath(segments: readonly string[], body: unknown): string {
  let out = '';
  let node: unknown = body;
  for (const seg of segments) {
    if (Array.isArray(node)) out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[seg] : undefined;
  }
  return out;
}

function segmentsOf(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function titleOf(schema: unknown): string | undefined {
  const t = (schema as SchemaObject | undefined)?.['title'];
  return typeof t === 'string' ? t : undefined;
}

/** The Chinese label of the field an error is about: the `title` of its schema, else its name. */
function labelOf(err: ErrorObject, name: string): string {
  if (err.keyword === 'required') {
    const missing = String((err.params as { missingProperty?: unknown }).missingProperty);
    const props = (err.parentSchema as SchemaObject | undefined)?.['properties'] as Record<string, unknown> | undefined;
    return titleOf(props?.[missing]) ?? missing;
  }
  return titleOf(err.parentSchema) ?? (name || '请求体');
}

const shown = (values: readonly unknown[]) => values.filter((v) => v !== '' && v !== null).map(String).join('、');

/** One ajv error in Chinese, naming the field; the same wording as the services' own checks where they overlap. */
function message(err: ErrorObject, label: string, fullPath: string): string {
  const p = err.params as Record<string, unknown>;
  const hint = (err.parentSchema as SchemaObject | undefined)?.['description'];
  switch (err.keyword) {
    case 'required':
      return `请填写${label}`;
    case 'additionalProperties':
      return `未知字段：${fullPath}`;
    case 'type':
      return `${label}须为${String(p['type']).split(',').map((t) => TYPE_NAMES[t] ?? t).join('或')}`;
    case 'enum':
      return `${label}须为 ${shown(p['allowedValues'] as unknown[])} 之一`;
    case 'const':
      return `${label}须为 ${String(p['allowedValue'])}`;
    case 'minLength':
      return Number(p['limit']) <= 1 ? `请填写${label}` : `${label}至少 ${String(p['limit'])} 个字`;
    case 'maxLength':
      return `${label}最多 ${String(p['limit'])} 个字`;
    case 'pattern':
    case 'format':
      return typeof hint === 'string' && hint.length <= 60 ? `${label}格式不正确：${hint}` : `${label}格式不正确`;
    case 'minimum':
      return `${label}不能小于 ${String(p['limit'])}`;
    case 'maximum':
      return `${label}不能大于 ${String(p['limit'])}`;
    case 'minItems':
      return `${label}至少 ${String(p['limit'])} 项`;
    case 'maxItems':
      return `${label}最多 ${String(p['limit'])} 项`;
    default:
      return `${label}不符合要求`;
  }
}

/** The problems of a body as `{ path, message }`, one per field and reason. */
export function describeProblems(errors: readonly ErrorObject[], body: unknown): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  const seen = new Set<string>();
  // A value of the wrong type also fails its enum, length, pattern …: only the type is worth saying.
  const typeFailed = new Set(errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  for (const err of errors) {
    if (err.keyword !== 'type' && typeFailed.has(err.instancePath)) continue;
    const segments = segmentsOf(err.instancePath);
    const p = err.params as Record<string, unknown>;
    if (err.keyword === 'required') segments.push(String(p['missingProperty']));
    if (err.keyword === 'additionalProperties') segments.push(String(p['additionalProperty']));
    const path = fieldPath(segments, body);
    const text = segments.length === 0 && err.keyword === 'type' ? '请求体须为 JSON 对象' : message(err, labelOf(err, segments.at(-1) ?? ''), path);
    const key = `${path}\u0000${text}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path, message: text });
  }
  return out;
}

/**
 * Validates a JSON request body against `schemas/api/<schemaName>.schema.json` (the schema the OpenAPI document
 * names for it) and answers 400 BAD_REQUEST listing each problem with its field, before the route runs. A body
 * of another type (multipart/form-data, or none) passes untouched: its route reads and checks it itself. The
 * service keeps its own checks; this is the same contract said once, in the schema.
 */
export function validateBody(schemaName: string, schemas: ApiSchemas = ApiSchemas.load()): RequestHandler {
  const validate = schemas.validator(schemaName);
  return (req, _res, next) => {
    if (!req.is('application/json')) {
      next();
      return;
    }
    const body: unknown = req.body;
    if (validate(body)) {
      next();
      return;
    }
    const details = describeProblems(validate.errors ?? [], body);
    next(new BadRequest(details.map((d) => d.message).join('；') || '请求内容不符合要求', details));
  };
}
