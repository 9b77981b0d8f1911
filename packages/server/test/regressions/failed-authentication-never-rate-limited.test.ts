/**
 * Issue 14: failed authentication answered 429 only on `/token` (1,221 wrong secrets from
 * one IP before the first 429), and `/introspect`, `/revoke`, the REST and admin APIs
 * never did (650 of 650). Now failed authentications are counted per client IP and per
 * presented client id on every authenticated surface, in the rate-limit store (memory,
 * or Redis shared by instances): past the quota the answer is 429 `SYSTEM_RATE_LIMITED`
 * with `Retry-After`, `RateLimit` and `RateLimit-Policy` — OAuth `temporarily_unavailable`
 * on the OAuth endpoints, problem+json on userinfo, REST and admin. An IP past its quota
 * is refused at once until its next failure is allowed; a client id past its quota only
 * for its failures. On an injected clock, on the memory store and on the real Redis.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RateLimitStore } from '../../src/http/rate-limit/rate-limit-store.js';
import { RedisRateLimitStore } from '../../src/http/rate-limit/redis-store.js';
import { createTestApp, TEST_ADMIN_KEY, type TestApp } from '../support/app.js';
import { expectOAuthError, expectProblem } from '../support/assertions.js';
import { openTestRedis, type TestRedis } from '../support/redis.js';
import { type ConfidentialClient, createConfidentialClient, expectTokenResponse } from '../token/support.js';

const T0 = Date.parse('2026-11-22T10:30:00.000Z');
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const ATTACKER = '198.51.100.66';
const NEIGHBOUR = '198.51.100.67';

function basic(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;
}

/** Asserts a 429 for the failure policy, in the OAuth shape; returns Retry-After. */
function expectOAuthLimited(res: LightMyRequestResponse, policy: string, quota: number): number {
  const body = expectOAuthError(res, 'SYSTEM_RATE_LIMITED');
  expect(res.statusCode).toBe(429);
  expect(body.error).toBe('temporarily_unavailable');
  return expectLimitHeaders(res, policy, quota);
}

/** Asserts a 429 for the failure policy as problem+json; returns Retry-After. */
function expectProblemLimited(res: LightMyRequestResponse, policy: string, quota: number): number {
  const body = expectProblem(res, 'SYSTEM_RATE_LIMITED');
  expect(body.context).toEqual({ policy });
  expect(res.headers['www-authenticate']).toBeUndefined();
  return expectLimitHeaders(res, policy, quota);
}

function expectLimitHeaders(res: LightMyRequestResponse, policy: string, quota: number): number {
  const retryAfter = Number(res.headers['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(String(res.headers['ratelimit-policy'])).toContain(`"${policy}";q=${quota};w=60`);
  expect(String(res.headers.ratelimit)).toMatch(new RegExp(`"${policy}";r=0;t=\\d+`));
  return retryAfter;
}

interface Harness {
  readonly t: TestApp;
  readonly client: ConfidentialClient;
  advance(ms: number): void;
  close(): Promise<void>;
}

/** The store to count in (none: the app's own memory store), and how to clean it up. */
type StoreFactory = () => Promise<{ store?: RateLimitStore; cleanup(): Promise<void> }>;

const memory: StoreFactory = async () => ({ cleanup: async () => {} });

async function harness(env: Record<string, string>, storeFactory: StoreFactory): Promise<Harness> {
  let now = T0;
  const { store, cleanup } = await storeFactory();
  const t = await createTestApp('sqlite', {
    clock: () => new Date(now),
    env: { IDGATE_RATE_LIMIT_TOKEN_IP: '0', IDGATE_RATE_LIMIT_TOKEN_CLIENT: '0', IDGATE_RATE_LIMIT_REST: '0', ...env },
    ...(store ? { rateLimitStore: store } : {}),
  });
  const client = await createConfidentialClient(t);
  return {
    t,
    client,
    advance(ms) {
      now += ms;
    },
    async close() {
      await t.close();
      await cleanup();
    },
  };
}

function token(t: TestApp, authorization: string, remoteAddress = ATTACKER) {
  return t.app.inject({
    method: 'POST',
    url: '/token',
    remoteAddress,
    headers: { ...FORM, authorization },
    payload: 'grant_type=client_credentials',
  });
}

function formPost(t: TestApp, url: string, payload: string, remoteAddress = ATTACKER, authorization?: string) {
  return t.app.inject({
    method: 'POST',
    url,
    remoteAddress,
    headers: { ...FORM, ...(authorization ? { authorization } : {}) },
    payload,
  });
}

function get(t: TestApp, url: string, authorization: string, remoteAddress = ATTACKER) {
  return t.app.inject({ method: 'GET', url, remoteAddress, headers: { authorization } });
}

const stores: readonly (readonly [string, (redisName: string) => StoreFactory])[] = [
  ['memory', () => memory],
  [
    'redis',
    (redisName) => async () => {
      const redis: TestRedis = await openTestRedis(redisName);
      return {
        store: new RedisRateLimitStore(redis.client, { keyPrefix: redis.prefix }),
        cleanup: () => redis.cleanup(),
      };
    },
  ],
];

describe.each(stores)('failed authentications are rate limited (%s store)', (storeName, factoryFor) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('/token: a client id past its quota of wrong secrets gets 429; its right secret still works; the window passes', async () => {
    h = await harness(
      { IDGATE_RATE_LIMIT_AUTH_FAILURES_CLIENT: '2', IDGATE_RATE_LIMIT_AUTH_FAILURES_IP: '100' },
      factoryFor(`af-token-${storeName}`),
    );
    const wrong = basic(h.client.clientId, 'test_wrong-secret');
    for (let i = 0; i < 2; i++)
      expectOAuthError(await token(h.t, wrong), 'AUTH_INVALID_CREDENTIALS', { basicChallenge: true });
    expectOAuthLimited(await token(h.t, wrong), 'auth-failures-client', 2);
    // From another address too: the quota is the client id's.
    expectOAuthLimited(await token(h.t, wrong, NEIGHBOUR), 'auth-failures-client', 2);
    // A client id is no secret: its correct credentials are not locked out.
    expectTokenResponse(await token(h.t, basic(h.client.clientId, h.client.clientSecret)));
    h.advance(60_000);
    expectOAuthError(await token(h.t, wrong), 'AUTH_INVALID_CREDENTIALS', { basicChallenge: true });
  });

  it('/introspect and /revoke: an IP spraying client ids gets 429, then is refused at once, even with good credentials', async () => {
    h = await harness(
      { IDGATE_RATE_LIMIT_AUTH_FAILURES_IP: '3', IDGATE_RATE_LIMIT_AUTH_FAILURES_CLIENT: '100' },
      factoryFor(`af-ip-${storeName}`),
    );
    const good = basic(h.client.clientId, h.client.clientSecret);
    expectOAuthError(
      await formPost(h.t, '/introspect', 'token=x', ATTACKER, basic('test_nobody1', 's')),
      'AUTH_INVALID_CLIENT',
      {
        basicChallenge: true,
      },
    );
    expectOAuthError(
      await formPost(h.t, '/revoke', 'token=x&client_id=test_nobody2&client_secret=s'),
      'AUTH_INVALID_CLIENT',
    );
    expectOAuthError(
      await formPost(h.t, '/introspect', 'token=x&client_id=test_nobody3&client_secret=s'),
      'AUTH_INVALID_CLIENT',
    );
    const retryAfter = expectOAuthLimited(
      await formPost(h.t, '/revoke', 'token=x&client_id=test_nobody4&client_secret=s'),
      'auth-failures-ip',
      3,
    );
    // Blocked: the good client from the same address waits too; its neighbour does not.
    expectOAuthLimited(await formPost(h.t, '/introspect', 'token=x', ATTACKER, good), 'auth-failures-ip', 3);
    const neighbour = await formPost(h.t, '/introspect', 'token=x', NEIGHBOUR, good);
    expect(neighbour.statusCode, neighbour.body).toBe(200);
    h.advance(retryAfter * 1000);
    const after = await formPost(h.t, '/introspect', 'token=x', ATTACKER, good);
    expect(after.statusCode, after.body).toBe(200);
    expect(JSON.parse(after.body)).toEqual({ active: false });
  });

  it('the REST API: wrong Basic secrets and forged Bearer tokens are counted; 429 problem+json past the quota', async () => {
    h = await harness(
      { IDGATE_RATE_LIMIT_AUTH_FAILURES_IP: '3', IDGATE_RATE_LIMIT_AUTH_FAILURES_CLIENT: '100' },
      factoryFor(`af-rest-${storeName}`),
    );
    expectProblem(await get(h.t, '/v1/providers', basic(h.client.clientId, 'test_wrong')), 'AUTH_INVALID_CREDENTIALS');
    expectProblem(await get(h.t, '/v1/providers', 'Bearer at_forged'), 'AUTH_INVALID_TOKEN');
    expectProblem(await get(h.t, '/v1/verifications/x', basic('test_unknown', 'x')), 'AUTH_INVALID_CREDENTIALS');
    expectProblemLimited(await get(h.t, '/v1/providers', 'Bearer at_forged'), 'auth-failures-ip', 3);
    // Sending no credentials is not a failed authentication, and is not counted.
    const none = await h.t.app.inject({ method: 'GET', url: '/v1/providers', remoteAddress: NEIGHBOUR });
    expectProblem(none, 'AUTH_MISSING_CREDENTIALS');
  });

  it('the admin API and userinfo: wrong admin keys and forged tokens are counted per IP', async () => {
    h = await harness(
      { IDGATE_RATE_LIMIT_AUTH_FAILURES_IP: '2', IDGATE_RATE_LIMIT_AUTH_FAILURES_CLIENT: '100' },
      factoryFor(`af-admin-${storeName}`),
    );
    expectProblem(await get(h.t, '/admin/v1/apps', 'Bearer not-the-admin-key'), 'AUTH_INVALID_CREDENTIALS');
    expectProblem(await get(h.t, '/userinfo', 'Bearer at_forged'), 'AUTH_INVALID_TOKEN');
    expectProblemLimited(await get(h.t, '/admin/v1/apps', 'Bearer still-not-it'), 'auth-failures-ip', 2);
    // Refused at once, the right key included, until the next failure would be allowed.
    expectProblemLimited(await get(h.t, '/admin/v1/apps', `Bearer ${TEST_ADMIN_KEY}`), 'auth-failures-ip', 2);
    expectProblemLimited(
      await get(h.t, '/admin/v1/verifications/x/events', `Bearer ${TEST_ADMIN_KEY}`),
      'auth-failures-ip',
      2,
    );
    h.advance(60_000);
    const ok = await get(h.t, '/admin/v1/apps', `Bearer ${TEST_ADMIN_KEY}`);
    expect(ok.statusCode, ok.body).toBe(200);
  });

  it('0 turns the counting off', async () => {
    h = await harness(
      { IDGATE_RATE_LIMIT_AUTH_FAILURES_IP: '0', IDGATE_RATE_LIMIT_AUTH_FAILURES_CLIENT: '0' },
      factoryFor(`af-off-${storeName}`),
    );
    const wrong = basic(h.client.clientId, 'test_wrong');
    for (let i = 0; i < 20; i++)
      expectOAuthError(await token(h.t, wrong), 'AUTH_INVALID_CREDENTIALS', { basicChallenge: true });
  });
});

describe('failed authentications are shared by instances on one Redis', () => {
  let redis: TestRedis;
  let first: TestApp;
  let second: TestApp;
  let now = T0;
  beforeAll(async () => {
    redis = await openTestRedis('af-shared');
    const env = {
      IDGATE_RATE_LIMIT_AUTH_FAILURES_IP: '3',
      IDGATE_RATE_LIMIT_AUTH_FAILURES_CLIENT: '100',
      IDGATE_RATE_LIMIT_TOKEN_IP: '0',
    };
    const clock = () => new Date(now);
    first = await createTestApp('sqlite', {
      env,
      clock,
      rateLimitStore: new RedisRateLimitStore(redis.client, { keyPrefix: redis.prefix }),
    });
    second = await createTestApp('sqlite', {
      env,
      clock,
      rateLimitStore: new RedisRateLimitStore(await redis.newClient(), { keyPrefix: redis.prefix }),
    });
  });
  afterAll(async () => {
    await first.close();
    await second.close();
    await redis.cleanup();
  });

  it('two failures on one instance and one on the other use up the address’s quota of 3; the fourth is 429 on either', async () => {
    const wrong = basic('test_nobody', 'x');
    expectOAuthError(await token(first, wrong), 'AUTH_INVALID_CLIENT', { basicChallenge: true });
    expectOAuthError(await token(first, wrong), 'AUTH_INVALID_CLIENT', { basicChallenge: true });
    expectOAuthError(await token(second, wrong), 'AUTH_INVALID_CLIENT', { basicChallenge: true });
    expectOAuthLimited(await token(second, wrong), 'auth-failures-ip', 3);
    expectOAuthLimited(await token(first, wrong), 'auth-failures-ip', 3);
    const keys = await redis.keys();
    expect(keys.some((key) => key.startsWith(`${redis.prefix}auth-failures-ip:`))).toBe(true);
    expect(keys.some((key) => key.startsWith(`${redis.prefix}auth-failures-client:`))).toBe(true);
    now += 60_000;
  });
});
