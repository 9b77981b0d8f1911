/**
 * Admin API authentication and content negotiation (SPEC 4.3, 3, 7), black-box through
 * `app.inject()` on each configured database.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, createTestApp, TEST_ADMIN_KEY, type TestApp } from '../support/app.js';
import { expectBearerChallenge, expectProblem } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import { registerSecret } from '../support/leaks.js';

const REALM = 'idgate-admin';

/** Admin routes to probe, with a body where the route takes one. */
const PROTECTED_ROUTES: readonly { method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT'; url: string }[] = [
  { method: 'GET', url: '/admin/v1/apps' },
  { method: 'POST', url: '/admin/v1/apps' },
  { method: 'GET', url: '/admin/v1/apps/test_unknown' },
  { method: 'PATCH', url: '/admin/v1/apps/test_unknown' },
  { method: 'DELETE', url: '/admin/v1/apps/test_unknown' },
  { method: 'POST', url: '/admin/v1/apps/test_unknown/secret' },
  { method: 'POST', url: '/admin/v1/apps/test_unknown/hook-secret' },
  { method: 'GET', url: '/admin/v1/apps/test_unknown/providers' },
  { method: 'GET', url: '/admin/v1/apps/test_unknown/providers/mock-qr' },
  { method: 'PUT', url: '/admin/v1/apps/test_unknown/providers/mock-qr' },
];

function header(res: LightMyRequestResponse, name: string): string {
  const value = res.headers[name];
  return Array.isArray(value) ? value.join(', ') : String(value ?? '');
}

describe.each(TEST_DATABASE_KINDS)('admin API authentication on %s', (kind) => {
  let t: TestApp;
  /** Every response (headers + body) the app sent, success or not. */
  const responses: string[] = [];

  beforeAll(async () => {
    t = await createTestApp(kind, {
      routes(app) {
        app.addHook('onSend', async function recordEveryResponse(_request, reply, payload) {
          const body = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : '';
          responses.push(`${JSON.stringify(reply.getHeaders())}\n${body}`);
          return payload;
        });
      },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it.each(PROTECTED_ROUTES)(
    '$method $url without Authorization is 401 AUTH_MISSING_CREDENTIALS, challenge without error',
    async ({ method, url }) => {
      const res = await t.app.inject({ method, url });
      expectProblem(res, 'AUTH_MISSING_CREDENTIALS', { instance: url });
      expectBearerChallenge(res, 'AUTH_MISSING_CREDENTIALS', { realm: REALM, error: null });
      expect(header(res, 'www-authenticate')).toBe(`Bearer realm="${REALM}"`);
    },
  );

  it('an empty Authorization header counts as none', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/admin/v1/apps', headers: { authorization: '' } });
    expectProblem(res, 'AUTH_MISSING_CREDENTIALS', { instance: '/admin/v1/apps' });
    expectBearerChallenge(res, 'AUTH_MISSING_CREDENTIALS', { realm: REALM, error: null });
  });

  it.each(PROTECTED_ROUTES)(
    '$method $url with a wrong key is 401 AUTH_INVALID_CREDENTIALS, error="invalid_token"',
    async ({ method, url }) => {
      const res = await t.app.inject({
        method,
        url,
        headers: { authorization: 'Bearer not-the-admin-key-0123456789' },
      });
      expectProblem(res, 'AUTH_INVALID_CREDENTIALS', { instance: url });
      expectBearerChallenge(res, 'AUTH_INVALID_CREDENTIALS', { realm: REALM, error: 'invalid_token' });
    },
  );

  it('a key differing only in its last character is refused', async () => {
    const almost = `${TEST_ADMIN_KEY.slice(0, -1)}${TEST_ADMIN_KEY.endsWith('p') ? 'q' : 'p'}`;
    registerSecret(almost);
    const res = await t.app.inject({
      method: 'GET',
      url: '/admin/v1/apps',
      headers: { authorization: `Bearer ${almost}` },
    });
    expectBearerChallenge(res, 'AUTH_INVALID_CREDENTIALS', { realm: REALM, error: 'invalid_token' });
  });

  it('the Basic scheme is AUTH_INVALID_CREDENTIALS, even carrying the admin key', async () => {
    for (const credentials of [TEST_ADMIN_KEY, `admin:${TEST_ADMIN_KEY}`]) {
      const res = await t.app.inject({
        method: 'GET',
        url: '/admin/v1/apps',
        headers: { authorization: `Basic ${Buffer.from(credentials).toString('base64')}` },
      });
      expectProblem(res, 'AUTH_INVALID_CREDENTIALS', { instance: '/admin/v1/apps' });
      // RFC 6750 §3.1: no bearer token was sent, so the challenge carries no error code.
      expectBearerChallenge(res, 'AUTH_INVALID_CREDENTIALS', { realm: REALM, error: null });
    }
  });

  it('the key sent raw, without a scheme, is AUTH_INVALID_CREDENTIALS', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/admin/v1/apps',
      headers: { authorization: TEST_ADMIN_KEY },
    });
    expectProblem(res, 'AUTH_INVALID_CREDENTIALS', { instance: '/admin/v1/apps' });
  });

  it('the right key is accepted, with the scheme in any case', async () => {
    const ok = await t.app.inject({ method: 'GET', url: '/admin/v1/apps', headers: adminAuth() });
    expect(ok.statusCode).toBe(200);
    const lower = await t.app.inject({
      method: 'GET',
      url: '/admin/v1/apps',
      headers: { authorization: `bearer ${TEST_ADMIN_KEY}` },
    });
    expect(lower.statusCode).toBe(200);
  });

  it('a client-supplied X-Request-Id is kept on admin errors', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/admin/v1/apps',
      headers: { 'x-request-id': 'admin-probe.1' },
    });
    const body = expectProblem(res, 'AUTH_MISSING_CREDENTIALS', { instance: '/admin/v1/apps' });
    expect(body.request_id).toBe('admin-probe.1');
  });

  it('Accept: text/html is 406 VALIDATION_NOT_ACCEPTABLE', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/admin/v1/apps',
      headers: { ...adminAuth(), accept: 'text/html' },
    });
    const body = expectProblem(res, 'VALIDATION_NOT_ACCEPTABLE', { instance: '/admin/v1/apps' });
    expect(body.context).toEqual({ available: ['application/json'] });
  });

  it('Accept: application/json and */* are served', async () => {
    for (const accept of ['application/json', '*/*', 'text/html;q=0.9, application/*;q=0.5']) {
      const res = await t.app.inject({ method: 'GET', url: '/admin/v1/apps', headers: { ...adminAuth(), accept } });
      expect(res.statusCode, accept).toBe(200);
    }
  });

  it('a wrong content type on create is 415 VALIDATION_UNSUPPORTED_MEDIA_TYPE', async () => {
    const payload = JSON.stringify({ name: 'x', type: 'public', redirectUris: ['https://a.example/cb'] });
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/admin/v1/apps',
        headers: { ...adminAuth(), 'content-type': contentType },
        payload,
      });
      const body = expectProblem(res, 'VALIDATION_UNSUPPORTED_MEDIA_TYPE', { instance: '/admin/v1/apps' });
      expect(body.context).toEqual({ supported: ['application/json', 'application/merge-patch+json'] });
    }
  });

  it('a wrong content type on PATCH is 415 VALIDATION_UNSUPPORTED_MEDIA_TYPE', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/admin/v1/apps',
      headers: adminAuth(),
      payload: { name: 'Media', type: 'public', redirectUris: ['https://media.example/cb'] },
    });
    expect(created.statusCode).toBe(201);
    const clientId = (created.json() as { clientId: string }).clientId;
    const url = `/admin/v1/apps/${clientId}`;
    const res = await t.app.inject({
      method: 'PATCH',
      url,
      headers: { ...adminAuth(), 'content-type': 'text/plain' },
      payload: '{"name":"renamed"}',
    });
    expectProblem(res, 'VALIDATION_UNSUPPORTED_MEDIA_TYPE', { instance: url });
    const unchanged = await t.app.inject({ method: 'GET', url, headers: adminAuth() });
    expect((unchanged.json() as { name: string }).name).toBe('Media');
  });

  it('a method the route does not take is 405 VALIDATION_METHOD_NOT_ALLOWED with Allow', async () => {
    const res = await t.app.inject({ method: 'PUT', url: '/admin/v1/apps', headers: adminAuth() });
    expectProblem(res, 'VALIDATION_METHOD_NOT_ALLOWED', { instance: '/admin/v1/apps' });
    expect(header(res, 'allow')).toBe('GET, HEAD, POST');
  });

  it('the admin key never appears in any response', () => {
    expect(responses.length).toBeGreaterThan(20);
    for (const response of responses) expect(response).not.toContain(TEST_ADMIN_KEY);
  });
});
