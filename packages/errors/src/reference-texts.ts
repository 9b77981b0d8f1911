/**
 * Texts of the error reference's views by HTTP status and by OAuth `error` value: what a
 * status or an `error` value means at idgate. Which codes belong to each is not written
 * here: the reference derives it from the catalog (`reference.ts`). A status the catalog
 * uses, or an `error` value it maps to, without a text here is a type error.
 */
import type { DECISIONS, ErrorCode } from './catalog-decisions.js';
import type { BearerErrorValue, OAuthErrorValue } from './oauth-values.js';

/** Every HTTP status some catalog code has. */
export type CatalogStatus = (typeof DECISIONS)[ErrorCode]['status'];

/** What one HTTP status means at idgate. */
export interface StatusTexts {
  /** The reason phrase (RFC 9110, RFC 6585). */
  readonly reason: string;
  /** One sentence: what idgate means by it. */
  readonly meaning: string;
}

/** The texts of every status the catalog uses. */
export const STATUS_TEXTS: Readonly<Record<CatalogStatus, StatusTexts>> = {
  400: { reason: 'Bad Request', meaning: 'The request is malformed, incomplete, or asks for something invalid.' },
  401: {
    reason: 'Unauthorized',
    meaning: 'Credentials or a token are missing or not valid (or an upstream provider refused idgate).',
  },
  403: { reason: 'Forbidden', meaning: 'The caller is known but may not do this.' },
  404: { reason: 'Not Found', meaning: 'The route, transaction, verification, provider or resource does not exist.' },
  405: { reason: 'Method Not Allowed', meaning: 'The route exists under other methods, listed in `Allow`.' },
  406: { reason: 'Not Acceptable', meaning: 'The `Accept` header excludes every type the route can produce.' },
  409: { reason: 'Conflict', meaning: 'The request conflicts with the current state of the resource.' },
  412: { reason: 'Precondition Failed', meaning: '`If-Match` does not name the current `ETag`.' },
  413: { reason: 'Content Too Large', meaning: 'The request body is over the configured limit.' },
  414: { reason: 'URI Too Long', meaning: 'The request target is over the configured limit.' },
  415: { reason: 'Unsupported Media Type', meaning: 'The body has a content type the route does not take.' },
  422: { reason: 'Unprocessable Content', meaning: 'The request is well-formed but cannot be met.' },
  429: {
    reason: 'Too Many Requests',
    meaning: 'A rate limit was hit; `Retry-After` and `RateLimit` say when to try again.',
  },
  431: { reason: 'Request Header Fields Too Large', meaning: 'The request headers are over the configured limit.' },
  500: {
    reason: 'Internal Server Error',
    meaning: 'Something unexpected failed inside idgate; details stay in its logs.',
  },
  501: { reason: 'Not Implemented', meaning: 'The mode or feature is not implemented.' },
  502: { reason: 'Bad Gateway', meaning: 'An identity provider failed or answered something idgate could not use.' },
  503: {
    reason: 'Service Unavailable',
    meaning:
      'idgate or an identity provider is down, overloaded or in maintenance; `Retry-After` says when to try again.',
  },
};

/** An `error` value idgate sends on some OAuth surface (RFC 6749, RFC 6750). */
export type OAuthReferenceValue = OAuthErrorValue | BearerErrorValue;

/** What one OAuth `error` value means, by the RFC that defines it. */
export interface OAuthErrorTexts {
  /** Where the value is defined. */
  readonly definedIn: string;
  /** One sentence: what the value means. */
  readonly meaning: string;
}

/** The texts of every `error` value, in the order the reference lists them. */
export const OAUTH_ERROR_TEXTS: Readonly<Record<OAuthReferenceValue, OAuthErrorTexts>> = {
  invalid_request: {
    definedIn: 'RFC 6749 section 4.1.2.1 and 5.2, RFC 6750 section 3.1',
    meaning: 'The request is missing a parameter, has an invalid or repeated one, or is otherwise malformed.',
  },
  invalid_client: {
    definedIn: 'RFC 6749 section 5.2',
    meaning: 'Client authentication failed: unknown client, no or wrong credentials, or a method it may not use.',
  },
  invalid_grant: {
    definedIn: 'RFC 6749 section 5.2',
    meaning: 'The authorization code or refresh token is invalid, expired, revoked, used, or for another client.',
  },
  unauthorized_client: {
    definedIn: 'RFC 6749 section 4.1.2.1 and 5.2',
    meaning: 'The client may not use this grant, flow or provider.',
  },
  unsupported_grant_type: {
    definedIn: 'RFC 6749 section 5.2',
    meaning: 'The `grant_type` is not one idgate supports.',
  },
  unsupported_response_type: {
    definedIn: 'RFC 6749 section 4.1.2.1',
    meaning: 'The `response_type` is not one idgate supports (`code` only).',
  },
  invalid_scope: {
    definedIn: 'RFC 6749 section 4.1.2.1 and 5.2',
    meaning: 'A requested scope is unknown, malformed, or not allowed for the client.',
  },
  access_denied: {
    definedIn: 'RFC 6749 section 4.1.2.1',
    meaning: 'The person or the app denied the request, or the verification could not be completed.',
  },
  server_error: {
    definedIn: 'RFC 6749 section 4.1.2.1 and 5.2 (idgate uses it on every OAuth surface)',
    meaning: 'Something failed at idgate or at the identity provider.',
  },
  temporarily_unavailable: {
    definedIn: 'RFC 6749 section 4.1.2.1 and 5.2 (idgate uses it on every OAuth surface)',
    meaning: 'idgate, the identity provider or the sign-in hook cannot answer now; try again later.',
  },
  invalid_token: {
    definedIn: 'RFC 6750 section 3.1',
    meaning: 'The access token is malformed, expired, revoked, or for another audience or environment.',
  },
  insufficient_scope: {
    definedIn: 'RFC 6750 section 3.1',
    meaning: 'The access token does not carry the scope the route needs.',
  },
  invalid_dpop_proof: {
    definedIn: 'RFC 9449 section 5.10 and 7.1',
    meaning:
      'The DPoP proof is missing, malformed, not for this request, replayed, or not by the key the token is bound to.',
  },
  use_dpop_nonce: {
    definedIn: 'RFC 9449 section 8 and 9',
    meaning: 'The DPoP proof must carry the nonce the server sent in the DPoP-Nonce header; retry with it.',
  },
};
