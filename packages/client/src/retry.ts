/**
 * The category retry strategy of SPEC 3.1, built in: 429 waits for `Retry-After`;
 * 502/503 back off exponentially with full jitter; 500 retries once; everything else
 * (and 501) never.
 */
import type { IdgateApiError } from './errors.js';

/** Retry tuning. */
export interface RetryOptions {
  /** Most attempts in all, the first included (default 4). */
  readonly maxAttempts?: number;
  /** First backoff step in ms (default 250). */
  readonly baseDelayMs?: number;
  /** Cap of one delay in ms (default 10 000). */
  readonly maxDelayMs?: number;
  /** Random source in [0, 1) (tests inject one). */
  readonly random?: () => number;
}

/**
 * How long to wait before attempt `attempt + 1` after `error` on attempt `attempt`
 * (1-based), or undefined to stop.
 */
export function retryDelayMs(error: IdgateApiError, attempt: number, options: RetryOptions = {}): number | undefined {
  const maxAttempts = options.maxAttempts ?? 4;
  const base = options.baseDelayMs ?? 250;
  const cap = options.maxDelayMs ?? 10_000;
  const random = options.random ?? Math.random;
  if (attempt >= maxAttempts) return undefined;
  switch (error.retry) {
    case 'after_retry_after':
      return Math.min(cap, (error.retryAfterSeconds ?? 1) * 1000);
    case 'backoff': {
      const ceiling = Math.min(cap, base * 2 ** (attempt - 1));
      const jittered = Math.floor(random() * ceiling);
      return Math.max(jittered, (error.retryAfterSeconds ?? 0) * 1000);
    }
    case 'once':
      return attempt === 1 ? Math.min(cap, base * 2) : undefined;
    default:
      return undefined;
  }
}
