/**
 * Rate limits counted in Redis on the real routes (SPEC 8 production mode, SPEC 2.2):
 * `/token` answers exactly as with the memory store (429 `temporarily_unavailable`,
 * `Retry-After`, `RateLimit`, `RateLimit-Policy`), two app instances on one Redis share
 * the quota, and a Redis that goes away makes rate-limited routes answer the catalog's
 * 503 `SYSTEM_UNAVAILABLE` (OAuth `temporarily_unavailable` at `/token`, problem+json on
 * `/v1`, both with `Retry-After`) and `/readyz` report not ready. Runs on every database kind.
 */
import { CATALOG } from '@idgate/errors';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, RedisRateLimitStore } from '../../src/http/rate-limit/redis-store.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectOAuthError, expectProblem } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import { registerSecret } from '../support/leaks.js';
import { openTestRedis, startTcpProxy, type TcpProxy, type TestRedis } from '../support/redis.js';

const START = Date.parse('2026-03-01T12:00:00.000Z');
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const RATE_LIMIT_ENV = { IDGATE_RATE_LIMIT_TOKEN_CLIENT: '2', IDGATE_RATE_LIMIT_TOKEN_IP: '4' };

function basic(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

/** A confidential app on `t`; returns its Basic credentials. */
async function createClient(t: TestApp, name: string): Promise<{ clientId: string; authorization: string }> {
  const created = await t.app.idgate.apps.create({
    name,
    type: 'confidential',
    redirectUris: ['https://app.example/cb'],
  });
  registerSecret(created.clientSecret);
  return {
    clientId: created.app.clientId,
    authorization: basic(created.app.clientId, created.clientSecret as string),
  };
}

function clientCredentials(t: TestApp, authorization: string, remoteAddress = '203.0.113.7') {
  return t.app.inject({
    method: 'POST',
    url: '/token',
    remoteAddress,
    headers: { ...FORM, authorization },
    payload: 'grant_type=client_credentials',
  });
}

function unauthenticatedToken(t: TestApp, remoteAddress: string) {
  return t.app.inject({
    method: 'POST',
    url: '/token',
    remoteAddress,
    headers: FORM,
    payload: 'grant_type=client_credentials&client_id=test_nobody&client_secret=wrong-secret',
  });
}

describe.each(TEST_DATABASE_KINDS.map((kind) => [kind] as const))('rate limits in Redis at /token on %s', (kind) => {
  let now = START;
  let redis: TestRedis;
  let t: TestApp;
  let second: TestApp;
  let client: { clientId: string; authorization: string };
  beforeAll(async () => {
    redis = await openTestRedis(`routes-${kind}`);
    const clock = () => new Date(now);
    t = await createTestApp(kind, {
      env: RATE_LIMIT_ENV,
      clock,
      rateLimitStore: new RedisRateLimitStore(redis.client, { keyPrefix: redis.prefix }),
    });
    // A second instance: its own database connection and Redis client, the same Redis keys.
    const secondClient: Redis = await redis.newClient();
    second = await createTestApp(kind, {
      env: RATE_LIMIT_ENV,
      clock,
      rateLimitStore: new RedisRateLimitStore(secondClient, { keyPrefix: redis.prefix }),
    });
    client = await createClient(t, 'Rate-limited app');
  });
  afterAll(async () => {
    await t?.close();
    await second?.close();
    await redis?.cleanup();
  });

  it('limits each client: the third request in a minute is 429 with Retry-After and both fields', async () => {
    for (const [ipRemaining, ipReset, clientRemaining, clientReset] of [
      [3, 15, 1, 30],
      [2, 30, 0, 60],
    ] as const) {
      const res = await clientCredentials(t, client.authorization);
      expect(res.statusCode, res.body).toBe(200);
      registerSecret((JSON.parse(res.body) as { access_token?: string }).access_token);
      expect(res.headers['ratelimit-policy']).toBe('"token-ip";q=4;w=60, "token-client";q=2;w=60');
      expect(res.headers.ratelimit).toBe(
        `"token-ip";r=${ipRemaining};t=${ipReset}, "token-client";r=${clientRemaining};t=${clientReset}`,
      );
    }

    const res = await clientCredentials(t, client.authorization);
    const body = expectOAuthError(res, 'SYSTEM_RATE_LIMITED');
    expect(res.statusCode).toBe(429);
    expect(body.error).toBe('temporarily_unavailable');
    expect(res.headers['retry-after']).toBe('30');
    expect(res.headers['ratelimit-policy']).toBe('"token-ip";q=4;w=60, "token-client";q=2;w=60');
    expect(res.headers.ratelimit).toBe('"token-ip";r=1;t=45, "token-client";r=0;t=60');

    // The counts live in Redis, one hash per policy and key, with a TTL.
    const clientKey = `${redis.prefix}token-client:${client.clientId}`;
    expect(await redis.client.hgetall(clientKey)).toEqual({ level: '2', at: String(START) });
    expect(await redis.client.pttl(clientKey)).toBeGreaterThan(0);
    expect(await redis.client.hget(`${redis.prefix}token-ip:203.0.113.7`, 'level')).toBe('3');

    // The per-client limit follows the client, not the address.
    expectOAuthError(await clientCredentials(t, client.authorization, '198.51.100.1'), 'SYSTEM_RATE_LIMITED');
    now += 30_000;
    expect((await clientCredentials(t, client.authorization, '198.51.100.2')).statusCode).toBe(200);
  });

  it('shares the per-IP quota between two instances on one Redis', async () => {
    now += 3600_000;
    const address = '192.0.2.44';
    for (const [index, instance] of [t, second, second, t].entries()) {
      const res = await unauthenticatedToken(instance, address);
      expect(res.statusCode).toBe(401);
      expect(res.headers.ratelimit).toBe(`"token-ip";r=${3 - index};t=${(index + 1) * 15}`);
    }
    for (const instance of [second, t]) {
      const res = await unauthenticatedToken(instance, address);
      expectOAuthError(res, 'SYSTEM_RATE_LIMITED');
      expect(res.headers['retry-after']).toBe('15');
      expect(res.headers['ratelimit-policy']).toBe('"token-ip";q=4;w=60');
      expect(res.headers.ratelimit).toBe('"token-ip";r=0;t=60');
    }
    // Another address is not affected, on either instance.
    expect((await unauthenticatedToken(second, '192.0.2.45')).statusCode).toBe(401);
  });
});

describe.each(TEST_DATABASE_KINDS.map((kind) => [kind] as const))('a Redis that went away, on %s', (kind) => {
  let proxy: TcpProxy;
  let redis: TestRedis;
  let redisClient: Redis;
  let t: TestApp;
  let client: { clientId: string; authorization: string };
  beforeAll(async () => {
    redis = await openTestRedis(`gone-${kind}`);
    proxy = await startTcpProxy();
    redisClient = await connectRedis(proxy.url);
    const store = new RedisRateLimitStore(redisClient, { keyPrefix: redis.prefix });
    t = await createTestApp(kind, { env: { IDGATE_RATE_LIMIT_REST: '100', ...RATE_LIMIT_ENV }, rateLimitStore: store });
    client = await createClient(t, 'App without Redis');
  });
  afterAll(async () => {
    await t?.close();
    redisClient?.disconnect();
    await proxy?.close();
    await redis?.cleanup();
  });

  it('is ready while Redis answers, then not ready once it goes away', async () => {
    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect((await clientCredentials(t, client.authorization)).statusCode).toBe(200);
    expect(await redis.keys()).toHaveLength(2);

    proxy.cut({ refuse: true });
    await new Promise((resolve) => setTimeout(resolve, 50));

    const res = await t.app.inject({
      method: 'GET',
      url: '/readyz',
      headers: { 'x-request-id': `readyz-redis-${kind}` },
    });
    const body = expectProblem(res, 'SYSTEM_UNAVAILABLE', { instance: '/readyz' });
    expect(res.headers['retry-after']).toBe(String(CATALOG.SYSTEM_UNAVAILABLE.retryAfter));
    expect(body.detail).toBe(CATALOG.SYSTEM_UNAVAILABLE.description);
    const line = t.logs.find(
      (entry) => entry.request_id === `readyz-redis-${kind}` && entry.code === 'SYSTEM_UNAVAILABLE',
    );
    expect(line?.level).toBe('error');
    expect(line?.msg).toBe('The rate-limit store (Redis) does not answer.');
    expect(line).toHaveProperty('err');
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('/token answers 503 temporarily_unavailable (SYSTEM_UNAVAILABLE) with Retry-After, at once', async () => {
    const started = performance.now();
    const res = await t.app.inject({
      method: 'POST',
      url: '/token',
      remoteAddress: '203.0.113.9',
      headers: { ...FORM, authorization: client.authorization, 'x-request-id': `token-redis-${kind}` },
      payload: 'grant_type=client_credentials',
    });
    expect(performance.now() - started).toBeLessThan(1_000);
    const body = expectOAuthError(res, 'SYSTEM_UNAVAILABLE');
    expect(res.statusCode).toBe(503);
    expect(body.error).toBe('temporarily_unavailable');
    expect(body.error_description).toBe(CATALOG.SYSTEM_UNAVAILABLE.description);
    expect(res.headers['retry-after']).toBe(String(CATALOG.SYSTEM_UNAVAILABLE.retryAfter));
    expect(res.headers.ratelimit).toBeUndefined();
    expect(res.headers['ratelimit-policy']).toBeUndefined();
    const line = t.logs.find(
      (entry) => entry.request_id === `token-redis-${kind}` && entry.code === 'SYSTEM_UNAVAILABLE',
    );
    expect(line?.level).toBe('error');
    expect(line?.status).toBe(503);
    expect(line?.msg).toBe('The rate-limit store (Redis) is unavailable.');
    expect(line).toHaveProperty('err');
  });

  it('/v1 answers the 503 SYSTEM_UNAVAILABLE problem with Retry-After', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/v1/providers',
      headers: { authorization: client.authorization },
    });
    const body = expectProblem(res, 'SYSTEM_UNAVAILABLE', { instance: '/v1/providers' });
    expect(body.retryable).toBe(true);
    expect(res.headers['retry-after']).toBe(String(CATALOG.SYSTEM_UNAVAILABLE.retryAfter));
    expect(res.headers.ratelimit).toBeUndefined();
  });
});
