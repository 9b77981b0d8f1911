/**
 * Waiting for a verification session to end: read `GET /v1/verifications/{id}` (a read
 * brings the session up to date) until its status is terminal — `completed`, `failed`,
 * `cancelled` or `expired` — and answer that final session.
 *
 * - **Interval**: the first read at once, then `intervalMs` (default 2 s, the pace of
 *   idgate's own waiting pages), growing by half after every read up to `maxIntervalMs`
 *   (default 10 s): quick for a user who answers at once, light for one who takes minutes.
 * - **Server hints**: idgate sends no poll interval in `flowDetails`; what it does say is
 *   honoured. A read is never later than just after the session's `expiresAt` (the read
 *   then answers `expired`, so the wait ends with the session), and after a 429 or 503
 *   whose retries the call gave up on, the next read waits at least its `Retry-After`.
 * - **Transient failures** (an `IdgateApiError` that is `retryable`, an
 *   `IdgateNetworkError`) after the call's own retries do not end the wait: it reads again
 *   at the next interval, and a timeout keeps the last one as its `cause`. Any other
 *   error (404, 401, an unexpected body) rejects at once.
 * - **Ends** with the terminal session; or `IdgateWaitTimeoutError` once `timeoutMs`
 *   (default 15 minutes, longer than a session lives by default) has passed; or the
 *   `signal`'s abort reason, as is, as every call of the SDK does.
 */
import type { Verification } from './rest-types.js';

/** The states a session never leaves (SPEC 4.1). */
export const TERMINAL_STATES = ['completed', 'failed', 'cancelled', 'expired'] as const;

/** A state a session never leaves. */
export type TerminalState = (typeof TERMINAL_STATES)[number];

/** Whether a status is terminal. */
export function isTerminalState(status: Verification['status']): status is TerminalState {
  return (TERMINAL_STATES as readonly string[]).includes(status);
}

/** Options of {@link IdgateClient.waitForVerification}. */
export interface WaitForVerificationOptions {
  /** Longest wait in all, in ms (default 900 000: 15 minutes). */
  readonly timeoutMs?: number;
  /** Aborts the wait (and a read under way); the abort reason is thrown as is. */
  readonly signal?: AbortSignal;
  /** Wait after the first read, in ms (default 2000). */
  readonly intervalMs?: number;
  /** Longest wait between two reads, in ms (default 10 000). */
  readonly maxIntervalMs?: number;
  /**
   * Called with the session whenever a read shows a status other than the one before
   * (the first read included), the final one too. An error it throws ends the wait.
   */
  readonly onUpdate?: (verification: Verification) => void | Promise<void>;
}

/** The session did not end within `timeoutMs`. */
export class IdgateWaitTimeoutError extends Error {
  readonly verificationId: string;
  readonly timeoutMs: number;
  /** The session as last read (undefined when no read succeeded). */
  readonly lastVerification: Verification | undefined;

  constructor(details: {
    verificationId: string;
    timeoutMs: number;
    lastVerification: Verification | undefined;
    cause: unknown;
  }) {
    const status = details.lastVerification ? `, still ${details.lastVerification.status}` : '';
    super(`verification ${details.verificationId} did not end within ${details.timeoutMs} ms${status}`, {
      ...(details.cause === undefined ? {} : { cause: details.cause }),
    });
    this.name = 'IdgateWaitTimeoutError';
    this.verificationId = details.verificationId;
    this.timeoutMs = details.timeoutMs;
    this.lastVerification = details.lastVerification;
  }
}

/** What the wait needs from the client. */
export interface WaitDependencies {
  readonly read: (verificationId: string, signal: AbortSignal) => Promise<Verification>;
  readonly sleep: (ms: number) => Promise<void>;
  /** The current time in ms. */
  readonly now: () => number;
  /** The wait a failed read asks for at least (its `Retry-After`), or undefined when the wait must end. */
  readonly transientDelayMs: (error: unknown) => number | undefined;
}

const DEFAULT_TIMEOUT_MS = 15 * 60_000;
const DEFAULT_INTERVAL_MS = 2000;
const DEFAULT_MAX_INTERVAL_MS = 10_000;
const GROWTH = 1.5;
/** How long after `expiresAt` the read that sees the expiry is made (clock skew). */
const EXPIRY_MARGIN_MS = 1000;

function positive(value: number | undefined, fallback: number, name: string): number {
  const result = value ?? fallback;
  if (!(result > 0) || !Number.isFinite(result)) throw new TypeError(`${name} must be a positive number`);
  return result;
}

/** Waits for `ms`, or rejects with the signal's reason as soon as it aborts. */
async function sleepUnlessAborted(sleep: (ms: number) => Promise<void>, ms: number, signal: AbortSignal) {
  signal.throwIfAborted();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([sleep(ms), aborted]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

/** Reads the session until it ends (see the module comment). */
export async function waitForVerification(
  verificationId: string,
  options: WaitForVerificationOptions,
  dependencies: WaitDependencies,
): Promise<Verification> {
  const timeoutMs = positive(options.timeoutMs, DEFAULT_TIMEOUT_MS, 'timeoutMs');
  const maxIntervalMs = positive(options.maxIntervalMs, DEFAULT_MAX_INTERVAL_MS, 'maxIntervalMs');
  let intervalMs = Math.min(positive(options.intervalMs, DEFAULT_INTERVAL_MS, 'intervalMs'), maxIntervalMs);
  const { read, sleep, now, transientDelayMs } = dependencies;
  const deadline = now() + timeoutMs;
  // A real timer too, so that a read under way when the time is up is cut.
  const timer = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timer]) : timer;
  let last: Verification | undefined;
  let lastError: unknown;

  function timedOut(): IdgateWaitTimeoutError {
    return new IdgateWaitTimeoutError({ verificationId, timeoutMs, lastVerification: last, cause: lastError });
  }
  function rethrow(error: unknown): never {
    if (options.signal?.aborted) throw options.signal.reason;
    if (timer.aborted) throw timedOut();
    throw error;
  }

  for (;;) {
    let floorMs = 0;
    let verification: Verification | undefined;
    try {
      verification = await read(verificationId, signal);
    } catch (error) {
      if (signal.aborted) rethrow(error);
      const hint = transientDelayMs(error);
      if (hint === undefined) throw error;
      lastError = error;
      floorMs = hint;
    }
    if (verification !== undefined) {
      const changed = verification.status !== last?.status;
      last = verification;
      lastError = undefined;
      // Outside the read's try: an error of the app's callback ends the wait as it is.
      if (changed) await options.onUpdate?.(verification);
      if (isTerminalState(verification.status)) return verification;
    }
    const remaining = deadline - now();
    if (remaining <= 0) throw timedOut();
    let delay = Math.max(intervalMs, floorMs);
    if (last !== undefined) {
      const untilExpiry = Date.parse(last.expiresAt) + EXPIRY_MARGIN_MS - now();
      if (untilExpiry > 0) delay = Math.min(delay, Math.max(untilExpiry, floorMs));
    }
    try {
      await sleepUnlessAborted(sleep, Math.min(delay, remaining), signal);
    } catch (error) {
      rethrow(error);
    }
    intervalMs = Math.min(intervalMs * GROWTH, maxIntervalMs);
  }
}
