/**
 * The Redis rate-limit store (SPEC 8 production mode): several instances behind a load
 * balancer share one quota per key because the GCRA state lives in Redis, not in each
 * process. Used when `REDIS_URL` is set; without it every instance counts on its own
 * ({@link MemoryRateLimitStore}).
 *
 * One Lua script runs {@link gcraStep} atomically per request: `HMGET key level at`,
 * compute, and on `allowed` `HSET key level … at …` + `PEXPIRE key ceil(expiresAt - now)`,
 * so a drained key disappears by itself. Redis turns a Lua number reply into an integer
 * (truncating), and Lua's `tostring` keeps only 14 digits, so the script writes and returns
 * every fractional number as `%.17g` text, which parses back to the same double: the
 * outcome equals `gcraStep`'s exactly.
 *
 * `nowMs` is the calling instance's clock, as with the memory store: instances sharing a
 * Redis must keep their clocks synchronized (NTP). A clock that runs behind only drains
 * less (a request may be refused a little early); Redis' own clock only sets the TTLs.
 *
 * Failing closed, never guessing: a command that fails or takes longer than
 * {@link REDIS_COMMAND_TIMEOUT_MS}, or any command while the connection is down (no
 * offline queue: nothing piles up in memory), is `SYSTEM_UNAVAILABLE` (503, OAuth
 * `temporarily_unavailable`). The client reconnects in the background by itself.
 */
import { createHash } from 'node:crypto';
import { IdgateError } from '@idgate/errors';
import { Redis, type RedisOptions } from 'ioredis';
import { ConfigError, serviceAddressOf } from '../../config/config.js';
import type { RateLimitOutcome, RateLimitQuota, RateLimitStore } from './rate-limit-store.js';

/** The prefix of every rate-limit key in Redis (`idgate:rl:<policy>:<key>`). */
export const REDIS_RATE_LIMIT_PREFIX = 'idgate:rl:';

/** How long one command may take before the store answers `SYSTEM_UNAVAILABLE`. */
export const REDIS_COMMAND_TIMEOUT_MS = 1_000;

/** How long the connection at start may take. */
export const REDIS_CONNECT_TIMEOUT_MS = 5_000;

/**
 * GCRA, exactly as {@link gcraStep} (same operations in the same order, on doubles).
 * KEYS[1] the key; ARGV limit, windowMs, nowMs. Returns `{allowed (1|0), remaining,
 * resetAfterMs (%.17g), retryAfterMs (%.17g)}`. A stored state whose bucket has drained
 * (`at + level × interval <= now`, the memory store's `expiresAt`) counts as absent.
 */
export const GCRA_SCRIPT = `
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local epsilon = 1e-6
local interval = window / limit
local function exact(x) return string.format('%.17g', x) end
local stored = redis.call('HMGET', KEYS[1], 'level', 'at')
local storedLevel = tonumber(stored[1])
local storedAt = tonumber(stored[2])
local drained = 0
if storedLevel ~= nil and storedAt ~= nil and storedAt + storedLevel * interval > now then
  drained = math.max(0, storedLevel - (math.max(0, now - storedAt) * limit) / window)
end
local level = drained + 1
if level > limit + epsilon then
  return {0, 0, exact(drained * interval), exact((level - limit) * interval)}
end
local remaining = math.max(0, math.floor(limit - level + epsilon))
redis.call('HSET', KEYS[1], 'level', exact(level), 'at', ARGV[3])
redis.call('PEXPIRE', KEYS[1], string.format('%d', math.ceil(level * interval)))
return {1, remaining, exact(level * interval), '0'}
`;

const GCRA_SHA1 = createHash('sha1').update(GCRA_SCRIPT).digest('hex');

/** Options of {@link RedisRateLimitStore}. */
export interface RedisRateLimitStoreOptions {
  /** Prefix of every key (default {@link REDIS_RATE_LIMIT_PREFIX}; tests use their own). */
  readonly keyPrefix?: string;
}

/** GCRA state per key in Redis hashes, shared by every instance using the same Redis. */
export class RedisRateLimitStore implements RateLimitStore {
  readonly #client: Redis;
  readonly #keyPrefix: string;

  /** `client`: from {@link createRedisClient} (its timeouts make a failure fast); not owned: the caller closes it. */
  constructor(client: Redis, options: RedisRateLimitStoreOptions = {}) {
    this.#client = client;
    this.#keyPrefix = options.keyPrefix ?? REDIS_RATE_LIMIT_PREFIX;
  }

  /** The Redis key of a store key. */
  redisKey(key: string): string {
    return `${this.#keyPrefix}${key}`;
  }

  /** {@inheritDoc RateLimitStore.consume} */
  async consume(key: string, quota: RateLimitQuota, nowMs: number): Promise<RateLimitOutcome> {
    const args = [this.redisKey(key), String(quota.limit), String(quota.windowMs), String(nowMs)] as const;
    let reply: unknown;
    try {
      try {
        reply = await this.#client.evalsha(GCRA_SHA1, 1, ...args);
      } catch (error) {
        // The script cache is empty after a Redis restart or on a new server: EVAL loads it again.
        if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
        reply = await this.#client.eval(GCRA_SCRIPT, 1, ...args);
      }
    } catch (cause) {
      throw unavailable(cause);
    }
    return parseOutcome(reply);
  }

  /** {@inheritDoc RateLimitStore.ping} */
  async ping(): Promise<void> {
    try {
      await this.#client.ping();
    } catch (cause) {
      throw unavailable(cause);
    }
  }
}

/** The script's reply as an outcome; anything else is a store that cannot answer. */
function parseOutcome(reply: unknown): RateLimitOutcome {
  if (Array.isArray(reply) && reply.length === 4) {
    const [allowed, remaining, resetAfterMs, retryAfterMs] = reply as unknown[];
    const outcome = {
      allowed: allowed === 1,
      remaining: Number(remaining),
      resetAfterMs: Number(resetAfterMs),
      retryAfterMs: Number(retryAfterMs),
    };
    if (
      (allowed === 0 || allowed === 1) &&
      Number.isInteger(outcome.remaining) &&
      Number.isFinite(outcome.resetAfterMs) &&
      Number.isFinite(outcome.retryAfterMs)
    ) {
      return outcome;
    }
  }
  throw unavailable(undefined, { reply });
}

function unavailable(cause: unknown, debug?: unknown): IdgateError {
  return new IdgateError('SYSTEM_UNAVAILABLE', {
    detail: 'The rate-limit store (Redis) is unavailable.',
    ...(cause === undefined ? {} : { cause }),
    ...(debug === undefined ? {} : { debug }),
  });
}

/**
 * The client options that make the store fail fast: a command timeout, no offline queue
 * (a command while disconnected fails at once instead of waiting in memory), no retry of
 * a command on reconnection. The client reconnects by itself (ioredis' default backoff).
 */
export function redisClientOptions(): RedisOptions {
  return {
    lazyConnect: true,
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectionName: 'idgate',
  };
}

/**
 * A Redis client for `url` (`redis://` or `rediss://`) with {@link redisClientOptions},
 * not connected yet. Connection errors are reported to `onError` (the client emits them
 * on every reconnection attempt; an unheard one would be printed by ioredis).
 */
export function createRedisClient(url: string, onError: (error: Error) => void = () => {}): Redis {
  const client = new Redis(url, redisClientOptions());
  client.on('error', onError);
  return client;
}

/**
 * Connects to the Redis at `url` (`REDIS_URL`) and waits until it answers.
 * @throws ConfigError naming `REDIS_URL` when it cannot be reached (the client is closed).
 */
export async function connectRedis(url: string): Promise<Redis> {
  let lastError: Error | undefined;
  const client = createRedisClient(url, function remember(error) {
    lastError = error;
  });
  try {
    await client.connect();
    await client.ping();
    return client;
  } catch (error) {
    client.disconnect();
    const reason = (lastError ?? (error instanceof Error ? error : undefined))?.message ?? String(error);
    throw new ConfigError('REDIS_URL', `cannot be reached at ${serviceAddressOf(url)}: ${reason}`);
  }
}

/** Closes a client: `QUIT` when connected, else drops the connection and stops reconnecting. */
export async function closeRedis(client: Redis): Promise<void> {
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}
