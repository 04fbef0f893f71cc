import { expect } from 'chai';
import request from 'supertest';
import { pino } from 'pino';
import { Validator } from '@seriousme/openapi-schema-validator';
import { createApp } from '../../node/app.ts';
import { createHttpApp } from '../../node/http/app.ts';
import { ApiSchemas, componentName } from '../../node/openapi/api-schemas.ts';
import { buildOpenApiDocument } from '../../node/openapi/document.ts';
import { openApiRoutes } from '../../node/openapi/routes.ts';
import { openAccessOf } from '../../node/open/open-access.ts';
import { openRoutes } from '../../node/open/routes.ts';
import { fixedClock, tempNode, type TempNode } from '../helpers/node.ts';
import { DocumentedApi, mountedRoutes, type MountedRoute } from './conformance.ts';

const API_PATH = /^\/(public\/v1|open\/v1)\/|^\/openapi\.json$/;
const key = (r: MountedRoute) => `${r.method.toUpperCase()} ${r.path}`;

describe('OpenAPI document', () => {
  const doc = buildOpenApiDocument();
  const api = new DocumentedApi(doc);

  it('validates as OpenAPI 3.1 with a standard validator', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    expect(result.errors ?? [], JSON.stringify(result.errors)).to.deep.equal([]);
    expect(result.valid).to.equal(true);
    expect(validator.version).to.equal('3.1');
    // The validator resolves every $ref of the document (a dangling one throws here).
    expect(() => validator.resolveRefs()).to.not.throw();
    // And it does refuse a broken one.
    const broken = structuredClone(doc) as Record<string, unknown>;
    delete broken['info'];
    (broken['paths'] as Record<string, Record<string, Record<string, unknown>>>)['/public/v1/site']!['get']!['responses'] = 'none';
    expect((await new Validator().validate(broken)).valid).to.equal(false);
  });

  it('is built from the schema files: one component per file, named from its $id, each compiling in strict ajv', () => {
    const schemas = ApiSchemas.load();
    schemas.compileAll();
    const components = doc.components.schemas;
    expect(Object.keys(components).sort()).to.deep.equal(schemas.files.map((f) => f.component).sort());
    for (const f of schemas.files) {
      expect(f.component).to.equal(componentName(f.id.split('/').pop()?.replace(/\.schema\.json$/, '') ?? ''));
      expect(components[f.component], f.name).to.have.property('title', f.schema['title']);
      expect(JSON.stringify(components[f.component])).to.not.match(/"\$ref":"(?!#\/components\/schemas\/)/).and.not.include('"$id"');
      expect(() => api.validator({ $ref: `#/components/schemas/${f.component}` }), f.name).to.not.throw();
      // Where a file gives examples, they hold for the file (what validateBody uses) and for the document alike.
      for (const example of (f.schema['examples'] as unknown[] | undefined) ?? []) {
        const fileValidator = schemas.validator(f.name);
        expect(fileValidator(example), `${f.name}: ${JSON.stringify(fileValidator.errors)}`).to.equal(true);
        expect(api.problems({ $ref: `#/components/schemas/${f.component}` }, example), f.name).to.deep.equal([]);
      }
    }
  });

  it('speaks Chinese: every operation has a summary and description, every schema a title', () => {
    const cjk = /[\u4e00-\u9fff]/;
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const o = op as { summary: string; description: string; responses: Record<string, { description: string }> };
        expect(o.summary, `${method} ${path}`).to.match(cjk);
        expect(o.description, `${method} ${path}`).to.match(cjk);
        for (const [status, r] of Object.entries(o.responses)) expect(r.description, `${method} ${path} ${status}`).to.match(cjk);
      }
    }
    for (const [name, schema] of Object.entries(doc.components.schemas)) expect((schema as { title?: string }).title, name).to.match(cjk);
  });

  it('names the request schemas the routes validate with, and the error body for every error status', () => {
    for (const [template, stem] of [['/public/v1/objections', 'objection-request'], ['/public/v1/complaints', 'complaint-request'], ['/public/v1/repairs', 'repair-request'], ['/open/v1/token', 'open-token-request']] as const) {
      expect(api.requestSchema('post', template)).to.deep.equal({ $ref: `#/components/schemas/${componentName(stem)}` });
    }
    expect(api.requestSchema('post', '/public/v1/objections', 'multipart/form-data')).to.deep.equal({ $ref: '#/components/schemas/ObjectionForm' });
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        for (const [status, r] of Object.entries((op as { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }).responses)) {
          if (status === 'default' || Number(status) >= 400) expect(r.content?.['application/json']?.schema, `${method} ${path} ${status}`).to.deep.equal({ $ref: '#/components/schemas/Error' });
        }
      }
    }
  });

  describe('against the routers the node mounts', () => {
    let node: TempNode;
    before(async () => { node = await tempNode({ clock: fixedClock('2026-06-01T02:00:00.000Z') }); });
    after(async () => { await node.cleanup(); });

    it('describes every public and third-party path the node mounts, and nothing it does not', () => {
      const app = createApp(node.ctx);
      // The document's own routes and the third-party router are counted whether or not app.ts mounts them yet.
      const mounted = [
        ...mountedRoutes(app),
        ...mountedRoutes(openApiRoutes({ document: doc })),
        ...mountedRoutes(openRoutes({ open: openAccessOf(node.ctx), signInPerMinute: 10 }), '/open/v1'),
      ].filter((r) => API_PATH.test(r.path));
      const mountedKeys = new Set(mounted.map(key));
      const documented = new Set(Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`)));
      expect([...mountedKeys].filter((k) => !documented.has(k)).sort(), 'mounted but not described').to.deep.equal([]);
      expect([...documented].filter((k) => !mountedKeys.has(k)).sort(), 'described but not mounted').to.deep.equal([]);
      expect(mountedKeys.size).to.equal(documented.size);
      expect([...mountedKeys].filter((k) => k.includes(' /open/v1/'))).to.have.length(3);
    });
  });

  describe('served by the node', () => {
    const app = createHttpApp({ log: pino({ level: 'silent' }), routers: [['/', openApiRoutes({ document: doc })]] });

    it('GET /openapi.json and /public/v1/openapi.json: the document, cacheable, 304 on a matching ETag', async () => {
      const a = await request(app).get('/openapi.json').expect(200).expect('content-type', /application\/json/);
      const b = await request(app).get('/public/v1/openapi.json').expect(200);
      expect(a.body).to.deep.equal(doc);
      expect(b.text).to.equal(a.text);
      expect(a.headers['cache-control']).to.match(/^public, max-age=\d+/);
      expect(a.headers['etag']).to.match(/^"[\w-]+"$/);
      expect(a.headers['access-control-allow-origin']).to.equal('*');
      api.expectDocumented(a, 'get', '/openapi.json');
      const again = await request(app).get('/openapi.json').set('If-None-Match', String(a.headers['etag'])).expect(304);
      expect(again.text).to.equal('');
      api.expectDocumented(again, 'get', '/openapi.json');
      await request(app).get('/public/v1/openapi.json').set('If-None-Match', '"other"').expect(200);
      const served = new Validator();
      expect((await served.validate(a.body as Record<string, unknown>)).valid).to.equal(true);
    });
  });
});
