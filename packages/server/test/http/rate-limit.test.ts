/**
 * Rate limits (SPEC 2.2, 3.1, 7): GCRA per policy and key on an injected clock; every
 * counted request carries `RateLimit-Policy` and `RateLimit` (draft-ietf-httpapi-
 * ratelimit-headers), and one over the limit is 429 SYSTEM_RATE_LIMITED with
 * `Retry-After` and both fields, rendered on the route's surface.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { MemoryRateLimitStore } from '../../src/http/rate-limit/memory-store.js';
import { gcraStep, type RateLimitState } from '../../src/http/rate-limit/rate-limit-store.js';
import type { RateLimitPolicyName } from '../../src/http/rate-limit/rate-limiter.js';
import type { ErrorSurface } from '../../src/http/route-contract.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectOAuthError, expectProblem } from '../support/assertions.js';

const START = Date.parse('2026-03-01T12:00:00.000Z');
const SURFACES: readonly ErrorSurface[] = ['problem', 'bearer', 'oauth'];

/** A clock the test moves by hand. */
function manualClock() {
  let now = START;
  return {
    clock: () => new Date(now),
    advance(seconds: number) {
      now += seconds * 1000;
    },
  };
}

/** `/test/rate-limit/<surface>?key=…&policy=…`: counts one request, then answers 200. */
function registerRateLimitedRoutes(app: FastifyInstance): void {
  for (const surface of SURFACES) {
    app.get<{ Querystring: { key?: string; policy?: string } }>(
      `/test/rate-limit/${surface}`,
      { config: { idgate: { surface } } },
      async function countedRoute(request, reply) {
        const policies = (request.query.policy ?? 'rest-app').split(',') as RateLimitPolicyName[];
        for (const policy of policies) await app.idgate.rateLimits.consume(reply, policy, request.query.key ?? 'k');
        return { ok: true };
      },
    );
  }
}

describe('rate limits', () => {
  const time = manualClock();
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite', {
      env: { IDGATE_RATE_LIMIT_REST: '3', IDGATE_RATE_LIMIT_TOKEN_CLIENT: '2', IDGATE_RATE_LIMIT_TOKEN_IP: '5' },
      clock: time.clock,
      routes: registerRateLimitedRoutes,
    });
  });
  afterAll(async () => {
    await t.close();
  });

  function hit(surface: ErrorSurface, key: string, policy = 'rest-app') {
    return t.app.inject({ method: 'GET', url: `/test/rate-limit/${surface}?key=${key}&policy=${policy}` });
  }

  describe.each(SURFACES)('on the %s surface', (surface) => {
    it('lets the limit through with a decreasing r=, then answers 429 with Retry-After and both fields', async () => {
      const key = `limit-${surface}`;
      for (const [remaining, reset] of [
        [2, 20],
        [1, 40],
        [0, 60],
      ] as const) {
        const res = await hit(surface, key);
        expect(res.statusCode).toBe(200);
        expect(res.headers['ratelimit-policy']).toBe('"rest-app";q=3;w=60');
        expect(res.headers.ratelimit).toBe(`"rest-app";r=${remaining};t=${reset}`);
      }

      const res = await hit(surface, key);
      if (surface === 'oauth') {
        const body = expectOAuthError(res, 'SYSTEM_RATE_LIMITED');
        expect(res.statusCode).toBe(429);
        expect(body.error).toBe('temporarily_unavailable');
        expect(body.error_description).toContain('rest-app');
      } else {
        const body = expectProblem(res, 'SYSTEM_RATE_LIMITED', { instance: `/test/rate-limit/${surface}` });
        expect(body.context).toEqual({ policy: 'rest-app' });
        expect(body.detail).toBe(
          'Rate limit rest-app exceeded: at most 3 requests per 60 seconds; retry after 20 seconds.',
        );
        expect(res.headers['www-authenticate']).toBeUndefined();
      }
      expect(res.headers['retry-after']).toBe('20');
      expect(res.headers['ratelimit-policy']).toBe('"rest-app";q=3;w=60');
      expect(res.headers.ratelimit).toBe('"rest-app";r=0;t=60');
    });
  });

  it('lets requests through again as the clock moves: one per emission interval, all after a window', async () => {
    const key = 'refill';
    for (let i = 0; i < 3; i += 1) expect((await hit('problem', key)).statusCode).toBe(200);

    time.advance(5);
    let res = await hit('problem', key);
    expectProblem(res, 'SYSTEM_RATE_LIMITED');
    expect(res.headers['retry-after']).toBe('15');
    expect(res.headers.ratelimit).toBe('"rest-app";r=0;t=55');

    time.advance(15);
    res = await hit('problem', key);
    expect(res.statusCode).toBe(200);
    expect(res.headers.ratelimit).toBe('"rest-app";r=0;t=60');
    expectProblem(await hit('problem', key), 'SYSTEM_RATE_LIMITED');

    time.advance(60);
    for (const remaining of [2, 1, 0]) {
      res = await hit('problem', key);
      expect(res.statusCode).toBe(200);
      expect(res.headers.ratelimit).toBe(`"rest-app";r=${remaining};t=${60 - remaining * 20}`);
    }
    expectProblem(await hit('problem', key), 'SYSTEM_RATE_LIMITED');
  });

  it('does not count refused requests', async () => {
    const key = 'refused-not-counted';
    for (let i = 0; i < 3; i += 1) await hit('problem', key);
    for (let i = 0; i < 10; i += 1) expectProblem(await hit('problem', key), 'SYSTEM_RATE_LIMITED');
    time.advance(20);
    expect((await hit('problem', key)).statusCode).toBe(200);
  });

  it('keeps separate keys independent', async () => {
    for (let i = 0; i < 3; i += 1) await hit('problem', 'app-a');
    expectProblem(await hit('problem', 'app-a'), 'SYSTEM_RATE_LIMITED');
    const res = await hit('problem', 'app-b');
    expect(res.statusCode).toBe(200);
    expect(res.headers.ratelimit).toBe('"rest-app";r=2;t=20');
  });

  it('keeps the same key independent across policies', async () => {
    for (let i = 0; i < 3; i += 1) await hit('problem', 'shared-key', 'rest-app');
    expectProblem(await hit('problem', 'shared-key', 'rest-app'), 'SYSTEM_RATE_LIMITED');
    const res = await hit('oauth', 'shared-key', 'token-client');
    expect(res.statusCode).toBe(200);
    expect(res.headers.ratelimit).toBe('"token-client";r=1;t=30');
  });

  it('lists every policy a request was counted under, and the 429 carries both', async () => {
    let res = await hit('oauth', 'two-policies', 'token-ip,token-client');
    expect(res.statusCode).toBe(200);
    expect(res.headers['ratelimit-policy']).toBe('"token-ip";q=5;w=60, "token-client";q=2;w=60');
    expect(res.headers.ratelimit).toBe('"token-ip";r=4;t=12, "token-client";r=1;t=30');

    await hit('oauth', 'two-policies', 'token-ip,token-client');
    res = await hit('oauth', 'two-policies', 'token-ip,token-client');
    const body = expectOAuthError(res, 'SYSTEM_RATE_LIMITED');
    expect(body.error_description).toContain('token-client');
    expect(res.headers['retry-after']).toBe('30');
    expect(res.headers['ratelimit-policy']).toBe('"token-ip";q=5;w=60, "token-client";q=2;w=60');
    expect(res.headers.ratelimit).toBe('"token-ip";r=2;t=36, "token-client";r=0;t=60');
  });

  it('bounds memory: keys whose quota is whole again are swept', async () => {
    const store = t.app.idgate.rateLimits.store as MemoryRateLimitStore;
    time.advance(3600);
    await hit('problem', 'sweep-trigger');
    expect(store.size).toBe(1);
    for (let i = 0; i < 50; i += 1) await hit('problem', `many-${i}`);
    expect(store.size).toBe(51);
    time.advance(61);
    await hit('problem', 'after-window');
    expect(store.size).toBe(1);
  });

  it('stores a very long key as its hash, still independent of other keys', async () => {
    const longA = 'a'.repeat(5000);
    const longB = `${'a'.repeat(4999)}b`;
    for (let i = 0; i < 3; i += 1) await hit('problem', longA);
    expectProblem(await hit('problem', longA), 'SYSTEM_RATE_LIMITED');
    expect((await hit('problem', longB)).statusCode).toBe(200);
  });
});

describe('rate limits turned off (0)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite', {
      env: { IDGATE_RATE_LIMIT_REST: '0', IDGATE_RATE_LIMIT_TOKEN_CLIENT: '0', IDGATE_RATE_LIMIT_TOKEN_IP: '0' },
      routes: registerRateLimitedRoutes,
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('counts nothing and sends no RateLimit fields', async () => {
    for (let i = 0; i < 20; i += 1) {
      const res = await t.app.inject({
        method: 'GET',
        url: '/test/rate-limit/oauth?key=k&policy=rest-app,token-client,token-ip',
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers.ratelimit).toBeUndefined();
      expect(res.headers['ratelimit-policy']).toBeUndefined();
    }
    expect((t.app.idgate.rateLimits.store as MemoryRateLimitStore).size).toBe(0);
  });
});

describe('rate-limit defaults and configuration', () => {
  it('defaults to 600 per client, 1200 per IP at /token and 600 per app on /v1', () => {
    const config = loadConfig({});
    expect([config.rateLimitTokenClient, config.rateLimitTokenIp, config.rateLimitRest]).toEqual([600, 1200, 600]);
  });

  it.each(['IDGATE_RATE_LIMIT_TOKEN_CLIENT', 'IDGATE_RATE_LIMIT_TOKEN_IP', 'IDGATE_RATE_LIMIT_REST'])(
    'refuses a bad %s naming the variable',
    (variable) => {
      for (const value of ['-1', 'ten', '1.5', '1000001']) {
        expect(() => loadConfig({ [variable]: value })).toThrow(ConfigError);
        expect(() => loadConfig({ [variable]: value })).toThrow(variable);
      }
    },
  );
});

describe('GCRA and the memory store', () => {
  it('allows exactly the limit when it does not divide the window', () => {
    for (const limit of [7, 13, 600, 1200, 999_983]) {
      const quota = { limit, windowMs: 60_000 };
      let state: RateLimitState | undefined;
      let allowed = 0;
      let wrongRemaining = 0;
      for (let i = 0; i <= limit; i += 1) {
        const step = gcraStep(state, quota, START);
        if (step.outcome.allowed) {
          allowed += 1;
          state = step.state;
          if (step.outcome.remaining !== limit - allowed) wrongRemaining += 1;
        }
      }
      expect(allowed).toBe(limit);
      expect(wrongRemaining).toBe(0);
    }
  });

  it('evicts the least recently used key past maxKeys', async () => {
    const store = new MemoryRateLimitStore({ maxKeys: 3 });
    const quota = { limit: 1, windowMs: 60_000 };
    await store.consume('a', quota, START);
    await store.consume('b', quota, START);
    await store.consume('c', quota, START);
    expect((await store.consume('a', quota, START)).allowed).toBe(false);
    await store.consume('d', quota, START);
    expect(store.size).toBe(3);
    // `a` was refused (not touched), so it was the least recently used and went first.
    expect((await store.consume('a', quota, START)).allowed).toBe(true);
    expect((await store.consume('d', quota, START)).allowed).toBe(false);
  });

  it('sweeps expired keys at most once per sweep interval', async () => {
    const store = new MemoryRateLimitStore({ sweepIntervalMs: 10_000 });
    const quota = { limit: 60, windowMs: 60_000 };
    await store.consume('a', quota, START);
    await store.consume('b', quota, START + 500);
    expect(store.size).toBe(2);
    // `a` expired at START + 1 s, but the next sweep is due at START + 10 s.
    await store.consume('c', quota, START + 5_000);
    expect(store.size).toBe(3);
    await store.consume('d', quota, START + 10_000);
    expect(store.size).toBe(1);
  });
});
