/**
 * The OpenAPI 3.1 document, built from the routes themselves: their request schemas,
 * their declared contract (summary, tag, realm, media types, errors) and — for every
 * error they can answer with — the catalog's status and an example problem body. Success
 * answers come from `operations.ts` (statuses, headers) and the view schema modules
 * (bodies). Routes without a `summary` (health, metrics, assets) are left out.
 */
import { CATALOG, type ErrorCode, IdgateError, PROBLEM_CONTENT_TYPE, renderProblem } from '@idgate/errors';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { REST_SCOPES } from '../apps/app-policy.js';
import type { RouteContract } from '../http/route-contract.js';
import { OPERATIONS, type ResponseHeader, VIEW_SCHEMAS } from './operations.js';
import { HOOK_SCHEMAS, webhooksSection } from './webhooks.js';

/** Where idgate serves the rendered reference of this document. */
export const API_REFERENCE_PATH = '/docs/api';

export interface CollectedRoute {
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
  // Another method on the operation's path (every path has some): 405 with `Allow`.
  'VALIDATION_METHOD_NOT_ALLOWED',
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

/** The catalog codes a route can answer with: its contract's, and the ones any route can. */
export function errorsOf(route: CollectedRoute): ErrorCode[] {
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

/** `idempotency-key` → `Idempotency-Key`. */
function headerName(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_match, dash: string, letter: string) => dash + letter.toUpperCase());
}

const PARAMETER_PLACES = { params: 'path', querystring: 'query', headers: 'header' } as const;

/** The parameters a route's schema declares (path, query, headers). */
function parameters(schema: RouteOptions['schema'], where: keyof typeof PARAMETER_PLACES) {
  const source = (schema as Record<string, unknown> | undefined)?.[where] as
    | { properties?: Record<string, Record<string, unknown>>; required?: string[] }
    | undefined;
  if (!source?.properties) return [];
  return Object.entries(source.properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name: where === 'headers' ? headerName(name) : name,
      in: PARAMETER_PLACES[where],
      required: where === 'params' || (source.required ?? []).includes(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

function headerRefs(names: readonly ResponseHeader[]) {
  return Object.fromEntries(names.map((name) => [name, { $ref: `#/components/headers/${name}` }]));
}

/** The response headers of an error answer of `status` on `route`. */
function errorHeaders(route: CollectedRoute, status: number): ResponseHeader[] {
  const names: ResponseHeader[] = ['X-Request-Id'];
  if (route.contract.surface === 'bearer' && (status === 401 || status === 403)) names.push('WWW-Authenticate');
  if (status === 405) names.push('Allow');
  if (status === 429) names.push('Retry-After', 'RateLimit', 'RateLimit-Policy');
  if (status === 503) names.push('Retry-After');
  return names;
}

/** The `security` of an operation: admin key, or the app's credentials with the route's scope. */
function securityOf(route: CollectedRoute): Record<string, string[]>[] | undefined {
  if (route.contract.realm === 'idgate-admin') return [{ adminKey: [] }];
  const scope = REST_SCOPES.find((candidate) => candidate === route.contract.tag);
  if (route.contract.realm === 'idgate' && scope) return [{ appBasic: [] }, { appBearer: [scope] }];
  return undefined;
}

/** Whether a route counts against the app's rate limit (the REST API). */
function rateLimited(route: CollectedRoute): boolean {
  return route.contract.realm === 'idgate';
}

function errorResponses(route: CollectedRoute, issuer: string, instance: string) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of errorsOf(route)) {
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
      headers: headerRefs(errorHeaders(route, status)),
      content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' }, examples } },
    };
  }
  return responses;
}

function successResponses(route: CollectedRoute) {
  const extras = OPERATIONS[`${route.method.toUpperCase()} ${route.url}`];
  const success = extras?.success ?? [{ status: 200, description: 'Success' }];
  const responses: Record<string, unknown> = {};
  for (const answer of success) {
    const names: ResponseHeader[] = ['X-Request-Id', ...(answer.headers ?? [])];
    if (rateLimited(route)) names.push('RateLimit', 'RateLimit-Policy');
    responses[String(answer.status)] = {
      description: answer.description,
      headers: headerRefs(names),
      ...(answer.schema === undefined
        ? {}
        : {
            content: Object.fromEntries(
              (route.contract.produces ?? ['application/json']).map((type) => [
                type,
                { schema: { $ref: `#/components/schemas/${answer.schema}` } },
              ]),
            ),
          }),
    };
  }
  return responses;
}

/** The document, as `GET /openapi.json` serves it. */
export type OpenApiDocument = ReturnType<typeof buildOpenApiDocument>;

/** Builds the document. */
export function buildOpenApiDocument(routes: readonly CollectedRoute[], issuer: string, version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = toOpenApiPath(route.url);
    const schema = route.schema as Record<string, unknown> | undefined;
    const body = schema?.body;
    const extras = OPERATIONS[`${route.method.toUpperCase()} ${route.url}`];
    const security = securityOf(route);
    const operation: Record<string, unknown> = {
      ...(extras ? { operationId: extras.operationId } : {}),
      summary: route.contract.summary,
      tags: route.contract.tag ? [route.contract.tag] : [],
      ...(security ? { security } : {}),
      parameters: [
        ...parameters(route.schema, 'params'),
        ...parameters(route.schema, 'querystring'),
        ...parameters(route.schema, 'headers'),
        ...(extras?.ifMatch ? [{ $ref: '#/components/parameters/If-Match' }] : []),
      ],
      responses: { ...successResponses(route), ...errorResponses(route, issuer, path) },
    };
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
      description:
        `Errors are RFC 9457 problem details; every code is documented at ${issuer}/errors. ` +
        'Every path answers another method with 405 and `Allow`.',
    },
    externalDocs: { description: 'This document, rendered', url: `${issuer}${API_REFERENCE_PATH}` },
    servers: [{ url: issuer }],
    tags: [
      { name: 'providers', description: 'Identity providers an app can use (scope `providers`).' },
      { name: 'verifications', description: 'Verification sessions (scope `verifications`).' },
      { name: 'admin', description: 'The admin API (admin key).' },
      {
        name: 'webhooks',
        description:
          "What idgate sends to the app: status-change events and the sign-in hook, signed with the app's hook secret.",
      },
    ],
    paths,
    webhooks: webhooksSection(),
    components: {
      securitySchemes: securitySchemes(issuer),
      headers: HEADERS,
      parameters: {
        'If-Match': {
          name: 'If-Match',
          in: 'header',
          required: false,
          description: 'The ETag last read; when given and stale, the answer is 412 RESOURCE_PRECONDITION_FAILED.',
          schema: { type: 'string' },
        },
      },
      schemas: withComponentRefs({ Problem: PROBLEM_SCHEMA, ...VIEW_SCHEMAS, ...HOOK_SCHEMAS }),
    },
  };
}

/**
 * The component schemas, each schema nested in one that is equal to another component
 * replaced by a `$ref` to it (`ProviderList.data` items → `Provider`), so that readers
 * and generated types name the shape instead of repeating it. Compared by content: the
 * TypeBox schemas are copied as they are composed.
 */
function withComponentRefs(schemas: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const names = new Map<string, string>();
  for (const [name, schema] of Object.entries(schemas)) {
    const key = JSON.stringify(schema);
    if (!names.has(key)) names.set(key, name);
  }
  function refer(value: unknown, top: boolean): unknown {
    if (typeof value !== 'object' || value === null) return value;
    const name = top ? undefined : names.get(JSON.stringify(value));
    if (name !== undefined) return { $ref: `#/components/schemas/${name}` };
    if (Array.isArray(value)) return value.map((item) => refer(item, false));
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, refer(item, false)]));
  }
  return Object.fromEntries(Object.entries(schemas).map(([name, schema]) => [name, refer(schema, true)]));
}

function securitySchemes(issuer: string) {
  return {
    appBasic: {
      type: 'http',
      scheme: 'basic',
      description: "The app's client id and secret (confidential apps).",
    },
    appBearer: {
      type: 'oauth2',
      description:
        'An opaque access token from the client_credentials grant at /token, sent as Authorization: Bearer. ' +
        'Each operation needs one scope.',
      flows: {
        clientCredentials: {
          tokenUrl: `${issuer}/token`,
          scopes: {
            verifications: 'Create, read and cancel verifications, and relay Digital Credentials API answers.',
            providers: "List and read the app's providers.",
          },
        },
      },
    },
    adminKey: { type: 'http', scheme: 'bearer', description: 'The admin key (IDGATE_ADMIN_KEY).' },
  };
}

const HEADERS: Record<ResponseHeader, { description: string; schema: Record<string, unknown> }> = {
  'X-Request-Id': {
    description: 'The request id, also in the error body and the log line.',
    schema: { type: 'string' },
  },
  Location: { description: 'The URL of the created resource.', schema: { type: 'string', format: 'uri-reference' } },
  ETag: { description: 'The version of the resource, for If-Match.', schema: { type: 'string' } },
  'Idempotent-Replayed': {
    description: 'Present when the answer is the replay of an earlier request with the same Idempotency-Key.',
    schema: { type: 'string', enum: ['true'] },
  },
  'Retry-After': {
    description: 'Seconds to wait before retrying.',
    schema: { type: 'integer', minimum: 0 },
  },
  'WWW-Authenticate': {
    description: 'RFC 6750 Bearer challenge (with `error` and `scope` when the token was refused).',
    schema: { type: 'string' },
  },
  RateLimit: {
    description: 'draft-ietf-httpapi-ratelimit-headers: the remaining quota (`"rest-app";r=…;t=…`).',
    schema: { type: 'string' },
  },
  'RateLimit-Policy': {
    description: 'draft-ietf-httpapi-ratelimit-headers: the quota policy (`"rest-app";q=…;w=60`).',
    schema: { type: 'string' },
  },
  Allow: { description: 'The methods the path answers.', schema: { type: 'string' } },
};

const PROBLEM_SCHEMA = {
  type: 'object',
  description: 'RFC 9457 problem details.',
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
};
