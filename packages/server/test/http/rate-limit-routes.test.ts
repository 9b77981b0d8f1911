/**
 * Rate limits on the real routes (SPEC 2.2, 3.1): `/token` per client IP (`token-ip`)
 * and per client (`token-client`): 429 `temporarily_unavailable` with `error_uri` naming
 * SYSTEM_RATE_LIMITED; `/v1` per app (`rest-app`): 429 problem+json. Both carry
 * `Retry-After`, `RateLimit` and `RateLimit-Policy`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectOAuthError, expectProblem } from '../support/assertions.js';
import { registerSecret } from '../support/leaks.js';

const START = Date.parse('2026-03-01T12:00:00.000Z');
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

function basic(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

describe('rate limits at /token', () => {
  let now = START;
  let t: TestApp;
  let clientId: string;
  let clientSecret: string;
  beforeAll(async () => {
    t = await createTestApp('sqlite', {
      env: { IDGATE_RATE_LIMIT_TOKEN_CLIENT: '2', IDGATE_RATE_LIMIT_TOKEN_IP: '4' },
      clock: () => new Date(now),
    });
    const created = await t.app.idgate.apps.create({
      name: 'Rate-limited app',
      type: 'confidential',
      redirectUris: ['https://app.example/cb'],
    });
    clientId = created.app.clientId;
    clientSecret = created.clientSecret as string;
    registerSecret(clientSecret);
  });
  afterAll(async () => {
    await t.close();
  });

  function clientCredentials(remoteAddress = '203.0.113.7') {
    return t.app.inject({
      method: 'POST',
      url: '/token',
      remoteAddress,
      headers: { ...FORM, authorization: basic(clientId, clientSecret) },
      payload: 'grant_type=client_credentials',
    });
  }

  it('limits each client: the third request in a minute is 429 with Retry-After and both fields', async () => {
    for (const [ipRemaining, ipReset, clientRemaining, clientReset] of [
      [3, 15, 1, 30],
      [2, 30, 0, 60],
    ] as const) {
      const res = await clientCredentials();
      expect(res.statusCode, res.body).toBe(200);
      registerSecret((JSON.parse(res.body) as { access_token?: string }).access_token);
      expect(res.headers['ratelimit-policy']).toBe('"token-ip";q=4;w=60, "token-client";q=2;w=60');
      expect(res.headers.ratelimit).toBe(
        `"token-ip";r=${ipRemaining};t=${ipReset}, "token-client";r=${clientRemaining};t=${clientReset}`,
      );
    }

    const res = await clientCredentials();
    const body = expectOAuthError(res, 'SYSTEM_RATE_LIMITED');
    expect(res.statusCode).toBe(429);
    expect(body.error).toBe('temporarily_unavailable');
    expect(res.headers['retry-after']).toBe('30');
    expect(res.headers['ratelimit-policy']).toBe('"token-ip";q=4;w=60, "token-client";q=2;w=60');
    expect(res.headers.ratelimit).toBe('"token-ip";r=1;t=45, "token-client";r=0;t=60');

    // The per-client limit follows the client, not the address.
    expectOAuthError(await clientCredentials('198.51.100.1'), 'SYSTEM_RATE_LIMITED');

    now += 30_000;
    expect((await clientCredentials('198.51.100.2')).statusCode).toBe(200);
  });

  it('limits each IP address before anything else, even unauthenticated requests', async () => {
    now += 3600_000;
    const address = '192.0.2.44';
    for (let i = 0; i < 4; i += 1) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/token',
        remoteAddress: address,
        headers: FORM,
        payload: 'grant_type=client_credentials&client_id=test_nobody&client_secret=wrong-secret',
      });
      expect(res.statusCode).toBe(401);
      expect(res.headers.ratelimit).toBe(`"token-ip";r=${3 - i};t=${(i + 1) * 15}`);
    }
    const res = await t.app.inject({
      method: 'POST',
      url: '/token',
      remoteAddress: address,
      headers: FORM,
      payload: 'grant_type=client_credentials&client_id=test_nobody&client_secret=wrong-secret',
    });
    expectOAuthError(res, 'SYSTEM_RATE_LIMITED');
    expect(res.headers['retry-after']).toBe('15');
    expect(res.headers['ratelimit-policy']).toBe('"token-ip";q=4;w=60');
    expect(res.headers.ratelimit).toBe('"token-ip";r=0;t=60');

    // Another address is not affected.
    expect((await clientCredentials('192.0.2.45')).statusCode).toBe(200);
  });
});

describe('rate limits on /v1', () => {
  let now = START;
  let t: TestApp;
  let authorization: string;
  let otherAuthorization: string;
  beforeAll(async () => {
    t = await createTestApp('sqlite', { env: { IDGATE_RATE_LIMIT_REST: '3' }, clock: () => new Date(now) });
    const [one, two] = await Promise.all(
      ['REST app', 'Other REST app'].map((name) =>
        t.app.idgate.apps.create({ name, type: 'confidential', redirectUris: ['https://app.example/cb'] }),
      ),
    );
    for (const created of [one, two]) registerSecret(created?.clientSecret);
    authorization = basic(one?.app.clientId as string, one?.clientSecret as string);
    otherAuthorization = basic(two?.app.clientId as string, two?.clientSecret as string);
  });
  afterAll(async () => {
    await t.close();
  });

  it('limits each app across its /v1 routes: the fourth request in a minute is 429', async () => {
    const urls = ['/v1/providers', '/v1/providers/mock-redirect', '/v1/providers'];
    for (const [index, url] of urls.entries()) {
      const res = await t.app.inject({ method: 'GET', url, headers: { authorization } });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['ratelimit-policy']).toBe('"rest-app";q=3;w=60');
      expect(res.headers.ratelimit).toBe(`"rest-app";r=${2 - index};t=${(index + 1) * 20}`);
    }

    const res = await t.app.inject({ method: 'GET', url: '/v1/verifications/vrf_unknown', headers: { authorization } });
    const body = expectProblem(res, 'SYSTEM_RATE_LIMITED', { instance: '/v1/verifications/vrf_unknown' });
    expect(body.context).toEqual({ policy: 'rest-app' });
    expect(res.headers['retry-after']).toBe('20');
    expect(res.headers['ratelimit-policy']).toBe('"rest-app";q=3;w=60');
    expect(res.headers.ratelimit).toBe('"rest-app";r=0;t=60');
    expect(res.headers['www-authenticate']).toBeUndefined();

    // Another app is not affected; this one may go on once the clock moved on.
    const other = await t.app.inject({
      method: 'GET',
      url: '/v1/providers',
      headers: { authorization: otherAuthorization },
    });
    expect(other.statusCode).toBe(200);
    now += 20_000;
    expect((await t.app.inject({ method: 'GET', url: '/v1/providers', headers: { authorization } })).statusCode).toBe(
      200,
    );
  });
});
