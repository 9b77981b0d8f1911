/**
 * The idgate error catalog: every error code the product can produce, as data.
 *
 * The catalog alone decides an error's HTTP status, category, retry strategy and the
 * values it maps to on the OAuth surfaces. Throw sites name a code; renderers read
 * this table. Texts (description, causes, fixes) live in `catalog-texts.ts` and
 * user-facing messages in `i18n/`, so this file stays a compact table of decisions.
 */
import { CATALOG_TEXTS } from './catalog-texts.js';
import type { TxStatusCode } from './transactions.js';

/** `error` values of RFC 6749 §4.1.2.1 and §5.2 that idgate emits. */
export type OAuthErrorValue =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'server_error'
  | 'temporarily_unavailable';

/** `error` values of RFC 6750 §3.1 (protected resources). */
export type BearerErrorValue = 'invalid_request' | 'invalid_token' | 'insufficient_scope';

/** How an error's status classifies it (SPEC 3.1: the status decides the category). */
export type ErrorCategory = 'client' | 'failure' | 'error';

/**
 * What a client should do about an error:
 * - `never`: do not retry automatically; fix the request.
 * - `after_retry_after`: retry once the `Retry-After` delay has passed (429).
 * - `backoff`: retry with exponential backoff and jitter (502, 503).
 * - `once`: retry once after a delay (500).
 */
export type RetryStrategy = 'never' | 'after_retry_after' | 'backoff' | 'once';

/** The decisions the catalog records for one code. */
export interface CatalogDecisions {
  /** HTTP status on REST and admin surfaces (problem+json). */
  readonly status: number;
  /** RFC 6749 `error` on the token, introspection and revocation endpoints. */
  readonly oauth: OAuthErrorValue;
  /** RFC 6750 `error` attribute of a Bearer challenge, when the code concerns the token. */
  readonly bearer?: BearerErrorValue;
  /** The transaction status code (SPEC 4.2) when this error ends an authorization transaction. */
  readonly txStatus: TxStatusCode;
  /** `Retry-After` (seconds) sent when the throw site gives none. */
  readonly retryAfter?: number;
}

/** The texts the catalog records for one code (English, developer-facing). */
export interface CatalogTexts {
  /** One sentence: what the error means. Sent as `detail` when a throw site gives none, and always for status ≥ 500. */
  readonly description: string;
  /** Common causes, most frequent first. */
  readonly causes: readonly string[];
  /** How to fix it, one step each. */
  readonly fixes: readonly string[];
}

/** One complete catalog entry. */
export interface CatalogEntry extends CatalogDecisions, CatalogTexts {
  readonly code: ErrorCode;
  readonly category: ErrorCategory;
  readonly retry: RetryStrategy;
  /** Whether a client may retry at all (true for 429, 500, 502, 503). */
  readonly retryable: boolean;
}

const DECISIONS = {
  // Authentication and authorization
  AUTH_INVALID_CREDENTIALS: {
    status: 401,
    oauth: 'invalid_client',
    bearer: 'invalid_token',
    txStatus: 'err_unauthorized_client',
  },
  AUTH_INVALID_GRANT: { status: 400, oauth: 'invalid_grant', txStatus: 'err_invalid_request' },
  AUTH_INVALID_CLIENT: { status: 401, oauth: 'invalid_client', txStatus: 'err_unauthorized_client' },
  AUTH_FORBIDDEN: { status: 403, oauth: 'unauthorized_client', txStatus: 'err_unauthorized_client' },
  AUTH_MISSING_CREDENTIALS: { status: 401, oauth: 'invalid_client', txStatus: 'err_unauthorized_client' },
  AUTH_INVALID_TOKEN: { status: 401, oauth: 'invalid_grant', bearer: 'invalid_token', txStatus: 'err_invalid_request' },
  AUTH_INSUFFICIENT_SCOPE: {
    status: 403,
    oauth: 'invalid_scope',
    bearer: 'insufficient_scope',
    txStatus: 'err_invalid_scope',
  },
  // Validation of the request
  VALIDATION_MISSING_PARAMETER: {
    status: 400,
    oauth: 'invalid_request',
    bearer: 'invalid_request',
    txStatus: 'err_invalid_request',
  },
  VALIDATION_INVALID_PARAMETER: {
    status: 400,
    oauth: 'invalid_request',
    bearer: 'invalid_request',
    txStatus: 'err_invalid_request',
  },
  VALIDATION_INVALID_SCOPE: { status: 400, oauth: 'invalid_scope', txStatus: 'err_invalid_scope' },
  VALIDATION_UNSUPPORTED_RESPONSE_TYPE: {
    status: 400,
    oauth: 'unsupported_response_type',
    txStatus: 'err_unsupported_response_type',
  },
  VALIDATION_UNSUPPORTED_GRANT_TYPE: { status: 400, oauth: 'unsupported_grant_type', txStatus: 'err_invalid_request' },
  VALIDATION_MISSING_USER_DATA: { status: 400, oauth: 'invalid_request', txStatus: 'err_missing_user_data' },
  VALIDATION_INVALID_USER_DATA: { status: 400, oauth: 'invalid_request', txStatus: 'err_invalid_request' },
  VALIDATION_INVALID_PKCE: { status: 400, oauth: 'invalid_request', txStatus: 'err_invalid_request' },
  VALIDATION_REDIRECT_URI_REQUIRED: { status: 400, oauth: 'invalid_request', txStatus: 'err_invalid_request' },
  VALIDATION_MISSING_CLIENT_SECRET: { status: 400, oauth: 'invalid_client', txStatus: 'err_unauthorized_client' },
  VALIDATION_UNPROCESSABLE: { status: 422, oauth: 'invalid_request', txStatus: 'err_loa_not_met' },
  VALIDATION_METHOD_NOT_ALLOWED: { status: 405, oauth: 'invalid_request', txStatus: 'err_invalid_request' },
  VALIDATION_NOT_ACCEPTABLE: { status: 406, oauth: 'invalid_request', txStatus: 'err_invalid_request' },
  VALIDATION_UNSUPPORTED_MEDIA_TYPE: { status: 415, oauth: 'invalid_request', txStatus: 'err_invalid_request' },
  VALIDATION_PAYLOAD_TOO_LARGE: { status: 413, oauth: 'invalid_request', txStatus: 'err_invalid_request' },
  VALIDATION_URI_TOO_LONG: { status: 414, oauth: 'invalid_request', txStatus: 'err_invalid_request' },
  VALIDATION_HEADERS_TOO_LARGE: { status: 431, oauth: 'invalid_request', txStatus: 'err_invalid_request' },
  // Sessions and transactions
  SESSION_NOT_FOUND: { status: 404, oauth: 'invalid_request', txStatus: 'err_session_expired' },
  SESSION_VERIFICATION_NOT_FOUND: { status: 404, oauth: 'invalid_request', txStatus: 'err_invalid_request' },
  SESSION_INVALID_STATUS_TRANSITION: { status: 409, oauth: 'invalid_request', txStatus: 'err_invalid_request' },
  SESSION_INVALID_FLOW: { status: 400, oauth: 'unauthorized_client', txStatus: 'err_unauthorized_client' },
  // Identity providers
  PROVIDER_NOT_FOUND: { status: 404, oauth: 'invalid_request', txStatus: 'err_invalid_request' },
  PROVIDER_NOT_ENABLED: { status: 403, oauth: 'unauthorized_client', txStatus: 'err_unauthorized_client' },
  PROVIDER_INITIALIZATION_FAILED: { status: 502, oauth: 'server_error', txStatus: 'err_provider_error' },
  PROVIDER_ERROR: { status: 502, oauth: 'server_error', txStatus: 'err_provider_error' },
  PROVIDER_UNAVAILABLE: {
    status: 503,
    oauth: 'temporarily_unavailable',
    txStatus: 'err_provider_unavailable',
    retryAfter: 30,
  },
  PROVIDER_CONFIGURATION_ERROR: { status: 400, oauth: 'server_error', txStatus: 'err_provider_error' },
  PROVIDER_AUTHENTICATION_FAILED: { status: 401, oauth: 'server_error', txStatus: 'err_provider_error' },
  PROVIDER_UNEXPECTED_RESPONSE: { status: 502, oauth: 'server_error', txStatus: 'err_provider_error' },
  // The system
  SYSTEM_INTERNAL_ERROR: { status: 500, oauth: 'server_error', txStatus: 'err_internal' },
  SYSTEM_UNSUPPORTED_MODE: { status: 501, oauth: 'server_error', txStatus: 'err_internal' },
  SYSTEM_UNAVAILABLE: {
    status: 503,
    oauth: 'temporarily_unavailable',
    txStatus: 'err_temporarily_unavailable',
    retryAfter: 5,
  },
  SYSTEM_RATE_LIMITED: {
    status: 429,
    oauth: 'temporarily_unavailable',
    txStatus: 'err_temporarily_unavailable',
    retryAfter: 1,
  },
  // Resources
  RESOURCE_NOT_FOUND: { status: 404, oauth: 'invalid_request', txStatus: 'err_invalid_request' },
  RESOURCE_CONFLICT: { status: 409, oauth: 'invalid_request', txStatus: 'err_invalid_request' },
  RESOURCE_PRECONDITION_FAILED: { status: 412, oauth: 'invalid_request', txStatus: 'err_invalid_request' },
} as const satisfies Record<string, CatalogDecisions>;

/** Every catalog code, `CATEGORY_ERROR_NAME`. */
export type ErrorCode = keyof typeof DECISIONS;

/** Every catalog code, in catalog order. */
export const ERROR_CODES: readonly ErrorCode[] = Object.freeze(Object.keys(DECISIONS) as ErrorCode[]);

/** The category a status belongs to (SPEC 3.1). */
export function categoryForStatus(status: number): ErrorCategory {
  if (status >= 400 && status <= 499) return 'client';
  if (status === 502 || status === 503) return 'failure';
  if (status === 500 || status === 501) return 'error';
  throw new RangeError(`status ${status} has no error category`);
}

/** The retry strategy a status implies (SPEC 3.1). */
export function retryForStatus(status: number): RetryStrategy {
  if (status === 429) return 'after_retry_after';
  if (status === 502 || status === 503) return 'backoff';
  if (status === 500) return 'once';
  return 'never';
}

function buildCatalog(): Readonly<Record<ErrorCode, CatalogEntry>> {
  const entries = {} as Record<ErrorCode, CatalogEntry>;
  for (const code of ERROR_CODES) {
    const decisions: CatalogDecisions = DECISIONS[code];
    const retry = retryForStatus(decisions.status);
    entries[code] = Object.freeze({
      code,
      ...decisions,
      ...CATALOG_TEXTS[code],
      category: categoryForStatus(decisions.status),
      retry,
      retryable: retry !== 'never',
    });
  }
  return Object.freeze(entries);
}

/** The catalog: code → entry. The single source of truth for every renderer. */
export const CATALOG: Readonly<Record<ErrorCode, CatalogEntry>> = buildCatalog();

/** Whether a string is a catalog code. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(DECISIONS, value);
}

/**
 * The HTTP status of a code on the OAuth JSON surfaces (token, introspection, revocation).
 *
 * RFC 6749 §5.2 gives 400, or 401 for `invalid_client`. idgate keeps the catalog status
 * where the contract says so: 405 (with `Allow`), 429 (with `Retry-After`) and 5xx, so
 * that clients can still tell a retryable failure apart.
 */
export function oauthStatusFor(code: ErrorCode): number {
  const entry = CATALOG[code];
  if (entry.oauth === 'invalid_client') return 401;
  if (entry.status === 405 || entry.status === 429 || entry.status >= 500) return entry.status;
  return 400;
}

/**
 * The HTTP status of a code where the authorization endpoint cannot redirect (SPEC 2.1):
 * 400 for every client error, the catalog status for server-side failures.
 */
export function authorizationErrorStatusFor(code: ErrorCode): number {
  const status = CATALOG[code].status;
  return status >= 500 ? status : 400;
}
