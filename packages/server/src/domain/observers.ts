/**
 * What the parts below the routes tell the metrics about, as small interfaces of their
 * own: a provider adapter is given an {@link UpstreamCallObserver}, the verifications
 * repository a {@link VerificationOutcomeObserver}. `http/metrics.ts` implements both; a
 * part given none reports nothing. Neither interface depends on how metrics are kept.
 */
import type { TxState, TxStatusCode } from '@idgate/errors';

/**
 * How one call to an upstream provider ended:
 * - `ok`: an answer below 400;
 * - `client_error`: a 4xx answer other than 429 (the provider refused the request);
 * - `rate_limited`: 429;
 * - `server_error`: 5xx;
 * - `timeout`, `unreachable` (refused, DNS, reset before an answer), `failed` (anything
 *   else on the wire, an oversized body …): no answer;
 * - `circuit_open`: not called at all, the provider's circuit breaker is open.
 */
export type UpstreamCallOutcome =
  | 'ok'
  | 'client_error'
  | 'rate_limited'
  | 'server_error'
  | 'timeout'
  | 'unreachable'
  | 'failed'
  | 'circuit_open';

/** Told about every call idgate makes to an upstream provider. */
export interface UpstreamCallObserver {
  /** One call finished: the provider's id, how it ended, and how long it took in seconds. */
  upstreamCallFinished(providerId: string, outcome: UpstreamCallOutcome, seconds: number): void;
}

/** Told about every session that reached a terminal state (once the write committed). */
export interface VerificationOutcomeObserver {
  /**
   * A session ended: its provider (`null` when none was chosen yet), its final state and
   * the status code it ended with (`null` for `completed` and app cancellations).
   */
  verificationEnded(providerId: string | null, status: TxState, statusCode: TxStatusCode | null): void;
}

/** The outcome of an upstream answer with this HTTP status. */
export function upstreamOutcomeOfStatus(status: number): UpstreamCallOutcome {
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'server_error';
  if (status >= 400) return 'client_error';
  return 'ok';
}
