import { expect } from 'chai';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { ValidateFunction } from 'ajv';
import type { Express, Router } from 'express';
import { buildOpenApiDocument, type OpenApiDocument } from '../../node/openapi/document.ts';

/**
 * Checks answers against the OpenAPI document: the status must be documented for the operation, and the JSON
 * body must validate (ajv, draft 2020-12) against the schema the document names for that path, method, status
 * and content type. The document's components are added to one Ajv instance under DOC_ID, so the
 * `#/components/schemas/...` references inside them resolve exactly as in the document.
 *
 * Usable for any answer of the public and third-party APIs, e.g. for /open/v1:
 *   const api = new DocumentedApi();
 *   api.expectDocumented(await request(app).get('/open/v1/changes').set('authorization', `Bearer ${t}`), 'get', '/open/v1/changes');
 */
/** Where the document's components are added in ajv (any absolute URI; the document itself has none). */
const DOC_ID = 'https://credit-node.local/openapi.json';

export class DocumentedApi {
  readonly doc: OpenApiDocument;
  private readonly ajv: InstanceType<typeof Ajv2020.default>;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(doc: OpenApiDocument = buildOpenApiDocument()) {
    this.doc = doc;
    this.ajv = new Ajv2020.default({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
    addFormats.default(this.ajv);
    // `components` holds the schemas; as a keyword of the wrapper it is only an annotation (strict mode stays on).
    this.ajv.addKeyword({ keyword: 'components' });
    this.ajv.addSchema({ $id: DOC_ID, components: doc.components });
  }

  /** The `$ref` (or inline schema) the document gives for an answer; undefined when it documents no body. */
  responseSchema(method: string, template: string, status: number, contentType = 'application/json'): unknown {
    const op = this.operation(method, template);
    const responses = op['responses'] as Record<string, { content?: Record<string, { schema?: unknown }> }>;
    const response = responses[String(status)];
    expect(response, `${method.toUpperCase()} ${template} answered ${status}, which the document does not list (it lists ${Object.keys(responses).join(', ')})`).to.not.equal(undefined);
    return response?.content?.[contentType]?.schema;
  }

  /** The schema of a JSON request body. */
  requestSchema(method: string, template: string, contentType = 'application/json'): unknown {
    const body = this.operation(method, template)['requestBody'] as { content: Record<string, { schema: unknown }> } | undefined;
    return body?.content[contentType]?.schema;
  }

  /** A validator of a schema as the document gives it (`{ $ref: '#/components/schemas/X' }` or inline). */
  validator(schema: unknown): ValidateFunction {
    const key = JSON.stringify(schema);
    let v = this.compiled.get(key);
    if (!v) {
      v = this.ajv.compile(rebase(schema) as object);
      this.compiled.set(key, v);
    }
    return v;
  }

  /** Problems of a value against a schema of the document, empty when it validates. */
  problems(schema: unknown, value: unknown): string[] {
    const v = this.validator(schema);
    return v(value) ? [] : (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
  }

  /** Asserts that a supertest answer is documented for this operation and that its body matches the schema. */
  expectDocumented(res: { status: number; body: unknown; headers: Record<string, string | string[] | undefined> }, method: string, template: string): void {
    const schema = this.responseSchema(method, template, res.status);
    const label = `${method.toUpperCase()} ${template} → ${res.status}`;
    if (res.status === 304) return;
    expect(schema, `${label}: the document names no JSON schema`).to.not.equal(undefined);
    expect(String(res.headers['content-type'] ?? ''), label).to.match(/^application\/json/);
    expect(this.problems(schema, res.body), `${label}: ${JSON.stringify(res.body).slice(0, 400)}`).to.deep.equal([]);
  }

  private operation(method: string, template: string): Record<string, unknown> {
    const item = this.doc.paths[template];
    expect(item, `the document has no path ${template}`).to.not.equal(undefined);
    const op = item?.[method.toLowerCase()] as Record<string, unknown> | undefined;
    expect(op, `the document has no ${method.toUpperCase()} ${template}`).to.not.equal(undefined);
    return op as Record<string, unknown>;
  }
}

/** `#/components/...` refs as seen from outside the document: `<DOC_ID>#/components/...`. */
function rebase(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rebase);
  if (schema === null || typeof schema !== 'object') return schema;
  return Object.fromEntries(Object.entries(schema as Record<string, unknown>).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' && v.startsWith('#') ? `${DOC_ID}${v}` : rebase(v)]));
}

export interface MountedRoute { method: string; path: string }

interface LayerLike { route?: { path: unknown; methods: Record<string, boolean> }; handle?: { stack?: LayerLike[] }; rawPath?: unknown }

/**
 * The routes an express app or router mounts, walking nested routers (express 5, router 2: a layer keeps the
 * path it was mounted at as `rawPath`), in OpenAPI form (`/public/v1/subjects/{code}`).
 */
export function mountedRoutes(appOrRouter: Express | Router, prefix = ''): MountedRoute[] {
  const stack = ((appOrRouter as { router?: { stack: LayerLike[] } }).router?.stack ?? (appOrRouter as unknown as { stack?: LayerLike[] }).stack ?? []);
  const out: MountedRoute[] = [];
  const walk = (layers: LayerLike[], base: string) => {
    for (const layer of layers) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const p of paths) {
          if (typeof p !== 'string') continue;
          const full = join(base, p).replace(/:([A-Za-z0-9_]+)/g, '{$1}');
          for (const m of Object.keys(layer.route.methods)) if (m !== '_all') out.push({ method: m, path: full });
        }
      } else if (layer.handle?.stack && (typeof layer.rawPath === 'string' || layer.rawPath === undefined)) {
        walk(layer.handle.stack, join(base, typeof layer.rawPath === 'string' ? layer.rawPath : ''));
      }
    }
  };
  walk(stack, prefix);
  return out;
}

function join(a: string, b: string): string {
  const s = `${a.replace(/\/$/, '')}/${b.replace(/^\//, '')}`;
  return s.length > 1 ? s.replace(/\/$/, '') : s;
}
