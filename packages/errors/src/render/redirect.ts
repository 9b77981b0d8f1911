/**
 * Error redirects of the authorization endpoint (RFC 6749 §4.1.2.1, RFC 9207, SPEC 2.1).
 *
 * Only for a client and `redirect_uri` that were verified first: RFC 6749 §4.1.2.1 says
 * the server MUST NOT redirect to an invalid or mismatching redirection URI.
 */
import type { IdgateError } from '../idgate-error.js';
import { TX_STATUS_DEFINITIONS, type TxState, type TxStatusCode } from '../transactions.js';

/** Everything an authorization error redirect carries besides `error`. */
export interface AuthorizationErrorRedirect {
  /** The verified redirect URI (may carry its own query, never a fragment). */
  readonly redirectUri: string;
  /** The transaction status code, sent as `error_description`; decides `error`. */
  readonly txStatus: TxStatusCode;
  /** The transaction's state when it failed. */
  readonly txState: TxState;
  /** The issuer (RFC 9207 `iss`). */
  readonly issuer: string;
  /** The app's `state`, exactly as received, if it sent one. */
  readonly state?: string | undefined;
  /** The app sign-in hook's message, passed through unchanged. */
  readonly errMsg?: string | undefined;
  /** The app sign-in hook's code, passed through unchanged. */
  readonly errCode?: string | undefined;
}

/**
 * Percent-encodes a query component. Spaces become `%20` (not `+`), and everything
 * outside RFC 3986's unreserved set is encoded, so both form decoders and plain URI
 * decoders read back exactly the original text.
 */
function encodeQueryComponent(value: string): string {
  // A lone surrogate cannot be percent-encoded; it becomes U+FFFD rather than a 500.
  return encodeURIComponent(value.toWellFormed()).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Builds the `Location` of an authorization error redirect. */
export function renderAuthorizationErrorRedirect(redirect: AuthorizationErrorRedirect): string {
  const params: [string, string][] = [
    ['error', TX_STATUS_DEFINITIONS[redirect.txStatus].oauth],
    ['error_description', redirect.txStatus],
    ['tx_state', redirect.txState],
  ];
  if (redirect.state !== undefined) params.push(['state', redirect.state]);
  params.push(['iss', redirect.issuer]);
  if (redirect.errMsg !== undefined) params.push(['errMsg', redirect.errMsg]);
  if (redirect.errCode !== undefined) params.push(['errCode', redirect.errCode]);
  const query = params.map(([key, value]) => `${key}=${encodeQueryComponent(value)}`).join('&');
  const separator = redirect.redirectUri.includes('?') ? (/[?&]$/.test(redirect.redirectUri) ? '' : '&') : '?';
  return `${redirect.redirectUri}${separator}${query}`;
}

/** Builds the error redirect for an `IdgateError` that ended an authorization transaction. */
export function renderAuthorizationErrorRedirectFor(
  error: IdgateError,
  redirect: Omit<AuthorizationErrorRedirect, 'txStatus'>,
): string {
  return renderAuthorizationErrorRedirect({ ...redirect, txStatus: error.txStatus });
}
