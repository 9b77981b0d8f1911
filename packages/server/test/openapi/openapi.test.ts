/**
 * SPEC 8: `/openapi.json` is a valid OpenAPI 3.1 document of the REST and admin API.
 * Every registered `/v1` and `/admin/v1` route has an operation with its security, a
 * schema for each success status and a `Problem` response for each error status it can
 * answer; the documented scope is the one the route needs; and real answers validate
 * against the documented success schemas (which are closed), so the schemas are proven
 * against the code.
 */
import { CATALOG } from '@idgate/errors';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { LightMyRequestResponse, RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteContract } from '../../src/http/route-contract.js';
import { OPERATIONS } from '../../src/openapi/operations.js';
import { adminAuth, createTestApp, type TestApp } from '../support/app.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import {
  createRestApp,
  createVerification,
  json,
  type RestApp,
  sealToken,
  testClock,
} from '../verification/helpers.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

interface Response {
  readonly headers?: Record<string, { $ref: string }>;
  readonly content?: Record<string, { schema: { $ref: string } }>;
}
interface Operation {
  readonly security?: Record<string, string[]>[];
  readonly tags: string[];
  readonly responses: Record<string, Response>;
}
interface Document {
  readonly paths: Record<string, Record<string, Operation>>;
  readonly components: { readonly schemas: Record<string, unknown>; readonly headers: Record<string, unknown> };
}
interface RegisteredRoute {
  readonly method: string;
  readonly url: string;
  readonly contract: RouteContract;
}

const REST_PREFIXES = ['/v1/', '/admin/v1/'];

function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

describe.each(TEST_DATABASE_KINDS)('OpenAPI document on %s', (kind) => {
  let t: TestApp;
  let rest: RestApp;
  let document: Document;
  let ajv: Ajv2020;
  const clock = testClock();
  const registered: RegisteredRoute[] = [];

  beforeAll(async () => {
    t = await createTestApp(kind, {
      clock: clock.clock,
      routes(app) {
        app.addHook('onRoute', function recordRoute(route: RouteOptions) {
          const contract = (route.config as { idgate?: RouteContract } | undefined)?.idgate;
          if (!contract?.summary || !REST_PREFIXES.some((prefix) => route.url.startsWith(prefix))) return;
          for (const method of Array.isArray(route.method) ? route.method : [route.method]) {
            if (method !== 'HEAD') registered.push({ method, url: route.url, contract });
          }
        });
      },
    });
    rest = await createRestApp(t);
    const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    document = JSON.parse(res.body) as Document;
    ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
    ajv.addSchema(document as unknown as Record<string, unknown>, 'openapi.json');
  });
  afterAll(async () => {
    await t?.close();
  });

  function operationOf(method: string, url: string): Operation {
    const operation = document.paths[openApiPath(url)]?.[method.toLowerCase()];
    expect(operation, `${method} ${url}`).toBeDefined();
    return operation as Operation;
  }

  /** Asserts `res` is a documented answer of the operation and its body fits the schema. */
  function expectDocumented(method: string, url: string, res: LightMyRequestResponse): Record<string, unknown> {
    const response = operationOf(method, url).responses[String(res.statusCode)];
    expect(response, `${method} ${url} answered ${res.statusCode}: ${res.body}`).toBeDefined();
    const ref = response?.content?.['application/json']?.schema.$ref;
    expect(ref, `${method} ${url} ${res.statusCode} has a schema`).toMatch(/^#\/components\/schemas\//);
    const validate = ajv.getSchema(`openapi.json${ref}`);
    expect(validate).toBeDefined();
    const body = json(res);
    const valid = validate?.(body);
    expect(valid, `${method} ${url}: ${JSON.stringify(validate?.errors)}\n${res.body}`).toBe(true);
    return body;
  }

  it('validates as OpenAPI 3.1', async () => {
    const validator = new Validator();
    const result = await validator.validate(document as unknown as Record<string, unknown>);
    expect(result.errors, JSON.stringify(result.errors, null, 2)).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('a broken document does not validate (the validator is not vacuous)', async () => {
    const broken = structuredClone(document) as unknown as { paths: Record<string, Record<string, unknown>> };
    const first = Object.values(broken.paths)[0] as Record<string, { responses: unknown }>;
    for (const operation of Object.values(first)) operation.responses = 'none';
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it('every operation, webhooks included, has a unique camelCase operationId; the /v1 ones are the SDK method names', () => {
    const ids: string[] = [];
    const sections = { ...document.paths, ...(document as unknown as { webhooks: Document['paths'] }).webhooks };
    for (const [path, item] of Object.entries(sections)) {
      for (const [method, operation] of Object.entries(item)) {
        const id = (operation as Operation & { operationId?: string }).operationId;
        expect(id, `${method} ${path}`).toMatch(/^[a-z][A-Za-z0-9]*$/);
        ids.push(id as string);
      }
    }
    // The REST and admin operations, seven event webhooks and the sign-in hook.
    expect(ids.length).toBe(registered.length + 8);
    expect(new Set(ids).size).toBe(ids.length);
    const idOf = (method: string, url: string) =>
      (operationOf(method, url) as Operation & { operationId?: string }).operationId;
    expect([
      idOf('GET', '/v1/providers'),
      idOf('GET', '/v1/providers/:providerId'),
      idOf('POST', '/v1/verifications'),
      idOf('GET', '/v1/verifications/:verificationId'),
      idOf('POST', '/v1/verifications/:verificationId/cancel'),
      idOf('GET', '/admin/v1/apps'),
    ]).toEqual([
      'listProviders',
      'getProvider',
      'createVerification',
      'getVerification',
      'cancelVerification',
      'listApps',
    ]);
  });

  it('every /v1 and /admin/v1 route has an operation with security, success schemas and Problem errors', () => {
    expect(registered.length).toBeGreaterThanOrEqual(19);
    expect(Object.keys(OPERATIONS).sort()).toEqual(registered.map((route) => `${route.method} ${route.url}`).sort());
    for (const route of registered) {
      const what = `${route.method} ${route.url}`;
      const operation = operationOf(route.method, route.url);
      if (route.url.startsWith('/admin/')) {
        expect(operation.security, what).toEqual([{ adminKey: [] }]);
      } else {
        expect(['providers', 'verifications'], what).toContain(route.contract.tag);
        expect(operation.security, what).toEqual([{ appBasic: [] }, { appBearer: [route.contract.tag] }]);
      }
      for (const success of OPERATIONS[`${route.method} ${route.url}`]?.success ?? []) {
        const response = operation.responses[String(success.status)];
        expect(response, `${what} ${success.status}`).toBeDefined();
        if (success.status === 204) {
          expect(response?.content, what).toBeUndefined();
          continue;
        }
        const ref = response?.content?.['application/json']?.schema.$ref ?? '';
        expect(document.components.schemas[ref.replace('#/components/schemas/', '')], `${what} ${ref}`).toBeDefined();
      }
      const statuses = new Set((route.contract.errors ?? []).map((code) => CATALOG[code].status));
      for (const status of [405, 500, 503]) statuses.add(status);
      if (route.url.startsWith('/v1/')) expect(statuses.has(429), what).toBe(true);
      for (const status of statuses) {
        const response = operation.responses[String(status)];
        expect(response?.content?.['application/problem+json']?.schema, `${what} ${status}`).toEqual({
          $ref: '#/components/schemas/Problem',
        });
        expect(response?.headers?.['X-Request-Id'], `${what} ${status}`).toBeDefined();
      }
      expect(operation.responses['405']?.headers?.Allow, what).toEqual({ $ref: '#/components/headers/Allow' });
      expect(operation.responses['503']?.headers?.['Retry-After'], what).toBeDefined();
      expect(operation.responses['401']?.headers?.['WWW-Authenticate'], what).toBeDefined();
      if (statuses.has(429)) {
        for (const header of ['Retry-After', 'RateLimit', 'RateLimit-Policy']) {
          expect(operation.responses['429']?.headers?.[header], `${what} 429 ${header}`).toBeDefined();
        }
      }
    }
    for (const name of ['Location', 'ETag', 'Idempotent-Replayed', 'RateLimit', 'RateLimit-Policy', 'Allow']) {
      expect(document.components.headers[name], name).toBeDefined();
    }
  });

  it('request headers: Idempotency-Key from the route schema, If-Match where it is honoured', () => {
    const create = operationOf('POST', '/v1/verifications') as Operation & { parameters: Record<string, unknown>[] };
    expect(create.parameters).toContainEqual(
      expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: false }),
    );
    const patch = operationOf('PATCH', '/admin/v1/apps/:clientId') as Operation & { parameters: unknown[] };
    expect(patch.parameters).toContainEqual({ $ref: '#/components/parameters/If-Match' });
    const get = operationOf('GET', '/admin/v1/apps/:clientId') as Operation & { parameters: unknown[] };
    expect(get.parameters).not.toContainEqual({ $ref: '#/components/parameters/If-Match' });
  });

  it('the documented scope is the one each /v1 route needs', async () => {
    const urls: Record<string, string> = {
      '/v1/providers': '/v1/providers',
      '/v1/providers/:providerId': '/v1/providers/mock-qr',
      '/v1/verifications': '/v1/verifications',
      '/v1/verifications/:verificationId': '/v1/verifications/vrf_test_unknown',
      '/v1/verifications/:verificationId/cancel': '/v1/verifications/vrf_test_unknown/cancel',
      '/v1/verifications/:verificationId/dc-response': '/v1/verifications/vrf_test_unknown/dc-response',
    };
    let checked = 0;
    for (const route of registered.filter((candidate) => candidate.url.startsWith('/v1/'))) {
      const scope = operationOf(route.method, route.url).security?.[1]?.appBearer?.[0] ?? '';
      const other = scope === 'providers' ? 'verifications' : 'providers';
      const url = urls[route.url] ?? route.url;
      const payload = route.method === 'POST' ? {} : undefined;
      const refused = await t.app.inject({
        method: route.method as 'GET' | 'POST',
        url,
        headers: { authorization: `Bearer ${sealToken(t, rest.clientId, other)}` },
        ...(payload ? { payload } : {}),
      });
      expect(refused.statusCode, `${route.method} ${route.url} with ${other}`).toBe(403);
      expect(json(refused).title).toBe('AUTH_INSUFFICIENT_SCOPE');
      const accepted = await t.app.inject({
        method: route.method as 'GET' | 'POST',
        url,
        headers: { authorization: `Bearer ${sealToken(t, rest.clientId, scope)}` },
        ...(payload ? { payload } : {}),
      });
      expect([401, 403], `${route.method} ${route.url} with ${scope}: ${accepted.body}`).not.toContain(
        accepted.statusCode,
      );
      checked++;
    }
    expect(checked).toBe(6);
  });

  it('real REST answers validate against their documented schemas', async () => {
    const providers = await t.app.inject({
      method: 'GET',
      url: '/v1/providers',
      headers: { authorization: rest.basic },
    });
    const list = expectDocumented('GET', '/v1/providers', providers) as { data: unknown[] };
    expect(list.data.length).toBeGreaterThan(0);
    expect(providers.headers.ratelimit).toBeDefined();
    const provider = await t.app.inject({
      method: 'GET',
      url: '/v1/providers/mock-qr',
      headers: { authorization: rest.basic },
    });
    expect(expectDocumented('GET', '/v1/providers/:providerId', provider).testIdentities).toBeDefined();

    const created = await createVerification(
      t,
      rest.basic,
      { providerId: 'mock-qr', userData: { testIdentity: 'success' }, requestedClaims: ['email', 'given_name'] },
      { 'idempotency-key': 'openapi-test-key-0001' },
    );
    const { verificationId } = expectDocumented('POST', '/v1/verifications', created) as { verificationId: string };
    expect(created.headers.location).toBe(`/v1/verifications/${verificationId}`);
    const replayed = await createVerification(
      t,
      rest.basic,
      { providerId: 'mock-qr', userData: { testIdentity: 'success' }, requestedClaims: ['email', 'given_name'] },
      { 'idempotency-key': 'openapi-test-key-0001' },
    );
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expectDocumented('POST', '/v1/verifications', replayed);

    const pending = await t.app.inject({
      method: 'GET',
      url: `/v1/verifications/${verificationId}`,
      headers: { authorization: rest.basic },
    });
    expect(expectDocumented('GET', '/v1/verifications/:verificationId', pending).status).not.toBe('completed');
    clock.advance(2_000);
    const completed = await t.app.inject({
      method: 'GET',
      url: `/v1/verifications/${verificationId}`,
      headers: { authorization: rest.basic },
    });
    const done = expectDocumented('GET', '/v1/verifications/:verificationId', completed);
    expect(done.status).toBe('completed');
    expect(done.claims).toBeDefined();

    const failed = json<{ verificationId: string }>(
      await createVerification(t, rest.basic, { providerId: 'mock-qr', userData: { testIdentity: 'deny' } }),
    );
    clock.advance(2_000);
    const failedRead = await t.app.inject({
      method: 'GET',
      url: `/v1/verifications/${failed.verificationId}`,
      headers: { authorization: rest.basic },
    });
    expect(expectDocumented('GET', '/v1/verifications/:verificationId', failedRead).error).toBeDefined();

    const open = json<{ verificationId: string }>(await createVerification(t, rest.basic, { providerId: 'mock-qr' }));
    const cancelled = await t.app.inject({
      method: 'POST',
      url: `/v1/verifications/${open.verificationId}/cancel`,
      headers: { authorization: rest.basic },
    });
    expect(expectDocumented('POST', '/v1/verifications/:verificationId/cancel', cancelled).status).toBe('cancelled');

    const events = await t.app.inject({
      method: 'GET',
      url: `/admin/v1/verifications/${verificationId}/events`,
      headers: adminAuth(),
    });
    const trail = expectDocumented('GET', '/admin/v1/verifications/:verificationId/events', events) as {
      data: unknown[];
    };
    expect(trail.data.length).toBeGreaterThanOrEqual(2);
  });

  it('real admin answers validate against their documented schemas', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/admin/v1/apps',
      headers: adminAuth(),
      payload: {
        name: 'OpenAPI',
        type: 'confidential',
        redirectUris: ['https://shop.example/cb'],
        webhookUrl: 'https://shop.example/hooks',
      },
    });
    const app = expectDocumented('POST', '/admin/v1/apps', created) as { clientId: string };
    expect(created.headers.etag).toBeDefined();
    const path = `/admin/v1/apps/${app.clientId}`;
    const read = await t.app.inject({ method: 'GET', url: path, headers: adminAuth() });
    expect(expectDocumented('GET', '/admin/v1/apps/:clientId', read).clientId).toBe(app.clientId);
    const page = await t.app.inject({ method: 'GET', url: '/admin/v1/apps?limit=1', headers: adminAuth() });
    expect(expectDocumented('GET', '/admin/v1/apps', page).nextCursor).not.toBeNull();
    const patched = await t.app.inject({
      method: 'PATCH',
      url: path,
      headers: { ...adminAuth(), 'if-match': String(read.headers.etag) },
      payload: { name: 'OpenAPI 2' },
    });
    expect(expectDocumented('PATCH', '/admin/v1/apps/:clientId', patched).name).toBe('OpenAPI 2');
    const secret = await t.app.inject({ method: 'POST', url: `${path}/secret`, headers: adminAuth() });
    expectDocumented('POST', '/admin/v1/apps/:clientId/secret', secret);
    const hookSecret = await t.app.inject({ method: 'POST', url: `${path}/hook-secret`, headers: adminAuth() });
    expectDocumented('POST', '/admin/v1/apps/:clientId/hook-secret', hookSecret);
    // A provider the app has no row for (as for an app from before the provider existed).
    await t.database.database.db
      .deleteFrom('app_providers')
      .where('client_id', '=', app.clientId)
      .where('provider_id', '=', 'mock-push')
      .execute();
    const put = await t.app.inject({
      method: 'PUT',
      url: `${path}/providers/mock-push`,
      headers: adminAuth(),
      payload: { enabled: true },
    });
    expect(put.statusCode).toBe(201);
    expectDocumented('PUT', '/admin/v1/apps/:clientId/providers/:providerId', put);
    const putAgain = await t.app.inject({
      method: 'PUT',
      url: `${path}/providers/mock-push`,
      headers: adminAuth(),
      payload: { enabled: false },
    });
    expect(putAgain.statusCode).toBe(200);
    expectDocumented('PUT', '/admin/v1/apps/:clientId/providers/:providerId', putAgain);
    const setting = await t.app.inject({ method: 'GET', url: `${path}/providers/mock-push`, headers: adminAuth() });
    expectDocumented('GET', '/admin/v1/apps/:clientId/providers/:providerId', setting);
    const settings = await t.app.inject({ method: 'GET', url: `${path}/providers`, headers: adminAuth() });
    expectDocumented('GET', '/admin/v1/apps/:clientId/providers', settings);
    const deliveries = await t.app.inject({
      method: 'GET',
      url: `${path}/webhook-deliveries`,
      headers: adminAuth(),
    });
    expectDocumented('GET', '/admin/v1/apps/:clientId/webhook-deliveries', deliveries);
    const deleted = await t.app.inject({ method: 'DELETE', url: path, headers: adminAuth() });
    expect(deleted.statusCode).toBe(204);
    expect(operationOf('DELETE', '/admin/v1/apps/:clientId').responses['204']).toBeDefined();
  });

  it('real error answers are documented responses and fit the Problem schema (the renderer and the document agree)', async () => {
    const answers: [string, string, LightMyRequestResponse][] = [
      [
        'GET',
        '/v1/verifications/:verificationId',
        await t.app.inject({
          method: 'GET',
          url: '/v1/verifications/vrf_test_AAAAAAAAAAAAAAAAAAAAAAAA',
          headers: { authorization: rest.basic },
        }),
      ],
      [
        'GET',
        '/v1/providers',
        await t.app.inject({
          method: 'GET',
          url: '/v1/providers',
          headers: { authorization: `Basic ${Buffer.from(`${rest.clientId}:wrong-secret`).toString('base64')}` },
        }),
      ],
      [
        'POST',
        '/v1/verifications',
        await t.app.inject({
          method: 'POST',
          url: '/v1/verifications',
          headers: { authorization: rest.basic, 'content-type': 'application/json' },
          payload: { providerId: 'mock-qr', requestedLoa: 'high' },
        }),
      ],
      ['GET', '/admin/v1/apps', await t.app.inject({ method: 'GET', url: '/admin/v1/apps' })],
    ];
    const problem = ajv.getSchema('openapi.json#/components/schemas/Problem');
    expect(problem).toBeDefined();
    // Not vacuous: a body without the problem members fails it.
    expect(problem?.({ type: 'about:blank', status: 400 })).toBe(false);
    for (const [method, url, res] of answers) {
      expect(res.statusCode, res.body).toBeGreaterThanOrEqual(400);
      expect(res.headers['content-type']).toBe('application/problem+json');
      const response = operationOf(method, url).responses[String(res.statusCode)];
      expect(response, `${method} ${url} answered ${res.statusCode}, which the document does not list`).toBeDefined();
      const valid = problem?.(json(res));
      expect(valid, `${method} ${url}: ${JSON.stringify(problem?.errors)}\n${res.body}`).toBe(true);
    }
  });

  it('the success schemas are closed: an undocumented field fails validation', () => {
    const validate = ajv.getSchema('openapi.json#/components/schemas/App');
    const read = { clientId: 'x' };
    expect(validate?.(read)).toBe(false);
    const operation = operationOf('GET', '/v1/providers');
    const ref = operation.responses['200']?.content?.['application/json']?.schema.$ref;
    const providers = ajv.getSchema(`openapi.json${ref}`);
    expect(providers?.({ data: [] })).toBe(true);
    expect(providers?.({ data: [], extra: true })).toBe(false);
  });
});
