/**
 * A circuit breaker per upstream provider (SPEC 5): after `failureThreshold` consecutive
 * failures of the kinds that say the provider is down, broken or throttling idgate
 * (unreachable, timed out, 5xx, 429; the caller decides, see `oidc/upstream-http.ts`) it
 * opens, and every call fails fast with `PROVIDER_UNAVAILABLE` (with `Retry-After`)
 * without touching the provider. After `cooldownMs` (on the injected
 * clock) it is half-open: one trial call goes through; its success closes the circuit, its
 * failure opens it again for another cool-down. Any answer of the provider that is not a
 * 5xx or a 429 counts as a success: the provider is up, even when it refused the request.
 *
 * Health, as `GET /v1/providers` shows it: `operational` (closed, no recent failure),
 * `degraded` (closed with failures counting towards the threshold, or half-open),
 * `unavailable` (open).
 */
import { IdgateError } from '@idgate/errors';
import type { ProviderHealth } from './adapter.js';

/** How a breaker behaves. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  readonly failureThreshold: number;
  /** How long the circuit stays open before a trial call is let through. */
  readonly cooldownMs: number;
  /** The current time (tests inject one). */
  readonly clock: () => Date;
}

/** The breaker's state. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** The defaults of an upstream provider's breaker. */
export const DEFAULT_FAILURE_THRESHOLD = 5;
export const DEFAULT_COOLDOWN_MS = 30_000;

/** One provider's circuit breaker. */
export class CircuitBreaker {
  readonly #providerId: string;
  readonly #options: CircuitBreakerOptions;
  #consecutiveFailures = 0;
  /** When the circuit opened (epoch ms), or `null` while closed. */
  #openedAt: number | null = null;
  /** Whether the half-open trial call is running. */
  #trialRunning = false;

  constructor(providerId: string, options: CircuitBreakerOptions) {
    if (!Number.isInteger(options.failureThreshold) || options.failureThreshold < 1) {
      throw new RangeError('failureThreshold must be a positive integer');
    }
    if (!Number.isFinite(options.cooldownMs) || options.cooldownMs < 0) {
      throw new RangeError('cooldownMs must be a non-negative number');
    }
    this.#providerId = providerId;
    this.#options = options;
  }

  /** The provider this breaker guards. */
  get providerId(): string {
    return this.#providerId;
  }

  /** The state now. */
  state(): CircuitState {
    if (this.#openedAt === null) return 'closed';
    return this.#now() - this.#openedAt >= this.#options.cooldownMs ? 'half-open' : 'open';
  }

  /** The provider's health as the breaker sees it. */
  health(): ProviderHealth {
    const state = this.state();
    if (state === 'open') return 'unavailable';
    if (state === 'half-open' || this.#consecutiveFailures > 0) return 'degraded';
    return 'operational';
  }

  /**
   * Fails fast while the circuit is open, without calling anything (a session that would
   * need the provider is not started).
   * @throws IdgateError `PROVIDER_UNAVAILABLE`
   */
  check(): void {
    if (this.state() === 'open') throw this.#openError();
  }

  /**
   * Runs one call to the provider through the breaker. `isFailure` decides whether an
   * error the call threw counts against the provider (a refusal does not).
   * @throws IdgateError `PROVIDER_UNAVAILABLE` while the circuit is open (or its trial runs)
   */
  async run<T>(call: () => Promise<T>, isFailure: (error: unknown) => boolean): Promise<T> {
    const trial = this.#admit();
    try {
      const result = await call();
      this.#succeeded();
      return result;
    } catch (error) {
      if (isFailure(error)) this.#failed();
      else this.#succeeded();
      throw error;
    } finally {
      if (trial) this.#trialRunning = false;
    }
  }

  /** Lets a call through or fails fast; returns whether it is the half-open trial. */
  #admit(): boolean {
    const state = this.state();
    if (state === 'closed') return false;
    if (state === 'half-open' && !this.#trialRunning) {
      this.#trialRunning = true;
      return true;
    }
    throw this.#openError();
  }

  #succeeded(): void {
    this.#consecutiveFailures = 0;
    this.#openedAt = null;
  }

  #failed(): void {
    this.#consecutiveFailures += 1;
    // A failed trial opens the circuit again at once; otherwise the threshold decides.
    if (this.#openedAt !== null || this.#consecutiveFailures >= this.#options.failureThreshold) {
      this.#openedAt = this.#now();
    }
  }

  #openError(): IdgateError {
    const openedAt = this.#openedAt ?? this.#now();
    const remainingMs = Math.max(0, openedAt + this.#options.cooldownMs - this.#now());
    const retryAfter = Math.max(1, Math.ceil(remainingMs / 1000));
    return new IdgateError('PROVIDER_UNAVAILABLE', {
      detail: `Provider ${this.#providerId} is failing; idgate stopped calling it for now (circuit open). Retry later.`,
      context: { providerId: this.#providerId, reason: 'circuit_open' },
      headers: { 'retry-after': String(retryAfter) },
      debug: { consecutiveFailures: this.#consecutiveFailures, remainingMs },
    });
  }

  #now(): number {
    return this.#options.clock().getTime();
  }
}
