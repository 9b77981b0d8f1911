/**
 * The Redis rate-limit store (SPEC 8 production mode) on the real Redis: it decides exactly
 * as `gcraStep` and the memory store (every outcome field, to the last bit of the double),
 * two instances share one quota, keys carry a TTL and vanish once drained, the script
 * survives a flushed script cache, and a Redis that is unreachable or stops answering is
 * `SYSTEM_UNAVAILABLE` within the command timeout. `startInstance` uses it when
 * `REDIS_URL` is set and refuses to start, naming REDIS_URL, when Redis cannot be reached.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isIdgateError } from '@idgate/errors';
import type { FastifyReply } from 'fastify';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { MemoryRateLimitStore } from '../../src/http/rate-limit/memory-store.js';
import {
  gcraStep,
  type RateLimitOutcome,
  type RateLimitQuota,
  type RateLimitState,
} from '../../src/http/rate-limit/rate-limit-store.js';
import { RateLimiter } from '../../src/http/rate-limit/rate-limiter.js';
import {
  connectRedis,
  createRedisClient,
  GCRA_SCRIPT,
  REDIS_COMMAND_TIMEOUT_MS,
  RedisRateLimitStore,
} from '../../src/http/rate-limit/redis-store.js';
import { startInstance } from '../../src/runtime.js';
import { openTestRedis, startTcpProxy, type TestRedis, testRedisUrl } from '../support/redis.js';

const START = Date.parse('2026-03-01T12:00:00.000Z');

/** Resolves with the error `promise` rejects with (fails the test if it resolves). */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** Asserts the store's failure: `SYSTEM_UNAVAILABLE` naming Redis, with the client's error as cause. */
function expectUnavailable(error: unknown): void {
  expect(isIdgateError(error), String(error)).toBe(true);
  if (!isIdgateError(error)) return;
  expect(error.code).toBe('SYSTEM_UNAVAILABLE');
  expect(error.status).toBe(503);
  expect(error.detail).toBe('The rate-limit store (Redis) is unavailable.');
  expect(error.cause).toBeInstanceOf(Error);
}

/** A deterministic pseudo-random generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Step {
  readonly key: string;
  readonly quota: RateLimitQuota;
  readonly at: number;
}

describe('RedisRateLimitStore', () => {
  let redis: TestRedis;
  let store: RedisRateLimitStore;
  beforeAll(async () => {
    redis = await openTestRedis('store');
    store = new RedisRateLimitStore(redis.client, { keyPrefix: redis.prefix });
  });
  afterAll(async () => {
    await redis.cleanup();
  });

  /** Runs `steps` on Redis and on the memory store; returns both lists of outcomes. */
  async function both(steps: readonly Step[]): Promise<{ redis: RateLimitOutcome[]; memory: RateLimitOutcome[] }> {
    const memory = new MemoryRateLimitStore();
    const outcomes = { redis: [] as RateLimitOutcome[], memory: [] as RateLimitOutcome[] };
    for (const step of steps) {
      outcomes.redis.push(await store.consume(step.key, step.quota, step.at));
      outcomes.memory.push(memory.consumeNow(step.key, step.quota, step.at));
    }
    return outcomes;
  }

  it('decides exactly as gcraStep and the memory store on a scripted sequence', async () => {
    const five = { limit: 5, windowMs: 60_000 };
    const one = { limit: 1, windowMs: 30_000 };
    const sevenFractional = { limit: 7, windowMs: 10_000.5 };
    const thirteen = { limit: 13, windowMs: 60_000 };
    const steps: Step[] = [
      // A burst past the limit: 5 allowed, 2 refused (refusals are not counted).
      ...Array.from({ length: 7 }, () => ({ key: 'burst', quota: five, at: START })),
      // One emission interval later exactly one more; then half-drained; then the clock steps back.
      { key: 'burst', quota: five, at: START + 12_000 },
      { key: 'burst', quota: five, at: START + 12_000 },
      { key: 'burst', quota: five, at: START + 42_000 },
      { key: 'burst', quota: five, at: START + 5_000 },
      { key: 'burst', quota: five, at: START + 5_000 },
      // Drained completely (the stored state counts as absent), then a fresh burst.
      { key: 'burst', quota: five, at: START + 3_600_000 },
      { key: 'burst', quota: five, at: START + 3_600_000 },
      // Limit 1: the second request waits a whole window, to the millisecond.
      { key: 'one', quota: one, at: START },
      { key: 'one', quota: one, at: START },
      { key: 'one', quota: one, at: START + 29_999 },
      { key: 'one', quota: one, at: START + 30_000 },
      { key: 'one', quota: one, at: START + 30_000.25 },
      // Fractional emission intervals (10 000.5 / 7 and 60 000 / 13) and fractional instants.
      ...Array.from({ length: 9 }, (_, i) => ({ key: 'seven', quota: sevenFractional, at: START + i * 0.5 })),
      { key: 'seven', quota: sevenFractional, at: START + 1_428.64 },
      { key: 'seven', quota: sevenFractional, at: START + 1_428.65 },
      { key: 'seven', quota: sevenFractional, at: START + 2_857.3 },
      ...Array.from({ length: 15 }, (_, i) => ({ key: 'thirteen', quota: thirteen, at: START + i * 1_000 })),
      { key: 'thirteen', quota: thirteen, at: START + 40_000 },
    ];
    const outcomes = await both(steps);
    for (const [index, step] of steps.entries()) {
      expect(outcomes.redis[index], `step ${index} (${step.key} at +${step.at - START} ms)`).toEqual(
        outcomes.memory[index],
      );
    }

    // The sequence does exercise what it claims to.
    const burst = outcomes.redis.slice(0, 7);
    expect(burst.map((outcome) => outcome.allowed)).toEqual([true, true, true, true, true, false, false]);
    expect(burst.map((outcome) => outcome.remaining)).toEqual([4, 3, 2, 1, 0, 0, 0]);
    expect(burst[5]).toEqual({ allowed: false, remaining: 0, resetAfterMs: 60_000, retryAfterMs: 12_000 });
    expect(outcomes.redis[7]).toEqual({ allowed: true, remaining: 0, resetAfterMs: 60_000, retryAfterMs: 0 });
    // The clock stepped back: nothing drained, so the second request at +5 s is refused.
    expect(outcomes.redis.slice(10, 12).map((outcome) => outcome.allowed)).toEqual([true, false]);
    expect(outcomes.redis[12]).toEqual({ allowed: true, remaining: 4, resetAfterMs: 12_000, retryAfterMs: 0 });
    // Limit 1, one millisecond early: refused, retry after (a double just under) 1 ms.
    expect(outcomes.redis[16]?.allowed).toBe(false);
    expect(outcomes.redis[16]?.retryAfterMs).toBeCloseTo(1, 9);
    expect(outcomes.redis[16]?.retryAfterMs).not.toBe(1);
    expect(outcomes.redis[17]?.allowed).toBe(true);
    expect(outcomes.redis[18]).toEqual({
      allowed: false,
      remaining: 0,
      resetAfterMs: 29_999.75,
      retryAfterMs: 29_999.75,
    });
    const fractional = outcomes.redis.filter(
      (outcome) => !Number.isInteger(outcome.resetAfterMs) || !Number.isInteger(outcome.retryAfterMs),
    );
    // More than 14 significant digits: Lua's tostring or an integer reply would lose them.
    expect(fractional.length).toBeGreaterThan(10);
    expect(fractional.some((outcome) => String(outcome.resetAfterMs).replace(/\D/g, '').length > 14)).toBe(true);
  });

  it('agrees with gcraStep on 600 random steps over several keys (bursts, waits, clock steps back)', async () => {
    const next = random(20260301);
    const quotas: RateLimitQuota[] = [
      { limit: 3, windowMs: 60_000 },
      { limit: 7, windowMs: 60_000 },
      { limit: 10, windowMs: 12_345.678 },
      { limit: 1, windowMs: 20_000 },
    ];
    const states = new Map<string, { state: RateLimitState; expiresAt: number }>();
    let now = START;
    let refused = 0;
    for (let i = 0; i < 600; i += 1) {
      const roll = next();
      // Mostly bursts at one instant, some waits (whole and fractional ms), a few steps back.
      now += roll < 0.5 ? 0 : roll < 0.9 ? Math.floor(next() * 8_000) : roll < 0.95 ? next() * 500 : -next() * 5_000;
      const index = Math.floor(next() * quotas.length);
      const key = `random-${index}`;
      const quota = quotas[index] as RateLimitQuota;
      const held = states.get(key);
      const step = gcraStep(held === undefined || held.expiresAt <= now ? undefined : held.state, quota, now);
      if (step.outcome.allowed) states.set(key, { state: step.state, expiresAt: step.expiresAt });
      else refused += 1;
      expect(await store.consume(key, quota, now), `step ${i}`).toEqual(step.outcome);
    }
    expect(refused).toBeGreaterThan(50);
    expect(refused).toBeLessThan(550);
  });

  it('stores level and at in a hash with a TTL, and the key is gone once drained', async () => {
    const now = Date.now();
    await store.consume('ttl', { limit: 2, windowMs: 60_000 }, now);
    const key = `${redis.prefix}ttl`;
    expect(await redis.client.hgetall(key)).toEqual({ level: '1', at: String(now) });
    const ttl = await redis.client.pttl(key);
    expect(ttl).toBeGreaterThan(29_000);
    expect(ttl).toBeLessThanOrEqual(30_000);

    // A refused request writes nothing (the TTL keeps running).
    const limitOne = { limit: 1, windowMs: 150 };
    expect((await store.consume('drains', limitOne, Date.now())).allowed).toBe(true);
    expect((await store.consume('drains', limitOne, Date.now())).allowed).toBe(false);
    expect(await redis.client.exists(`${redis.prefix}drains`)).toBe(1);
    const drainTtl = await redis.client.pttl(`${redis.prefix}drains`);
    expect(drainTtl).toBeGreaterThan(0);
    expect(drainTtl).toBeLessThanOrEqual(150);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await redis.client.exists(`${redis.prefix}drains`)).toBe(0);
    expect(await redis.keys()).not.toContain(`${redis.prefix}drains`);
  });

  it('loads the script again after the script cache was flushed (EVALSHA, then EVAL on NOSCRIPT)', async () => {
    const sha = createHash('sha1').update(GCRA_SCRIPT).digest('hex');
    const quota = { limit: 2, windowMs: 60_000 };
    await store.consume('noscript', quota, START);
    expect(await redis.client.script('EXISTS', sha)).toEqual([1]);
    await redis.client.script('FLUSH');
    expect(await redis.client.script('EXISTS', sha)).toEqual([0]);
    expect(await store.consume('noscript', quota, START)).toEqual({
      allowed: true,
      remaining: 0,
      resetAfterMs: 60_000,
      retryAfterMs: 0,
    });
    expect(await redis.client.script('EXISTS', sha)).toEqual([1]);
    expect((await store.consume('noscript', quota, START)).allowed).toBe(false);
  });

  it('answers ping', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });
});

describe('two instances on one Redis', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await openTestRedis('instances');
  });
  afterAll(async () => {
    await redis.cleanup();
  });

  /** Just enough of a Fastify reply for `RateLimiter.consume` (it reads and sets headers). */
  function replyStub(): FastifyReply & { readonly fields: Map<string, unknown> } {
    const fields = new Map<string, unknown>();
    const reply = {
      fields,
      getHeader: (name: string) => fields.get(name),
      header(name: string, value: unknown) {
        fields.set(name, value);
        return reply;
      },
    };
    return reply as unknown as FastifyReply & { readonly fields: Map<string, unknown> };
  }

  it('share one quota: requests through either count against the same limit', async () => {
    const config = loadConfig({ IDGATE_RATE_LIMIT_REST: '3' });
    let now = START;
    const clock = () => new Date(now);
    const instances: RateLimiter[] = [];
    for (let i = 0; i < 2; i += 1) {
      const client: Redis = await redis.newClient();
      instances.push(new RateLimiter(config, clock, new RedisRateLimitStore(client, { keyPrefix: redis.prefix })));
    }
    const [a, b] = instances as [RateLimiter, RateLimiter];
    for (const [instance, remaining] of [
      [a, 2],
      [b, 1],
      [a, 0],
    ] as const) {
      const reply = replyStub();
      await instance.consume(reply, 'rest-app', 'app_shared');
      expect(reply.fields.get('ratelimit')).toBe(`"rest-app";r=${remaining};t=${(3 - remaining) * 20}`);
    }
    const refused = await rejectionOf(b.consume(replyStub(), 'rest-app', 'app_shared'));
    expect(isIdgateError(refused) && refused.code).toBe('SYSTEM_RATE_LIMITED');
    expect(isIdgateError(refused) && refused.headers['retry-after']).toBe('20');
    // Another key is not affected; one interval later either instance may go on, once.
    await a.consume(replyStub(), 'rest-app', 'app_other');
    now += 20_000;
    await a.consume(replyStub(), 'rest-app', 'app_shared');
    expect(isIdgateError(await rejectionOf(b.consume(replyStub(), 'rest-app', 'app_shared')))).toBe(true);
    expect((await redis.keys()).sort()).toEqual([
      `${redis.prefix}rest-app:app_other`,
      `${redis.prefix}rest-app:app_shared`,
    ]);
  });
});

describe('a Redis that cannot answer', () => {
  const quota = { limit: 5, windowMs: 60_000 };

  it('unreachable (closed port): SYSTEM_UNAVAILABLE at once, from consume and ping', async () => {
    const client = createRedisClient('redis://127.0.0.1:1');
    try {
      const store = new RedisRateLimitStore(client);
      const started = performance.now();
      expectUnavailable(await rejectionOf(store.consume('k', quota, START)));
      expectUnavailable(await rejectionOf(store.ping()));
      expect(performance.now() - started).toBeLessThan(500);
    } finally {
      client.disconnect();
    }
  });

  it('stops answering (connection frozen): SYSTEM_UNAVAILABLE after the command timeout, well under 2 s', async () => {
    const proxy = await startTcpProxy();
    const client = await connectRedis(proxy.url);
    try {
      const redis = await openTestRedis('frozen');
      const store = new RedisRateLimitStore(client, { keyPrefix: redis.prefix });
      try {
        expect((await store.consume('k', quota, START)).allowed).toBe(true);
        proxy.freeze();
        const started = performance.now();
        expectUnavailable(await rejectionOf(store.consume('k', quota, START)));
        const elapsed = performance.now() - started;
        expect(elapsed).toBeGreaterThanOrEqual(REDIS_COMMAND_TIMEOUT_MS - 50);
        expect(elapsed).toBeLessThan(2_000);
      } finally {
        await redis.cleanup();
      }
    } finally {
      client.disconnect();
      await proxy.close();
    }
  });

  it('goes away (connection reset, reconnection refused): SYSTEM_UNAVAILABLE at once, no queue', async () => {
    const proxy = await startTcpProxy();
    const client = await connectRedis(proxy.url);
    const errors: Error[] = [];
    client.on('error', (error) => errors.push(error));
    try {
      const store = new RedisRateLimitStore(client);
      await store.ping();
      proxy.cut({ refuse: true });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const started = performance.now();
      for (let i = 0; i < 20; i += 1) expectUnavailable(await rejectionOf(store.consume('k', quota, START)));
      expectUnavailable(await rejectionOf(store.ping()));
      expect(performance.now() - started).toBeLessThan(500);
      expect(client.status).not.toBe('ready');
    } finally {
      client.disconnect();
      await proxy.close();
    }
  });
});

describe('startInstance with REDIS_URL', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'idgate-redis-start-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  function configWith(redisUrl: string | undefined) {
    return loadConfig({
      IDGATE_DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      IDGATE_LOG_LEVEL: 'silent',
      ...(redisUrl === undefined ? {} : { REDIS_URL: redisUrl }),
    });
  }

  it('counts rate limits in Redis, reports it ready, and closes the client on stop', async () => {
    const instance = await startInstance(configWith(testRedisUrl()));
    let stopped = false;
    try {
      expect(instance.rateLimitStore).toBe('redis');
      const store = instance.app.idgate.rateLimits.store;
      expect(store).toBeInstanceOf(RedisRateLimitStore);
      const ready = await fetch(`${instance.address}/readyz`);
      expect(ready.status).toBe(200);
      await instance.stop();
      stopped = true;
      expectUnavailable(await rejectionOf(store.consume('after-stop', { limit: 1, windowMs: 1_000 }, START)));
    } finally {
      if (!stopped) await instance.stop();
    }
  });

  it('counts in memory without REDIS_URL', async () => {
    const instance = await startInstance(configWith(undefined));
    try {
      expect(instance.rateLimitStore).toBe('memory');
      expect(instance.app.idgate.rateLimits.store).toBeInstanceOf(MemoryRateLimitStore);
    } finally {
      await instance.stop();
    }
  });

  it('refuses to start, naming REDIS_URL, when Redis cannot be reached', async () => {
    const started = performance.now();
    const error = await rejectionOf(startInstance(configWith('redis://:s3cret@127.0.0.1:1')));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe('REDIS_URL');
    expect((error as Error).message).toMatch(/^Invalid configuration: REDIS_URL cannot be reached at 127\.0\.0\.1:1: /);
    expect((error as Error).message).toContain('ECONNREFUSED');
    expect((error as Error).message).not.toContain('s3cret');
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
