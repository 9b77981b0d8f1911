/**
 * The rate-limit store interface and the algorithm every store implements: GCRA (the
 * generic cell rate algorithm, as in redis-cell). Two numbers per key make each decision
 * exact and O(1), and a key whose bucket has drained holds no information, so it can be
 * dropped (the in-memory store sweeps it; a Redis store sets it with `PX` so it expires
 * by itself).
 *
 * The Redis store implements {@link RateLimitStore.consume} as one Lua script that runs
 * {@link gcraStep} atomically: `HMGET key level at`, compute, and on `allowed` `HSET key
 * level … at …` + `PEXPIRE key ceil(expiresAt - now)`; it returns `allowed, remaining,
 * resetAfterMs, retryAfterMs`.
 */

/** A quota: `limit` requests per `windowMs`, replenished continuously. */
export interface RateLimitQuota {
  /** Requests allowed per window (≥ 1). */
  readonly limit: number;
  /** The window in milliseconds. */
  readonly windowMs: number;
}

/** The outcome of consuming one request. */
export interface RateLimitOutcome {
  /** Whether the request is within the quota (and was counted). */
  readonly allowed: boolean;
  /** Requests still allowed right now after this one (0 when refused). */
  readonly remaining: number;
  /** Milliseconds until the whole quota is available again. */
  readonly resetAfterMs: number;
  /** Milliseconds until one more request is allowed (0 when allowed). */
  readonly retryAfterMs: number;
}

/**
 * Where rate-limit state lives: an atomic "consume one and tell me what is left"
 * operation per key. Implementations: {@link MemoryRateLimitStore} (one instance) and
 * {@link RedisRateLimitStore} (several instances, one Lua script; used when `REDIS_URL` is set).
 */
export interface RateLimitStore {
  /**
   * Counts one request against `key` under `quota` at `nowMs` (epoch milliseconds),
   * atomically; a refused request is not counted. A store that cannot answer (Redis
   * unreachable) throws `IdgateError('SYSTEM_UNAVAILABLE')` rather than guessing.
   */
  consume(key: string, quota: RateLimitQuota, nowMs: number): Promise<RateLimitOutcome>;
  /**
   * Checks that a store outside the process answers (`/readyz`); rejects with
   * `IdgateError('SYSTEM_UNAVAILABLE')` otherwise. In-process stores have none.
   */
  ping?(): Promise<void>;
}

/** A key's state: how full its bucket was (in requests) right after its last counted request. */
export interface RateLimitState {
  /** Requests in the bucket, draining at `limit` per window. */
  readonly level: number;
  /** When `level` was measured (epoch ms). */
  readonly at: number;
}

/** One GCRA decision: the outcome and, when allowed, the key's new state. */
export interface GcraStep {
  readonly outcome: RateLimitOutcome;
  /** The state to store (only when `outcome.allowed`). */
  readonly state: RateLimitState;
  /** When the stored state has drained to nothing and the key may be dropped (epoch ms). */
  readonly expiresAt: number;
}

/** Tolerance for floating-point error in bucket levels (a millionth of a request). */
const EPSILON = 1e-6;

/**
 * GCRA in its continuous-state leaky-bucket form (ITU-T I.371): each request adds one to
 * the key's bucket, which drains at `limit` per window; a request is allowed while the
 * bucket holds at most `limit`. It decides exactly as the virtual-scheduling form (TAT =
 * `at + level × windowMs / limit`) but keeps the level, a small number, instead of
 * adding fractional intervals to epoch milliseconds, so long bursts stay exact.
 * `state` is undefined for an unknown or expired key; a clock that steps back drains nothing.
 */
export function gcraStep(state: RateLimitState | undefined, quota: RateLimitQuota, nowMs: number): GcraStep {
  const interval = quota.windowMs / quota.limit;
  const drained =
    state === undefined ? 0 : Math.max(0, state.level - (Math.max(0, nowMs - state.at) * quota.limit) / quota.windowMs);
  const level = drained + 1;
  if (level > quota.limit + EPSILON) {
    return {
      outcome: {
        allowed: false,
        remaining: 0,
        resetAfterMs: drained * interval,
        retryAfterMs: (level - quota.limit) * interval,
      },
      state: { level: drained, at: nowMs },
      expiresAt: nowMs + drained * interval,
    };
  }
  const remaining = Math.max(0, Math.floor(quota.limit - level + EPSILON));
  return {
    outcome: { allowed: true, remaining, resetAfterMs: level * interval, retryAfterMs: 0 },
    state: { level, at: nowMs },
    expiresAt: nowMs + level * interval,
  };
}
