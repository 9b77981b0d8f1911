/**
 * The successful authorization response (RFC 6749 §4.1.2, RFC 9207): the code, the
 * app's `state` exactly as received, and `iss`, added to the query of the verified
 * `redirect_uri`. Error responses come from `renderAuthorizationErrorRedirect` of
 * `@idgate/errors`; both encode the same way.
 */

/** What a successful authorization response carries. */
export interface AuthorizationSuccess {
  /** The verified redirect URI (may carry its own query, never a fragment). */
  readonly redirectUri: string;
  readonly code: string;
  /** The app's `state`, if it sent one. */
  readonly state: string | undefined;
  /** The issuer (RFC 9207 `iss`). */
  readonly issuer: string;
}

/** Headers of every authorization response that carries a code or an error. */
export const AUTHORIZATION_RESPONSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  // RFC 6749 §10.3 / §10.5: codes must not be cached or leak through the Referer header.
  'cache-control': 'no-store',
  pragma: 'no-cache',
  'referrer-policy': 'no-referrer',
});

/**
 * Percent-encodes a query component: spaces as `%20`, everything outside RFC 3986's
 * unreserved set encoded, so form decoders and plain URI decoders read back the same text.
 */
export function encodeQueryComponent(value: string): string {
  // A lone surrogate cannot be percent-encoded; it becomes U+FFFD rather than a 500.
  return encodeURIComponent(value.toWellFormed()).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Appends `name=value` pairs to a URI's query, keeping the query it already has (RFC 6749 §3.1.2). */
export function appendQuery(uri: string, params: readonly (readonly [string, string])[]): string {
  const query = params.map(([name, value]) => `${name}=${encodeQueryComponent(value)}`).join('&');
  const separator = uri.includes('?') ? (/[?&]$/.test(uri) ? '' : '&') : '?';
  return `${uri}${separator}${query}`;
}

/** The `Location` of a successful authorization response. */
export function authorizationSuccessLocation(response: AuthorizationSuccess): string {
  const params: [string, string][] = [['code', response.code]];
  // RFC 6749 §4.1.2: state is REQUIRED in the response if it was in the request, exactly as received.
  if (response.state !== undefined) params.push(['state', response.state]);
  // RFC 9207 §2: the issuer identifier, in every authorization response.
  params.push(['iss', response.issuer]);
  return appendQuery(response.redirectUri, params);
}
