/**
 * Per-request state that routes fill in and the error handler and logs read.
 */
import type { TxState } from '@idgate/errors';

/** Identifiers every log line of a request carries once they are known. */
export interface RequestLogContext {
  clientId?: string;
  verificationId?: string;
  providerId?: string;
}

/**
 * Where an authorization error may be redirected to: set only after the client and its
 * `redirect_uri` were verified (RFC 6749 §4.1.2.1).
 */
export interface AuthorizationRedirectTarget {
  readonly redirectUri: string;
  readonly state: string | undefined;
  /** The transaction's state when the error happened (default `failed`). */
  readonly txState?: TxState;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Identifiers for the log lines of this request. */
    logContext: RequestLogContext;
    /** Set by `/authorize` once client and `redirect_uri` are verified. */
    authorizationRedirect: AuthorizationRedirectTarget | null;
  }
}
