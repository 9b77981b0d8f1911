/**
 * `/introspect` (RFC 7662) and `/revoke` (RFC 7009) with access tokens: client
 * authentication and its errors, `active: false` for anything not active (unknown,
 * malformed, expired, revoked, another client's, another environment's), revocation
 * answering 200 with an empty body for known and unknown tokens alike, and the
 * parameters' errors. Refresh tokens are covered in test/token/refresh-token.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectOAuthError } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import {
  type ConfidentialClient,
  clientCredentialsToken,
  createConfidentialClient,
  createPublicClient,
  introspect,
  postForm,
  type TestClient,
  viaBasic,
} from '../token/support.js';

const T0 = Date.parse('2026-11-22T10:30:00.000Z');

describe.each(TEST_DATABASE_KINDS)('/introspect and /revoke on %s', (kind) => {
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

  describe('/introspect', () => {
    it('describes an active token of the calling client', async () => {
      const { access_token } = await clientCredentialsToken(t, client, 'providers');
      const answer = await introspect(t, client, access_token);
      expect(answer.active).toBe(true);
      expect(answer.scope).toBe('providers');
      expect(answer.client_id).toBe(client.clientId);
    });

    it('honours token_type_hint as a hint only', async () => {
      const { access_token } = await clientCredentialsToken(t, client);
      expect((await introspect(t, client, access_token, 'refresh_token')).active).toBe(true);
      expect((await introspect(t, client, access_token, 'something_else')).active).toBe(true);
    });

    it('answers exactly { active: false } for unknown and malformed tokens', async () => {
      for (const token of ['unknown', 'rt_unknown', 'at_AAAA', `at_${'B'.repeat(100)}`]) {
        expect(await introspect(t, client, token)).toEqual({ active: false });
      }
    });

    it("answers { active: false } for another client's token", async () => {
      const { access_token } = await clientCredentialsToken(t, other);
      expect(await introspect(t, client, access_token)).toEqual({ active: false });
      expect((await introspect(t, other, access_token)).active).toBe(true);
    });

    it('answers { active: false } for an expired token', async () => {
      const { access_token } = await clientCredentialsToken(t, client);
      now = T0 + 600_000;
      try {
        expect(await introspect(t, client, access_token)).toEqual({ active: false });
      } finally {
        now = T0;
      }
    });

    it("answers { active: false } for another environment's token", async () => {
      const production = await createTestApp(kind, { env: { IDGATE_ENV: 'production' }, clock: () => new Date(now) });
      try {
        const liveClient = await createConfidentialClient(production);
        const { access_token } = await clientCredentialsToken(production, liveClient);
        expect(await introspect(t, client, access_token)).toEqual({ active: false });
      } finally {
        await production.close();
      }
    });

    it('refuses public clients with AUTH_FORBIDDEN (unauthorized_client)', async () => {
      const res = await postForm(t, '/introspect', { token: 'x' }, { method: 'none', client: publicClient });
      const body = expectOAuthError(res, 'AUTH_FORBIDDEN');
      expect(body.error).toBe('unauthorized_client');
    });

    it('answers client authentication failures as invalid_client, with Basic challenges after Basic', async () => {
      expectOAuthError(await postForm(t, '/introspect', { token: 'x' }), 'AUTH_MISSING_CREDENTIALS');
      const wrong = { ...client, clientSecret: 'test_wrong' };
      expectOAuthError(await postForm(t, '/introspect', { token: 'x' }, viaBasic(wrong)), 'AUTH_INVALID_CREDENTIALS', {
        basicChallenge: true,
      });
      expectOAuthError(
        await postForm(t, '/introspect', { token: 'x' }, { method: 'post', client: wrong }),
        'AUTH_INVALID_CREDENTIALS',
      );
      expectOAuthError(
        await postForm(t, '/introspect', { token: 'x' }, { method: 'none', client }),
        'VALIDATION_MISSING_CLIENT_SECRET',
      );
    });

    it('answers a missing token with VALIDATION_MISSING_PARAMETER and a repeated one with VALIDATION_INVALID_PARAMETER', async () => {
      const missing = await postForm(t, '/introspect', {}, viaBasic(client));
      expect(expectOAuthError(missing, 'VALIDATION_MISSING_PARAMETER').error_description).toContain('token');
      const repeated = await postForm(
        t,
        '/introspect',
        [
          ['token', 'a'],
          ['token', 'b'],
        ],
        viaBasic(client),
      );
      expectOAuthError(repeated, 'VALIDATION_INVALID_PARAMETER');
    });

    it('refuses a JSON body (invalid_request, VALIDATION_UNSUPPORTED_MEDIA_TYPE) and other methods (405)', async () => {
      const json = await t.app.inject({
        method: 'POST',
        url: '/introspect',
        headers: { 'content-type': 'application/json' },
        payload: '{"token":"x"}',
      });
      expectOAuthError(json, 'VALIDATION_UNSUPPORTED_MEDIA_TYPE');
      for (const url of ['/introspect', '/revoke']) {
        for (const method of ['GET', 'PUT', 'DELETE', 'OPTIONS'] as const) {
          const res = await t.app.inject({ method, url });
          // SPEC 7: an OAuth endpoint answers a 405 in OAuth JSON, keeping 405 and Allow.
          const body = expectOAuthError(res, 'VALIDATION_METHOD_NOT_ALLOWED');
          expect(res.statusCode).toBe(405);
          expect(res.headers.allow).toBe('POST');
          expect(res.headers['content-type']).toBe('application/json');
          expect(res.headers['cache-control']).toBe('no-store');
          expect(body).toEqual({
            error: 'invalid_request',
            error_description: `${method} is not allowed here; use POST.`,
            error_uri: 'https://idgate.test/errors/VALIDATION_METHOD_NOT_ALLOWED',
            request_id: res.headers['x-request-id'],
          });
        }
      }
    });
  });

  describe('/revoke', () => {
    it('revokes an access token: 200, empty body, then inactive', async () => {
      const { access_token } = await clientCredentialsToken(t, client);
      const res = await postForm(
        t,
        '/revoke',
        { token: access_token, token_type_hint: 'access_token' },
        viaBasic(client),
      );
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe('');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(await introspect(t, client, access_token)).toEqual({ active: false });
    });

    it('revokes with a wrong token_type_hint too (a hint only)', async () => {
      const { access_token } = await clientCredentialsToken(t, client);
      const res = await postForm(
        t,
        '/revoke',
        { token: access_token, token_type_hint: 'refresh_token' },
        viaBasic(client),
      );
      expect(res.statusCode).toBe(200);
      expect(await introspect(t, client, access_token)).toEqual({ active: false });
    });

    it('answers 200 for unknown tokens and for a token revoked twice', async () => {
      for (const token of ['unknown', 'rt_unknown', 'at_AAAA']) {
        const res = await postForm(t, '/revoke', { token }, viaBasic(client));
        expect(res.statusCode).toBe(200);
        expect(res.body).toBe('');
      }
      const { access_token } = await clientCredentialsToken(t, client);
      for (let i = 0; i < 2; i++) {
        expect((await postForm(t, '/revoke', { token: access_token }, viaBasic(client))).statusCode).toBe(200);
      }
    });

    it("leaves another client's token alone (and still answers 200)", async () => {
      const { access_token } = await clientCredentialsToken(t, other);
      const res = await postForm(t, '/revoke', { token: access_token }, viaBasic(client));
      expect(res.statusCode).toBe(200);
      expect((await introspect(t, other, access_token)).active).toBe(true);
    });

    it('lets a public client revoke with `none`, as discovery says (and introspection does not list it)', async () => {
      const res = await postForm(t, '/revoke', { token: 'rt_unknown' }, { method: 'none', client: publicClient });
      expect(res.statusCode).toBe(200);
      const discovery = await t.app.inject({ method: 'GET', url: '/.well-known/openid-configuration' });
      const metadata = JSON.parse(discovery.body) as Record<string, string[]>;
      expect(metadata.revocation_endpoint_auth_methods_supported).toContain('none');
      expect(metadata.introspection_endpoint_auth_methods_supported).not.toContain('none');
    });

    it('answers client authentication failures and parameter errors as OAuth errors', async () => {
      expectOAuthError(await postForm(t, '/revoke', { token: 'x' }), 'AUTH_MISSING_CREDENTIALS');
      expectOAuthError(
        await postForm(t, '/revoke', { token: 'x' }, viaBasic({ ...client, clientSecret: 'test_wrong' })),
        'AUTH_INVALID_CREDENTIALS',
        { basicChallenge: true },
      );
      expectOAuthError(await postForm(t, '/revoke', {}, viaBasic(client)), 'VALIDATION_MISSING_PARAMETER');
      expectOAuthError(
        await postForm(
          t,
          '/revoke',
          [
            ['token', 'a'],
            ['token', 'a'],
          ],
          viaBasic(client),
        ),
        'VALIDATION_INVALID_PARAMETER',
      );
      const json = await t.app.inject({
        method: 'POST',
        url: '/revoke',
        headers: { 'content-type': 'application/json' },
        payload: '{"token":"x"}',
      });
      expectOAuthError(json, 'VALIDATION_UNSUPPORTED_MEDIA_TYPE');
    });
  });
});
