/**
 * The OAuth `error` values idgate emits (RFC 6749, RFC 6750): the vocabulary the
 * catalog and the transaction status codes map onto. The bottom of the package.
 */

/**
 * `error` values of RFC 6749 §4.1.2.1 and §5.2 that idgate emits, and the two RFC 9449
 * (DPoP) registers for the token endpoint (§5, §8).
 */
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
  | 'temporarily_unavailable'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce';

/**
 * `error` values of a protected resource's challenge: RFC 6750 §3.1, and RFC 9449 §7.1,
 * §9 for the `DPoP` scheme.
 */
export type BearerErrorValue =
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce';
