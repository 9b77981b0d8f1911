/**
 * Admin API, apps (SPEC 1, 3, 4.3): create, validate, read, list, update, delete, and
 * how credentials are stored. Black-box through `app.inject()` on each configured database.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, createTestApp, type TestApp } from '../support/app.js';
import { expectBearerChallenge, expectProblem } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import { registerSecret } from '../support/leaks.js';

const OIDC_SCOPES = ['openid', 'profile', 'email', 'phone', 'address', 'offline_access'];
const REST_SCOPES = ['verifications', 'providers'];
const MOCK_PROVIDERS = ['mock-push', 'mock-qr', 'mock-redirect', 'mock-wallet'];

interface AppBody {
  clientId: string;
  environment: string;
  name: string;
  type: string;
  redirectUris: string[];
  allowedOrigins: string[];
  grantTypes: string[];
  scopes: string[];
  scopesRestricted: boolean;
  tokenEndpointAuthMethods: string[];
  signInHookUrl: string | null;
  webhookUrl: string | null;
  hasHookSecret: boolean;
  version: number;
  clientSecret?: string;
  hookSecret?: string;
}

interface FieldProblem {
  name: string;
  pointer: string;
  reason: string;
}

function json<T>(res: LightMyRequestResponse): T {
  return JSON.parse(res.body) as T;
}

/** The `context.fields` of a validation problem, checked for shape. */
function fieldsOf(body: Record<string, unknown>): FieldProblem[] {
  const fields = (body.context as { fields?: FieldProblem[] }).fields ?? [];
  for (const field of fields) {
    expect(typeof field.name).toBe('string');
    expect(typeof field.pointer).toBe('string');
    expect(typeof field.reason).toBe('string');
    expect(field.reason.length).toBeGreaterThan(0);
  }
  return fields;
}

function pointersOf(body: Record<string, unknown>): string[] {
  return fieldsOf(body)
    .map((field) => field.pointer)
    .sort();
}

/** Asserts the response is an admin validation problem (bearer surface, token was sent). */
function expectValidation(
  res: LightMyRequestResponse,
  code: 'VALIDATION_MISSING_PARAMETER' | 'VALIDATION_INVALID_PARAMETER',
  instance: string,
): Record<string, unknown> {
  const body = expectProblem(res, code, { instance });
  expectBearerChallenge(res, undefined, { realm: 'idgate-admin', error: 'invalid_request' });
  return body;
}

describe.each(TEST_DATABASE_KINDS)('admin API: apps on %s', (kind) => {
  let t: TestApp;

  async function create(body: Record<string, unknown>): Promise<{ res: LightMyRequestResponse; app: AppBody }> {
    const res = await t.app.inject({ method: 'POST', url: '/admin/v1/apps', headers: adminAuth(), payload: body });
    expect(res.statusCode, res.body).toBe(201);
    const app = json<AppBody>(res);
    registerSecret(app.clientSecret);
    registerSecret(app.hookSecret);
    return { res, app };
  }

  async function get(clientId: string): Promise<LightMyRequestResponse> {
    return t.app.inject({ method: 'GET', url: `/admin/v1/apps/${clientId}`, headers: adminAuth() });
  }

  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('create', () => {
    it('a confidential app: 201 with Location, ETag, test_ credentials and the default scopes', async () => {
      const { res, app } = await create({
        name: 'Shop',
        type: 'confidential',
        redirectUris: ['https://shop.example/cb'],
      });
      expect(app.clientId).toMatch(/^test_[0-9A-Za-z]{24}$/);
      expect(app.clientSecret).toMatch(/^test_[0-9A-Za-z]{43}$/);
      expect(app).not.toHaveProperty('hookSecret');
      expect(res.headers.location).toBe(`/admin/v1/apps/${app.clientId}`);
      expect(res.headers.etag).toBe('"v1"');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(app).toMatchObject({
        environment: 'sandbox',
        name: 'Shop',
        type: 'confidential',
        redirectUris: ['https://shop.example/cb'],
        allowedOrigins: [],
        grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
        scopesRestricted: false,
        tokenEndpointAuthMethods: ['client_secret_basic', 'client_secret_post'],
        signInHookUrl: null,
        webhookUrl: null,
        hasHookSecret: false,
        version: 1,
      });
      expect([...app.scopes].sort()).toEqual([...OIDC_SCOPES, ...REST_SCOPES].sort());
    });

    it('a public app: no client secret, OIDC scopes only, auth method none', async () => {
      const { app } = await create({ name: 'SPA', type: 'public', redirectUris: ['https://spa.example/cb'] });
      expect(app.clientId).toMatch(/^test_/);
      expect(app).not.toHaveProperty('clientSecret');
      expect(app).not.toHaveProperty('hookSecret');
      expect([...app.scopes].sort()).toEqual([...OIDC_SCOPES].sort());
      expect(app.grantTypes).toEqual(['authorization_code', 'refresh_token']);
      expect(app.tokenEndpointAuthMethods).toEqual(['none']);
    });

    it('a hook secret is returned when signInHookUrl or webhookUrl is set', async () => {
      for (const urls of [
        { signInHookUrl: 'https://shop.example/hook' },
        { webhookUrl: 'https://shop.example/webhook' },
        { signInHookUrl: 'https://shop.example/hook', webhookUrl: 'https://shop.example/webhook' },
      ]) {
        const { app } = await create({
          name: 'Hooks',
          type: 'public',
          redirectUris: ['https://spa.example/cb'],
          ...urls,
        });
        expect(app.hookSecret).toMatch(/^whsec_[0-9A-Za-z]{43}$/);
        expect(app.hasHookSecret).toBe(true);
        expect(app).not.toHaveProperty('clientSecret');
      }
    });

    it('in sandbox the three mock providers and mock-wallet are enabled', async () => {
      const { app } = await create({ name: 'Mocks', type: 'confidential', redirectUris: ['https://shop.example/cb'] });
      const res = await t.app.inject({
        method: 'GET',
        url: `/admin/v1/apps/${app.clientId}/providers`,
        headers: adminAuth(),
      });
      expect(res.statusCode).toBe(200);
      const { data } = json<{ data: { providerId: string; enabled: boolean; configured: boolean }[] }>(res);
      expect(data.map((provider) => provider.providerId).sort()).toEqual(MOCK_PROVIDERS);
      for (const provider of data) expect(provider).toMatchObject({ enabled: true, configured: true });
    });

    it('restricted scopes are kept as given', async () => {
      const { app } = await create({
        name: 'Narrow',
        type: 'confidential',
        redirectUris: ['https://shop.example/cb'],
        scopes: ['openid', 'verifications'],
      });
      expect(app.scopes).toEqual(['openid', 'verifications']);
      expect(app.scopesRestricted).toBe(true);
    });

    it('missing required fields: VALIDATION_MISSING_PARAMETER listing each', async () => {
      const res = await t.app.inject({ method: 'POST', url: '/admin/v1/apps', headers: adminAuth(), payload: {} });
      const body = expectValidation(res, 'VALIDATION_MISSING_PARAMETER', '/admin/v1/apps');
      expect(fieldsOf(body)).toEqual(
        expect.arrayContaining([
          { name: 'name', pointer: '/name', reason: 'is required' },
          { name: 'type', pointer: '/type', reason: 'is required' },
          { name: 'redirectUris', pointer: '/redirectUris', reason: 'is required' },
        ]),
      );
      expect(pointersOf(body)).toEqual(['/name', '/redirectUris', '/type']);
    });

    it('one missing field is listed alone', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/admin/v1/apps',
        headers: adminAuth(),
        payload: { type: 'public', redirectUris: ['https://spa.example/cb'] },
      });
      const body = expectValidation(res, 'VALIDATION_MISSING_PARAMETER', '/admin/v1/apps');
      expect(fieldsOf(body)).toEqual([{ name: 'name', pointer: '/name', reason: 'is required' }]);
    });

    it('an empty body or no body at all is VALIDATION_MISSING_PARAMETER', async () => {
      const empty = await t.app.inject({
        method: 'POST',
        url: '/admin/v1/apps',
        headers: { ...adminAuth(), 'content-type': 'application/json' },
        payload: '',
      });
      expectProblem(empty, 'VALIDATION_MISSING_PARAMETER', { instance: '/admin/v1/apps' });
      const none = await t.app.inject({ method: 'POST', url: '/admin/v1/apps', headers: adminAuth() });
      expectProblem(none, 'VALIDATION_MISSING_PARAMETER', { instance: '/admin/v1/apps' });
    });

    it('malformed JSON is VALIDATION_INVALID_PARAMETER', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/admin/v1/apps',
        headers: { ...adminAuth(), 'content-type': 'application/json' },
        payload: '{"name": ',
      });
      const body = expectProblem(res, 'VALIDATION_INVALID_PARAMETER', { instance: '/admin/v1/apps' });
      expect(fieldsOf(body)).toEqual([{ name: 'body', pointer: '', reason: 'is not valid JSON' }]);
    });

    it('badly typed fields are all listed at once (schema level)', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/admin/v1/apps',
        headers: adminAuth(),
        payload: {
          name: '',
          type: 'weird',
          redirectUris: 'https://a.example/cb',
          grantTypes: ['implicit'],
          colour: 'red',
        },
      });
      const body = expectValidation(res, 'VALIDATION_INVALID_PARAMETER', '/admin/v1/apps');
      expect(new Set(pointersOf(body))).toEqual(
        new Set(['/name', '/type', '/redirectUris', '/grantTypes/0', '/colour']),
      );
    });

    it('bad values on a public app: every offending field at once, with exact pointers', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/admin/v1/apps',
        headers: adminAuth(),
        payload: {
          name: 'Bad',
          type: 'public',
          redirectUris: ['https://ok.example/cb', 'https://a.example/cb#fragment', 'https://user:pass@a.example/cb'],
          allowedOrigins: ['https://ok.example', 'https://a.example/path'],
          grantTypes: ['authorization_code', 'client_credentials'],
          scopes: ['openid', 'bogus', 'verifications'],
          tokenEndpointAuthMethods: ['client_secret_basic'],
          providers: ['mock-qr', 'no-such-provider'],
          webhookUrl: 'ftp://a.example/hook',
        },
      });
      const body = expectValidation(res, 'VALIDATION_INVALID_PARAMETER', '/admin/v1/apps');
      expect(pointersOf(body)).toEqual(
        [
          '/redirectUris/1',
          '/redirectUris/2',
          '/allowedOrigins/1',
          '/grantTypes/1',
          '/scopes/1',
          '/scopes/2',
          '/tokenEndpointAuthMethods/0',
          '/providers/1',
          '/webhookUrl',
        ].sort(),
      );
      const byPointer = new Map(fieldsOf(body).map((field) => [field.pointer, field]));
      expect(byPointer.get('/redirectUris/1')).toMatchObject({
        name: 'redirectUris[1]',
        reason: expect.stringContaining('fragment'),
      });
      expect(byPointer.get('/redirectUris/2')).toMatchObject({
        name: 'redirectUris[2]',
        reason: expect.stringContaining('user information'),
      });
      expect(byPointer.get('/allowedOrigins/1')?.reason).toContain('origin');
      expect(byPointer.get('/grantTypes/1')?.reason).toContain('confidential');
      expect(byPointer.get('/scopes/1')?.reason).toContain('not a known scope');
      expect(byPointer.get('/scopes/2')?.reason).toContain('confidential');
      expect(byPointer.get('/providers/1')?.reason).toContain('not a provider');
      // Nothing was written.
      const list = await t.app.inject({ method: 'GET', url: '/admin/v1/apps?limit=100', headers: adminAuth() });
      expect(json<{ data: AppBody[] }>(list).data.some((app) => app.name === 'Bad')).toBe(false);
    });

    it('the none auth method on a confidential app is VALIDATION_INVALID_PARAMETER', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/admin/v1/apps',
        headers: adminAuth(),
        payload: {
          name: 'Conf',
          type: 'confidential',
          redirectUris: ['https://shop.example/cb'],
          tokenEndpointAuthMethods: ['client_secret_basic', 'none'],
          grantTypes: ['refresh_token'],
        },
      });
      const body = expectValidation(res, 'VALIDATION_INVALID_PARAMETER', '/admin/v1/apps');
      expect(pointersOf(body)).toEqual(['/grantTypes', '/tokenEndpointAuthMethods/1']);
    });

    it('a production redirect URI must use https unless it is loopback', async () => {
      const prod = await createTestApp(kind, { env: { IDGATE_ENV: 'production' } });
      try {
        const res = await prod.app.inject({
          method: 'POST',
          url: '/admin/v1/apps',
          headers: adminAuth(),
          payload: {
            name: 'Plain',
            type: 'public',
            redirectUris: ['http://shop.example/cb', 'http://127.0.0.1:8080/cb'],
          },
        });
        const body = expectValidation(res, 'VALIDATION_INVALID_PARAMETER', '/admin/v1/apps');
        expect(pointersOf(body)).toEqual(['/redirectUris/0']);
      } finally {
        await prod.close();
      }
    });
  });

  describe('production instance', () => {
    let prod: TestApp;
    beforeAll(async () => {
      prod = await createTestApp(kind, { env: { IDGATE_ENV: 'production' } });
    });
    afterAll(async () => {
      await prod?.close();
    });

    it('issues live_ credentials and enables no provider', async () => {
      const res = await prod.app.inject({
        method: 'POST',
        url: '/admin/v1/apps',
        headers: adminAuth(),
        payload: {
          name: 'Live shop',
          type: 'confidential',
          redirectUris: ['https://shop.example/cb'],
          webhookUrl: 'https://shop.example/wh',
        },
      });
      expect(res.statusCode, res.body).toBe(201);
      const app = json<AppBody>(res);
      registerSecret(app.clientSecret);
      registerSecret(app.hookSecret);
      expect(app.clientId).toMatch(/^live_[0-9A-Za-z]{24}$/);
      expect(app.clientSecret).toMatch(/^live_[0-9A-Za-z]{43}$/);
      expect(app.hookSecret).toMatch(/^whsec_/);
      expect(app.environment).toBe('production');
      const providers = await prod.app.inject({
        method: 'GET',
        url: `/admin/v1/apps/${app.clientId}/providers`,
        headers: adminAuth(),
      });
      expect(providers.statusCode).toBe(200);
      expect(json<{ data: unknown[] }>(providers).data).toEqual([]);
    });

    it('a mock provider named on create is refused in production', async () => {
      const res = await prod.app.inject({
        method: 'POST',
        url: '/admin/v1/apps',
        headers: adminAuth(),
        payload: {
          name: 'Live',
          type: 'public',
          redirectUris: ['https://shop.example/cb'],
          providers: ['mock-redirect'],
        },
      });
      const body = expectValidation(res, 'VALIDATION_INVALID_PARAMETER', '/admin/v1/apps');
      expect(pointersOf(body)).toEqual(['/providers/0']);
    });

    it('a test_ id on production is 404 naming the sandbox', async () => {
      const url = '/admin/v1/apps/test_AAAAAAAAAAAAAAAAAAAAAAAA';
      const res = await prod.app.inject({ method: 'GET', url, headers: adminAuth() });
      const body = expectProblem(res, 'RESOURCE_NOT_FOUND', { instance: url });
      expect(body.detail).toContain('sandbox client id');
    });

    it('environments do not see each other: a sandbox app is not listed in production', async () => {
      const sandbox = await create({ name: 'Sandbox only', type: 'public', redirectUris: ['https://spa.example/cb'] });
      const list = await prod.app.inject({ method: 'GET', url: '/admin/v1/apps?limit=100', headers: adminAuth() });
      const ids = json<{ data: AppBody[] }>(list).data.map((app) => app.clientId);
      expect(ids).not.toContain(sandbox.app.clientId);
      for (const id of ids) expect(id).toMatch(/^live_/);
    });
  });

  describe('read', () => {
    it('GET returns the app with an ETag and never a secret', async () => {
      const { app } = await create({
        name: 'Readable',
        type: 'confidential',
        redirectUris: ['https://shop.example/cb'],
        signInHookUrl: 'https://shop.example/hook',
      });
      const res = await get(app.clientId);
      expect(res.statusCode).toBe(200);
      expect(res.headers.etag).toBe('"v1"');
      expect(res.headers['x-request-id']).toEqual(expect.any(String));
      const body = json<AppBody>(res);
      expect(body).toMatchObject({ clientId: app.clientId, name: 'Readable', hasHookSecret: true });
      expect(body).not.toHaveProperty('clientSecret');
      expect(body).not.toHaveProperty('hookSecret');
      expect(body).not.toHaveProperty('secretHash');
      expect(res.body).not.toContain(app.clientSecret!);
      expect(res.body).not.toContain(app.hookSecret!);
    });

    it('an unknown id is 404 RESOURCE_NOT_FOUND', async () => {
      const url = '/admin/v1/apps/test_doesNotExist0000000000';
      const res = await get('test_doesNotExist0000000000');
      const body = expectProblem(res, 'RESOURCE_NOT_FOUND', { instance: url });
      expect(body.context).toEqual({ clientId: 'test_doesNotExist0000000000' });
      expect(res.headers['www-authenticate']).toBeUndefined();
    });

    it('a live_ id on the sandbox is 404 saying it is a production client id', async () => {
      const url = '/admin/v1/apps/live_AAAAAAAAAAAAAAAAAAAAAAAA';
      const res = await t.app.inject({ method: 'GET', url, headers: adminAuth() });
      const body = expectProblem(res, 'RESOURCE_NOT_FOUND', { instance: url });
      expect(body.detail).toContain('production client id');
    });
  });

  describe('list', () => {
    it('pages with limit and after, following nextCursor', async () => {
      for (let index = 0; index < 5; index += 1) {
        await create({ name: `Listed ${index}`, type: 'public', redirectUris: ['https://spa.example/cb'] });
      }
      const all = json<{ data: AppBody[]; nextCursor: string | null }>(
        await t.app.inject({ method: 'GET', url: '/admin/v1/apps?limit=100', headers: adminAuth() }),
      );
      expect(all.nextCursor).toBeNull();
      expect(all.data.length).toBeGreaterThanOrEqual(5);
      const ids = all.data.map((app) => app.clientId);
      expect(ids).toEqual([...ids].sort());

      const paged: string[] = [];
      let after: string | null = null;
      let pages = 0;
      do {
        const query: string = after === null ? '?limit=2' : `?limit=2&after=${encodeURIComponent(after)}`;
        const res = await t.app.inject({ method: 'GET', url: `/admin/v1/apps${query}`, headers: adminAuth() });
        expect(res.statusCode).toBe(200);
        const page = json<{ data: AppBody[]; nextCursor: string | null }>(res);
        expect(page.data.length).toBeLessThanOrEqual(2);
        for (const app of page.data) {
          expect(app).not.toHaveProperty('clientSecret');
          expect(app).not.toHaveProperty('hookSecret');
        }
        paged.push(...page.data.map((app) => app.clientId));
        if (page.nextCursor !== null) expect(page.nextCursor).toBe(page.data.at(-1)?.clientId);
        after = page.nextCursor;
        pages += 1;
      } while (after !== null && pages < 100);
      expect(paged).toEqual(ids);
      expect(pages).toBe(Math.ceil(ids.length / 2));
    });

    it('the default page holds up to 50', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/admin/v1/apps', headers: adminAuth() });
      expect(res.statusCode).toBe(200);
      expect(json<{ data: AppBody[] }>(res).data.length).toBeLessThanOrEqual(50);
    });

    it.each(['0', 'abc', '101', '-1', '1.5'])('limit=%s is 400 VALIDATION_INVALID_PARAMETER', async (limit) => {
      const res = await t.app.inject({ method: 'GET', url: `/admin/v1/apps?limit=${limit}`, headers: adminAuth() });
      const body = expectProblem(res, 'VALIDATION_INVALID_PARAMETER', { instance: '/admin/v1/apps' });
      expect(fieldsOf(body)).toEqual([expect.objectContaining({ name: 'query.limit', pointer: '/limit' })]);
    });
  });

  describe('update', () => {
    it('PATCH with the current If-Match: 200 and a new ETag; a stale one: 412', async () => {
      const { app } = await create({
        name: 'Patchable',
        type: 'confidential',
        redirectUris: ['https://shop.example/cb'],
      });
      const url = `/admin/v1/apps/${app.clientId}`;
      const ok = await t.app.inject({
        method: 'PATCH',
        url,
        headers: { ...adminAuth(), 'if-match': '"v1"' },
        payload: { name: 'Patched', allowedOrigins: ['https://shop.example'] },
      });
      expect(ok.statusCode, ok.body).toBe(200);
      expect(ok.headers.etag).toBe('"v2"');
      expect(json<AppBody>(ok)).toMatchObject({
        name: 'Patched',
        allowedOrigins: ['https://shop.example'],
        version: 2,
      });
      expect(json<AppBody>(ok)).not.toHaveProperty('clientSecret');

      const stale = await t.app.inject({
        method: 'PATCH',
        url,
        headers: { ...adminAuth(), 'if-match': '"v1"' },
        payload: { name: 'Lost update' },
      });
      const body = expectProblem(stale, 'RESOURCE_PRECONDITION_FAILED', { instance: url });
      expect(body.context).toEqual({ clientId: app.clientId });
      const after = await get(app.clientId);
      expect(after.headers.etag).toBe('"v2"');
      expect(json<AppBody>(after).name).toBe('Patched');
    });

    it('If-Match: * and a list naming the current tag are accepted; a weak tag is not', async () => {
      const { app } = await create({ name: 'Tags', type: 'public', redirectUris: ['https://spa.example/cb'] });
      const url = `/admin/v1/apps/${app.clientId}`;
      const star = await t.app.inject({
        method: 'PATCH',
        url,
        headers: { ...adminAuth(), 'if-match': '*' },
        payload: { name: 'a' },
      });
      expect(star.statusCode).toBe(200);
      const list = await t.app.inject({
        method: 'PATCH',
        url,
        headers: { ...adminAuth(), 'if-match': '"v1", "v2"' },
        payload: { name: 'b' },
      });
      expect(list.statusCode).toBe(200);
      const weak = await t.app.inject({
        method: 'PATCH',
        url,
        headers: { ...adminAuth(), 'if-match': 'W/"v3"' },
        payload: { name: 'c' },
      });
      expectProblem(weak, 'RESOURCE_PRECONDITION_FAILED', { instance: url });
    });

    it('null resets scopes to the defaults and clears webhookUrl', async () => {
      const { app } = await create({
        name: 'Nulls',
        type: 'confidential',
        redirectUris: ['https://shop.example/cb'],
        scopes: ['openid'],
        webhookUrl: 'https://shop.example/wh',
        allowedOrigins: ['https://shop.example'],
      });
      expect(app.scopes).toEqual(['openid']);
      const res = await t.app.inject({
        method: 'PATCH',
        url: `/admin/v1/apps/${app.clientId}`,
        headers: { ...adminAuth(), 'if-match': '"v1"' },
        payload: { scopes: null, webhookUrl: null, allowedOrigins: null },
      });
      expect(res.statusCode, res.body).toBe(200);
      const patched = json<AppBody>(res);
      expect([...patched.scopes].sort()).toEqual([...OIDC_SCOPES, ...REST_SCOPES].sort());
      expect(patched.scopesRestricted).toBe(false);
      expect(patched.webhookUrl).toBeNull();
      expect(patched.allowedOrigins).toEqual([]);
      expect(patched).not.toHaveProperty('hookSecret');
      const read = json<AppBody>(await get(app.clientId));
      expect(read.scopesRestricted).toBe(false);
      expect(read.webhookUrl).toBeNull();
    });

    it('setting signInHookUrl on an app without a hook secret returns hookSecret once', async () => {
      const { app } = await create({ name: 'Hookless', type: 'public', redirectUris: ['https://spa.example/cb'] });
      expect(app.hasHookSecret).toBe(false);
      const url = `/admin/v1/apps/${app.clientId}`;
      const first = await t.app.inject({
        method: 'PATCH',
        url,
        headers: adminAuth(),
        payload: { signInHookUrl: 'https://spa.example/hook' },
      });
      expect(first.statusCode, first.body).toBe(200);
      const patched = json<AppBody>(first);
      registerSecret(patched.hookSecret);
      expect(patched.hookSecret).toMatch(/^whsec_[0-9A-Za-z]{43}$/);
      expect(patched).toMatchObject({ hasHookSecret: true, signInHookUrl: 'https://spa.example/hook' });

      const second = await t.app.inject({
        method: 'PATCH',
        url,
        headers: adminAuth(),
        payload: { signInHookUrl: 'https://spa.example/hook2', webhookUrl: 'https://spa.example/wh' },
      });
      expect(second.statusCode).toBe(200);
      expect(json<AppBody>(second)).not.toHaveProperty('hookSecret');
      const read = await get(app.clientId);
      expect(read.body).not.toContain(patched.hookSecret!);
    });

    it('application/merge-patch+json is accepted', async () => {
      const { app } = await create({ name: 'Merge', type: 'public', redirectUris: ['https://spa.example/cb'] });
      const res = await t.app.inject({
        method: 'PATCH',
        url: `/admin/v1/apps/${app.clientId}`,
        headers: { ...adminAuth(), 'content-type': 'application/merge-patch+json' },
        payload: JSON.stringify({ name: 'Merged', redirectUris: ['https://spa.example/cb2'] }),
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(json<AppBody>(res)).toMatchObject({ name: 'Merged', redirectUris: ['https://spa.example/cb2'] });
    });

    it('type in the body is 400 (unknown member); nothing changes', async () => {
      const { app } = await create({ name: 'Typed', type: 'public', redirectUris: ['https://spa.example/cb'] });
      const url = `/admin/v1/apps/${app.clientId}`;
      const res = await t.app.inject({
        method: 'PATCH',
        url,
        headers: adminAuth(),
        payload: { type: 'confidential', name: 'x' },
      });
      const body = expectValidation(res, 'VALIDATION_INVALID_PARAMETER', url);
      expect(fieldsOf(body)).toEqual([{ name: 'type', pointer: '/type', reason: 'is not a known member' }]);
      expect(json<AppBody>(await get(app.clientId))).toMatchObject({ type: 'public', name: 'Typed', version: 1 });
    });

    it('bad values in a PATCH are all listed', async () => {
      const { app } = await create({ name: 'Patch bad', type: 'public', redirectUris: ['https://spa.example/cb'] });
      const url = `/admin/v1/apps/${app.clientId}`;
      const res = await t.app.inject({
        method: 'PATCH',
        url,
        headers: adminAuth(),
        payload: {
          // An absolute URI the app may not register (a URI that is no URI at all is a schema error).
          redirectUris: ['https://spa.example/cb#fragment'],
          scopes: ['providers'],
          allowedOrigins: ['https://spa.example/'],
          grantTypes: ['client_credentials'],
        },
      });
      const body = expectValidation(res, 'VALIDATION_INVALID_PARAMETER', url);
      expect(pointersOf(body)).toEqual(['/allowedOrigins/0', '/grantTypes/0', '/redirectUris/0', '/scopes/0']);
    });

    it('PATCH on an unknown app is 404', async () => {
      const url = '/admin/v1/apps/test_nobody000000000000000000';
      const res = await t.app.inject({ method: 'PATCH', url, headers: adminAuth(), payload: { name: 'x' } });
      expectProblem(res, 'RESOURCE_NOT_FOUND', { instance: url });
    });

    it('two concurrent PATCHes with the same If-Match: one 200, the other 412 or 409', async () => {
      const { app } = await create({ name: 'Race', type: 'public', redirectUris: ['https://spa.example/cb'] });
      const url = `/admin/v1/apps/${app.clientId}`;
      const results = await Promise.all(
        ['Racer A', 'Racer B'].map((name) =>
          t.app.inject({ method: 'PATCH', url, headers: { ...adminAuth(), 'if-match': '"v1"' }, payload: { name } }),
        ),
      );
      const statuses = results.map((res) => res.statusCode).sort();
      expect(statuses[0]).toBe(200);
      expect([409, 412]).toContain(statuses[1]);
      const loser = results.find((res) => res.statusCode !== 200)!;
      expectProblem(loser, loser.statusCode === 409 ? 'RESOURCE_CONFLICT' : 'RESOURCE_PRECONDITION_FAILED', {
        instance: url,
      });
      const winner = json<AppBody>(results.find((res) => res.statusCode === 200)!);
      const read = await get(app.clientId);
      expect(read.headers.etag).toBe('"v2"');
      expect(json<AppBody>(read).name).toBe(winner.name);
    });
  });

  describe('delete', () => {
    it('204, then GET is 404; the provider settings go too', async () => {
      const { app } = await create({ name: 'Doomed', type: 'public', redirectUris: ['https://spa.example/cb'] });
      const url = `/admin/v1/apps/${app.clientId}`;
      const res = await t.app.inject({ method: 'DELETE', url, headers: { ...adminAuth(), 'if-match': '"v1"' } });
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expectProblem(await get(app.clientId), 'RESOURCE_NOT_FOUND', { instance: url });
      const providers = await t.app.inject({ method: 'GET', url: `${url}/providers`, headers: adminAuth() });
      expectProblem(providers, 'RESOURCE_NOT_FOUND', { instance: `${url}/providers` });
      const rows = await t.database.database.db
        .selectFrom('app_providers')
        .selectAll()
        .where('client_id', '=', app.clientId)
        .execute();
      expect(rows).toEqual([]);
      const again = await t.app.inject({ method: 'DELETE', url, headers: adminAuth() });
      expectProblem(again, 'RESOURCE_NOT_FOUND', { instance: url });
    });

    it('a stale If-Match is 412 and the app stays', async () => {
      const { app } = await create({ name: 'Kept', type: 'public', redirectUris: ['https://spa.example/cb'] });
      const url = `/admin/v1/apps/${app.clientId}`;
      const res = await t.app.inject({ method: 'DELETE', url, headers: { ...adminAuth(), 'if-match': '"v7"' } });
      expectProblem(res, 'RESOURCE_PRECONDITION_FAILED', { instance: url });
      expect((await get(app.clientId)).statusCode).toBe(200);
    });

    it('an unknown app is 404', async () => {
      const url = '/admin/v1/apps/test_gone00000000000000000000';
      const res = await t.app.inject({ method: 'DELETE', url, headers: adminAuth() });
      expectProblem(res, 'RESOURCE_NOT_FOUND', { instance: url });
    });
  });

  describe('storage', () => {
    it('keeps a 64-hex keyed hash of the client secret and an encrypted hook secret', async () => {
      const { app } = await create({
        name: 'Stored',
        type: 'confidential',
        redirectUris: ['https://shop.example/cb'],
        signInHookUrl: 'https://shop.example/hook',
      });
      const row = await t.database.database.db
        .selectFrom('apps')
        .select(['secret_hash', 'previous_secret_hash', 'hook_secret_ciphertext'])
        .where('client_id', '=', app.clientId)
        .executeTakeFirstOrThrow();
      expect(row.secret_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(row.previous_secret_hash).toBeNull();
      expect(row.hook_secret_ciphertext).not.toBeNull();
      expect(row.hook_secret_ciphertext).not.toBe(app.hookSecret);
      const everything = JSON.stringify(
        await t.database.database.db
          .selectFrom('apps')
          .selectAll()
          .where('client_id', '=', app.clientId)
          .executeTakeFirstOrThrow(),
      );
      expect(everything).not.toContain(app.clientSecret!);
      expect(everything).not.toContain(app.clientSecret!.slice(5));
      expect(everything).not.toContain(app.hookSecret!);
      expect(everything).not.toContain(app.hookSecret!.slice(6));
    });

    it('a public app stores no secret hash', async () => {
      const { app } = await create({ name: 'No secret', type: 'public', redirectUris: ['https://spa.example/cb'] });
      const row = await t.database.database.db
        .selectFrom('apps')
        .select(['secret_hash', 'hook_secret_ciphertext'])
        .where('client_id', '=', app.clientId)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ secret_hash: null, hook_secret_ciphertext: null });
    });
  });
});
