/**
 * What the catalog walk needs to act like an integrator against a running sandbox idgate:
 * apps created through the admin API, requests on every surface, the headless
 * `/authorize` path, raw sockets for requests far past the limits, and one assertion
 * helper per surface the shared helpers do not cover (the non-redirected `/authorize`
 * JSON, the hosted error page, the log line behind a redirect).
 */
import { createHash, randomBytes } from 'node:crypto';
import { CATALOG, type ErrorCode, type TxStatusCode } from '@idgate/errors';
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { adminAuth, TEST_ISSUER, type TestApp } from '../support/app.js';
import { expectAuthorizeRedirectError, type ResponseLike } from '../support/assertions.js';
import { registerSecret } from '../support/leaks.js';
import type { LiveTestApp } from '../support/live-server.js';

/** The redirect URI every walk app registers. */
export const REDIRECT_URI = 'https://shop.example/callback';

/** The `state` every walk authorization request sends. */
export const STATE = 'walk-state';

/** An app created through the admin API, with its credentials. */
export interface SandboxApp {
  readonly clientId: string;
  readonly clientSecret: string;
  /** `Authorization: Basic …` (empty secret for a public app). */
  readonly basic: string;
}

/** A form body for the OAuth endpoints. */
export function formBody(fields: Readonly<Record<string, string>>): { 'content-type': string; payload: string } {
  return { 'content-type': 'application/x-www-form-urlencoded', payload: new URLSearchParams(fields).toString() };
}

/** A PKCE verifier and its S256 challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The sandbox under test: an injected app and a live one (for raw sockets). */
export class Sandbox {
  readonly t: TestApp;
  readonly live: LiveTestApp;

  constructor(t: TestApp, live: LiveTestApp) {
    this.t = t;
    this.live = live;
  }

  /** Creates an app the way an integrator does: `POST /admin/v1/apps`. */
  async newApp(body: Record<string, unknown> = {}): Promise<SandboxApp> {
    const res = await this.t.app.inject({
      method: 'POST',
      url: '/admin/v1/apps',
      headers: adminAuth(),
      payload: { name: 'Walk', type: 'confidential', redirectUris: [REDIRECT_URI], ...body },
    });
    expect(res.statusCode, res.body).toBe(201);
    const created = JSON.parse(res.body) as { clientId: string; clientSecret?: string };
    registerSecret(created.clientSecret);
    const clientSecret = created.clientSecret ?? '';
    return {
      clientId: created.clientId,
      clientSecret,
      basic: `Basic ${Buffer.from(`${created.clientId}:${clientSecret}`).toString('base64')}`,
    };
  }

  /** Disables a provider for the app: `PUT /admin/v1/apps/{clientId}/providers/{providerId}`. */
  async disableProvider(app: SandboxApp, providerId: string): Promise<void> {
    const res = await this.request({
      method: 'PUT',
      url: `/admin/v1/apps/${app.clientId}/providers/${providerId}`,
      headers: adminAuth(),
      payload: { enabled: false },
    });
    expect(res.statusCode, res.body).toBe(200);
  }

  /** Enables a provider for an app (`mock-wallet` is not enabled for new apps yet). */
  async enableProvider(app: SandboxApp, providerId: string): Promise<void> {
    const res = await this.request({
      method: 'PUT',
      url: `/admin/v1/apps/${app.clientId}/providers/${providerId}`,
      headers: adminAuth(),
      payload: { enabled: true },
    });
    expect([200, 201], res.body).toContain(res.statusCode);
  }

  /** Any request, injected. */
  request(options: {
    method?: string;
    url: string;
    headers?: Record<string, string>;
    payload?: string | Record<string, unknown>;
  }): Promise<LightMyRequestResponse> {
    return this.t.app.inject({
      method: (options.method ?? 'GET') as 'GET',
      url: options.url,
      headers: options.headers ?? {},
      ...(options.payload === undefined ? {} : { payload: options.payload }),
    });
  }

  /** `POST /v1/verifications` with the app's Basic credentials. */
  createVerification(
    app: SandboxApp,
    payload: Record<string, unknown>,
    headers: Record<string, string> = {},
  ): Promise<LightMyRequestResponse> {
    return this.request({
      method: 'POST',
      url: '/v1/verifications',
      headers: { authorization: app.basic, ...headers },
      payload,
    });
  }

  /** `POST /token` with a form body (and the app's Basic credentials unless `auth` is given). */
  token(
    fields: Readonly<Record<string, string>>,
    auth: { authorization?: string } = {},
    headers: Record<string, string> = {},
  ): Promise<LightMyRequestResponse> {
    const { payload, ...form } = formBody(fields);
    return this.request({ method: 'POST', url: '/token', headers: { ...form, ...auth, ...headers }, payload });
  }

  /** A `client_credentials` access token of the app with this scope. */
  async accessToken(app: SandboxApp, scope: string): Promise<string> {
    const res = await this.token({ grant_type: 'client_credentials', scope }, { authorization: app.basic });
    expect(res.statusCode, res.body).toBe(200);
    const token = (JSON.parse(res.body) as { access_token: string }).access_token;
    registerSecret(token);
    return token;
  }

  /** `GET /authorize` with a valid request of the app, changed by `overrides` (`undefined` removes). */
  authorize(
    app: SandboxApp,
    overrides: Record<string, string | undefined> = {},
    headers: Record<string, string> = {},
  ): Promise<LightMyRequestResponse> {
    const params = Object.entries({
      client_id: app.clientId,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'openid profile',
      state: STATE,
      nonce: 'walk-nonce',
      ...overrides,
    }).filter((entry): entry is [string, string] => entry[1] !== undefined);
    return this.request({ url: `/authorize?${new URLSearchParams(params).toString()}`, headers });
  }

  /** An authorization code from the headless sandbox path (`mock-redirect`, identity `success`). */
  async headlessCode(app: SandboxApp, overrides: Record<string, string | undefined> = {}): Promise<string> {
    const res = await this.authorize(app, { provider_hint: 'mock-redirect', login_hint: 'success', ...overrides });
    expect(res.statusCode, res.body).toBe(302);
    const code = new URL(String(res.headers.location)).searchParams.get('code');
    expect(code, String(res.headers.location)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    registerSecret(code ?? undefined);
    return code ?? '';
  }

  /**
   * Asserts an `/authorize` error redirect for `code` (its transaction status code unless
   * given), and that the log line of that request names the catalog code behind it.
   */
  expectRedirected(res: LightMyRequestResponse, code: ErrorCode, txStatus?: TxStatusCode): URLSearchParams {
    const query = expectAuthorizeRedirectError(res, txStatus ?? CATALOG[code].txStatus, {
      redirectUri: REDIRECT_URI,
      state: STATE,
    });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    this.expectLogged(res, code);
    return query;
  }

  /** Asserts that the log line of the response's request names `code`. */
  expectLogged(res: ResponseLike, code: ErrorCode): void {
    const requestId = res.headers['x-request-id'];
    expect(typeof requestId).toBe('string');
    const line = this.t.logs.find((entry) => entry.request_id === requestId && entry.code === code);
    expect(line, `a log line with code ${code} for request ${String(requestId)}`).toBeDefined();
    // The level follows the catalog, not the answer: an internal error or a provider failure
    // that /authorize answers with a 302 is still logged at error (with its cause).
    expect(line?.level).toBe(CATALOG[code].status >= 500 ? 'error' : 'info');
  }
}

/** Asserts a non-redirected `/authorize` JSON error (SPEC 2.1); returns the body. */
export function expectAuthorizeJson(res: LightMyRequestResponse, code: ErrorCode): Record<string, unknown> {
  const body = JSON.parse(res.body) as Record<string, unknown>;
  expect(body.error_uri, `error_uri (body ${res.body.slice(0, 300)})`).toBe(`${TEST_ISSUER}/errors/${code}`);
  expect(res.statusCode).toBe(CATALOG[code].status >= 500 ? CATALOG[code].status : 400);
  expect(res.headers.location).toBeUndefined();
  expect(Object.keys(body).sort()).toEqual(['error', 'error_description', 'error_uri', 'request_id']);
  expect(body.error).toBe(CATALOG[code].oauth);
  expect(typeof body.error_description).toBe('string');
  expect(body.request_id).toBe(res.headers['x-request-id']);
  expect(res.headers['content-type']).toBe('application/json');
  expect(res.headers['cache-control']).toBe('no-store');
  return body;
}

/** Asserts a hosted HTML error page for `code`. */
export function expectErrorPage(res: LightMyRequestResponse, code: ErrorCode): void {
  expect(res.body, res.body.slice(0, 300)).toContain(`<code>${code}</code>`);
  expect(res.statusCode).toBe(CATALOG[code].status);
  expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(res.headers.location).toBeUndefined();
  expect(res.body).toContain(String(res.headers['x-request-id']));
}

export { type RawResponse, sendRaw } from '../support/raw-http.js';
