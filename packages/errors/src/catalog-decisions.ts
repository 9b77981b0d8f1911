/**
 * The catalog's decisions, as data: for every code its HTTP status, the values it maps to
 * on the OAuth surfaces and its transaction status code. `catalog.ts` joins them with
 * the texts (`catalog-texts.ts`) into the catalog every renderer reads.
 */
import type { BearerErrorValue, OAuthErrorValue } from './oauth-values.js';
import type { TxStatusCode } from './transactions.js';

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

export const DECISIONS = {
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
  AUTH_INVALID_DPOP_PROOF: {
    status: 401,
    oauth: 'invalid_dpop_proof',
    bearer: 'invalid_dpop_proof',
    txStatus: 'err_invalid_request',
  },
  AUTH_USE_DPOP_NONCE: {
    status: 401,
    oauth: 'use_dpop_nonce',
    bearer: 'use_dpop_nonce',
    txStatus: 'err_invalid_request',
  },
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
  // Wallet presentations (SPEC 10)
  PROVIDER_PRESENTATION_INVALID: { status: 400, oauth: 'invalid_request', txStatus: 'err_presentation_invalid' },
  PROVIDER_CREDENTIAL_UNTRUSTED: { status: 400, oauth: 'invalid_request', txStatus: 'err_credential_untrusted' },
  PROVIDER_CREDENTIAL_EXPIRED: { status: 400, oauth: 'invalid_request', txStatus: 'err_credential_expired' },
  PROVIDER_CREDENTIAL_REVOKED: { status: 400, oauth: 'invalid_request', txStatus: 'err_credential_revoked' },
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

/** Whether a string is a catalog code. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(DECISIONS, value);
}
