/**
 * The authorization code grant (RFC 6749 §4.1.3, RFC 7636, RFC 9700, SPEC 2): what a
 * code returns, and the security cases — code replay revokes what the code issued, a code
 * used by another client, `redirect_uri` that is not exactly the one of the authorization
 * request, expiry on an injected clock, PKCE downgrade, mismatch and malformed verifiers.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectBearerChallenge, expectOAuthError } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import { registerSecret } from '../support/leaks.js';
import {
  authOf,
  type ConfidentialClient,
  codeForm,
  createConfidentialClient,
  createPublicClient,
  expectTokenResponse,
  introspect,
  json,
  newPkce,
  obtainCode,
  postForm,
  REDIRECT_URI,
  redeemCode,
  type TestClient,
  userinfo,
} from './support.js';

const T0 = Date.parse('2026-11-22T10:30:00.000Z');

describe.each(TEST_DATABASE_KINDS)('authorization_code grant on %s', (kind) => {
  let t: TestApp;
  let client: ConfidentialClient;
  let other: ConfidentialClient;
  let publicClient: TestClient;
  let now = T0;

  beforeAll(async () => {
    t = await createTestApp(kind, { clock: () => new Date(now) });
    client = await createConfidentialClient(t);
    other = await createConfidentialClient(t);
    publicClient = await createPublicClient(t);
  });
  afterAll(async () => {
    await t.close();
  });

  describe('success', () => {
    it('returns an access token, an ID token and a refresh token with the granted scope', async () => {
      const tokens = await redeemCode(t, client, await obtainCode(t, client, { scope: 'openid profile email' }));
      expect(tokens.scope).toBe('openid profile email');
      expect(tokens.id_token?.split('.')).toHaveLength(3);
      expect(tokens.refresh_token).toMatch(/^rt_[A-Za-z0-9_-]{43}$/);
      expect(Object.keys(tokens).sort()).toEqual([
        'access_token',
        'expires_in',
        'id_token',
        'refresh_token',
        'scope',
        'token_type',
      ]);
    });

    it('gives userinfo the sub and exactly the claims of the granted scopes', async () => {
      const tokens = await redeemCode(t, client, await obtainCode(t, client, { scope: 'openid profile email' }));
      const res = await userinfo(t, tokens.access_token);
      expect(res.statusCode, res.body).toBe(200);
      expect(String(res.headers['content-type'])).toMatch(/^application\/json/);
      expect(res.headers['cache-control']).toBe('no-store');
      const claims = json(res);
      const introspected = await introspect(t, client, tokens.access_token);
      expect(claims.sub).toBe(introspected.sub);
      expect(claims).toEqual({
        sub: claims.sub,
        given_name: 'Astrid',
        family_name: 'Lindqvist',
        birthdate: '1985-03-07',
        nationality: 'SE',
        email: expect.stringMatching(/^Astrid\.Lindqvist@example\.com$/),
        email_verified: true,
      });
    });

    it('releases phone and address claims for those scopes, also through POST with a form token', async () => {
      const tokens = await redeemCode(t, client, await obtainCode(t, client, { scope: 'openid phone address' }));
      const res = await postForm(t, '/userinfo', { access_token: tokens.access_token });
      expect(res.statusCode, res.body).toBe(200);
      const claims = json(res);
      expect(Object.keys(claims).sort()).toEqual(['address', 'phone_number', 'phone_number_verified', 'sub']);
      expect(claims.phone_number).toBe('+46701234567');
      expect(claims.address).toMatchObject({ locality: 'Stockholm', country: 'SE' });
    });

    it('gives the same person a different sub in another app (pairwise)', async () => {
      const a = await redeemCode(t, client, await obtainCode(t, client));
      const b = await redeemCode(t, other, await obtainCode(t, other));
      const subA = json(await userinfo(t, a.access_token)).sub;
      const subB = json(await userinfo(t, b.access_token)).sub;
      expect(typeof subA).toBe('string');
      expect(subA).not.toBe(subB);
    });

    it('serves a public client authenticating with `none` and PKCE', async () => {
      const tokens = await redeemCode(t, publicClient, await obtainCode(t, publicClient));
      expect(tokens.id_token).toBeDefined();
      expect(tokens.refresh_token).toBeDefined();
    });

    it('accepts client_secret_post', async () => {
      const issued = await obtainCode(t, client);
      const res = await postForm(t, '/token', codeForm(issued), { method: 'post', client });
      expectTokenResponse(res);
    });

    it('issues no refresh token when the app may not use the refresh_token grant', async () => {
      const codeOnly = await createConfidentialClient(t, { grantTypes: ['authorization_code'] });
      const tokens = await redeemCode(t, codeOnly, await obtainCode(t, codeOnly));
      expect(tokens.refresh_token).toBeUndefined();
      expect(tokens.id_token).toBeDefined();
    });

    it('issues no ID token without openid; userinfo then answers insufficient_scope', async () => {
      const tokens = await redeemCode(t, client, await obtainCode(t, client, { scope: 'profile' }));
      expect(tokens.scope).toBe('profile');
      expect(tokens.id_token).toBeUndefined();
      expectBearerChallenge(await userinfo(t, tokens.access_token), 'AUTH_INSUFFICIENT_SCOPE', { scope: 'openid' });
    });

    it('lets a non-openid request of a single-URI app leave redirect_uri out, as /authorize may', async () => {
      const issued = await obtainCode(t, client, { scope: 'profile' });
      const res = await postForm(t, '/token', { ...codeForm(issued), redirect_uri: undefined }, authOf(client));
      expectTokenResponse(res);
    });
  });

  describe('single use', () => {
    it('refuses a replayed code and revokes the access and refresh tokens it issued', async () => {
      const issued = await obtainCode(t, client);
      const tokens = await redeemCode(t, client, issued);
      expect((await introspect(t, client, tokens.access_token)).active).toBe(true);
      expect((await introspect(t, client, tokens.refresh_token as string)).active).toBe(true);

      const replay = await postForm(t, '/token', codeForm(issued), authOf(client));
      const body = expectOAuthError(replay, 'AUTH_INVALID_GRANT');
      expect(body.error_description).toContain('already used');

      expect(await introspect(t, client, tokens.access_token)).toEqual({ active: false });
      expect(await introspect(t, client, tokens.refresh_token as string)).toEqual({ active: false });
      expectBearerChallenge(await userinfo(t, tokens.access_token), 'AUTH_INVALID_TOKEN');
      const refresh = await postForm(
        t,
        '/token',
        { grant_type: 'refresh_token', refresh_token: tokens.refresh_token },
        authOf(client),
      );
      expectOAuthError(refresh, 'AUTH_INVALID_GRANT', { basicChallenge: false });
    });

    it('revokes only what that code issued', async () => {
      const first = await obtainCode(t, client);
      const firstTokens = await redeemCode(t, client, first);
      const secondTokens = await redeemCode(t, client, await obtainCode(t, client));
      expectOAuthError(await postForm(t, '/token', codeForm(first), authOf(client)), 'AUTH_INVALID_GRANT');
      expect((await introspect(t, client, firstTokens.access_token)).active).toBe(false);
      expect((await introspect(t, client, secondTokens.access_token)).active).toBe(true);
    });

    it('lets exactly one of two concurrent redemptions win, and revokes what it issued', async () => {
      const issued = await obtainCode(t, client);
      const results = await Promise.all([
        postForm(t, '/token', codeForm(issued), authOf(client)),
        postForm(t, '/token', codeForm(issued), authOf(client)),
      ]);
      const won = results.filter((res) => res.statusCode === 200);
      const lost = results.filter((res) => res.statusCode !== 200);
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expectOAuthError(lost[0] as (typeof results)[number], 'AUTH_INVALID_GRANT');
      const tokens = expectTokenResponse(won[0] as (typeof results)[number]);
      expect((await introspect(t, client, tokens.access_token)).active).toBe(false);
    });
  });

  describe('binding to the client', () => {
    it('refuses a code used by another client, and leaves it to its own client', async () => {
      const issued = await obtainCode(t, client);
      const stolen = await postForm(t, '/token', codeForm(issued), authOf(other));
      const body = expectOAuthError(stolen, 'AUTH_INVALID_GRANT');
      expect(body.error_description).toContain('another client');
      const fromPublic = await postForm(t, '/token', { ...codeForm(issued) }, authOf(publicClient));
      expectOAuthError(fromPublic, 'AUTH_INVALID_GRANT');
      await redeemCode(t, client, issued);
    });
  });

  describe('binding to redirect_uri (RFC 6749 §4.1.3)', () => {
    const tricks = [
      `${REDIRECT_URI}/extra`,
      `${REDIRECT_URI}?x=1`,
      `${REDIRECT_URI}/`,
      REDIRECT_URI.toUpperCase(),
      'https://SHOP.example/callback',
      'https://shop.example:8443/callback',
      'http://shop.example/callback',
      'https://user@shop.example/callback',
      'https://shop.example/%63allback',
      `${REDIRECT_URI}#frag`,
      'https://shop.example.evil.test/callback',
    ];

    it.each(tricks)('refuses %s with AUTH_INVALID_GRANT', async (trick) => {
      const issued = await obtainCode(t, client);
      const res = await postForm(t, '/token', { ...codeForm(issued), redirect_uri: trick }, authOf(client));
      const body = expectOAuthError(res, 'AUTH_INVALID_GRANT');
      expect(body.error_description).toContain('redirect_uri');
      // A refused redirect_uri does not burn the code.
      await redeemCode(t, client, issued);
    });

    it('requires redirect_uri for an openid code (VALIDATION_MISSING_PARAMETER)', async () => {
      const issued = await obtainCode(t, client);
      const res = await postForm(t, '/token', { ...codeForm(issued), redirect_uri: undefined }, authOf(client));
      const body = expectOAuthError(res, 'VALIDATION_MISSING_PARAMETER');
      expect(body.error_description).toContain('redirect_uri');
    });
  });

  describe('lifetime', () => {
    it('accepts a code for 60 seconds and refuses it from then on (AUTH_INVALID_GRANT)', async () => {
      const fresh = await obtainCode(t, client);
      const stale = await obtainCode(t, client);
      now = T0 + 59_999;
      try {
        await redeemCode(t, client, fresh);
        now = T0 + 60_000;
        const res = await postForm(t, '/token', codeForm(stale), authOf(client));
        const body = expectOAuthError(res, 'AUTH_INVALID_GRANT');
        expect(body.error_description).toContain('expired');
      } finally {
        now = T0;
      }
    });
  });

  describe('PKCE (RFC 7636, RFC 9700 §2.1.1)', () => {
    it('answers a missing verifier with VALIDATION_INVALID_PKCE', async () => {
      const issued = await obtainCode(t, publicClient);
      const res = await postForm(t, '/token', { ...codeForm(issued), code_verifier: undefined }, authOf(publicClient));
      const body = expectOAuthError(res, 'VALIDATION_INVALID_PKCE');
      expect(body.error).toBe('invalid_request');
    });

    it.each([
      ['42 characters', 'a'.repeat(42)],
      ['129 characters', 'a'.repeat(129)],
      ['a character outside the unreserved set', `${'a'.repeat(42)}+`],
      ['a space', `${'a'.repeat(42)} b`],
    ])('answers a verifier of %s with VALIDATION_INVALID_PKCE', async (_label, verifier) => {
      const issued = await obtainCode(t, client);
      const res = await postForm(t, '/token', { ...codeForm(issued), code_verifier: verifier }, authOf(client));
      expectOAuthError(res, 'VALIDATION_INVALID_PKCE');
    });

    it('answers a verifier that does not match with AUTH_INVALID_GRANT', async () => {
      const issued = await obtainCode(t, publicClient);
      const res = await postForm(
        t,
        '/token',
        { ...codeForm(issued), code_verifier: newPkce().verifier },
        authOf(publicClient),
      );
      const body = expectOAuthError(res, 'AUTH_INVALID_GRANT');
      expect(body.error_description).toContain('code_verifier');
    });

    it('does not burn the code on a wrong or missing verifier: the right one still redeems it', async () => {
      const issued = await obtainCode(t, client);
      const wrong = await postForm(
        t,
        '/token',
        { ...codeForm(issued), code_verifier: newPkce().verifier },
        authOf(client),
      );
      expectOAuthError(wrong, 'AUTH_INVALID_GRANT');
      const missing = await postForm(t, '/token', { ...codeForm(issued), code_verifier: undefined }, authOf(client));
      expectOAuthError(missing, 'VALIDATION_INVALID_PKCE');
      await redeemCode(t, client, issued);
      const replayed = await postForm(t, '/token', codeForm(issued), authOf(client));
      expect(expectOAuthError(replayed, 'AUTH_INVALID_GRANT').error_description).toContain('already used');
    });

    it('refuses a verifier for a code issued without a challenge (downgrade) with AUTH_INVALID_GRANT', async () => {
      const issued = await obtainCode(t, client, { pkce: null });
      const res = await postForm(
        t,
        '/token',
        { ...codeForm(issued), code_verifier: newPkce().verifier },
        authOf(client),
      );
      const body = expectOAuthError(res, 'AUTH_INVALID_GRANT');
      expect(body.error_description).toContain('code_challenge');
      // Without the verifier, the confidential client's code still works.
      await redeemCode(t, client, issued);
    });

    it('refuses a public client a code issued without PKCE (the second line behind /authorize)', async () => {
      // /authorize never issues such a code; this issues one through the services it uses.
      const { apps, verifications, codes } = t.app.idgate;
      const transaction = await verifications.createAuthorization(await apps.get(publicClient.clientId), {
        responseType: 'code',
        redirectUri: REDIRECT_URI,
        scope: ['openid'],
        providerHint: 'mock-redirect',
        loginHint: 'success',
      });
      const completed = await verifications.startProvider(transaction.id, 'mock-redirect', { loginHint: 'success' });
      expect(completed.status).toBe('completed');
      const code = await codes.issue({
        verificationId: completed.id,
        clientId: publicClient.clientId,
        redirectUri: REDIRECT_URI,
        scope: 'openid',
        nonce: undefined,
        codeChallenge: undefined,
      });
      registerSecret(code);
      const res = await postForm(
        t,
        '/token',
        { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI },
        authOf(publicClient),
      );
      expect(expectOAuthError(res, 'AUTH_INVALID_GRANT').error_description).toContain('PKCE');
    });

    it('accepts verifiers of 43 and 128 characters', async () => {
      for (const length of [43, 128]) {
        const verifier = 'A-._~'.repeat(26).slice(0, length);
        const pkce = {
          verifier,
          challenge: createHash('sha256').update(verifier).digest('base64url'),
        };
        await redeemCode(t, publicClient, await obtainCode(t, publicClient, { pkce }));
      }
    });
  });
});
