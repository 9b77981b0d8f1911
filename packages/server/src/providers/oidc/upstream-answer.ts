/**
 * What an exchange with an upstream provider yields: its answer, or the transport failure
 * that kept it from answering (classified into catalog errors by `oidc-errors.ts`).
 */

/** Largest upstream body idgate reads. */
export const MAX_UPSTREAM_BODY_BYTES = 1024 * 1024;

/** How an exchange failed before an answer was read. */
export type TransportFailureKind = 'unreachable' | 'timeout' | 'failed';

/** A failed exchange (never shown to clients; the adapter turns it into a `PROVIDER_*` error). */
export class UpstreamTransportError extends Error {
  readonly kind: TransportFailureKind;
  constructor(kind: TransportFailureKind, message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'UpstreamTransportError';
    this.kind = kind;
  }
}

/** An upstream answer. */
export interface UpstreamResponse {
  readonly status: number;
  readonly contentType: string;
  readonly headers: Headers;
  readonly text: string;
  /** The upstream's `Retry-After` header, as sent (on 429 and 503 answers). */
  readonly retryAfter: string | undefined;
}
