import { ERROR_CODES } from '../errors.ts';
import { API_SCHEMA_BASE, ApiSchemas, type ApiSchemaFile } from './api-schemas.ts';
import { OPERATIONS, TAGS, type OperationSpec } from './operations.ts';

/** An OpenAPI 3.1 document (JSON); its shape is checked by a standard validator in the tests. */
export type OpenApiDocument = Record<string, unknown> & { openapi: string; paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown>; [key: string]: unknown } };

const COMPONENTS = '#/components/schemas/';
const ref = (component: string) => ({ $ref: `${COMPONENTS}${component}` });

/** Keywords whose values are data, not schemas: nothing inside them is a `$ref`. */
const DATA_KEYWORDS: ReadonlySet<string> = new Set(['examples', 'const', 'enum', 'default']);

/**
 * A schema file as a component: `$id` and `$schema` dropped (the component lives inside the document), and each
 * `$ref` rewritten from the file form (`claimant.schema.json`, its absolute `$id`, or `#/...` within the file) to
 * the component it names (`#/components/schemas/Claimant`, `#/components/schemas/Self/...`).
 */
function asComponent(file: ApiSchemaFile, byId: ReadonlyMap<string, string>): Record<string, unknown> {
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (k === '$ref' && typeof v === 'string') out[k] = refTo(v);
      else out[k] = DATA_KEYWORDS.has(k) ? v : rewrite(v);
    }
    return out;
  };
  const refTo = (target: string): string => {
    const [where = '', pointer = ''] = target.split('#', 2);
    if (where === '') return `${COMPONENTS}${file.component}${pointer}`;
    const url = new URL(where, file.id).href;
    const component = byId.get(url);
    if (!component) throw new Error(`schemas/api/${file.name}.schema.json: $ref to ${target}, which is not a file of schemas/api/`);
    return `${COMPONENTS}${component}${pointer}`;
  };
  const { $id: _id, $schema: _schema, ...rest } = file.schema as Record<string, unknown>;
  return rewrite(rest) as Record<string, unknown>;
}

function jsonContent(schema: unknown) {
  return { 'application/json': { schema } };
}

function errorResponse(description: string) {
  return { description, content: jsonContent(ref('Error')) };
}

/** The codes a caller of these APIs may meet; status and message from node/errors.ts where it defines them. */
const API_ERROR_CODES = [
  'BAD_REQUEST', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'PAYLOAD_TOO_LARGE', 'RATE_LIMITED',
  'CLIENT_CREDENTIALS_INVALID', 'CLIENT_TOKEN_INVALID', 'CLIENT_SUSPENDED', 'CLIENT_REVOKED', 'CLIENT_EXPIRED', 'OUT_OF_SCOPE',
  'AUTHORISATION_REQUIRED', 'QUOTA_EXCEEDED', 'CLIENT_RATE_LIMITED',
] as const;

function errorCodesText(): string {
  const known = API_ERROR_CODES.map((code) => {
    const def = ERROR_CODES[code];
    return def ? `${code}（${def.status}，${def.message}）` : code;
  });
  return [...known, 'INTERNAL（500，服务器内部错误）'].join('；');
}

function operation(op: OperationSpec, components: ReadonlyMap<string, string>): Record<string, unknown> {
  const component = (stem: string) => {
    const c = components.get(stem);
    if (!c) throw new Error(`operation ${op.operationId} names schemas/api/${stem}.schema.json, which does not exist`);
    return ref(c);
  };
  const parameters = [...(op.parameters ?? [])];
  if (op.cached) parameters.push({ name: 'If-None-Match', in: 'header', description: '上次响应的 ETag；内容未变时答 304，不带正文。', schema: { type: 'string' } });
  const okContent = op.ok.schema ? jsonContent(component(op.ok.schema)) : jsonContent({ type: 'object', description: 'OpenAPI 3.1 文档', required: ['openapi', 'info', 'paths'] });
  const responses: Record<string, unknown> = {
    [String(op.ok.status)]: {
      description: op.ok.description,
      ...(op.cached ? { headers: { ETag: { description: '正文的强校验标签', schema: { type: 'string' } }, 'Cache-Control': { description: '公开缓存，有效期以秒计', schema: { type: 'string' } } } } : {}),
      content: okContent,
    },
  };
  if (op.cached) responses['304'] = { description: '内容未变（If-None-Match 与 ETag 一致）' };
  for (const [status, description] of op.errors) responses[String(status)] = errorResponse(description);
  responses['default'] = errorResponse('其他错误（如 500 INTERNAL，不含内部细节）');
  return {
    operationId: op.operationId,
    tags: [op.tag],
    summary: op.summary,
    description: op.description,
    ...(parameters.length ? { parameters } : {}),
    ...(op.body ? {
      requestBody: {
        required: true,
        description: op.body.description,
        content: {
          'application/json': { schema: component(op.body.json) },
          ...(op.body.form ? { 'multipart/form-data': { schema: component(op.body.form), encoding: { evidenceFiles: { contentType: 'application/pdf, image/jpeg, image/png' } } } } : {}),
        },
      },
    } : {}),
    responses,
    ...(op.bearer ? { security: [{ clientToken: [] }] } : {}),
  };
}

/**
 * The OpenAPI 3.1 document of the public API (/public/v1) and the third-party API (/open/v1): every body schema
 * is a file of schemas/api/ (the same files the request middleware validates with), under components by the
 * name its `$id` gives (objection-request.schema.json → ObjectionRequest).
 */
export function buildOpenApiDocument(schemas: ApiSchemas = ApiSchemas.load()): OpenApiDocument {
  const byId = new Map(schemas.files.map((f) => [f.id, f.component] as const));
  const byStem = new Map(schemas.files.map((f) => [f.name, f.component] as const));
  const componentSchemas: Record<string, unknown> = {};
  for (const f of schemas.files) componentSchemas[f.component] = asComponent(f, byId);
  const error = componentSchemas['Error'] as Record<string, unknown> | undefined;
  if (!error) throw new Error('schemas/api/error.schema.json is missing');
  componentSchemas['Error'] = { ...error, description: `${String(error['description'] ?? '')}\n\n错误代码：${errorCodesText()}。` };

  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const item = (paths[op.path] ??= {});
    if (item[op.method]) throw new Error(`two operations for ${op.method.toUpperCase()} ${op.path}`);
    item[op.method] = operation(op, byStem);
  }

  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: '公共信用信息平台节点接口',
      version: '1.0.0',
      summary: '公共接口（/public/v1）和第三方接入接口（/open/v1）',
      description: [
        '公共信用信息平台节点向社会和第三方机构提供的 JSON 接口。',
        '',
        '- **公共接口**（/public/v1）：只提供依法向社会公开、且在公示期内的信息，不需要登录；按地址限制请求频率，可缓存的响应带 ETag。',
        '- **第三方接入接口**（/open/v1）：登记的信用服务机构和评级机构以客户端凭证换取短期令牌，在授权的数据集和字段范围内查询；自然人信息须出示本人授权。每个机构有每分钟请求上限和每月配额，每次调用都记入审计日志。',
        '',
        '所有错误都以 `{"error":{"code","message","details"}}` 返回：code 是稳定的错误代码，message 是中文说明，校验错误的 details 逐项给出 `{path, message}`，指明字段和原因。',
        '',
        `请求和响应的 JSON Schema（draft 2020-12）见 components.schemas，与节点校验请求所用的 schemas/api/ 文件一致（${API_SCHEMA_BASE}）。`,
      ].join('\n'),
    },
    servers: [{ url: '/', description: '本节点' }],
    tags: TAGS.map((t) => ({ ...t })),
    paths,
    components: {
      schemas: componentSchemas,
      securitySchemes: {
        clientToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'POST /open/v1/token 换取的短期访问令牌。' },
      },
    },
  };
}
