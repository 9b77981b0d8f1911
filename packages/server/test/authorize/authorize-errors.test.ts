/**
 * `/authorize` errors (SPEC 2.1): the client and `redirect_uri` failures that must never
 * be redirected (JSON or an HTML page, 400), every later failure as an error redirect
 * with `error`, `error_description`, `tx_state`, `state` and `iss`, and the transaction
 * each redirected failure leaves behind.
 */
import { CATALOG, type ErrorCode, escapeHtml, messagesFor, type TxStatusCode } from '@idgate/errors';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, TEST_ISSUER, type TestApp } from '../support/app.js';
import { expectAuthorizeRedirectError } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import {
  authorizeUrl,
  bindingCookieOf,
  createClient,
  form,
  issuerPath,
  locationOf,
  onlyTransaction,
  pkcePair,
  REDIRECT_URI,
  type TestClient,
  validParams,
} from './helpers.js';

/** Asserts a non-redirected JSON answer (SPEC 2.1); returns the body. */
function expectAuthorizeJson(res: LightMyRequestResponse, code: ErrorCode): Record<string, unknown> {
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

/** Asserts a non-redirected HTML error page (SPEC 2.1). */
function expectAuthorizeHtml(res: LightMyRequestResponse, code: ErrorCode): void {
  expect(res.body, 'the page names the code').toContain(`<code>${code}</code>`);
  expect(res.statusCode).toBe(CATALOG[code].status >= 500 ? CATALOG[code].status : 400);
  expect(res.headers.location).toBeUndefined();
  expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(res.headers['referrer-policy']).toBe('no-referrer');
  expect(res.body).toContain(`${TEST_ISSUER}/errors/${code}`);
}

describe.each(TEST_DATABASE_KINDS)('/authorize errors on %s', (kind) => {
  let t: TestApp;
  let client: TestClient;

  beforeAll(async () => {
    t = await createTestApp(kind);
    client = await createClient(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    return t.app.inject({ method: 'GET', url, headers });
  }

  /** Asserts the same non-redirectable error as JSON and as an HTML page. */
  async function expectNotRedirected(url: string, code: ErrorCode): Promise<Record<string, unknown>> {
    const json = await get(url, { accept: 'application/json' });
    const body = expectAuthorizeJson(json, code);
    expectAuthorizeHtml(await get(url, { accept: 'text/html,application/xhtml+xml' }), code);
    return body;
  }

  /** Asserts an error redirect and that the transaction was recorded as it says. */
  async function expectRedirectedFailure(
    params: Record<string, string> | readonly (readonly [string, string])[],
    txStatus: TxStatusCode,
    expected: { state?: string; txState?: string; clientId: string },
  ): Promise<URLSearchParams> {
    const res = await get(authorizeUrl(params));
    const query = expectAuthorizeRedirectError(res, txStatus, {
      redirectUri: REDIRECT_URI,
      ...(expected.state === undefined ? {} : { state: expected.state }),
      ...(expected.txState === undefined ? {} : { txState: expected.txState }),
    });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    const transaction = await onlyTransaction(t, expected.clientId);
    expect(transaction.status).toBe(expected.txState ?? 'failed');
    expect(transaction.status_code).toBe(txStatus);
    return query;
  }

  describe('not redirected: client and redirect_uri', () => {
    it('client_id missing: VALIDATION_MISSING_PARAMETER', async () => {
      const body = await expectNotRedirected(
        authorizeUrl(validParams(client.clientId, { client_id: undefined })),
        'VALIDATION_MISSING_PARAMETER',
      );
      expect(body.error).toBe('invalid_request');
      expect(body.error_description).toContain('client_id');
    });

    it('client_id empty reads as missing (RFC 6749 §3.1)', async () => {
      await expectNotRedirected(
        authorizeUrl(validParams(client.clientId, { client_id: '' })),
        'VALIDATION_MISSING_PARAMETER',
      );
    });

    it('unknown client: AUTH_INVALID_CLIENT, even with a registered-looking redirect_uri', async () => {
      const body = await expectNotRedirected(
        authorizeUrl(validParams('test_000000000000000000000000')),
        'AUTH_INVALID_CLIENT',
      );
      expect(body.error).toBe('invalid_client');
    });

    it('a client id without environment prefix: AUTH_INVALID_CLIENT', async () => {
      await expectNotRedirected(authorizeUrl(validParams('not-a-client')), 'AUTH_INVALID_CLIENT');
    });

    it('disabled client: AUTH_INVALID_CLIENT', async () => {
      const disabled = await createClient(t);
      await t.app.idgate.apps.update(disabled.clientId, { disabled: true }, undefined);
      const body = await expectNotRedirected(authorizeUrl(validParams(disabled.clientId)), 'AUTH_INVALID_CLIENT');
      expect(body.error_description).toContain('disabled');
    });

    it('a production client id in the sandbox: AUTH_INVALID_CREDENTIALS naming both environments', async () => {
      const body = await expectNotRedirected(
        authorizeUrl(validParams('live_abcdefghijklmnopqrstuvwx')),
        'AUTH_INVALID_CREDENTIALS',
      );
      expect(body.error_description).toBe(
        'Invalid client credentials: production credentials were used against sandbox.',
      );
    });

    it('client_id repeated: VALIDATION_INVALID_PARAMETER, even with the same value twice', async () => {
      const params = Object.entries(validParams(client.clientId));
      const body = await expectNotRedirected(
        authorizeUrl([...params, ['client_id', client.clientId]]),
        'VALIDATION_INVALID_PARAMETER',
      );
      expect(body.error_description).toContain('client_id');
    });

    it('redirect_uri repeated: VALIDATION_INVALID_PARAMETER', async () => {
      const params = Object.entries(validParams(client.clientId));
      await expectNotRedirected(
        authorizeUrl([...params, ['redirect_uri', REDIRECT_URI]]),
        'VALIDATION_INVALID_PARAMETER',
      );
    });

    it('redirect_uri missing on an openid request: VALIDATION_REDIRECT_URI_REQUIRED', async () => {
      const single = await createClient(t, { redirectUris: [REDIRECT_URI] });
      const body = await expectNotRedirected(
        authorizeUrl(validParams(single.clientId, { redirect_uri: undefined })),
        'VALIDATION_REDIRECT_URI_REQUIRED',
      );
      expect(body.error_description).toContain('OpenID Connect');
    });

    it('redirect_uri missing, non-openid, app with two URIs: VALIDATION_REDIRECT_URI_REQUIRED', async () => {
      await expectNotRedirected(
        authorizeUrl(validParams(client.clientId, { redirect_uri: undefined, scope: 'profile' })),
        'VALIDATION_REDIRECT_URI_REQUIRED',
      );
    });

    it('redirect_uri missing, non-openid, app with one URI: that URI is used', async () => {
      const single = await createClient(t, { redirectUris: [REDIRECT_URI] });
      await expectRedirectedFailure(
        validParams(single.clientId, { redirect_uri: undefined, scope: 'profile', response_type: undefined }),
        'err_invalid_request',
        { state: 'st-123', clientId: single.clientId },
      );
    });

    it('an unknown client is reported before a bad redirect_uri', async () => {
      await expectNotRedirected(
        authorizeUrl(validParams('test_000000000000000000000000', { redirect_uri: 'https://evil.example/cb' })),
        'AUTH_INVALID_CLIENT',
      );
    });

    const tricks: readonly (readonly [string, string])[] = [
      ['an added path segment', 'https://shop.example/cb/extra'],
      ['an added query', 'https://shop.example/cb?next=https://evil.example'],
      ['an empty query', 'https://shop.example/cb?'],
      ['a trailing slash', 'https://shop.example/cb/'],
      ['another case in the host', 'https://SHOP.example/cb'],
      ['another case in the path', 'https://shop.example/CB'],
      ['the default port written out', 'https://shop.example:443/cb'],
      ['another port', 'https://shop.example:8443/cb'],
      ['another scheme', 'http://shop.example/cb'],
      ['user information', 'https://user@shop.example/cb'],
      ['the registered host as user information', 'https://shop.example@evil.example/cb'],
      ['a percent-encoded character', 'https://shop.example/c%62'],
      ['an encoded slash and dot segments', 'https://shop.example/cb%2F..%2F..%2Fevil'],
      ['a fragment', 'https://shop.example/cb#frag'],
      ['an empty fragment', 'https://shop.example/cb#'],
      ['another host', 'https://evil.example/cb'],
      ['a suffix domain', 'https://shop.example.evil.example/cb'],
      ['a leading space', ' https://shop.example/cb'],
      ['a relative reference', '/cb'],
      ['not a URI', 'not a uri'],
    ];
    it.each(tricks)('redirect_uri with %s is refused without redirect', async (_name, redirectUri) => {
      const body = await expectNotRedirected(
        authorizeUrl(validParams(client.clientId, { redirect_uri: redirectUri })),
        'VALIDATION_INVALID_PARAMETER',
      );
      expect(body.error_description).toContain('redirect_uri');
    });

    it('a registered URI with a port matches only with that port', async () => {
      const ported = await createClient(t, { redirectUris: ['https://shop.example:8443/cb'] });
      for (const redirectUri of ['https://shop.example/cb', 'https://shop.example:8444/cb']) {
        await expectNotRedirected(
          authorizeUrl(validParams(ported.clientId, { redirect_uri: redirectUri })),
          'VALIDATION_INVALID_PARAMETER',
        );
      }
      const res = await get(
        authorizeUrl(validParams(ported.clientId, { redirect_uri: 'https://shop.example:8443/cb' })),
      );
      expect(res.statusCode).toBe(303);
    });

    it('POST: the same checks on a form body', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/authorize',
        ...form(validParams(client.clientId, { redirect_uri: 'https://shop.example/cb/' })),
      });
      expectAuthorizeJson(res, 'VALIDATION_INVALID_PARAMETER');
    });

    it.each(['GET', 'POST'] as const)(
      '%s with an unknown client and ui_locales=de: the HTML error page is German',
      async (method) => {
        const params = validParams('test_unknownunknownunknown00', { ui_locales: 'de' });
        const res = await t.app.inject(
          method === 'GET'
            ? { method, url: authorizeUrl(params), headers: { accept: 'text/html', 'accept-language': 'en' } }
            : {
                method,
                url: '/authorize',
                ...form(params),
                headers: { ...form({}).headers, accept: 'text/html', 'accept-language': 'en' },
              },
        );
        expectAuthorizeHtml(res, 'AUTH_INVALID_CLIENT');
        expect(res.statusCode).toBe(400);
        expect(res.headers['content-language']).toBe('de');
        expect(res.body).toContain('<html lang="de">');
        expect(res.body).toContain(escapeHtml(messagesFor('de').errors.AUTH_INVALID_CLIENT));
        expect(res.body).not.toContain(escapeHtml(messagesFor('en').errors.AUTH_INVALID_CLIENT));
      },
    );

    it('POST without a body: client_id is missing', async () => {
      expectAuthorizeJson(await t.app.inject({ method: 'POST', url: '/authorize' }), 'VALIDATION_MISSING_PARAMETER');
    });

    it('POST with a JSON body: VALIDATION_UNSUPPORTED_MEDIA_TYPE, not redirected', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/authorize',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(validParams(client.clientId)),
      });
      expectAuthorizeJson(res, 'VALIDATION_UNSUPPORTED_MEDIA_TYPE');
    });
  });

  describe('redirected: every failure after client and redirect_uri', () => {
    it('response_type missing: err_invalid_request', async () => {
      const fresh = await createClient(t);
      await expectRedirectedFailure(validParams(fresh.clientId, { response_type: undefined }), 'err_invalid_request', {
        state: 'st-123',
        clientId: fresh.clientId,
      });
    });

    it.each(['token', 'id_token', 'code id_token', 'CODE'])(
      'response_type=%s: err_unsupported_response_type',
      async (responseType) => {
        const fresh = await createClient(t);
        await expectRedirectedFailure(
          validParams(fresh.clientId, { response_type: responseType }),
          'err_unsupported_response_type',
          { state: 'st-123', clientId: fresh.clientId },
        );
      },
    );

    it.each([
      ['an unknown scope', 'openid unknown'],
      ['a REST scope', 'openid verifications'],
      ['the other REST scope', 'providers'],
      ['a malformed scope', 'openid "quoted"'],
      ['no scope at all', undefined],
    ])('%s: err_invalid_scope', async (_name, scope) => {
      const fresh = await createClient(t);
      await expectRedirectedFailure(validParams(fresh.clientId, { scope }), 'err_invalid_scope', {
        state: 'st-123',
        clientId: fresh.clientId,
      });
    });

    it('a scope the app may not use: err_invalid_scope (never dropped)', async () => {
      const limited = await createClient(t, { scopes: ['openid', 'profile'] });
      await expectRedirectedFailure(validParams(limited.clientId, { scope: 'openid email' }), 'err_invalid_scope', {
        state: 'st-123',
        clientId: limited.clientId,
      });
    });

    it('an app without the authorization_code grant: err_unauthorized_client', async () => {
      const machine = await createClient(t, { grantTypes: ['client_credentials'] });
      await expectRedirectedFailure(validParams(machine.clientId), 'err_unauthorized_client', {
        state: 'st-123',
        clientId: machine.clientId,
      });
    });

    it.each(['response_type', 'scope', 'nonce', 'code_challenge', 'prompt', 'provider_hint'])(
      'a repeated %s: err_invalid_request',
      async (name) => {
        const fresh = await createClient(t);
        const params = Object.entries(
          validParams(fresh.clientId, { code_challenge: pkcePair().challenge, code_challenge_method: 'S256' }),
        );
        const repeats: [string, string][] = params.some(([key]) => key === name)
          ? [[name, 'again']]
          : [
              [name, 'login'],
              [name, 'consent'],
            ];
        await expectRedirectedFailure([...params, ...repeats], 'err_invalid_request', {
          state: 'st-123',
          clientId: fresh.clientId,
        });
      },
    );

    it('a repeated state: err_invalid_request without any state', async () => {
      const fresh = await createClient(t);
      const params = Object.entries(validParams(fresh.clientId));
      const query = await expectRedirectedFailure([...params, ['state', 'second']], 'err_invalid_request', {
        clientId: fresh.clientId,
      });
      expect(query.has('state')).toBe(false);
    });

    it('a state over 2048 characters: err_invalid_request, not echoed', async () => {
      const fresh = await createClient(t);
      await expectRedirectedFailure(validParams(fresh.clientId, { state: 'x'.repeat(2049) }), 'err_invalid_request', {
        clientId: fresh.clientId,
      });
    });

    it('a public client without code_challenge: err_invalid_request (VALIDATION_INVALID_PKCE)', async () => {
      const spa = await createClient(t, { type: 'public' });
      await expectRedirectedFailure(validParams(spa.clientId), 'err_invalid_request', {
        state: 'st-123',
        clientId: spa.clientId,
      });
    });

    const pkceCases: readonly (readonly [string, Record<string, string | undefined>])[] = [
      ['method plain', { code_challenge: pkcePair().challenge, code_challenge_method: 'plain' }],
      ['no method (means plain)', { code_challenge: pkcePair().challenge, code_challenge_method: undefined }],
      ['method s256 in lower case', { code_challenge: pkcePair().challenge, code_challenge_method: 's256' }],
      ['a challenge of 42 characters', { code_challenge: 'a'.repeat(42), code_challenge_method: 'S256' }],
      ['a challenge of 44 characters', { code_challenge: 'a'.repeat(44), code_challenge_method: 'S256' }],
      ['a challenge with + and /', { code_challenge: `${'a'.repeat(41)}+/`, code_challenge_method: 'S256' }],
      ['a padded challenge', { code_challenge: `${'a'.repeat(42)}=`, code_challenge_method: 'S256' }],
      ['a method without challenge', { code_challenge: undefined, code_challenge_method: 'S256' }],
    ];
    it.each(pkceCases)(
      'PKCE with %s: err_invalid_request, for public and confidential clients',
      async (_name, overrides) => {
        for (const type of ['public', 'confidential'] as const) {
          const fresh = await createClient(t, { type });
          await expectRedirectedFailure(validParams(fresh.clientId, overrides), 'err_invalid_request', {
            state: 'st-123',
            clientId: fresh.clientId,
          });
        }
      },
    );

    it('acr_values naming no idgate level: err_invalid_request', async () => {
      const fresh = await createClient(t);
      await expectRedirectedFailure(
        validParams(fresh.clientId, { acr_values: 'urn:idgate:loa:9 urn:idgate:loa:03 loa3' }),
        'err_invalid_request',
        { state: 'st-123', clientId: fresh.clientId },
      );
    });

    it('acr_values above every provider of the app: err_loa_not_met', async () => {
      const fresh = await createClient(t);
      await expectRedirectedFailure(
        validParams(fresh.clientId, { acr_values: 'urn:idgate:loa:5' }),
        'err_loa_not_met',
        {
          state: 'st-123',
          clientId: fresh.clientId,
        },
      );
    });

    it('acr_values above the hinted provider: err_loa_not_met', async () => {
      const fresh = await createClient(t);
      await expectRedirectedFailure(
        validParams(fresh.clientId, { acr_values: 'urn:idgate:loa:4', provider_hint: 'mock-qr' }),
        'err_loa_not_met',
        { state: 'st-123', clientId: fresh.clientId },
      );
    });

    it('prompt=none: err_not_authenticated (idgate keeps no sign-in session)', async () => {
      const fresh = await createClient(t);
      const query = await expectRedirectedFailure(
        validParams(fresh.clientId, { prompt: 'none' }),
        'err_not_authenticated',
        {
          state: 'st-123',
          clientId: fresh.clientId,
        },
      );
      expect(query.get('error')).toBe('access_denied');
    });

    it('prompt=none with another value: err_invalid_request', async () => {
      const fresh = await createClient(t);
      await expectRedirectedFailure(validParams(fresh.clientId, { prompt: 'none login' }), 'err_invalid_request', {
        state: 'st-123',
        clientId: fresh.clientId,
      });
    });

    it.each([
      ['request', 'eyJhbGciOiJub25lIn0.e30.'],
      ['response_mode', 'fragment'],
      ['response_mode', 'form_post'],
    ])('%s=%s is refused: err_invalid_request', async (name, value) => {
      const fresh = await createClient(t);
      await expectRedirectedFailure(validParams(fresh.clientId, { [name]: value }), 'err_invalid_request', {
        state: 'st-123',
        clientId: fresh.clientId,
      });
    });

    it('a request_uri /par did not issue is not redirected (RFC 9126 §4: its redirect_uri is unknown)', async () => {
      const fresh = await createClient(t);
      const body = await expectNotRedirected(
        authorizeUrl(validParams(fresh.clientId, { request_uri: 'https://shop.example/request.jwt' })),
        'VALIDATION_INVALID_PARAMETER',
      );
      expect(body.error_description).toContain('request_uri is unknown');
    });

    it('an unknown provider_hint: err_invalid_request (PROVIDER_NOT_FOUND)', async () => {
      const fresh = await createClient(t);
      await expectRedirectedFailure(
        validParams(fresh.clientId, { provider_hint: 'bankid-xx' }),
        'err_invalid_request',
        {
          state: 'st-123',
          clientId: fresh.clientId,
        },
      );
    });

    it('a provider_hint the app has disabled: err_unauthorized_client (PROVIDER_NOT_ENABLED)', async () => {
      const fresh = await createClient(t);
      await t.app.idgate.apps.putProvider(fresh.clientId, 'mock-qr', { enabled: false }, undefined);
      await expectRedirectedFailure(
        validParams(fresh.clientId, { provider_hint: 'mock-qr' }),
        'err_unauthorized_client',
        {
          state: 'st-123',
          clientId: fresh.clientId,
        },
      );
    });

    it('an app with every provider disabled: err_unauthorized_client', async () => {
      const fresh = await createClient(t);
      for (const providerId of ['mock-redirect', 'mock-qr', 'mock-push', 'mock-wallet']) {
        await t.app.idgate.apps.putProvider(fresh.clientId, providerId, { enabled: false }, undefined);
      }
      await expectRedirectedFailure(validParams(fresh.clientId), 'err_unauthorized_client', {
        state: 'st-123',
        clientId: fresh.clientId,
      });
    });

    it('mock-push without login_hint (its personal number): the identifier entry page, not an error', async () => {
      const fresh = await createClient(t);
      const res = await get(authorizeUrl(validParams(fresh.clientId, { provider_hint: 'mock-push' })));
      expect(res.statusCode).toBe(303);
      const location = locationOf(res);
      expect(location).toMatch(
        new RegExp(`^${TEST_ISSUER.replace(/[.]/g, '\\.')}/authorize/vrf_test_[A-Za-z0-9]{24}/identify/mock-push$`),
      );
      const page = await get(issuerPath(location), { cookie: bindingCookieOf(res), accept: 'text/html' });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('name="userData.personalNumber"');
    });

    it('a provider_hint the app has not enabled, without login_hint, is still err_unauthorized_client', async () => {
      const fresh = await createClient(t);
      await t.app.idgate.apps.putProvider(fresh.clientId, 'mock-push', { enabled: false }, undefined);
      await expectRedirectedFailure(
        validParams(fresh.clientId, { provider_hint: 'mock-push' }),
        'err_unauthorized_client',
        { state: 'st-123', clientId: fresh.clientId },
      );
    });

    it('a registered redirect URI with its own query keeps it', async () => {
      const tenant = await createClient(t, { redirectUris: ['https://shop.example/cb?tenant=a%20b'] });
      const res = await get(
        authorizeUrl(
          validParams(tenant.clientId, { redirect_uri: 'https://shop.example/cb?tenant=a%20b', scope: 'nope' }),
        ),
      );
      const query = expectAuthorizeRedirectError(res, 'err_invalid_scope', {
        redirectUri: 'https://shop.example/cb?tenant=a%20b',
        state: 'st-123',
      });
      expect(query.get('tenant')).toBe('a b');
    });

    it('POST: a failure is redirected the same way', async () => {
      const fresh = await createClient(t);
      const res = await t.app.inject({
        method: 'POST',
        url: '/authorize',
        ...form(validParams(fresh.clientId, { response_type: 'token' })),
      });
      expectAuthorizeRedirectError(res, 'err_unsupported_response_type', {
        redirectUri: REDIRECT_URI,
        state: 'st-123',
      });
    });
  });

  describe('the sandbox test identities on the headless path', () => {
    const outcomes: readonly (readonly [string, TxStatusCode, string, Record<string, string>])[] = [
      ['deny', 'err_not_authenticated', 'failed', {}],
      ['cancel', 'err_user_cancelled', 'cancelled', {}],
      ['missing-claims', 'err_missing_user_data', 'failed', {}],
      ['invalid-data', 'err_provider_error', 'failed', {}],
      ['low-loa', 'err_loa_not_met', 'failed', { acr_values: 'urn:idgate:loa:3' }],
      ['provider-error', 'err_provider_error', 'failed', {}],
      ['provider-unavailable', 'err_provider_unavailable', 'failed', {}],
      ['provider-init-failed', 'err_provider_error', 'failed', {}],
      ['provider-auth-failed', 'err_provider_error', 'failed', {}],
      ['provider-bad-response', 'err_provider_error', 'failed', {}],
      ['provider-misconfigured', 'err_provider_error', 'failed', {}],
    ];
    it.each(outcomes)('login_hint=%s: %s, tx_state=%s', async (identity, txStatus, txState, extra) => {
      const fresh = await createClient(t);
      await expectRedirectedFailure(
        validParams(fresh.clientId, { provider_hint: 'mock-redirect', login_hint: identity, ...extra }),
        txStatus,
        { state: 'st-123', txState, clientId: fresh.clientId },
      );
    });
  });

  describe('state and iss', () => {
    const states = ['a&b=c', 'with spaces and +plus+', 'ünïcødé €', '😀 %20 %zz', 'quote"apos\'<tag>', '?#/\\;,'];
    it.each(states)('state %j is echoed byte-exact on an error', async (state) => {
      const res = await get(authorizeUrl(validParams(client.clientId, { state, response_type: undefined })));
      const location = res.headers.location as string;
      expectAuthorizeRedirectError(res, 'err_invalid_request', { redirectUri: REDIRECT_URI, state });
      // Readable by a plain URI decoder too: no `+` for spaces.
      const raw = /[?&]state=([^&]*)/.exec(location)?.[1] ?? '';
      expect(decodeURIComponent(raw)).toBe(state);
    });

    it('no state sent: none in the redirect', async () => {
      const res = await get(authorizeUrl(validParams(client.clientId, { state: undefined, response_type: undefined })));
      const query = expectAuthorizeRedirectError(res, 'err_invalid_request', { redirectUri: REDIRECT_URI });
      expect(query.get('iss')).toBe(TEST_ISSUER);
    });
  });
});
