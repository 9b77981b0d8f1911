/**
 * Rate limits (SPEC 2.2, 3.1): named policies of `limit` requests per minute per key,
 * decided by GCRA in a {@link RateLimitStore}. Every counted request carries the
 * `RateLimit-Policy` and `RateLimit` fields of draft-ietf-httpapi-ratelimit-headers;
 * a request over the limit is `SYSTEM_RATE_LIMITED` (429) with `Retry-After` and both.
 */
import { createHash } from 'node:crypto';
import { IdgateError } from '@idgate/errors';
import type { FastifyReply } from 'fastify';
import type { Config } from '../../config/config.js';
import { MemoryRateLimitStore } from './memory-store.js';
import type { RateLimitOutcome, RateLimitQuota, RateLimitStore } from './rate-limit-store.js';

/**
 * The rate-limit policies:
 * - `token-client`: requests to `/token` per client id;
 * - `token-ip`: requests to `/token` per client IP;
 * - `rest-app`: requests to `/v1` per app;
 * - `auth-failures-ip`, `auth-failures-client`: failed authentications on every
 *   authenticated surface per client IP and per client id (`auth-failures.ts`).
 */
export type RateLimitPolicyName =
  | 'token-client'
  | 'token-ip'
  | 'rest-app'
  | 'auth-failures-ip'
  | 'auth-failures-client';

/** Every policy's window: the limits are configured per minute. */
export const RATE_LIMIT_WINDOW_MS = 60_000;

/** Keys longer than this are stored as their SHA-256 (bounded memory per key). */
const MAX_KEY_LENGTH = 128;

const POLICY_HEADER = 'ratelimit-policy';
const LIMIT_HEADER = 'ratelimit';

/** The quota of each policy from the configuration; `undefined` when turned off (`0`). */
export function quotasFrom(config: Config): Readonly<Record<RateLimitPolicyName, RateLimitQuota | undefined>> {
  const quota = (limit: number) => (limit > 0 ? { limit, windowMs: RATE_LIMIT_WINDOW_MS } : undefined);
  return {
    'token-client': quota(config.rateLimitTokenClient),
    'token-ip': quota(config.rateLimitTokenIp),
    'rest-app': quota(config.rateLimitRest),
    'auth-failures-ip': quota(config.rateLimitAuthFailuresIp),
    'auth-failures-client': quota(config.rateLimitAuthFailuresClient),
  };
}

/** One request counted against a policy: its quota, the outcome, and the header fields to send. */
export interface CountedRequest {
  readonly policy: RateLimitPolicyName;
  readonly quota: RateLimitQuota;
  readonly outcome: RateLimitOutcome;
  /** `RateLimit-Policy` with this policy's item. */
  readonly policyField: string;
  /** `RateLimit` with this policy's item. */
  readonly limitField: string;
}

/** Rate limits per policy and key. */
export class RateLimiter {
  /** Where the counts live (in memory unless another store is given). */
  readonly store: RateLimitStore;
  /** Failed authentications, counted on every authenticated surface. */
  readonly #quotas: Readonly<Record<RateLimitPolicyName, RateLimitQuota | undefined>>;
  /** Each policy's `RateLimit-Policy` item: the quotas are fixed, so the text is too. */
  readonly #policyItems = new Map<RateLimitPolicyName, string>();
  /** The store when it is the in-memory one: counted synchronously, without a promise per request. */
  readonly #memory: MemoryRateLimitStore | undefined;
  readonly #clock: () => Date;

  constructor(config: Config, clock: () => Date, store: RateLimitStore = new MemoryRateLimitStore()) {
    this.#quotas = quotasFrom(config);
    for (const [policy, quota] of Object.entries(this.#quotas) as [RateLimitPolicyName, RateLimitQuota | undefined][]) {
      if (quota !== undefined) this.#policyItems.set(policy, policyItem(policy, quota));
    }
    this.#memory = store instanceof MemoryRateLimitStore ? store : undefined;
    this.#clock = clock;
    this.store = store;
  }

  /** The policy's quota, or `undefined` when the policy is turned off. */
  quotaOf(policy: RateLimitPolicyName): RateLimitQuota | undefined {
    return this.#quotas[policy];
  }

  /**
   * Counts one request against `policy` for `key`; sets `RateLimit`/`RateLimit-Policy`
   * headers on `reply` (a request counted under several policies lists each). Does
   * nothing for a policy that is turned off.
   * @throws IdgateError `SYSTEM_RATE_LIMITED` (with `Retry-After`) when over the limit
   */
  async consume(reply: FastifyReply, policy: RateLimitPolicyName, key: string): Promise<void> {
    const counted = await this.count(reply, policy, key);
    if (counted === undefined) return;
    if (!counted.outcome.allowed) {
      const { quota } = counted;
      throw this.refusal(
        counted,
        `Rate limit ${policy} exceeded: at most ${quota.limit} requests per ${seconds(quota.windowMs)} seconds`,
      );
    }
    reply.header(POLICY_HEADER, counted.policyField);
    reply.header(LIMIT_HEADER, counted.limitField);
  }

  /**
   * Counts one request against `policy` for `key` and says what it came to, without
   * refusing or setting headers; `undefined` for a policy that is turned off.
   */
  async count(reply: FastifyReply, policy: RateLimitPolicyName, key: string): Promise<CountedRequest | undefined> {
    const quota = this.#quotas[policy];
    if (quota === undefined) return undefined;
    const stored = storeKey(policy, key);
    const now = this.#clock().getTime();
    const outcome = this.#memory
      ? this.#memory.consumeNow(stored, quota, now)
      : await this.store.consume(stored, quota, now);
    return this.describe(reply, policy, quota, outcome);
  }

  /** A request's record under `policy` with `outcome`, its header fields merged with the reply's. */
  describe(
    reply: FastifyReply,
    policy: RateLimitPolicyName,
    quota: RateLimitQuota,
    outcome: RateLimitOutcome,
  ): CountedRequest {
    return {
      policy,
      quota,
      outcome,
      policyField: withItem(
        reply.getHeader(POLICY_HEADER),
        policy,
        this.#policyItems.get(policy) ?? policyItem(policy, quota),
      ),
      limitField: withItem(reply.getHeader(LIMIT_HEADER), policy, limitItem(policy, outcome)),
    };
  }

  /**
   * `SYSTEM_RATE_LIMITED` for a refused request, with `Retry-After`, `RateLimit` and
   * `RateLimit-Policy`; `what` says which limit (the detail adds when to retry).
   */
  refusal(counted: CountedRequest, what: string): IdgateError {
    const retryAfter = Math.max(1, seconds(counted.outcome.retryAfterMs));
    return new IdgateError('SYSTEM_RATE_LIMITED', {
      detail: `${what}; retry after ${retryAfter} seconds.`,
      headers: {
        'retry-after': String(retryAfter),
        [LIMIT_HEADER]: counted.limitField,
        [POLICY_HEADER]: counted.policyField,
      },
      context: { policy: counted.policy },
    });
  }
}

/** The store key: policy and key, long keys hashed. */
function storeKey(policy: RateLimitPolicyName, key: string): string {
  const bounded = key.length > MAX_KEY_LENGTH ? `#${createHash('sha256').update(key).digest('base64url')}` : key;
  return `${policy}:${bounded}`;
}

/** Whole seconds, rounded up (a client that waits this long is not early). */
function seconds(milliseconds: number): number {
  return Math.ceil(milliseconds / 1000 - 1e-9);
}

/** draft-ietf-httpapi-ratelimit-headers: a quota policy item, `"name";q=<quota>;w=<window s>`. */
function policyItem(policy: RateLimitPolicyName, quota: RateLimitQuota): string {
  return `"${policy}";q=${quota.limit};w=${seconds(quota.windowMs)}`;
}

/** draft-ietf-httpapi-ratelimit-headers: a service limit item, `"name";r=<remaining>;t=<reset s>`. */
function limitItem(policy: RateLimitPolicyName, outcome: RateLimitOutcome): string {
  return `"${policy}";r=${outcome.remaining};t=${seconds(outcome.resetAfterMs)}`;
}

/**
 * RFC 9651 §3.1: both fields are Lists; a request counted under several policies lists
 * one item per policy (this policy's item replaces an earlier one of the same name).
 */
function withItem(existing: unknown, policy: RateLimitPolicyName, item: string): string {
  if (typeof existing !== 'string' || existing === '') return item;
  const prefix = `"${policy}";`;
  const others = existing.split(', ').filter((member) => !member.startsWith(prefix));
  return [...others, item].join(', ');
}
