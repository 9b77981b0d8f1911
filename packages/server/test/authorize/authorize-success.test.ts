/**
 * Successful `/authorize` requests: the headless sandbox path (`provider_hint=mock-redirect`
 * + a test identity as `login_hint`) answers `302` with `code`, `state` and `iss`, the
 * code redeems at `/token` with the request's bindings, and what idgate ignores or
 * accepts (unknown parameters, `prompt` values, `offline_access`, the lowest `acr_values`).
 */

import type { LightMyRequestResponse } from 'fastify';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, TEST_ISSUER, type TestApp } from '../support/app.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import { registerSecret } from '../support/leaks.js';
import {
  authorizeUrl,
  bindingCookieOf,
  createClient,
  expectCodeRedirect,
  form,
  locationOf,
  onlyTransaction,
  pkcePair,
  REDIRECT_URI,
  type TestClient,
  validParams,
} from './helpers.js';

interface TokenBody {
  access_token: string;
  token_type: string;
  scope: string;
  id_token?: string;
  refresh_token?: string;
}

describe.each(TEST_DATABASE_KINDS)('/authorize success on %s', (kind) => {
  let t: TestApp;
  let client: TestClient;

  beforeAll(async () => {
    t = await createTestApp(kind);
    client = await createClient(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  function headless(clientId: string, overrides: Record<string, string | undefined> = {}): Record<string, string> {
    return validParams(clientId, { provider_hint: 'mock-redirect', login_hint: 'success', ...overrides });
  }

  async function get(url: string): Promise<LightMyRequestResponse> {
    return t.app.inject({ method: 'GET', url });
  }

  async function redeem(who: TestClient, fields: Record<string, string>): Promise<LightMyRequestResponse> {
    const basic =
      who.clientSecret === undefined
        ? {}
        : { authorization: `Basic ${Buffer.from(`${who.clientId}:${who.clientSecret}`).toString('base64')}` };
    const body = form({
      grant_type: 'authorization_code',
      ...(who.clientSecret === undefined ? { client_id: who.clientId } : {}),
      ...fields,
    });
    const res = await t.app.inject({
      method: 'POST',
      url: '/token',
      headers: { ...body.headers, ...basic },
      payload: body.payload,
    });
    if (res.statusCode === 200) {
      const tokens = JSON.parse(res.body) as TokenBody;
      registerSecret(tokens.access_token);
      registerSecret(tokens.refresh_token);
      registerSecret(tokens.id_token);
    }
    return res;
  }

  it('headless sandbox path: 302 with code, state and iss; the code redeems with its PKCE verifier', async () => {
    const { verifier, challenge } = pkcePair();
    const res = await get(
      authorizeUrl(headless(client.clientId, { code_challenge: challenge, code_challenge_method: 'S256' })),
    );
    const code = expectCodeRedirect(res, { state: 'st-123' });
    expect(res.body).toBe('');
    const tokens = await redeem(client, { code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
    expect(tokens.statusCode, tokens.body).toBe(200);
    const body = JSON.parse(tokens.body) as TokenBody;
    expect(body.scope).toBe('openid profile');
    const claims = decodeJwt(body.id_token ?? '');
    expect(claims.nonce).toBe('n-456');
    expect(claims.aud).toBe(client.clientId);
    expect(claims.iss).toBe(TEST_ISSUER);
  });

  it('the code is bound to the redirect_uri that was used', async () => {
    const res = await get(authorizeUrl(headless(client.clientId, { redirect_uri: 'https://shop.example/other' })));
    const code = expectCodeRedirect(res, { state: 'st-123', redirectUri: 'https://shop.example/other' });
    const wrong = await redeem(client, { code, redirect_uri: REDIRECT_URI });
    expect(JSON.parse(wrong.body).error).toBe('invalid_grant');
  });

  it('POST /authorize with a form body', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/authorize', ...form(headless(client.clientId)) });
    expectCodeRedirect(res, { state: 'st-123' });
  });

  it('no state sent: the response has none', async () => {
    const res = await get(authorizeUrl(headless(client.clientId, { state: undefined })));
    expectCodeRedirect(res);
  });

  const states = ['a&b=c', 'with spaces and +plus+', 'ünïcødé €', '😀 %20 %zz', 'quote"apos\'<tag>', '?#/\\;,'];
  it.each(states)('state %j is echoed byte-exact with the code', async (state) => {
    const res = await get(authorizeUrl(headless(client.clientId, { state })));
    expectCodeRedirect(res, { state });
    const raw = /[?&]state=([^&]*)/.exec(locationOf(res))?.[1] ?? '';
    expect(decodeURIComponent(raw)).toBe(state);
  });

  it('a public client with PKCE', async () => {
    const spa = await createClient(t, { type: 'public' });
    const { verifier, challenge } = pkcePair();
    const res = await get(
      authorizeUrl(headless(spa.clientId, { code_challenge: challenge, code_challenge_method: 'S256' })),
    );
    const code = expectCodeRedirect(res, { state: 'st-123' });
    const tokens = await redeem(spa, { code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
    expect(tokens.statusCode, tokens.body).toBe(200);
  });

  it('unknown parameters and common client extras never break a flow (RFC 6749 §3.1)', async () => {
    const params = Object.entries(
      headless(client.clientId, {
        nonce: undefined,
        scope: 'openid email offline_access',
        prompt: 'consent',
        access_type: 'offline',
        include_granted_scopes: 'true',
        max_age: '0',
        claims: '{"userinfo":{"email":null}}',
        response_mode: 'query',
        ui_locales: 'de-CH en',
      }),
    );
    const res = await get(authorizeUrl([...params, ['foo', '1'], ['foo', '2'], ['', 'empty name']]));
    const code = expectCodeRedirect(res, { state: 'st-123' });
    const tokens = await redeem(client, { code, redirect_uri: REDIRECT_URI });
    expect(tokens.statusCode, tokens.body).toBe(200);
    const body = JSON.parse(tokens.body) as TokenBody;
    expect(body.scope).toBe('openid email offline_access');
    expect(decodeJwt(body.id_token ?? '').nonce).toBeUndefined();
  });

  it('offline_access is left out for an app that cannot get refresh tokens', async () => {
    const noRefresh = await createClient(t, { grantTypes: ['authorization_code'] });
    const res = await get(authorizeUrl(headless(noRefresh.clientId, { scope: 'openid offline_access' })));
    const code = expectCodeRedirect(res, { state: 'st-123' });
    const tokens = await redeem(noRefresh, { code, redirect_uri: REDIRECT_URI });
    const body = JSON.parse(tokens.body) as TokenBody;
    expect(body.scope).toBe('openid');
    expect(body.refresh_token).toBeUndefined();
  });

  it.each(['login', 'consent', 'select_account', 'login consent select_account', 'create'])(
    'prompt=%s is accepted',
    async (prompt) => {
      expectCodeRedirect(await get(authorizeUrl(headless(client.clientId, { prompt }))), { state: 'st-123' });
    },
  );

  it('acr_values: the lowest idgate level is requested; other values are ignored', async () => {
    const fresh = await createClient(t);
    const res = await get(
      authorizeUrl(headless(fresh.clientId, { acr_values: 'urn:idgate:loa:4 urn:example:gold urn:idgate:loa:2' })),
    );
    expectCodeRedirect(res, { state: 'st-123' });
    expect((await onlyTransaction(t, fresh.clientId)).requested_loa).toBe(2);
  });

  it('the low-loa identity completes when at most its level was requested', async () => {
    const res = await get(
      authorizeUrl(headless(client.clientId, { login_hint: 'low-loa', acr_values: 'urn:idgate:loa:2' })),
    );
    expectCodeRedirect(res, { state: 'st-123' });
  });

  it('the partial identity completes (missing claims are listed, not refused)', async () => {
    const res = await get(
      authorizeUrl(headless(client.clientId, { login_hint: 'partial', scope: 'openid profile email' })),
    );
    expectCodeRedirect(res, { state: 'st-123' });
  });

  it('a non-openid request of an app with one URI may leave redirect_uri out', async () => {
    const single = await createClient(t, { redirectUris: [REDIRECT_URI] });
    const res = await get(authorizeUrl(headless(single.clientId, { redirect_uri: undefined, scope: 'profile' })));
    const code = expectCodeRedirect(res, { state: 'st-123' });
    const tokens = await redeem(single, { code });
    expect(tokens.statusCode, tokens.body).toBe(200);
    expect((JSON.parse(tokens.body) as TokenBody).id_token).toBeUndefined();
  });

  it('a registered redirect URI with its own query keeps it', async () => {
    const tenant = await createClient(t, { redirectUris: ['https://shop.example/cb?tenant=7'] });
    const res = await get(
      authorizeUrl(headless(tenant.clientId, { redirect_uri: 'https://shop.example/cb?tenant=7' })),
    );
    expect(locationOf(res)).toMatch(/^https:\/\/shop\.example\/cb\?tenant=7&code=[A-Za-z0-9_-]{43}&state=st-123&iss=/);
    registerSecret(new URL(locationOf(res)).searchParams.get('code') ?? undefined);
  });

  it('login_hint naming no test identity on mock-redirect is only a hint: the hosted page follows', async () => {
    const res = await get(authorizeUrl(headless(client.clientId, { login_hint: 'someone@example.com' })));
    expect(res.statusCode).toBe(303);
    expect(locationOf(res)).toMatch(new RegExp(`^${TEST_ISSUER}/flow/vrf_test_[A-Za-z0-9]+$`));
  });

  it('without provider_hint: 303 to the provider choice, the browser bound by a cookie', async () => {
    const fresh = await createClient(t);
    const res = await get(authorizeUrl(validParams(fresh.clientId)));
    expect(res.statusCode).toBe(303);
    const { id } = await onlyTransaction(t, fresh.clientId);
    expect(locationOf(res)).toBe(`${TEST_ISSUER}/authorize/${id}`);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    bindingCookieOf(res);
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toContain(`; Path=/authorize/${id};`);
    expect(cookie).toContain('; HttpOnly; SameSite=Lax; Secure');
    // The transaction lives 600 s; the binding a day longer (an expired page still redirects).
    expect(cookie).toMatch(/; Max-Age=(87000|86999);/);
  });
});
