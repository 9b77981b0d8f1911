/**
 * `GET /openapi.json`: the OpenAPI 3.1 document of the REST and admin API, and
 * `GET /docs/api`, the same document rendered as a page.
 */
import type { FastifyInstance } from 'fastify';
import { registerApiReferenceRoutes } from './api-reference.routes.js';
import { buildOpenApiDocument, collectRoutes, type OpenApiDocument } from './openapi.js';

const VERSION = '0.1.0';

/** Starts collecting routes and registers `/openapi.json` and `/docs/api` (built once, after all routes). */
export function registerOpenApiRoutes(app: FastifyInstance, issuer: string): void {
  const routes = collectRoutes(app);
  let document: OpenApiDocument | undefined;
  let serialized: string | undefined;
  function documentOf(): OpenApiDocument {
    document ??= buildOpenApiDocument(routes, issuer, VERSION);
    return document;
  }
  app.get(
    '/openapi.json',
    { config: { idgate: { surface: 'problem', produces: ['application/json', 'application/openapi+json'] } } },
    function openApiDocument(_request, reply) {
      serialized ??= JSON.stringify(documentOf());
      return reply
        .header('cache-control', 'public, max-age=300')
        .type('application/json; charset=utf-8')
        .send(serialized);
    },
  );
  registerApiReferenceRoutes(app, documentOf);
}
