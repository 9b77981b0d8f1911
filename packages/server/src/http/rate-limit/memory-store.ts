/**
 * The in-memory rate-limit store (one instance; several instances share a Redis store).
 * Memory stays bounded: keys whose bucket has drained carry no state and are swept at most
 * once per sweep interval, and past `maxKeys` live keys the least recently used one is
 * dropped (that key starts afresh: the store fails open for it, never closed).
 */
import {
  gcraStep,
  type RateLimitOutcome,
  type RateLimitQuota,
  type RateLimitState,
  type RateLimitStore,
} from './rate-limit-store.js';

interface Entry {
  readonly state: RateLimitState;
  readonly expiresAt: number;
}

/** Options of {@link MemoryRateLimitStore}. */
export interface MemoryRateLimitStoreOptions {
  /** Most keys held at once (default 100,000). */
  readonly maxKeys?: number;
  /** Least milliseconds between two sweeps of expired keys (default 10 s). */
  readonly sweepIntervalMs?: number;
}

/** GCRA state per key in a `Map`, in least-recently-used order. */
export class MemoryRateLimitStore implements RateLimitStore {
  /** key → state; insertion order is last-use order. */
  readonly #entries = new Map<string, Entry>();
  readonly #maxKeys: number;
  readonly #sweepIntervalMs: number;
  #nextSweepAt = Number.NEGATIVE_INFINITY;

  constructor(options: MemoryRateLimitStoreOptions = {}) {
    this.#maxKeys = options.maxKeys ?? 100_000;
    this.#sweepIntervalMs = options.sweepIntervalMs ?? 10_000;
    if (!Number.isInteger(this.#maxKeys) || this.#maxKeys < 1)
      throw new RangeError('maxKeys must be a positive integer');
  }

  /** How many keys are held (for tests and metrics). */
  get size(): number {
    return this.#entries.size;
  }

  /** {@inheritDoc RateLimitStore.consume} */
  consume(key: string, quota: RateLimitQuota, nowMs: number): Promise<RateLimitOutcome> {
    return Promise.resolve(this.consumeNow(key, quota, nowMs));
  }

  /** The synchronous form of {@link consume} (single-threaded, hence atomic). */
  consumeNow(key: string, quota: RateLimitQuota, nowMs: number): RateLimitOutcome {
    if (nowMs >= this.#nextSweepAt) this.sweep(nowMs);
    const entry = this.#entries.get(key);
    const step = gcraStep(entry === undefined || entry.expiresAt <= nowMs ? undefined : entry.state, quota, nowMs);
    if (step.outcome.allowed) {
      // Delete first so the key moves to the end: the first key is the least recently used.
      this.#entries.delete(key);
      if (this.#entries.size >= this.#maxKeys) this.#evictLeastRecentlyUsed();
      this.#entries.set(key, { state: step.state, expiresAt: step.expiresAt });
    }
    return step.outcome;
  }

  /** Drops every key whose bucket has drained; returns how many were dropped. */
  sweep(nowMs: number): number {
    this.#nextSweepAt = nowMs + this.#sweepIntervalMs;
    let dropped = 0;
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt <= nowMs) {
        this.#entries.delete(key);
        dropped += 1;
      }
    }
    return dropped;
  }

  /** Makes room for one key in O(1) (expired keys went in the last sweep). */
  #evictLeastRecentlyUsed(): void {
    const oldest = this.#entries.keys().next();
    if (!oldest.done) this.#entries.delete(oldest.value);
  }
}
