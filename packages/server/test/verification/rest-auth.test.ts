/**
 * REST API authentication (SPEC 2.3, 3.1, 4): HTTP Basic with the app's credentials or a
 * client_credentials bearer token with the route's scope; every refusal from a real
 * condition, asserted with its problem body and RFC 6750 challenge.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, createTestApp, type TestApp } from '../support/app.js';
import { expectBearerChallenge, expectProblem } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import { registerSecret } from '../support/leaks.js';
import { basicAuth, createRestApp, json, type RestApp, sealToken, T0, testClock } from './helpers.js';

const ROUTES = [
  { method: 'GET', url: '/v1/providers', scope: 'providers' },
  { method: 'GET', url: '/v1/providers/mock-qr', scope: 'providers' },
  { method: 'GET', url: '/v1/verifications/vrf_test_000000000000000000000000', scope: 'verifications' },
  { method: 'POST', url: '/v1/verifications', scope: 'verifications' },
  { method: 'POST', url: '/v1/verifications/vrf_test_000000000000000000000000/cancel', scope: 'verifications' },
] as const;

describe.each(TEST_DATABASE_KINDS)('REST authentication on %s', (kind) => {
  let t: TestApp;
  let rest: RestApp;
  const clock = testClock();

  beforeAll(async () => {
    t = await createTestApp(kind, { clock: clock.clock });
    rest = await createRestApp(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function call(route: (typeof ROUTES)[number], authorization?: string): Promise<LightMyRequestResponse> {
    return t.app.inject({
      method: route.method,
      url: route.url,
      headers: authorization === undefined ? {} : { authorization },
      ...(route.method === 'POST' && route.url === '/v1/verifications' ? { payload: { providerId: 'mock-qr' } } : {}),
    });
  }

  describe.each(ROUTES)('$method $url', (route) => {
    it('no credentials: 401 AUTH_MISSING_CREDENTIALS with a Bearer challenge without error', async () => {
      const res = await call(route);
      expectBearerChallenge(res, 'AUTH_MISSING_CREDENTIALS', { error: null });
      expect(res.headers['www-authenticate']).toBe('Bearer realm="idgate"');
      expectProblem(res, 'AUTH_MISSING_CREDENTIALS', { instance: route.url });
    });

    it('a wrong secret: 401 AUTH_INVALID_CREDENTIALS', async () => {
      const res = await call(
        route,
        basicAuth(rest.clientId, `${rest.clientSecret.slice(0, -1)}${rest.clientSecret.endsWith('x') ? 'y' : 'x'}`),
      );
      const body = expectProblem(res, 'AUTH_INVALID_CREDENTIALS', { instance: route.url });
      expect(body.context).toEqual({ client_id: rest.clientId });
      expect(body.detail).toBe('Invalid client credentials: the client secret is wrong or was rotated away.');
      expect(res.headers['www-authenticate']).toBe('Bearer realm="idgate"');
    });

    it('a token without the route scope: 403 AUTH_INSUFFICIENT_SCOPE naming the scope', async () => {
      const other = route.scope === 'providers' ? 'verifications' : 'providers';
      const res = await call(route, `Bearer ${sealToken(t, rest.clientId, `${other} openid`)}`);
      expectBearerChallenge(res, 'AUTH_INSUFFICIENT_SCOPE', { scope: route.scope });
      const body = expectProblem(res, 'AUTH_INSUFFICIENT_SCOPE', { instance: route.url });
      expect(body.context).toEqual({ scope: route.scope });
      expect(res.headers['www-authenticate']).toBe(
        `Bearer realm="idgate", error="insufficient_scope", error_description="The access token lacks the ${route.scope} scope this route needs.", scope="${route.scope}"`,
      );
    });

    it('a malformed token: 401 AUTH_INVALID_TOKEN with error="invalid_token"', async () => {
      const res = await call(route, 'Bearer at_notatoken');
      expectBearerChallenge(res, 'AUTH_INVALID_TOKEN');
      expect(res.headers['www-authenticate']).toBe(
        'Bearer realm="idgate", error="invalid_token", error_description="The access token is malformed or was not issued by this idgate."',
      );
    });
  });

  const providers = ROUTES[0];
  const verification = ROUTES[2];

  it('an Authorization header of another scheme counts as no credentials', async () => {
    const res = await call(providers, 'Digest username="x"');
    expectBearerChallenge(res, 'AUTH_MISSING_CREDENTIALS', { error: null });
    const bare = await call(providers, 'Bearer');
    expectBearerChallenge(bare, 'AUTH_MISSING_CREDENTIALS', { error: null });
  });

  it('a Bearer value that is no token at all: AUTH_INVALID_TOKEN', async () => {
    const res = await call(providers, 'Bearer two words');
    expectBearerChallenge(res, 'AUTH_INVALID_TOKEN');
    expect(json(res).detail).toBe('The Authorization header carries no well-formed Bearer token.');
  });

  it('sandbox Basic credentials against production: AUTH_INVALID_CREDENTIALS saying so', async () => {
    const production = await createTestApp(kind, { env: { IDGATE_ENV: 'production' } });
    try {
      const res = await production.app.inject({
        method: 'GET',
        url: '/v1/providers',
        headers: { authorization: rest.basic },
      });
      const body = expectProblem(res, 'AUTH_INVALID_CREDENTIALS');
      expect(body.detail).toBe('Invalid client credentials: sandbox credentials were used against production.');
      expect(body.context).toEqual({ client_id: rest.clientId });
    } finally {
      await production.close();
    }
  });

  it('an unknown client id: 401 AUTH_INVALID_CREDENTIALS (SPEC 3.1: wrong client id on the REST API)', async () => {
    for (const route of ROUTES) {
      const res = await call(route, basicAuth('test_unknownunknownunknown00', rest.clientSecret));
      const body = expectProblem(res, 'AUTH_INVALID_CREDENTIALS', { instance: route.url });
      expect(res.statusCode).toBe(401);
      expect(body.detail).toBe('Unknown client.');
      expect(body.context).toEqual({ client_id: 'test_unknownunknownunknown00' });
      // No token was sent: the RFC 6750 challenge without an error attribute, as for a wrong secret.
      expect(res.headers['www-authenticate']).toBe('Bearer realm="idgate"');
    }
  });

  it('Basic with an empty secret (id:): 400 VALIDATION_MISSING_CLIENT_SECRET, no challenge', async () => {
    const res = await call(providers, basicAuth(rest.clientId, ''));
    const body = expectProblem(res, 'VALIDATION_MISSING_CLIENT_SECRET', { instance: providers.url });
    expect(res.statusCode).toBe(400);
    expect(body.detail).toBe('This client is confidential: authenticate with its client secret.');
    expect(body.context).toEqual({ client_id: rest.clientId });
    expect(res.headers['www-authenticate']).toBeUndefined();
  });

  it('a public app cannot use the REST API: AUTH_INVALID_CLIENT', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/admin/v1/apps',
      headers: adminAuth(),
      payload: { name: 'SPA', type: 'public', redirectUris: ['https://spa.example/cb'] },
    });
    const { clientId } = json<{ clientId: string }>(res);
    const answer = await call(providers, basicAuth(clientId, 'anything-at-all'));
    const body = expectProblem(answer, 'AUTH_INVALID_CLIENT');
    expect(body.detail).toBe('This client may not authenticate with client_secret_basic; it uses none.');
  });

  it('a disabled app: AUTH_INVALID_CLIENT with Basic, AUTH_INVALID_TOKEN with its token', async () => {
    const disabled = await createRestApp(t);
    const token = sealToken(t, disabled.clientId, 'providers verifications');
    const patch = await t.app.inject({
      method: 'PATCH',
      url: `/admin/v1/apps/${disabled.clientId}`,
      headers: adminAuth(),
      payload: { disabled: true },
    });
    expect(patch.statusCode, patch.body).toBe(200);
    expect(expectProblem(await call(providers, disabled.basic), 'AUTH_INVALID_CLIENT').detail).toBe(
      'The client is disabled.',
    );
    const res = await call(providers, `Bearer ${token}`);
    expectBearerChallenge(res, 'AUTH_INVALID_TOKEN');
    expect(json(res).detail).toBe('The app the access token was issued to is disabled.');
  });

  it('a rotated-away secret: AUTH_INVALID_CREDENTIALS', async () => {
    const rotating = await createRestApp(t);
    const rotate = await t.app.inject({
      method: 'POST',
      url: `/admin/v1/apps/${rotating.clientId}/secret`,
      headers: adminAuth(),
      payload: { gracePeriodSeconds: 0 },
    });
    expect(rotate.statusCode, rotate.body).toBe(200);
    const fresh = json<{ clientSecret: string }>(rotate).clientSecret;
    registerSecret(fresh);
    expectProblem(await call(providers, rotating.basic), 'AUTH_INVALID_CREDENTIALS');
    expect((await call(providers, basicAuth(rotating.clientId, fresh))).statusCode).toBe(200);
  });

  it('an expired token: AUTH_INVALID_TOKEN', async () => {
    const token = sealToken(t, rest.clientId, 'providers', { iat: Math.floor(T0 / 1000) - 7200, ttl: 3600 });
    const res = await call(providers, `Bearer ${token}`);
    expectBearerChallenge(res, 'AUTH_INVALID_TOKEN');
    expect(json(res).detail).toBe('The access token has expired.');
  });

  it('a revoked token: AUTH_INVALID_TOKEN', async () => {
    const token = sealToken(t, rest.clientId, 'providers', { jti: 'revoked-jti' });
    await t.app.idgate.revocations.revoke(['token:revoked-jti'], new Date(T0 + 3_600_000), clock.now());
    const res = await call(providers, `Bearer ${token}`);
    expectBearerChallenge(res, 'AUTH_INVALID_TOKEN');
    expect(json(res).detail).toBe('The access token has been revoked.');
  });

  it('a production token on sandbox: AUTH_INVALID_TOKEN', async () => {
    const res = await call(providers, `Bearer ${sealToken(t, rest.clientId, 'providers', { env: 'production' })}`);
    expectBearerChallenge(res, 'AUTH_INVALID_TOKEN');
    expect(json(res).detail).toBe('The access token was issued in production; this is sandbox.');
  });

  it('a token of a deleted app: AUTH_INVALID_TOKEN', async () => {
    const gone = await createRestApp(t);
    const token = sealToken(t, gone.clientId, 'providers');
    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/admin/v1/apps/${gone.clientId}`,
      headers: adminAuth(),
    });
    expect(deleted.statusCode).toBe(204);
    const res = await call(providers, `Bearer ${token}`);
    expectBearerChallenge(res, 'AUTH_INVALID_TOKEN');
    expect(json(res).detail).toBe('The app the access token was issued to no longer exists.');
  });

  it('Basic for an app whose scopes exclude the REST scope: 403 AUTH_INSUFFICIENT_SCOPE', async () => {
    const narrow = await createRestApp(t, { scopes: ['openid', 'providers'] });
    expect((await call(providers, narrow.basic)).statusCode).toBe(200);
    const res = await call(verification, narrow.basic);
    const body = expectProblem(res, 'AUTH_INSUFFICIENT_SCOPE');
    expect(body.context).toEqual({ scope: 'verifications' });
    expect(body.detail).toBe('This app may not use the verifications scope of the REST API.');
  });

  it('Basic and Bearer with the right scope both pass; the log line carries the client id', async () => {
    const basic = await call(providers, rest.basic);
    expect(basic.statusCode, basic.body).toBe(200);
    const bearer = await call(providers, `Bearer ${sealToken(t, rest.clientId, 'providers')}`);
    expect(bearer.statusCode, bearer.body).toBe(200);
    const missing = await call(verification, rest.basic);
    expectProblem(missing, 'SESSION_VERIFICATION_NOT_FOUND');
    const line = t.logs.find((entry) => entry.request_id === missing.headers['x-request-id']);
    expect(line).toMatchObject({
      code: 'SESSION_VERIFICATION_NOT_FOUND',
      client_id: rest.clientId,
      verification_id: 'vrf_test_000000000000000000000000',
    });
  });

  it('a browser origin the app did not register: 403 AUTH_FORBIDDEN, also when another app registered it', async () => {
    const spa = await createRestApp(t, { allowedOrigins: ['https://app-a.example'] });
    const allowed = await t.app.inject({
      method: 'GET',
      url: '/v1/providers',
      headers: { authorization: spa.basic, origin: 'https://app-a.example' },
    });
    expect(allowed.statusCode, allowed.body).toBe(200);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app-a.example');
    const otherApp = await t.app.inject({
      method: 'GET',
      url: '/v1/providers',
      headers: { authorization: rest.basic, origin: 'https://app-a.example' },
    });
    expect(expectProblem(otherApp, 'AUTH_FORBIDDEN').context).toEqual({
      clientId: rest.clientId,
      origin: 'https://app-a.example',
    });
    const nobody = await t.app.inject({
      method: 'POST',
      url: '/v1/verifications',
      headers: { authorization: spa.basic, origin: 'https://evil.example' },
      payload: { providerId: 'mock-qr' },
    });
    expectProblem(nobody, 'AUTH_FORBIDDEN');
  });
});

describe.each(TEST_DATABASE_KINDS)('REST rate limit on %s', (kind) => {
  let t: TestApp;
  const clock = testClock();

  beforeAll(async () => {
    t = await createTestApp(kind, { clock: clock.clock, env: { IDGATE_RATE_LIMIT_REST: '2' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('counts per app after authentication: over the limit is 429 SYSTEM_RATE_LIMITED with Retry-After', async () => {
    const one = await createRestApp(t);
    const two = await createRestApp(t);
    const call = (app: RestApp, url: string) =>
      t.app.inject({ method: 'GET', url, headers: { authorization: app.basic } });
    expect((await call(one, '/v1/providers')).statusCode).toBe(200);
    expect((await call(one, '/v1/verifications/vrf_test_AAAAAAAAAAAAAAAAAAAAAAAA')).statusCode).toBe(404);
    const limited = await call(one, '/v1/providers');
    expectProblem(limited, 'SYSTEM_RATE_LIMITED', { instance: '/v1/providers' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers.ratelimit).toBeDefined();
    expect((await call(two, '/v1/providers')).statusCode).toBe(200);
    // A request that fails authentication does not spend the app's quota.
    const wrong = { ...two, basic: basicAuth(two.clientId, `${two.clientSecret}x`) };
    expectProblem(await call(wrong, '/v1/providers'), 'AUTH_INVALID_CREDENTIALS');
    expect((await call(two, '/v1/providers')).statusCode).toBe(200);
    clock.advance(60_000);
    expect((await call(one, '/v1/providers')).statusCode).toBe(200);
  });
});
