/**
 * Rate limits (placeholder: filled in by the rate-limit work).
 */
import type { FastifyReply } from 'fastify';
import type { Config } from '../../config/config.js';

/** The rate-limit policies. */
export type RateLimitPolicyName = 'token-client' | 'token-ip' | 'rest-app';

/** Rate limits per policy and key. */
export class RateLimiter {
  constructor(_config: Config, _clock: () => Date) {}

  /**
   * Counts one request against `policy` for `key`; sets `RateLimit`/`RateLimit-Policy`
   * headers on `reply`.
   * @throws IdgateError `SYSTEM_RATE_LIMITED` (with `Retry-After`) when over the limit
   */
  async consume(_reply: FastifyReply, _policy: RateLimitPolicyName, _key: string): Promise<void> {}
}
