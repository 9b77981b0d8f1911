/**
 * OAuth 2.0 error responses of the token, introspection and revocation endpoints
 * (RFC 6749 §5.2). The catalog code travels in `error_uri`; there is no `code` member,
 * which clients would read as an authorization code.
 */
import { authorizationErrorStatusFor, CATALOG, type OAuthErrorValue, oauthStatusFor } from '../catalog.js';
import type { IdgateError } from '../idgate-error.js';
import { docUrlFor, type RenderedResponse } from './problem.js';
import { toOAuthDescription } from './text.js';
import { renderChallenge } from './www-authenticate.js';

/** The members of an OAuth error body. */
export interface OAuthErrorBody {
  readonly error: OAuthErrorValue;
  /** Limited to RFC 6749's character set. */
  readonly error_description: string;
  /** `<issuer>/errors/<CODE>`. */
  readonly error_uri: string;
  /** Extension member: the request id. */
  readonly request_id: string;
}

/** What the OAuth renderer needs to know about the request. */
export interface OAuthRenderContext {
  readonly issuer: string;
  readonly requestId: string;
  /** Realm of the `Basic` challenge. */
  readonly realm: string;
  /** Whether the client sent an `Authorization` header (then `invalid_client` carries a challenge). */
  readonly authorizationHeaderSent: boolean;
}

/** Renders an error as an RFC 6749 §5.2 JSON error response. */
export function renderOAuthError(error: IdgateError, request: OAuthRenderContext): RenderedResponse<OAuthErrorBody> {
  const entry = CATALOG[error.code];
  const description = toOAuthDescription(error.publicDetail);
  const headers: Record<string, string> = {
    ...error.responseHeaders,
    'content-type': 'application/json',
    'cache-control': 'no-store',
    pragma: 'no-cache',
  };
  // RFC 6749 §5.2: on invalid_client after an Authorization header, answer 401 with a challenge.
  if (entry.oauth === 'invalid_client' && request.authorizationHeaderSent) {
    headers['www-authenticate'] = renderChallenge({
      scheme: 'Basic',
      realm: request.realm,
      error: 'invalid_client',
      errorDescription: description,
    });
  }
  const body: OAuthErrorBody = {
    error: entry.oauth,
    error_description: description,
    error_uri: docUrlFor(request.issuer, error.code),
    request_id: request.requestId,
  };
  return { status: oauthStatusFor(error.code), headers, body };
}

/**
 * The JSON answer of the authorization endpoint when it must not redirect (SPEC 2.1:
 * unknown client, missing or unregistered `redirect_uri`) and the caller did not ask for
 * HTML: the OAuth error members plus `request_id`, status 400 (5xx for server failures).
 */
export function renderAuthorizationErrorJson(
  error: IdgateError,
  request: Pick<OAuthRenderContext, 'issuer' | 'requestId'>,
): RenderedResponse<OAuthErrorBody> {
  const entry = CATALOG[error.code];
  return {
    status: authorizationErrorStatusFor(error.code),
    headers: { ...error.responseHeaders, 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: {
      error: entry.oauth,
      error_description: toOAuthDescription(error.publicDetail),
      error_uri: docUrlFor(request.issuer, error.code),
      request_id: request.requestId,
    },
  };
}
