/**
 * The OpenAPI 3.1 document, built from the routes themselves: their schemas, their
 * declared contract, and — for every error they can answer with — the catalog's status
 * and an example problem body. Routes without a `summary` (health, metrics, assets) are
 * left out.
 */
import { CATALOG, type ErrorCode, IdgateError, PROBLEM_CONTENT_TYPE, renderProblem } from '@idgate/errors';
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { RouteContract } from '../http/route-contract.js';

interface CollectedRoute {
  readonly method: string;
  readonly url: string;
  readonly schema: RouteOptions['schema'];
  readonly contract: RouteContract;
}

/** Errors any route may answer with, whatever it declares. */
const ALWAYS: readonly ErrorCode[] = [
  'VALIDATION_URI_TOO_LONG',
  'VALIDATION_HEADERS_TOO_LARGE',
  'SYSTEM_INTERNAL_ERROR',
  'SYSTEM_UNAVAILABLE',
];

/** Collects routes as they are registered. */
export function collectRoutes(app: FastifyInstance): CollectedRoute[] {
  const routes: CollectedRoute[] = [];
  app.addHook('onRoute', function collectRoute(route) {
    const contract = (route.config as { idgate?: RouteContract } | undefined)?.idgate;
    if (!contract?.summary) return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD') continue;
      routes.push({ method: method.toLowerCase(), url: route.url, schema: route.schema, contract });
    }
  });
  return routes;
}

function errorsOf(route: CollectedRoute): ErrorCode[] {
  const codes = new Set<ErrorCode>([...(route.contract.errors ?? []), ...ALWAYS]);
  if (route.contract.produces) codes.add('VALIDATION_NOT_ACCEPTABLE');
  if (route.contract.consumes) {
    codes.add('VALIDATION_UNSUPPORTED_MEDIA_TYPE');
    codes.add('VALIDATION_PAYLOAD_TOO_LARGE');
  }
  return [...codes];
}

function toOpenApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function parameters(schema: RouteOptions['schema'], where: 'params' | 'querystring') {
  const source = (schema as Record<string, unknown> | undefined)?.[where] as
    | { properties?: Record<string, unknown>; required?: string[] }
    | undefined;
  if (!source?.properties) return [];
  return Object.entries(source.properties).map(([name, property]) => ({
    name,
    in: where === 'params' ? 'path' : 'query',
    required: where === 'params' || (source.required ?? []).includes(name),
    schema: property,
  }));
}

function errorResponses(codes: readonly ErrorCode[], issuer: string, instance: string) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = CATALOG[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<string, unknown> = {};
  for (const [status, group] of [...byStatus].sort(([a], [b]) => a - b)) {
    const examples: Record<string, unknown> = {};
    for (const code of group) {
      const example = renderProblem(new IdgateError(code), {
        issuer,
        requestId: '01JDEXAMPLE0REQUEST0ID0000',
        instance,
        now: new Date('2026-01-01T00:00:00.000Z'),
      }).body;
      examples[code] = { summary: CATALOG[code].description, value: example };
    }
    responses[String(status)] = {
      description: group.join(', '),
      headers: { 'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' } },
      content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' }, examples } },
    };
  }
  return responses;
}

/** Builds the document. */
export function buildOpenApiDocument(routes: readonly CollectedRoute[], issuer: string, version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = toOpenApiPath(route.url);
    const schema = route.schema as Record<string, unknown> | undefined;
    const body = schema?.body;
    const creates = route.method === 'post' && (path.endsWith('/apps') || path.endsWith('/verifications'));
    const accepts = route.method === 'post' && path.endsWith('/redeliver');
    const okStatus = creates ? '201' : route.method === 'delete' ? '204' : accepts ? '202' : '200';
    const operation: Record<string, unknown> = {
      summary: route.contract.summary,
      tags: route.contract.tag ? [route.contract.tag] : [],
      parameters: [...parameters(route.schema, 'params'), ...parameters(route.schema, 'querystring')],
      responses: {
        [okStatus]: {
          description: 'Success',
          headers: { 'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' } },
        },
        ...errorResponses(errorsOf(route), issuer, path),
      },
    };
    if (route.contract.realm === 'idgate-admin') operation.security = [{ adminKey: [] }];
    if (body) {
      operation.requestBody = {
        required: route.method !== 'post' || !path.endsWith('/secret'),
        content: Object.fromEntries(
          (route.contract.consumes ?? ['application/json']).map((type) => [type, { schema: body }]),
        ),
      };
    }
    paths[path] = { ...paths[path], [route.method]: operation };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'idgate API',
      version,
      description: `Errors are RFC 9457 problem details; every code is documented at ${issuer}/errors.`,
    },
    servers: [{ url: issuer }],
    paths,
    components: {
      securitySchemes: {
        adminKey: { type: 'http', scheme: 'bearer', description: 'The admin key (IDGATE_ADMIN_KEY).' },
      },
      headers: {
        'X-Request-Id': {
          description: 'The request id, also in the error body and the log line.',
          schema: { type: 'string' },
        },
      },
      schemas: {
        Problem: {
          type: 'object',
          required: [
            'type',
            'title',
            'status',
            'detail',
            'instance',
            'timestamp',
            'request_id',
            'category',
            'retryable',
            'context',
            'doc_url',
          ],
          properties: {
            type: { type: 'string', format: 'uri' },
            title: { type: 'string', enum: Object.keys(CATALOG) },
            status: { type: 'integer' },
            detail: { type: 'string' },
            instance: { type: 'string' },
            timestamp: { type: 'string', format: 'date-time' },
            request_id: { type: 'string' },
            category: { type: 'string', enum: ['client', 'failure', 'error'] },
            retryable: { type: 'boolean' },
            context: { type: 'object', additionalProperties: true },
            doc_url: { type: 'string', format: 'uri' },
            user_message: { type: 'string' },
          },
        },
      },
    },
  };
}
