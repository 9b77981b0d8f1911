/**
 * The surface matrix (ARCHITECTURE "One handler, the route picks the surface"): a
 * test-only route per surface throws `new IdgateError(code)` for every catalog code, and
 * each answer must be the form that surface's standard demands.
 */
import {
  CATALOG,
  ERROR_CODES,
  type ErrorCode,
  escapeHtml,
  IdgateError,
  messagesFor,
  oauthStatusFor,
} from '@idgate/errors';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { ErrorSurface } from '../../src/http/route-contract.js';
import { createTestApp, TEST_ADMIN_KEY, TEST_ISSUER, TEST_SECRET_KEY, type TestApp } from '../support/app.js';
import {
  expectAuthorizeRedirectError,
  expectBearerChallenge,
  expectOAuthError,
  expectProblem,
  type ResponseLike,
} from '../support/assertions.js';

const SURFACES: readonly ErrorSurface[] = ['problem', 'bearer', 'oauth', 'authorize', 'page'];
const REDIRECT_URI = 'https://app.example/cb?x=1';

/** Registers `/test/<surface>/:code`, `/test/authorize-redirect/:code` (verified redirect). */
function registerThrowingRoutes(app: FastifyInstance): void {
  for (const surface of SURFACES) {
    app.get<{ Params: { code: string }; Querystring: { scope?: string } }>(
      `/test/${surface}/:code`,
      { config: { idgate: { surface } } },
      function throwCatalogError(request) {
        const scope = request.query.scope;
        throw new IdgateError(request.params.code as ErrorCode, scope ? { context: { scope } } : {});
      },
    );
  }
  app.post<{ Params: { code: string } }>(
    '/test/bearer-form/:code',
    { config: { idgate: { surface: 'bearer' } } },
    function throwAfterFormBody(request) {
      throw new IdgateError(request.params.code as ErrorCode);
    },
  );
  app.get<{ Params: { code: string } }>(
    '/test/authorize-redirect/:code',
    { config: { idgate: { surface: 'authorize' } } },
    function throwAfterVerifiedRedirect(request) {
      request.authorizationRedirect = { redirectUri: REDIRECT_URI, state: 'xyz' };
      throw new IdgateError(request.params.code as ErrorCode);
    },
  );
}

function header(res: ResponseLike, name: string): string | undefined {
  const value = res.headers[name];
  return value === undefined ? undefined : String(value);
}

/** Headers every HTML error page carries (SPEC 7: CSP, frame-ancestors, no-referrer). */
function expectHtmlPage(res: ResponseLike, code: ErrorCode, status: number, locale: 'en' | 'de'): void {
  expect(res.body, `page for ${code}`).toContain(`<code>${code}</code>`);
  expect(res.statusCode).toBe(status);
  expect(header(res, 'content-type')).toBe('text/html; charset=utf-8');
  expect(header(res, 'content-security-policy')).toContain("frame-ancestors 'none'");
  expect(header(res, 'content-security-policy')).toContain("default-src 'none'");
  expect(header(res, 'referrer-policy')).toBe('no-referrer');
  expect(header(res, 'x-content-type-options')).toBe('nosniff');
  expect(header(res, 'cache-control')).toBe('no-store');
  expect(header(res, 'content-language')).toBe(locale);
  expect(res.body).toContain(`<html lang="${locale}">`);
  expect(res.body).toContain(escapeHtml(messagesFor(locale).errors[code]));
  const requestId = header(res, 'x-request-id');
  expect(requestId).toMatch(/^[0-9A-Z]{26}$/);
  expect(res.body).toContain(`<code>${requestId}</code>`);
  // The doc link carries the request id and time to quote.
  expect(res.body).toMatch(
    new RegExp(
      `href="${TEST_ISSUER}/errors/${code}\\?request_id=${requestId}&amp;at=\\d{4}-\\d{2}-\\d{2}T\\d{2}%3A\\d{2}%3A\\d{2}\\.\\d{3}Z"`,
    ),
  );
  expect(res.body).not.toMatch(/<script/i);
  if (CATALOG[code].status >= 500) expect(res.body).toContain(escapeHtml(CATALOG[code].description));
}

/** RFC 6750 challenge expected on a bearer-protected route, per SPEC 2.3. */
function expectedBearerError(code: ErrorCode, tokenSent: boolean): { challenge: boolean; error: string | null } {
  const entry = CATALOG[code];
  // Only the caller's own credentials are challenged: a 401 of another family
  // (PROVIDER_AUTHENTICATION_FAILED: idgate's credentials upstream) carries none.
  const callerUnauthenticated = entry.status === 401 && code.startsWith('AUTH_');
  // RFC 6750 §3.1: with no token sent at all, a challenge but no `error` attribute.
  if (!tokenSent) return { challenge: callerUnauthenticated || entry.bearer === 'insufficient_scope', error: null };
  // Every 401 about the caller carries a challenge (RFC 9110 §15.5.2).
  if (callerUnauthenticated) return { challenge: true, error: entry.bearer ?? null };
  if (entry.bearer !== undefined) return { challenge: true, error: entry.bearer };
  return { challenge: false, error: null };
}

function expectRetryAfter(res: ResponseLike, code: ErrorCode): void {
  const retryAfter = CATALOG[code].retryAfter;
  if (retryAfter === undefined) expect(header(res, 'retry-after')).toBeUndefined();
  else expect(header(res, 'retry-after')).toBe(String(retryAfter));
}

describe('surface matrix', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite', { routes: registerThrowingRoutes });
  });
  afterAll(async () => {
    await t.close();
  });

  it('covers the whole catalog', () => {
    expect(ERROR_CODES.length).toBeGreaterThanOrEqual(40);
    for (const code of ['AUTH_INVALID_CREDENTIALS', 'SYSTEM_RATE_LIMITED', 'RESOURCE_PRECONDITION_FAILED'] as const) {
      expect(ERROR_CODES).toContain(code);
    }
  });

  describe.each(ERROR_CODES.map((code) => [code] as const))('%s', (code) => {
    const entry = CATALOG[code];

    it('problem: problem+json with the catalog status', async () => {
      const res = await t.app.inject({ method: 'GET', url: `/test/problem/${code}?a=b` });
      const body = expectProblem(res, code, { instance: `/test/problem/${code}` });
      expect(body.context).toEqual({});
      expect(header(res, 'www-authenticate')).toBeUndefined();
      expect(header(res, 'content-language')).toBe('en');
      expect(body.user_message).toBe(messagesFor('en').errors[code]);
      expectRetryAfter(res, code);
    });

    it('problem: user_message follows Accept-Language', async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: `/test/problem/${code}`,
        headers: { 'accept-language': 'de-CH, en;q=0.5' },
      });
      const body = expectProblem(res, code);
      expect(body.user_message).toBe(messagesFor('de').errors[code]);
      expect(header(res, 'content-language')).toBe('de');
    });

    // RFC 9449 §7.1: the errors only DPoP has challenge with the DPoP scheme (and its algs).
    const dpopError = CATALOG[code].bearer === 'invalid_dpop_proof' || CATALOG[code].bearer === 'use_dpop_nonce';

    it('bearer: problem+json and the challenge rules, without a token', async () => {
      const res = await t.app.inject({ method: 'GET', url: `/test/bearer/${code}` });
      expectProblem(res, code, { instance: `/test/bearer/${code}` });
      const expected = expectedBearerError(code, false);
      if (dpopError) {
        expect(header(res, 'www-authenticate')).toBe('DPoP realm="idgate", algs="ES256 PS256 EdDSA Ed25519"');
        return;
      }
      if (expected.challenge) expectBearerChallenge(res, code, { error: expected.error });
      else expect(header(res, 'www-authenticate')).toBeUndefined();
      if (expected.challenge) expect(header(res, 'www-authenticate')).toBe('Bearer realm="idgate"');
      expectRetryAfter(res, code);
    });

    it('bearer: the challenge rules with Authorization: Bearer x', async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: `/test/bearer/${code}`,
        headers: { authorization: 'Bearer x' },
      });
      expectProblem(res, code);
      const expected = expectedBearerError(code, true);
      if (dpopError) {
        expect(header(res, 'www-authenticate')).toBe(
          `DPoP realm="idgate", error="${CATALOG[code].bearer}", error_description="${CATALOG[code].description}", algs="ES256 PS256 EdDSA Ed25519"`,
        );
        return;
      }
      if (expected.challenge) {
        expectBearerChallenge(res, code, { error: expected.error });
        if (expected.error) expect(header(res, 'www-authenticate')).toMatch(/error_description="[^"]*"/);
      } else {
        expect(header(res, 'www-authenticate')).toBeUndefined();
      }
    });

    it('oauth: RFC 6749 §5.2 JSON without an Authorization header (no challenge)', async () => {
      const res = await t.app.inject({ method: 'GET', url: `/test/oauth/${code}` });
      const body = expectOAuthError(res, code, { basicChallenge: false });
      expect(body).not.toHaveProperty('code');
      expect(header(res, 'pragma')).toBe('no-cache');
      if (entry.status >= 500) expect(body.error_description).toBe(entry.description.replace(/"/g, "'"));
      expectRetryAfter(res, code);
    });

    it('oauth: Basic challenge only for invalid_client, when an Authorization header was sent', async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: `/test/oauth/${code}`,
        headers: { authorization: `Basic ${Buffer.from('test_client:wrong').toString('base64')}` },
      });
      expectOAuthError(res, code, { basicChallenge: entry.oauth === 'invalid_client' });
      if (entry.oauth === 'invalid_client') expect(res.statusCode).toBe(401);
    });

    it('authorize (no verified redirect): JSON error with status 400 (5xx kept)', async () => {
      const res = await t.app.inject({ method: 'GET', url: `/test/authorize/${code}` });
      const body = JSON.parse(res.body) as Record<string, unknown>;
      expect(body.error_uri).toBe(`${TEST_ISSUER}/errors/${code}`);
      expect(res.statusCode).toBe(entry.status >= 500 ? entry.status : 400);
      expect(Object.keys(body).sort()).toEqual(['error', 'error_description', 'error_uri', 'request_id']);
      expect(body.error).toBe(entry.oauth);
      expect(body.error_description).toMatch(/^[\x20-\x21\x23-\x5B\x5D-\x7E]+$/);
      expect(body.request_id).toBe(header(res, 'x-request-id'));
      expect(header(res, 'content-type')).toMatch(/^application\/json/);
      expect(header(res, 'cache-control')).toBe('no-store');
      expect(header(res, 'location')).toBeUndefined();
    });

    it('authorize (no verified redirect): an HTML page for Accept: text/html, never a redirect', async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: `/test/authorize/${code}`,
        headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' },
      });
      expectHtmlPage(res, code, entry.status >= 500 ? entry.status : 400, 'en');
      expect(header(res, 'location')).toBeUndefined();
    });

    it('authorize (no verified redirect): the page in German for Accept-Language: de and for ui_locales=de', async () => {
      const byHeader = await t.app.inject({
        method: 'GET',
        url: `/test/authorize/${code}`,
        headers: { accept: 'text/html', 'accept-language': 'de' },
      });
      expectHtmlPage(byHeader, code, entry.status >= 500 ? entry.status : 400, 'de');
      const byUiLocales = await t.app.inject({
        method: 'GET',
        url: `/test/authorize/${code}?ui_locales=de%20en`,
        headers: { accept: 'text/html', 'accept-language': 'en' },
      });
      expectHtmlPage(byUiLocales, code, entry.status >= 500 ? entry.status : 400, 'de');
    });

    it('authorize (verified redirect): 302 to the redirect_uri with the transaction status', async () => {
      const res = await t.app.inject({ method: 'GET', url: `/test/authorize-redirect/${code}` });
      const query = expectAuthorizeRedirectError(res, entry.txStatus, { redirectUri: REDIRECT_URI, state: 'xyz' });
      expect(query.get('x')).toBe('1');
      expect(header(res, 'cache-control')).toBe('no-store');
      expect(header(res, 'referrer-policy')).toBe('no-referrer');
      expect(res.body).toBe('');
      expect(header(res, 'location')).not.toContain(code);
    });

    it('authorize (verified redirect): a browser is redirected too', async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: `/test/authorize-redirect/${code}`,
        headers: { accept: 'text/html' },
      });
      expectAuthorizeRedirectError(res, entry.txStatus, { redirectUri: REDIRECT_URI, state: 'xyz' });
    });

    it('page: HTML with the catalog status, localized', async () => {
      const en = await t.app.inject({ method: 'GET', url: `/test/page/${code}` });
      expectHtmlPage(en, code, entry.status, 'en');
      expectRetryAfter(en, code);
      const de = await t.app.inject({ method: 'GET', url: `/test/page/${code}?ui_locales=de` });
      expectHtmlPage(de, code, entry.status, 'de');
    });
  });

  describe('bearer challenge details', () => {
    it('AUTH_INVALID_TOKEN with a token: 401 error="invalid_token"', async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: '/test/bearer/AUTH_INVALID_TOKEN',
        headers: { authorization: 'Bearer x' },
      });
      expectBearerChallenge(res, 'AUTH_INVALID_TOKEN', { error: 'invalid_token' });
      expect(res.statusCode).toBe(401);
      expect(header(res, 'www-authenticate')).toMatch(
        /^Bearer realm="idgate", error="invalid_token", error_description="[\x20-\x21\x23-\x5B\x5D-\x7E]+"$/,
      );
    });

    it('AUTH_INVALID_TOKEN without any token: 401, no error attribute', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/test/bearer/AUTH_INVALID_TOKEN' });
      expectBearerChallenge(res, 'AUTH_INVALID_TOKEN', { error: null });
      expect(header(res, 'www-authenticate')).toBe('Bearer realm="idgate"');
    });

    it('an Authorization header of another scheme is no bearer token', async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: '/test/bearer/AUTH_INVALID_TOKEN',
        headers: { authorization: 'Basic eDp5' },
      });
      expect(header(res, 'www-authenticate')).toBe('Bearer realm="idgate"');
    });

    it('a token sent in the form body counts as a token (RFC 6750 §2.2)', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/test/bearer-form/AUTH_INVALID_TOKEN',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'access_token=x',
      });
      expectBearerChallenge(res, 'AUTH_INVALID_TOKEN', { error: 'invalid_token' });
    });

    it('AUTH_INSUFFICIENT_SCOPE carries the needed scope from context.scope', async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: '/test/bearer/AUTH_INSUFFICIENT_SCOPE?scope=verifications',
        headers: { authorization: 'Bearer x' },
      });
      expectBearerChallenge(res, 'AUTH_INSUFFICIENT_SCOPE', { error: 'insufficient_scope', scope: 'verifications' });
      expect(res.statusCode).toBe(403);
      const body = JSON.parse(res.body) as { context: Record<string, unknown> };
      expect(body.context).toEqual({ scope: 'verifications' });
    });

    it('quotes and escapes challenge attributes', async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: `/test/bearer/AUTH_INSUFFICIENT_SCOPE?scope=${encodeURIComponent('a "b" c\\d')}`,
        headers: { authorization: 'Bearer x' },
      });
      expect(header(res, 'www-authenticate')).toContain('scope="a \\"b\\" c\\\\d"');
    });
  });

  describe('oauth status mapping', () => {
    it('uses 400, 401 for invalid_client, and keeps 405/406/413/414/429/431/5xx', () => {
      for (const code of ERROR_CODES) {
        const status = CATALOG[code].status;
        const expected =
          CATALOG[code].oauth === 'invalid_client'
            ? 401
            : [405, 406, 413, 414, 429, 431].includes(status) || status >= 500
              ? status
              : 400;
        expect(oauthStatusFor(code), code).toBe(expected);
      }
    });
  });
});

describe('route contract boot check', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite');
  });
  afterAll(async () => {
    await t.close();
  });

  function freshApp(): FastifyInstance {
    return buildApp(t.config, {
      database: t.database.database,
      adminKey: TEST_ADMIN_KEY,
      secretKey: TEST_SECRET_KEY,
      logStream: { write: () => true } as unknown as NodeJS.WritableStream,
    });
  }

  it('refuses a route without config.idgate.surface with a TypeError naming it', async () => {
    const app = freshApp();
    try {
      expect(() =>
        app.get('/test/no-surface', function noSurface() {
          return 'x';
        }),
      ).toThrow(TypeError);
      expect(() =>
        app.get('/test/no-surface-2', function noSurface() {
          return 'x';
        }),
      ).toThrow(/GET \/test\/no-surface-2 declares no error surface/);
      expect(() =>
        app.post('/test/no-surface-either', { config: {} }, function noSurface() {
          return 'x';
        }),
      ).toThrow(/POST \/test\/no-surface-either/);
    } finally {
      await app.close();
    }
  });

  it('refuses an unknown surface', async () => {
    const app = freshApp();
    try {
      expect(() =>
        app.get(
          '/test/bad-surface',
          { config: { idgate: { surface: 'json' as ErrorSurface } } },
          function badSurface() {
            return 'x';
          },
        ),
      ).toThrow(/GET \/test\/bad-surface.*surface/);
    } finally {
      await app.close();
    }
  });

  it('accepts each known surface', async () => {
    const app = freshApp();
    try {
      for (const surface of SURFACES) {
        app.get(`/test/ok-${surface}`, { config: { idgate: { surface } } }, function ok() {
          return { ok: true };
        });
      }
      await app.ready();
      expect((await app.inject({ method: 'GET', url: '/test/ok-page' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});
