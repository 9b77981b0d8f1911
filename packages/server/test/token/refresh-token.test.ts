/**
 * The refresh token grant (RFC 6749 §6, RFC 9700 §4.14.2): rotation, reuse of a rotated
 * token revoking the whole family, scope narrowing (never widening), another client's,
 * expired and revoked tokens, introspection and revocation of refresh tokens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectBearerChallenge, expectOAuthError } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import {
  authOf,
  type ConfidentialClient,
  createConfidentialClient,
  createPublicClient,
  expectTokenResponse,
  introspect,
  json,
  obtainCode,
  postForm,
  redeemCode,
  type TestClient,
  type TokenSet,
  userinfo,
  viaBasic,
} from './support.js';

const T0 = Date.parse('2026-11-22T10:30:00.000Z');
const DAY_MS = 24 * 3600 * 1000;

describe.each(TEST_DATABASE_KINDS)('refresh_token grant on %s', (kind) => {
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

  async function initialTokens(owner: TestClient = client, scope = 'openid profile email'): Promise<TokenSet> {
    const tokens = await redeemCode(t, owner, await obtainCode(t, owner, { scope, nonce: 'n-0S6_WzA2Mj' }));
    expect(tokens.refresh_token).toBeDefined();
    return tokens;
  }

  function refresh(owner: TestClient, refreshToken: string | undefined, scope?: string) {
    return postForm(
      t,
      '/token',
      { grant_type: 'refresh_token', refresh_token: refreshToken, ...(scope === undefined ? {} : { scope }) },
      authOf(owner),
    );
  }

  describe('rotation', () => {
    it('returns new access, refresh and ID tokens with the same scope and subject', async () => {
      const first = await initialTokens();
      const second = expectTokenResponse(await refresh(client, first.refresh_token));
      expect(second.refresh_token).toMatch(/^rt_/);
      expect(second.refresh_token).not.toBe(first.refresh_token);
      expect(second.access_token).not.toBe(first.access_token);
      expect(second.scope).toBe('openid profile email');
      expect(second.id_token).toBeDefined();
      const firstSub = json(await userinfo(t, first.access_token)).sub;
      expect(json(await userinfo(t, second.access_token)).sub).toBe(firstSub);
      // The access token of the first round stays valid until it expires.
      expect((await introspect(t, client, first.access_token)).active).toBe(true);
      expect(await introspect(t, client, first.refresh_token as string)).toEqual({ active: false });
      expect((await introspect(t, client, second.refresh_token as string)).active).toBe(true);
    });

    it('serves a public client with `none`', async () => {
      const first = await initialTokens(publicClient);
      expectTokenResponse(await refresh(publicClient, first.refresh_token));
    });
  });

  describe('reuse detection', () => {
    it('refuses a rotated token and revokes the whole family, access tokens included', async () => {
      const first = await initialTokens();
      const second = expectTokenResponse(await refresh(client, first.refresh_token));
      const third = expectTokenResponse(await refresh(client, second.refresh_token));

      const reuse = await refresh(client, first.refresh_token);
      const body = expectOAuthError(reuse, 'AUTH_INVALID_GRANT', { basicChallenge: false });
      expect(body.error_description).toContain('already used');

      expectOAuthError(await refresh(client, third.refresh_token), 'AUTH_INVALID_GRANT');
      for (const tokens of [first, second, third]) {
        expect(await introspect(t, client, tokens.access_token)).toEqual({ active: false });
        expect(await introspect(t, client, tokens.refresh_token as string)).toEqual({ active: false });
      }
      expectBearerChallenge(await userinfo(t, third.access_token), 'AUTH_INVALID_TOKEN');
    });

    it('lets exactly one of two concurrent refreshes win, and revokes the family', async () => {
      const first = await initialTokens();
      const results = await Promise.all([refresh(client, first.refresh_token), refresh(client, first.refresh_token)]);
      const won = results.filter((res) => res.statusCode === 200);
      expect(won).toHaveLength(1);
      const lost = results.find((res) => res.statusCode !== 200);
      expectOAuthError(lost as (typeof results)[number], 'AUTH_INVALID_GRANT');
      const winner = expectTokenResponse(won[0] as (typeof results)[number]);
      expectOAuthError(await refresh(client, winner.refresh_token), 'AUTH_INVALID_GRANT');
    });
  });

  describe('scope', () => {
    it('narrows the access token, while the new refresh token keeps the grant (RFC 6749 §6)', async () => {
      const first = await initialTokens();
      const narrowed = expectTokenResponse(await refresh(client, first.refresh_token, 'profile openid'));
      expect(narrowed.scope).toBe('openid profile');
      const claims = json(await userinfo(t, narrowed.access_token));
      expect(claims.given_name).toBe('Astrid');
      expect(claims.email).toBeUndefined();
      const full = expectTokenResponse(await refresh(client, narrowed.refresh_token));
      expect(full.scope).toBe('openid profile email');
    });

    it('returns no ID token when the narrowed scope lacks openid', async () => {
      const first = await initialTokens();
      const narrowed = expectTokenResponse(await refresh(client, first.refresh_token, 'profile'));
      expect(narrowed.id_token).toBeUndefined();
      expect(narrowed.refresh_token).toBeDefined();
    });

    it('refuses a wider or unknown scope with VALIDATION_INVALID_SCOPE, leaving the token usable', async () => {
      const first = await initialTokens(client, 'openid profile');
      const wider = await refresh(client, first.refresh_token, 'openid profile phone');
      const body = expectOAuthError(wider, 'VALIDATION_INVALID_SCOPE');
      expect(body.error_description).toContain('phone');
      expectOAuthError(await refresh(client, first.refresh_token, 'openid root'), 'VALIDATION_INVALID_SCOPE');
      expectTokenResponse(await refresh(client, first.refresh_token));
    });
  });

  describe('invalid tokens', () => {
    it("refuses another client's refresh token with AUTH_INVALID_GRANT and leaves it to its client", async () => {
      const first = await initialTokens();
      const res = await refresh(other, first.refresh_token);
      expect(expectOAuthError(res, 'AUTH_INVALID_GRANT').error_description).toContain('another client');
      expect(await introspect(t, other, first.refresh_token as string)).toEqual({ active: false });
      expectTokenResponse(await refresh(client, first.refresh_token));
    });

    it('refuses an expired refresh token (30 days) with AUTH_INVALID_GRANT', async () => {
      const first = await initialTokens();
      const second = await initialTokens();
      now = T0 + 30 * DAY_MS - 1;
      try {
        expectTokenResponse(await refresh(client, first.refresh_token));
        now = T0 + 30 * DAY_MS;
        const res = await refresh(client, second.refresh_token);
        expect(expectOAuthError(res, 'AUTH_INVALID_GRANT').error_description).toContain('expired');
        expect(await introspect(t, client, second.refresh_token as string)).toEqual({ active: false });
      } finally {
        now = T0;
      }
    });

    it('refuses a refresh token revoked at /revoke, which also revoked the access tokens of its grant', async () => {
      const first = await initialTokens();
      const revoked = await postForm(
        t,
        '/revoke',
        { token: first.refresh_token, token_type_hint: 'refresh_token' },
        viaBasic(client),
      );
      expect(revoked.statusCode).toBe(200);
      expect(revoked.body).toBe('');
      const res = await refresh(client, first.refresh_token);
      expect(expectOAuthError(res, 'AUTH_INVALID_GRANT').error_description).toContain('revoked');
      expect(await introspect(t, client, first.access_token)).toEqual({ active: false });
    });

    it("does not revoke another client's refresh token at /revoke", async () => {
      const first = await initialTokens();
      const res = await postForm(t, '/revoke', { token: first.refresh_token }, viaBasic(other));
      expect(res.statusCode).toBe(200);
      expectTokenResponse(await refresh(client, first.refresh_token));
    });

    it('lets a public client revoke its refresh token with `none`', async () => {
      const first = await initialTokens(publicClient);
      const res = await postForm(
        t,
        '/revoke',
        { token: first.refresh_token },
        { method: 'none', client: publicClient },
      );
      expect(res.statusCode).toBe(200);
      expectOAuthError(await refresh(publicClient, first.refresh_token), 'AUTH_INVALID_GRANT');
    });
  });

  describe('introspection', () => {
    it('describes an active refresh token', async () => {
      const first = await initialTokens();
      const answer = await introspect(t, client, first.refresh_token as string, 'refresh_token');
      const sub = json(await userinfo(t, first.access_token)).sub;
      expect(answer).toEqual({
        active: true,
        scope: 'openid profile email',
        client_id: client.clientId,
        token_type: 'refresh_token',
        iat: T0 / 1000,
        exp: T0 / 1000 + 30 * 24 * 3600,
        sub,
        iss: 'https://idgate.test',
      });
      // The hint is a hint only.
      expect((await introspect(t, client, first.refresh_token as string, 'access_token')).active).toBe(true);
    });
  });
});
