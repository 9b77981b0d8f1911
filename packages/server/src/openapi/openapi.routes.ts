/**
 * `GET /openapi.json`: the OpenAPI 3.1 document of the REST and admin API.
 */
import type { FastifyInstance } from 'fastify';
import { buildOpenApiDocument, collectRoutes } from './openapi.js';

const VERSION = '0.1.0';

/** Starts collecting routes and registers `/openapi.json` (built once, after all routes). */
export function registerOpenApiRoutes(app: FastifyInstance, issuer: string): void {
  const routes = collectRoutes(app);
  let document: string | undefined;
  app.get(
    '/openapi.json',
    { config: { idgate: { surface: 'problem', produces: ['application/json', 'application/openapi+json'] } } },
    function openApiDocument(_request, reply) {
      document ??= JSON.stringify(buildOpenApiDocument(routes, issuer, VERSION));
      return reply
        .header('cache-control', 'public, max-age=300')
        .type('application/json; charset=utf-8')
        .send(document);
    },
  );
}
