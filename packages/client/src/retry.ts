/**
 * The category retry strategy of SPEC 3.1, built in: 429 waits for `Retry-After`;
 * 502/503 back off exponentially with full jitter (never sooner than a `Retry-After`);
 * 500 retries once; everything else (and 501) never.
 *
 * `Retry-After` is never shortened: when it asks for longer than `maxDelayMs`, the
 * retries stop and the error (with its `retryAfterSeconds`) goes to the caller, who can
 * schedule the next try — retrying early would only be refused again.
 */
import type { RetryStrategy } from '@idgate/errors';
import type { IdgateApiError } from './errors.js';

/** Retry tuning. */
export interface RetryOptions {
  /** Most attempts in all, the first included (default 4; 1 turns retries off). */
  readonly maxAttempts?: number;
  /** First backoff step in ms (default 250). */
  readonly baseDelayMs?: number;
  /** Longest single wait in ms (default 10 000); a longer `Retry-After` stops the retries. */
  readonly maxDelayMs?: number;
  /** Random source in [0, 1) (tests inject one). */
  readonly random?: () => number;
}

/**
 * How long to wait before attempt `attempt + 1` after `error` on attempt `attempt`
 * (1-based), or undefined to stop.
 */
export function retryDelayMs(error: IdgateApiError, attempt: number, options: RetryOptions = {}): number | undefined {
  return delayFor(error.retry, error.retryAfterSeconds, attempt, options);
}

/**
 * How long to wait after a network failure or timeout on attempt `attempt` (no HTTP
 * answer at all): treated like a 503, exponential backoff with jitter, or undefined to
 * stop. Only safe for requests that may run twice (GET, or a POST with an
 * `Idempotency-Key`); the caller decides that.
 */
export function networkRetryDelayMs(attempt: number, options: RetryOptions = {}): number | undefined {
  return delayFor('backoff', undefined, attempt, options);
}

function delayFor(
  strategy: RetryStrategy,
  retryAfterSeconds: number | undefined,
  attempt: number,
  options: RetryOptions,
): number | undefined {
  const maxAttempts = options.maxAttempts ?? 4;
  const base = options.baseDelayMs ?? 250;
  const cap = options.maxDelayMs ?? 10_000;
  const random = options.random ?? Math.random;
  if (attempt >= maxAttempts) return undefined;
  switch (strategy) {
    case 'after_retry_after': {
      const wait = (retryAfterSeconds ?? 1) * 1000;
      return wait > cap ? undefined : wait;
    }
    case 'backoff': {
      const floor = (retryAfterSeconds ?? 0) * 1000;
      if (floor > cap) return undefined;
      const ceiling = Math.min(cap, base * 2 ** (attempt - 1));
      return Math.max(Math.floor(random() * ceiling), floor);
    }
    case 'once':
      return attempt === 1 ? Math.min(cap, base * 2) : undefined;
    default:
      return undefined;
  }
}
