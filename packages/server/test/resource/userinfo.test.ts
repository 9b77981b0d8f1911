/**
 * `/userinfo` (OpenID Connect Core 1.0 §5.3, RFC 6750): where the token may come from,
 * and every refusal with its challenge — none sent (no `error`), malformed, expired,
 * revoked or another environment's (`invalid_token`), sent twice (`invalid_request`),
 * and a token without `openid` (`insufficient_scope`, `scope="openid"`). The claims a
 * code-flow token releases are tested in test/token/authorization-code.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectBearerChallenge, expectProblem } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import {
  type ConfidentialClient,
  clientCredentialsToken,
  createConfidentialClient,
  postForm,
  userinfo,
  viaBasic,
} from '../token/support.js';

const T0 = Date.parse('2026-11-22T10:30:00.000Z');

describe.each(TEST_DATABASE_KINDS)('/userinfo on %s', (kind) => {
  let t: TestApp;
  let client: ConfidentialClient;
  let now = T0;

  beforeAll(async () => {
    t = await createTestApp(kind, { clock: () => new Date(now) });
    client = await createConfidentialClient(t);
  });
  afterAll(async () => {
    await t.close();
  });

  describe('no token', () => {
    it('answers 401 AUTH_MISSING_CREDENTIALS with a challenge without error', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/userinfo' });
      expectBearerChallenge(res, 'AUTH_MISSING_CREDENTIALS', { error: null });
      expect(res.headers['www-authenticate']).toBe('Bearer realm="idgate"');
    });

    it('does not take a token from the query string or a Basic header', async () => {
      const { access_token } = await clientCredentialsToken(t, client);
      const query = await t.app.inject({ method: 'GET', url: `/userinfo?access_token=${access_token}` });
      expectBearerChallenge(query, 'AUTH_MISSING_CREDENTIALS', { error: null });
      const basic = await t.app.inject({
        method: 'GET',
        url: '/userinfo',
        headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
      });
      expectBearerChallenge(basic, 'AUTH_MISSING_CREDENTIALS', { error: null });
    });

    it('answers a POST without a body like a GET without a token', async () => {
      const res = await t.app.inject({ method: 'POST', url: '/userinfo' });
      expectBearerChallenge(res, 'AUTH_MISSING_CREDENTIALS', { error: null });
    });
  });

  describe('bad tokens', () => {
    it('answers a malformed token with 401 invalid_token', async () => {
      for (const token of ['nonsense', 'at_AAAA', `at_${'x'.repeat(80)}`]) {
        const res = await userinfo(t, token);
        expectBearerChallenge(res, 'AUTH_INVALID_TOKEN');
        expect(String(res.headers['www-authenticate'])).toMatch(
          /^Bearer realm="idgate", error="invalid_token", error_description="[^"]+"$/,
        );
      }
    });

    it('answers an expired token with 401 invalid_token', async () => {
      const { access_token } = await clientCredentialsToken(t, client);
      now = T0 + 600_000;
      try {
        const res = await userinfo(t, access_token);
        expectBearerChallenge(res, 'AUTH_INVALID_TOKEN');
        expect(String(res.headers['www-authenticate'])).toContain('expired');
      } finally {
        now = T0;
      }
    });

    it('answers a revoked token with 401 invalid_token', async () => {
      const { access_token } = await clientCredentialsToken(t, client);
      const revoked = await postForm(t, '/revoke', { token: access_token }, viaBasic(client));
      expect(revoked.statusCode).toBe(200);
      const res = await userinfo(t, access_token);
      expectBearerChallenge(res, 'AUTH_INVALID_TOKEN');
      expect(String(res.headers['www-authenticate'])).toContain('revoked');
    });

    it("answers another environment's token with 401 invalid_token", async () => {
      const production = await createTestApp(kind, { env: { IDGATE_ENV: 'production' }, clock: () => new Date(now) });
      try {
        const liveClient = await createConfidentialClient(production);
        expect(liveClient.clientId.startsWith('live_')).toBe(true);
        const { access_token } = await clientCredentialsToken(production, liveClient);
        const res = await userinfo(t, access_token);
        expectBearerChallenge(res, 'AUTH_INVALID_TOKEN');
        expect(String(res.headers['www-authenticate'])).toContain('production');
      } finally {
        await production.close();
      }
    });
  });

  describe('where the token comes from', () => {
    it('reads the token from a form body on POST (RFC 6750 §2.2)', async () => {
      const { access_token } = await clientCredentialsToken(t, client);
      const res = await postForm(t, '/userinfo', { access_token });
      // A client_credentials token reaches the scope check, so the body token was read.
      expectBearerChallenge(res, 'AUTH_INSUFFICIENT_SCOPE', { scope: 'openid' });
    });

    it('refuses a token sent both in the header and in the body with 400 invalid_request', async () => {
      const { access_token } = await clientCredentialsToken(t, client);
      const res = await postForm(
        t,
        '/userinfo',
        { access_token },
        { method: 'absent' },
        {
          authorization: `Bearer ${access_token}`,
        },
      );
      expectBearerChallenge(res, 'VALIDATION_INVALID_PARAMETER');
      expect(res.statusCode).toBe(400);
      expect(String(res.headers['www-authenticate'])).toContain('error="invalid_request"');
    });

    it('refuses a repeated access_token with 400 invalid_request', async () => {
      const { access_token } = await clientCredentialsToken(t, client);
      const res = await postForm(t, '/userinfo', [
        ['access_token', access_token],
        ['access_token', access_token],
      ]);
      expectBearerChallenge(res, 'VALIDATION_INVALID_PARAMETER');
    });

    it('refuses a JSON body with VALIDATION_UNSUPPORTED_MEDIA_TYPE', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/userinfo',
        headers: { 'content-type': 'application/json' },
        payload: '{"access_token":"x"}',
      });
      expectProblem(res, 'VALIDATION_UNSUPPORTED_MEDIA_TYPE');
    });

    it('answers other methods with 405 and Allow', async () => {
      const res = await t.app.inject({ method: 'DELETE', url: '/userinfo' });
      expectProblem(res, 'VALIDATION_METHOD_NOT_ALLOWED');
      expect(String(res.headers.allow).split(', ')).toEqual(expect.arrayContaining(['GET', 'POST']));
    });
  });

  describe('scope', () => {
    it('answers a client_credentials token with 403 insufficient_scope, scope="openid"', async () => {
      const { access_token } = await clientCredentialsToken(t, client);
      const res = await userinfo(t, access_token);
      expectBearerChallenge(res, 'AUTH_INSUFFICIENT_SCOPE', { scope: 'openid' });
      expect(res.statusCode).toBe(403);
      expect(String(res.headers['www-authenticate'])).toMatch(
        /^Bearer realm="idgate", error="insufficient_scope", error_description="[^"]+", scope="openid"$/,
      );
    });
  });
});
