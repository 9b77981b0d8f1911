/**
 * How long what idgate issues lives: codes, access, refresh and ID tokens, and how long
 * the published keys may be cached. The token services and the discovery document read
 * the same constants.
 */

/** How long an authorization code may be redeemed (RFC 6749 §4.1.2: short-lived, 10 minutes at most). */
export const AUTHORIZATION_CODE_TTL_SECONDS = 60;

/** Lifetime of an access token. */
export const ACCESS_TOKEN_TTL_SECONDS = 600;

/** Lifetime of a refresh token (each rotation issues a new one with a fresh lifetime). */
export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 3600;

/** Lifetime of an ID token: the longest-lived token idgate signs. */
export const ID_TOKEN_TTL_SECONDS = 600;

/** How long clients and proxies may cache the discovery documents and the JWKS. */
export const DISCOVERY_MAX_AGE_SECONDS = 300;
