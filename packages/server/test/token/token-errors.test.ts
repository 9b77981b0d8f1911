/**
 * `/token` errors that do not need an authorization code (SPEC 2.2, 7): method, body
 * type, parameters, grant type, client authentication (with the Basic challenge when the
 * client sent `Authorization`), grants the client may not use, and client_credentials
 * scopes. Each from a real condition, each asserted with `expectOAuthError`
 * (which also checks `Cache-Control: no-store`).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestApp, TEST_ISSUER, type TestApp } from '../support/app.js';
import { expectOAuthError } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import {
  basicAuth,
  type ConfidentialClient,
  createConfidentialClient,
  createPublicClient,
  expectTokenResponse,
  json,
  patchClient,
  postForm,
  type TestClient,
  viaBasic,
} from './support.js';

describe.each(TEST_DATABASE_KINDS)('/token errors on %s', (kind) => {
  let t: TestApp;
  let client: ConfidentialClient;
  let publicClient: TestClient;

  beforeAll(async () => {
    t = await createTestApp(kind);
    client = await createConfidentialClient(t);
    publicClient = await createPublicClient(t);
  });
  afterAll(async () => {
    await t.close();
  });

  describe('HTTP', () => {
    it('answers other methods with 405 in OAuth JSON naming VALIDATION_METHOD_NOT_ALLOWED, Allow POST (and the CORS preflight)', async () => {
      for (const method of ['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE'] as const) {
        const res = await t.app.inject({ method, url: '/token' });
        expect(res.statusCode).toBe(405);
        expect(res.headers.allow).toBe('POST, OPTIONS');
        expect(res.headers['content-type']).toBe('application/json');
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.headers.pragma).toBe('no-cache');
        expect(res.headers['www-authenticate']).toBeUndefined();
        const body = expectOAuthError(res, 'VALIDATION_METHOD_NOT_ALLOWED');
        expect(body).toEqual({
          error: 'invalid_request',
          error_description: `${method} is not allowed here; use POST, OPTIONS.`,
          error_uri: `${TEST_ISSUER}/errors/VALIDATION_METHOD_NOT_ALLOWED`,
          request_id: res.headers['x-request-id'],
        });
      }
    });

    it('answers a 405 without a challenge even when the client sent Authorization (not invalid_client)', async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: '/token',
        headers: basicAuth(client.clientId, client.clientSecret),
      });
      expectOAuthError(res, 'VALIDATION_METHOD_NOT_ALLOWED');
      expect(res.statusCode).toBe(405);
      expect(res.headers['www-authenticate']).toBeUndefined();
    });

    it('refuses a JSON body as invalid_request naming VALIDATION_UNSUPPORTED_MEDIA_TYPE (400)', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/token',
        headers: { 'content-type': 'application/json', ...basicAuth(client.clientId, client.clientSecret) },
        payload: JSON.stringify({ grant_type: 'client_credentials' }),
      });
      const body = expectOAuthError(res, 'VALIDATION_UNSUPPORTED_MEDIA_TYPE');
      expect(res.statusCode).toBe(400);
      expect(body.error).toBe('invalid_request');
    });

    it('answers a request without a body with VALIDATION_MISSING_PARAMETER (grant_type)', async () => {
      const res = await t.app.inject({ method: 'POST', url: '/token' });
      const body = expectOAuthError(res, 'VALIDATION_MISSING_PARAMETER');
      expect(body.error_description).toContain('grant_type');
    });
  });

  describe('parameters', () => {
    it('answers a missing grant_type with VALIDATION_MISSING_PARAMETER', async () => {
      const res = await postForm(t, '/token', { scope: 'providers' }, viaBasic(client));
      const body = expectOAuthError(res, 'VALIDATION_MISSING_PARAMETER');
      expect(body.error_description).toContain('grant_type');
    });

    it('treats an empty grant_type as missing (RFC 6749 §3.1)', async () => {
      const res = await postForm(t, '/token', { grant_type: '' }, viaBasic(client));
      expectOAuthError(res, 'VALIDATION_MISSING_PARAMETER');
    });

    it('answers an unknown grant_type with VALIDATION_UNSUPPORTED_GRANT_TYPE', async () => {
      for (const grantType of ['password', 'implicit', 'urn:ietf:params:oauth:grant-type:device_code']) {
        const res = await postForm(t, '/token', { grant_type: grantType }, viaBasic(client));
        const body = expectOAuthError(res, 'VALIDATION_UNSUPPORTED_GRANT_TYPE');
        expect(body.error).toBe('unsupported_grant_type');
      }
    });

    it('refuses a repeated grant_type, client_id or scope with VALIDATION_INVALID_PARAMETER', async () => {
      for (const name of ['grant_type', 'scope']) {
        const form: [string, string][] = [
          ['grant_type', 'client_credentials'],
          ['scope', 'providers'],
          [name, name === 'scope' ? 'verifications' : 'client_credentials'],
        ];
        const res = await postForm(t, '/token', form, viaBasic(client));
        const body = expectOAuthError(res, 'VALIDATION_INVALID_PARAMETER');
        expect(body.error_description).toContain(name);
      }
      const res = await postForm(t, '/token', [
        ['grant_type', 'client_credentials'],
        ['client_id', client.clientId],
        ['client_id', client.clientId],
        ['client_secret', client.clientSecret],
      ]);
      const body = expectOAuthError(res, 'VALIDATION_INVALID_PARAMETER');
      expect(body.error_description).toContain('client_id');
    });

    it('ignores unknown parameters, repeated or not (RFC 6749 §3.1)', async () => {
      const res = await postForm(
        t,
        '/token',
        [
          ['grant_type', 'client_credentials'],
          ['resource', 'https://a.example'],
          ['resource', 'https://b.example'],
          ['access_type', 'offline'],
        ],
        viaBasic(client),
      );
      expect(expectTokenResponse(res).scope).toBe('verifications providers');
    });
  });

  describe('client authentication', () => {
    it('answers a request without credentials with AUTH_MISSING_CREDENTIALS (invalid_client, no challenge)', async () => {
      const res = await postForm(t, '/token', { grant_type: 'client_credentials' });
      const body = expectOAuthError(res, 'AUTH_MISSING_CREDENTIALS');
      expect(res.statusCode).toBe(401);
      expect(body.error).toBe('invalid_client');
    });

    it('answers an unknown client with AUTH_INVALID_CLIENT, with a Basic challenge only after Basic', async () => {
      const unknown = { clientId: 'test_unknownclient000000000000', clientSecret: 'test_nope', redirectUris: [] };
      const basic = await postForm(t, '/token', { grant_type: 'client_credentials' }, viaBasic(unknown));
      expectOAuthError(basic, 'AUTH_INVALID_CLIENT', { basicChallenge: true });
      expect(String(basic.headers['www-authenticate'])).toMatch(/^Basic realm="idgate", error="invalid_client"/);
      const post = await postForm(
        t,
        '/token',
        { grant_type: 'client_credentials' },
        { method: 'post', client: unknown },
      );
      expectOAuthError(post, 'AUTH_INVALID_CLIENT');
    });

    it('answers a wrong secret with AUTH_INVALID_CREDENTIALS (invalid_client 401)', async () => {
      const wrong = {
        ...client,
        clientSecret: `${client.clientSecret.slice(0, -4)}${client.clientSecret.endsWith('XXXX') ? 'YYYY' : 'XXXX'}`,
      };
      const basic = await postForm(t, '/token', { grant_type: 'client_credentials' }, viaBasic(wrong));
      const body = expectOAuthError(basic, 'AUTH_INVALID_CREDENTIALS', { basicChallenge: true });
      expect(body.error).toBe('invalid_client');
      const post = await postForm(t, '/token', { grant_type: 'client_credentials' }, { method: 'post', client: wrong });
      expectOAuthError(post, 'AUTH_INVALID_CREDENTIALS');
    });

    it('answers production credentials in sandbox with AUTH_INVALID_CREDENTIALS saying so', async () => {
      const live = { clientId: `live_${client.clientId.slice(5)}`, clientSecret: 'live_secret', redirectUris: [] };
      const res = await postForm(t, '/token', { grant_type: 'client_credentials' }, viaBasic(live));
      const body = expectOAuthError(res, 'AUTH_INVALID_CREDENTIALS', { basicChallenge: true });
      expect(body.error_description).toContain('production credentials were used against sandbox');
    });

    it('answers a confidential client without its secret with VALIDATION_MISSING_CLIENT_SECRET (invalid_client)', async () => {
      const res = await postForm(t, '/token', { grant_type: 'client_credentials' }, { method: 'none', client });
      const body = expectOAuthError(res, 'VALIDATION_MISSING_CLIENT_SECRET');
      expect(res.statusCode).toBe(401);
      expect(body.error).toBe('invalid_client');
    });

    it('answers Basic with an empty secret (id:) as a missing secret: VALIDATION_MISSING_CLIENT_SECRET, 401 with a Basic challenge', async () => {
      const digest = vi.spyOn(t.app.idgate.apps, 'secretDigest');
      try {
        const res = await postForm(
          t,
          '/token',
          { grant_type: 'client_credentials' },
          { method: 'basic', client: { ...client, clientSecret: '' } },
        );
        const body = expectOAuthError(res, 'VALIDATION_MISSING_CLIENT_SECRET', { basicChallenge: true });
        expect(res.statusCode).toBe(401);
        expect(body.error).toBe('invalid_client');
        expect(body.error_uri).toBe(`${TEST_ISSUER}/errors/VALIDATION_MISSING_CLIENT_SECRET`);
        expect(body.error_description).toBe('This client is confidential: authenticate with its client secret.');
        expect(res.headers['www-authenticate']).toBe(
          'Basic realm="idgate", error="invalid_client", error_description="This client is confidential: authenticate with its client secret."',
        );
        // The empty value is never hashed, so it can never be remembered as a refused secret.
        expect(digest).not.toHaveBeenCalled();
      } finally {
        digest.mockRestore();
      }
    });

    it('answers client_secret_post with an empty client_secret= as a missing secret (VALIDATION_MISSING_CLIENT_SECRET)', async () => {
      const digest = vi.spyOn(t.app.idgate.apps, 'secretDigest');
      try {
        const res = await postForm(t, '/token', {
          grant_type: 'client_credentials',
          client_id: client.clientId,
          client_secret: '',
        });
        const body = expectOAuthError(res, 'VALIDATION_MISSING_CLIENT_SECRET');
        expect(res.statusCode).toBe(401);
        expect(body.error).toBe('invalid_client');
        expect(body.error_uri).toBe(`${TEST_ISSUER}/errors/VALIDATION_MISSING_CLIENT_SECRET`);
        expect(res.headers['www-authenticate']).toBeUndefined();
        expect(digest).not.toHaveBeenCalled();
      } finally {
        digest.mockRestore();
      }
    });

    it('refuses Basic credentials together with client_secret in the body (VALIDATION_INVALID_PARAMETER)', async () => {
      const res = await postForm(
        t,
        '/token',
        { grant_type: 'client_credentials', client_secret: client.clientSecret },
        viaBasic(client),
      );
      expectOAuthError(res, 'VALIDATION_INVALID_PARAMETER');
    });

    it('answers a client assertion of an app without private_key_jwt with AUTH_INVALID_CLIENT, not a missing secret', async () => {
      const payload = Buffer.from(JSON.stringify({ sub: client.clientId })).toString('base64url');
      const res = await postForm(t, '/token', {
        grant_type: 'client_credentials',
        client_id: client.clientId,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: `eyJhbGciOiJSUzI1NiJ9.${payload}.c2ln`,
      });
      const body = expectOAuthError(res, 'AUTH_INVALID_CLIENT');
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBeUndefined();
      expect(body.error_description).toContain('private_key_jwt');
    });

    it('answers an auth method the app does not allow with AUTH_INVALID_CLIENT', async () => {
      const basicOnly = await createConfidentialClient(t, { tokenEndpointAuthMethods: ['client_secret_basic'] });
      const res = await postForm(
        t,
        '/token',
        { grant_type: 'client_credentials' },
        { method: 'post', client: basicOnly },
      );
      const body = expectOAuthError(res, 'AUTH_INVALID_CLIENT');
      expect(body.error_description).toContain('client_secret_post');
      expectTokenResponse(await postForm(t, '/token', { grant_type: 'client_credentials' }, viaBasic(basicOnly)));
    });

    it('answers a disabled client with AUTH_INVALID_CLIENT', async () => {
      const disabled = await createConfidentialClient(t);
      await patchClient(t, disabled.clientId, { disabled: true });
      const res = await postForm(t, '/token', { grant_type: 'client_credentials' }, viaBasic(disabled));
      const body = expectOAuthError(res, 'AUTH_INVALID_CLIENT', { basicChallenge: true });
      expect(body.error_description).toContain('disabled');
    });

    it('logs the client id with the error once the client is known', async () => {
      const res = await postForm(t, '/token', { grant_type: 'client_credentials', scope: 'nope' }, viaBasic(client));
      const body = expectOAuthError(res, 'VALIDATION_INVALID_SCOPE');
      const line = t.logs.find(
        (entry) => entry.request_id === body.request_id && entry.code === 'VALIDATION_INVALID_SCOPE',
      );
      expect(line?.client_id).toBe(client.clientId);
    });
  });

  describe('grants the client may not use', () => {
    it('answers a grant the app does not allow with AUTH_FORBIDDEN (unauthorized_client)', async () => {
      const codeOnly = await createConfidentialClient(t, { grantTypes: ['authorization_code'] });
      const res = await postForm(t, '/token', { grant_type: 'client_credentials' }, viaBasic(codeOnly));
      const body = expectOAuthError(res, 'AUTH_FORBIDDEN');
      expect(body.error).toBe('unauthorized_client');
      const refresh = await postForm(
        t,
        '/token',
        { grant_type: 'refresh_token', refresh_token: 'rt_x' },
        viaBasic(codeOnly),
      );
      expectOAuthError(refresh, 'AUTH_FORBIDDEN');
    });

    it('answers client_credentials from a public client with AUTH_FORBIDDEN', async () => {
      const res = await postForm(
        t,
        '/token',
        { grant_type: 'client_credentials' },
        { method: 'none', client: publicClient },
      );
      expectOAuthError(res, 'AUTH_FORBIDDEN');
    });
  });

  describe('client_credentials scopes', () => {
    it('refuses an unknown scope with VALIDATION_INVALID_SCOPE instead of dropping it', async () => {
      const res = await postForm(
        t,
        '/token',
        { grant_type: 'client_credentials', scope: 'providers admin' },
        viaBasic(client),
      );
      const body = expectOAuthError(res, 'VALIDATION_INVALID_SCOPE');
      expect(body.error).toBe('invalid_scope');
      expect(body.error_description).toContain('admin');
    });

    it('refuses OpenID scopes with VALIDATION_INVALID_SCOPE', async () => {
      for (const scope of ['openid', 'providers profile', 'offline_access']) {
        const res = await postForm(t, '/token', { grant_type: 'client_credentials', scope }, viaBasic(client));
        expectOAuthError(res, 'VALIDATION_INVALID_SCOPE');
      }
    });

    it('refuses a REST scope the app may not use with VALIDATION_INVALID_SCOPE', async () => {
      const providersOnly = await createConfidentialClient(t, { scopes: ['openid', 'providers'] });
      const res = await postForm(
        t,
        '/token',
        { grant_type: 'client_credentials', scope: 'verifications' },
        viaBasic(providersOnly),
      );
      const body = expectOAuthError(res, 'VALIDATION_INVALID_SCOPE');
      expect(body.error_description).toContain('verifications');
      const granted = expectTokenResponse(
        await postForm(t, '/token', { grant_type: 'client_credentials' }, viaBasic(providersOnly)),
      );
      expect(granted.scope).toBe('providers');
    });

    it('answers an app without any REST scope with VALIDATION_INVALID_SCOPE', async () => {
      const oidcOnly = await createConfidentialClient(t, { scopes: ['openid', 'profile'] });
      const res = await postForm(t, '/token', { grant_type: 'client_credentials' }, viaBasic(oidcOnly));
      expectOAuthError(res, 'VALIDATION_INVALID_SCOPE');
    });
  });

  describe('authorization_code and refresh_token parameters', () => {
    it('answers a missing code with VALIDATION_MISSING_PARAMETER', async () => {
      const res = await postForm(
        t,
        '/token',
        { grant_type: 'authorization_code', redirect_uri: client.redirectUris[0] },
        viaBasic(client),
      );
      const body = expectOAuthError(res, 'VALIDATION_MISSING_PARAMETER');
      expect(body.error_description).toContain('code');
    });

    it('answers an unknown code with AUTH_INVALID_GRANT', async () => {
      const res = await postForm(
        t,
        '/token',
        { grant_type: 'authorization_code', code: 'not-a-code', redirect_uri: client.redirectUris[0] },
        viaBasic(client),
      );
      const body = expectOAuthError(res, 'AUTH_INVALID_GRANT');
      expect(body.error).toBe('invalid_grant');
    });

    it('answers a missing refresh_token with VALIDATION_MISSING_PARAMETER and an unknown one with AUTH_INVALID_GRANT', async () => {
      const missing = await postForm(t, '/token', { grant_type: 'refresh_token' }, viaBasic(client));
      expectOAuthError(missing, 'VALIDATION_MISSING_PARAMETER');
      for (const token of ['rt_unknown', 'something-else', `at_${'A'.repeat(60)}`]) {
        const res = await postForm(
          t,
          '/token',
          { grant_type: 'refresh_token', refresh_token: token },
          viaBasic(client),
        );
        expectOAuthError(res, 'AUTH_INVALID_GRANT');
      }
      const fromPublic = await postForm(
        t,
        '/token',
        { grant_type: 'refresh_token', refresh_token: 'rt_unknown' },
        { method: 'none', client: publicClient },
      );
      expectOAuthError(fromPublic, 'AUTH_INVALID_GRANT');
    });

    it('answers an unknown scope on refresh with VALIDATION_INVALID_SCOPE', async () => {
      const res = await postForm(
        t,
        '/token',
        { grant_type: 'refresh_token', refresh_token: 'rt_unknown', scope: 'openid superuser' },
        viaBasic(client),
      );
      expectOAuthError(res, 'VALIDATION_INVALID_SCOPE');
    });
  });

  it('returns JSON error bodies only (no code member)', async () => {
    const res = await postForm(t, '/token', { grant_type: 'password' }, viaBasic(client));
    expect(Object.keys(json(res))).not.toContain('code');
  });
});
