import { createHash } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import { buildOpenApiDocument, type OpenApiDocument } from './document.ts';

/** The document changes only with the program: an hour of shared caching, revalidated by its ETag after that. */
const CACHE_CONTROL = 'public, max-age=3600';

/**
 * Serves the OpenAPI document, built once when the router is made (mount at '/'):
 *   GET /openapi.json            the document
 *   GET /public/v1/openapi.json  the same, under the public prefix (for gateways that forward only /public/v1)
 * Cacheable: a strong ETag of the body, 304 to a matching If-None-Match; readable from other origins (a
 * third party's API tooling loads it from its own pages).
 */
export function openApiRoutes(opts: { document?: OpenApiDocument } = {}): Router {
  const body = JSON.stringify(opts.document ?? buildOpenApiDocument());
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  const send: RequestHandler = (req, res) => {
    res.set({ 'Cache-Control': CACHE_CONTROL, ETag: etag, 'Access-Control-Allow-Origin': '*' });
    const match = req.get('if-none-match');
    if (match && match.split(',').map((s) => s.trim().replace(/^W\//, '')).some((t) => t === etag || t === '*')) {
      res.status(304).end();
      return;
    }
    res.type('application/json; charset=utf-8').send(body);
  };
  const r = Router();
  r.get('/openapi.json', send);
  r.get('/public/v1/openapi.json', send);
  return r;
}
