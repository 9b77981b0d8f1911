/**
 * CORS on the real routes (SPEC 7, issue 3 item 10): `/token`, `/userinfo` and `/v1/*`
 * answer preflights for registered origins and refuse others with AUTH_FORBIDDEN;
 * `/introspect` and `/revoke` (server to server) offer no CORS.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORS_ALLOWED_HEADERS, CORS_EXPOSED_HEADERS } from '../../src/http/cors.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectBearerChallenge, expectOAuthError, expectProblem } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';

const ORIGIN = 'https://spa.example';
const UNKNOWN_ORIGIN = 'https://evil.example';
const FORM = 'application/x-www-form-urlencoded';

describe.each(TEST_DATABASE_KINDS)('CORS on the OAuth routes on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
    await t.app.idgate.apps.create({
      name: 'SPA',
      type: 'public',
      redirectUris: ['https://spa.example/cb'],
      allowedOrigins: [ORIGIN],
    });
  });
  afterAll(async () => {
    await t.close();
  });

  function preflight(url: string, origin: string, method: string) {
    return t.app.inject({
      method: 'OPTIONS',
      url,
      headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'content-type' },
    });
  }

  it.each([
    ['/token', 'POST', 'POST'],
    ['/userinfo', 'GET', 'GET, HEAD, POST'],
    ['/v1/providers', 'GET', 'GET, HEAD'],
    ['/v1/providers/mock-qr', 'GET', 'GET, HEAD'],
    ['/v1/verifications', 'POST', 'POST'],
    ['/v1/verifications/vrf_123', 'GET', 'GET, HEAD'],
    ['/v1/verifications/vrf_123/cancel', 'POST', 'POST'],
  ])('answers the preflight of %s for a registered origin', async (url, method, methods) => {
    const res = await preflight(url, ORIGIN, method);
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(res.headers['access-control-allow-methods']).toBe(methods);
    expect(res.headers['access-control-allow-headers']).toBe(CORS_ALLOWED_HEADERS);
    expect(res.headers['access-control-max-age']).toBe('600');
    expect(res.headers.vary).toBe('Origin');
  });

  it.each(['/token', '/userinfo', '/v1/verifications'])(
    'refuses the preflight of %s for an unregistered origin',
    async (url) => {
      const res = await preflight(url, UNKNOWN_ORIGIN, 'POST');
      expectProblem(res, 'AUTH_FORBIDDEN');
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    },
  );

  it('refuses /token from an unregistered origin before anything else', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/token',
      headers: { origin: UNKNOWN_ORIGIN, 'content-type': FORM },
      payload: 'grant_type=client_credentials',
    });
    const body = expectOAuthError(res, 'AUTH_FORBIDDEN');
    expect(body.error_description).toContain(UNKNOWN_ORIGIN);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers.ratelimit).toBeUndefined();
  });

  it("lets a registered origin read /token's errors", async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/token',
      headers: { origin: ORIGIN, 'content-type': FORM },
      payload: 'grant_type=client_credentials&client_id=test_nobody&client_secret=wrong-secret',
    });
    expectOAuthError(res, 'AUTH_INVALID_CLIENT');
    expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(res.headers['access-control-expose-headers']).toBe(CORS_EXPOSED_HEADERS);
    expect(res.headers.vary).toBe('Origin');
  });

  it("lets a registered origin read /userinfo's challenge", async () => {
    const res = await t.app.inject({ method: 'GET', url: '/userinfo', headers: { origin: ORIGIN } });
    expectBearerChallenge(res, 'AUTH_MISSING_CREDENTIALS', { error: null });
    expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
  });

  it('refuses /v1 from an unregistered origin before authentication', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/providers', headers: { origin: UNKNOWN_ORIGIN } });
    expectProblem(res, 'AUTH_FORBIDDEN', { instance: '/v1/providers' });
    expect(res.headers['www-authenticate']).toBeUndefined();
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it("lets a registered origin read /v1's challenge", async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/providers', headers: { origin: ORIGIN } });
    expectBearerChallenge(res, 'AUTH_MISSING_CREDENTIALS', { error: null });
    expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(res.headers['access-control-expose-headers']).toBe(CORS_EXPOSED_HEADERS);
  });

  it.each(['/introspect', '/revoke'])('offers no CORS on %s (server to server)', async (url) => {
    const res = await preflight(url, ORIGIN, 'POST');
    // An OAuth endpoint: the 405 is OAuth JSON (SPEC 7).
    expectOAuthError(res, 'VALIDATION_METHOD_NOT_ALLOWED');
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('POST');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});
