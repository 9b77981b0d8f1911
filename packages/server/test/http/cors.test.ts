/**
 * CORS (SPEC 7: "CORS only for origins the app registered"; SPEC 3.1 AUTH_FORBIDDEN):
 * preflights and actual requests on routes that opt in with `cors: true`, the per-app
 * check `assertOriginAllowedFor`, and routes without `cors` left alone.
 */
import { IdgateError } from '@idgate/errors';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertOriginAllowedFor, CORS_ALLOWED_HEADERS, CORS_EXPOSED_HEADERS } from '../../src/http/cors.js';
import { newClientId } from '../../src/security/secrets.js';
import { AppsRepository } from '../../src/store/apps.repository.js';
import { createTestApp, TEST_ISSUER, type TestApp } from '../support/app.js';
import { expectBearerChallenge, expectOAuthError, expectProblem } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';

const ORIGIN_A = 'https://a.example';
const ORIGIN_B = 'http://localhost:5173';
const ORIGIN_LIVE = 'https://live-only.example';
const UNKNOWN_ORIGIN = 'https://evil.example';
const FORM = 'application/x-www-form-urlencoded';

/** How many times a handler of a CORS test route ran. */
let handlerRuns = 0;

function registerCorsRoutes(app: FastifyInstance): void {
  app.route<{ Querystring: { app?: string; fail?: string } }>({
    method: ['GET', 'POST'],
    url: '/test/cors/problem',
    config: { idgate: { surface: 'problem', cors: true } },
    handler: async function corsProblemRoute(request) {
      handlerRuns += 1;
      if (request.query.fail) throw new IdgateError('RESOURCE_NOT_FOUND', { detail: 'No such thing.' });
      if (request.query.app)
        assertOriginAllowedFor(request, await app.idgate.apps.get(request.query.app), app.idgate.config.issuer);
      return { ok: true };
    },
  });
  app.post<{ Body: Record<string, string> }>(
    '/test/cors/oauth',
    { config: { idgate: { surface: 'oauth', cors: true, consumes: [FORM] } } },
    async function corsOAuthRoute(request, reply) {
      handlerRuns += 1;
      if (request.body.client_id)
        assertOriginAllowedFor(request, await app.idgate.apps.get(request.body.client_id), app.idgate.config.issuer);
      reply.header('cache-control', 'no-store');
      return { access_token: 'not-a-real-token' };
    },
  );
  app.get('/test/cors/bearer', { config: { idgate: { surface: 'bearer', cors: true } } }, function corsBearerRoute() {
    handlerRuns += 1;
    throw new IdgateError('AUTH_MISSING_CREDENTIALS', { detail: 'No bearer token was sent.' });
  });
  app.get('/test/cors/items/:id', { config: { idgate: { surface: 'problem', cors: true } } }, function getItem() {
    return { ok: true };
  });
  app.delete('/test/cors/items/:id', { config: { idgate: { surface: 'problem', cors: true } } }, function deleteItem() {
    return { ok: true };
  });
  // Same path, one method without CORS: it is not offered to browsers.
  app.put('/test/cors/items/:id', { config: { idgate: { surface: 'problem' } } }, function putItem() {
    return { ok: true };
  });
  app.get('/test/plain', { config: { idgate: { surface: 'problem' } } }, function plainRoute() {
    return { ok: true };
  });
  // A CORS route in an encapsulated plugin whose own hook demands credentials (like /v1):
  // its preflight must not run that hook.
  app.register(
    async function scopedPlugin(scope) {
      scope.addHook('onRequest', async function demandAuthorization(request) {
        if (request.headers.authorization === undefined) {
          throw new IdgateError('AUTH_MISSING_CREDENTIALS', { detail: 'Send credentials.' });
        }
      });
      scope.get('/thing', { config: { idgate: { surface: 'problem', cors: true } } }, function scopedThing() {
        return { ok: true };
      });
    },
    { prefix: '/test/scoped' },
  );
}

describe.each(TEST_DATABASE_KINDS)('CORS on %s', (kind) => {
  let t: TestApp;
  let clientA: string;
  let clientB: string;
  beforeAll(async () => {
    t = await createTestApp(kind, { routes: registerCorsRoutes });
    const created = await Promise.all([
      t.app.idgate.apps.create({
        name: 'App A',
        type: 'confidential',
        redirectUris: ['https://a.example/cb'],
        allowedOrigins: [ORIGIN_A],
      }),
      t.app.idgate.apps.create({
        name: 'App B',
        type: 'public',
        redirectUris: ['http://localhost:5173/cb'],
        allowedOrigins: [ORIGIN_B],
      }),
    ]);
    [clientA, clientB] = created.map((app) => app.app.clientId) as [string, string];
    // An app of the other environment in the same database: its origins must not count here.
    await new AppsRepository(t.database.database).create(
      {
        clientId: newClientId('production'),
        environment: 'production',
        name: 'Live app',
        type: 'public',
        redirectUris: ['https://live-only.example/cb'],
        allowedOrigins: [ORIGIN_LIVE],
        grantTypes: ['authorization_code'],
        scopes: null,
        tokenEndpointAuthMethods: null,
        signInHookUrl: null,
        webhookUrl: null,
        secretHash: null,
        previousSecretHash: null,
        previousSecretExpiresAt: null,
        hookSecretCiphertext: null,
        idTokenSignedResponseAlg: null,
        jwks: null,
        jwksUri: null,
        requirePushedAuthorizationRequests: false,
        dpopBoundAccessTokens: false,
        requestObjectSigningAlg: null,
        profile: null,
        branding: null,
        disabled: false,
      },
      new Date(),
    );
  });
  afterAll(async () => {
    await t.close();
  });

  function preflight(url: string, origin: string | undefined, method = 'POST') {
    return t.app.inject({
      method: 'OPTIONS',
      url,
      headers: {
        ...(origin === undefined ? {} : { origin }),
        'access-control-request-method': method,
        'access-control-request-headers': 'authorization, content-type',
      },
    });
  }

  function expectCorsAllowed(res: { headers: Record<string, unknown> }, origin: string): void {
    expect(res.headers['access-control-allow-origin']).toBe(origin);
    expect(res.headers['access-control-expose-headers']).toBe(CORS_EXPOSED_HEADERS);
    expect(res.headers.vary).toBe('Origin');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  }

  function expectNoCors(res: { headers: Record<string, unknown> }): void {
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-expose-headers']).toBeUndefined();
    expect(res.headers['access-control-allow-methods']).toBeUndefined();
  }

  describe('preflight', () => {
    it('answers 204 with the CORS headers for an origin an app registered', async () => {
      for (const origin of [ORIGIN_A, ORIGIN_B]) {
        const res = await preflight('/test/cors/problem', origin);
        expect(res.statusCode).toBe(204);
        expect(res.body).toBe('');
        expect(res.headers['access-control-allow-origin']).toBe(origin);
        expect(res.headers['access-control-allow-methods']).toBe('GET, POST, HEAD');
        expect(res.headers['access-control-allow-headers']).toBe(CORS_ALLOWED_HEADERS);
        expect(res.headers['access-control-max-age']).toBe('600');
        expect(res.headers.vary).toBe('Origin');
        expect(res.headers['access-control-allow-credentials']).toBeUndefined();
        expect(res.headers['x-request-id']).toMatch(/^[0-9A-Z]{26}$/);
      }
    });

    it('refuses an origin no app registered: 403 AUTH_FORBIDDEN, no CORS headers', async () => {
      const res = await preflight('/test/cors/problem', UNKNOWN_ORIGIN);
      const body = expectProblem(res, 'AUTH_FORBIDDEN', { instance: '/test/cors/problem' });
      expect(body.detail).toBe(
        `Origin ${UNKNOWN_ORIGIN} is not an allowed origin of any app; add it to the app's allowedOrigins to call this endpoint from a browser.`,
      );
      expect(body.context).toEqual({ origin: UNKNOWN_ORIGIN });
      expect(res.headers.vary).toBe('Origin');
      expectNoCors(res);
    });

    it.each([
      ['another environment', ORIGIN_LIVE],
      ['a registered origin with a path', `${ORIGIN_A}/`],
      ['another port', 'https://a.example:8443'],
      ['another scheme', 'http://a.example'],
      ['other case', 'https://A.example'],
      ['the opaque origin', 'null'],
    ])('refuses an origin of %s', async (_name, origin) => {
      const res = await preflight('/test/cors/problem', origin);
      expectProblem(res, 'AUTH_FORBIDDEN');
      expectNoCors(res);
    });

    it("lists only the path's methods that opted in, also for a path with parameters", async () => {
      const res = await preflight('/test/cors/items/42', ORIGIN_A, 'DELETE');
      expect(res.statusCode).toBe(204);
      expect(res.headers['access-control-allow-methods']).toBe('GET, HEAD, DELETE');
    });

    it("answers for a route in an encapsulated plugin without running that plugin's hooks", async () => {
      let res = await preflight('/test/scoped/thing', ORIGIN_A, 'GET');
      expect(res.statusCode).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(ORIGIN_A);
      expect(res.headers['access-control-allow-methods']).toBe('GET, HEAD');

      res = await t.app.inject({ method: 'GET', url: '/test/scoped/thing', headers: { origin: ORIGIN_A } });
      expectProblem(res, 'AUTH_MISSING_CREDENTIALS');
      expectCorsAllowed(res, ORIGIN_A);
    });

    it('answers a plain OPTIONS (no Origin) with Allow and no CORS headers', async () => {
      const res = await preflight('/test/cors/items/7', undefined);
      expect(res.statusCode).toBe(204);
      expect(String(res.headers.allow).split(', ').sort()).toEqual(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PUT']);
      expectNoCors(res);
    });

    it('adds OPTIONS to the Allow of a 405 on a CORS path', async () => {
      const res = await t.app.inject({ method: 'PATCH', url: '/test/cors/problem' });
      expectProblem(res, 'VALIDATION_METHOD_NOT_ALLOWED');
      expect(String(res.headers.allow).split(', ').sort()).toEqual(['GET', 'HEAD', 'OPTIONS', 'POST']);
    });

    it('gives routes without cors no preflight route', async () => {
      const res = await preflight('/test/plain', ORIGIN_A, 'GET');
      expectProblem(res, 'VALIDATION_METHOD_NOT_ALLOWED');
      expectNoCors(res);
    });
  });

  describe('actual requests', () => {
    it('allow a registered origin: Access-Control-Allow-Origin, Expose-Headers and Vary', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/test/cors/problem', headers: { origin: ORIGIN_A } });
      expect(res.statusCode).toBe(200);
      expectCorsAllowed(res, ORIGIN_A);
    });

    it('carry the CORS headers on error responses of every surface', async () => {
      let res = await t.app.inject({
        method: 'GET',
        url: '/test/cors/problem?fail=1',
        headers: { origin: ORIGIN_A },
      });
      expectProblem(res, 'RESOURCE_NOT_FOUND');
      expectCorsAllowed(res, ORIGIN_A);

      res = await t.app.inject({ method: 'GET', url: '/test/cors/bearer', headers: { origin: ORIGIN_B } });
      expectBearerChallenge(res, 'AUTH_MISSING_CREDENTIALS', { error: null });
      expectCorsAllowed(res, ORIGIN_B);

      res = await t.app.inject({
        method: 'POST',
        url: '/test/cors/oauth',
        headers: { origin: ORIGIN_B, 'content-type': FORM },
        payload: `client_id=${encodeURIComponent('test_unknown')}`,
      });
      expectOAuthError(res, 'RESOURCE_NOT_FOUND');
      expectCorsAllowed(res, ORIGIN_B);
    });

    it('carry the CORS headers on answers given before the route ran (415 on the oauth surface)', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/test/cors/oauth',
        headers: { origin: ORIGIN_A, 'content-type': 'application/json' },
        payload: '{"grant_type":"client_credentials"}',
      });
      expectOAuthError(res, 'VALIDATION_UNSUPPORTED_MEDIA_TYPE');
      expectCorsAllowed(res, ORIGIN_A);
    });

    it('refuse an origin no app registered at once: AUTH_FORBIDDEN, no CORS headers, the route never runs', async () => {
      const before = handlerRuns;
      let res = await t.app.inject({ method: 'GET', url: '/test/cors/problem', headers: { origin: UNKNOWN_ORIGIN } });
      const body = expectProblem(res, 'AUTH_FORBIDDEN', { instance: '/test/cors/problem' });
      expect(body.context).toEqual({ origin: UNKNOWN_ORIGIN });
      expect(res.headers.vary).toBe('Origin');
      expectNoCors(res);

      res = await t.app.inject({
        method: 'POST',
        url: '/test/cors/oauth',
        headers: { origin: UNKNOWN_ORIGIN, 'content-type': FORM },
        payload: 'grant_type=client_credentials',
      });
      const oauthBody = expectOAuthError(res, 'AUTH_FORBIDDEN');
      expect(oauthBody.error_description).toContain(UNKNOWN_ORIGIN);
      expectNoCors(res);

      res = await t.app.inject({ method: 'GET', url: '/test/cors/bearer', headers: { origin: ORIGIN_LIVE } });
      expectProblem(res, 'AUTH_FORBIDDEN');
      expect(res.headers['www-authenticate']).toBeUndefined();
      expectNoCors(res);
      expect(handlerRuns).toBe(before);
    });

    it('allow the issuer’s own origin (browsers send Origin on same-origin POSTs)', async () => {
      const res = await t.app.inject({ method: 'POST', url: '/test/cors/problem', headers: { origin: TEST_ISSUER } });
      expect(res.statusCode).toBe(200);
    });

    it('without Origin (server to server) are unaffected, but say Vary: Origin', async () => {
      const res = await t.app.inject({ method: 'GET', url: `/test/cors/problem?app=${clientA}` });
      expect(res.statusCode).toBe(200);
      expect(res.headers.vary).toBe('Origin');
      expectNoCors(res);
    });

    it('follow app changes at once', async () => {
      const later = 'https://later.example';
      let res = await t.app.inject({ method: 'GET', url: '/test/cors/problem', headers: { origin: later } });
      expectProblem(res, 'AUTH_FORBIDDEN');

      await t.app.idgate.apps.update(clientA, { allowedOrigins: [ORIGIN_A, later] }, undefined);
      res = await t.app.inject({ method: 'GET', url: `/test/cors/problem?app=${clientA}`, headers: { origin: later } });
      expect(res.statusCode).toBe(200);
      expectCorsAllowed(res, later);

      await t.app.idgate.apps.update(clientA, { allowedOrigins: [ORIGIN_A] }, undefined);
      res = await t.app.inject({ method: 'GET', url: '/test/cors/problem', headers: { origin: later } });
      expectProblem(res, 'AUTH_FORBIDDEN');
      expectNoCors(res);
    });
  });

  describe('assertOriginAllowedFor (per app)', () => {
    it("passes the app's own origin", async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: `/test/cors/problem?app=${clientA}`,
        headers: { origin: ORIGIN_A },
      });
      expect(res.statusCode).toBe(200);
      expectCorsAllowed(res, ORIGIN_A);
    });

    it("refuses another app's origin with AUTH_FORBIDDEN naming the origin and the app", async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: `/test/cors/problem?app=${clientA}`,
        headers: { origin: ORIGIN_B },
      });
      const body = expectProblem(res, 'AUTH_FORBIDDEN');
      expect(body.detail).toBe(
        `Origin ${ORIGIN_B} is not an allowed origin of app ${clientA}; add it to the app's allowedOrigins to call from that page.`,
      );
      expect(body.context).toEqual({ clientId: clientA, origin: ORIGIN_B });
      // The origin is registered (by app B), so the page may read why it was refused.
      expectCorsAllowed(res, ORIGIN_B);
    });

    it("refuses another app's origin on the oauth surface", async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/test/cors/oauth',
        headers: { origin: ORIGIN_A, 'content-type': FORM },
        payload: `client_id=${clientB}`,
      });
      const body = expectOAuthError(res, 'AUTH_FORBIDDEN');
      expect(body.error_description).toContain(ORIGIN_A);
      expect(body.error_description).toContain(clientB);
      expectCorsAllowed(res, ORIGIN_A);
    });

    it('passes requests without Origin', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/test/cors/oauth',
        headers: { 'content-type': FORM },
        payload: `client_id=${clientB}`,
      });
      expect(res.statusCode).toBe(200);
      expectNoCors(res);
    });
  });

  describe('routes without cors', () => {
    it('get no CORS headers and no Vary, even with a registered Origin', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/test/plain', headers: { origin: ORIGIN_A } });
      expect(res.statusCode).toBe(200);
      expect(res.headers.vary).toBeUndefined();
      expectNoCors(res);
    });

    it('are not refused for an unknown Origin (CORS is the browser’s guard there)', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/test/plain', headers: { origin: UNKNOWN_ORIGIN } });
      expect(res.statusCode).toBe(200);
      expectNoCors(res);
    });

    it('get no CORS headers on 404s', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/test/nothing', headers: { origin: ORIGIN_A } });
      expectProblem(res, 'RESOURCE_NOT_FOUND');
      expectNoCors(res);
    });
  });
});
