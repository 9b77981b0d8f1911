/**
 * When a failed webhook delivery is tried again: exponential backoff with jitter.
 * Retry `n` (1 after the first failed attempt) waits `base × 2^(n-1)`, times a random
 * factor in [0.8, 1.2), at most {@link MAX_RETRY_DELAY_MS}.
 */

/** The longest wait between two attempts. */
export const MAX_RETRY_DELAY_MS = 6 * 3600 * 1000;

/** The jitter: ±20 %. */
export const RETRY_JITTER = 0.2;

/** Milliseconds to wait before retry `retry` (1-based). `random` is in [0, 1). */
export function retryDelayMs(retry: number, baseMs: number, random: number = Math.random()): number {
  const exponential = baseMs * 2 ** Math.max(0, retry - 1);
  const jittered = exponential * (1 - RETRY_JITTER + 2 * RETRY_JITTER * random);
  return Math.round(Math.min(MAX_RETRY_DELAY_MS, jittered));
}
