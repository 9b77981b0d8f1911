/**
 * What an app may be: its scopes, grant types and client authentication methods, and
 * the defaults that apply when the app does not restrict them (SPEC 4.3).
 */
import type { AppType } from '../store/apps.repository.js';

/** OpenID scopes of the authorization code flow. */
export const OIDC_SCOPES = ['openid', 'profile', 'email', 'phone', 'address', 'offline_access'] as const;

/** Scopes of the REST API (client credentials). */
export const REST_SCOPES = ['verifications', 'providers'] as const;

/** Every scope idgate knows. */
export const KNOWN_SCOPES: readonly string[] = [...OIDC_SCOPES, ...REST_SCOPES];

/** Grant types idgate implements. */
export const KNOWN_GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;

/** ID token signing algorithms an app may choose (RS256 is the OIDC default). */
export const ID_TOKEN_ALGS = ['RS256', 'ES256', 'EdDSA'] as const;

/** Client authentication methods at the token endpoint (and `/par`, `/introspect`, `/revoke`). */
export const KNOWN_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'] as const;

export { APP_SIGNING_ALGS, type AppSigningAlg } from '../domain/app-signing-algs.js';

/** The security profiles an app can be registered under (SPEC 12). */
export const APP_PROFILES = ['fapi2-security'] as const;

/** The scopes an app may use when it does not list its own. */
export function defaultScopes(type: AppType): readonly string[] {
  return type === 'confidential' ? KNOWN_SCOPES : OIDC_SCOPES;
}

/** The grant types an app gets when it does not list its own. */
export function defaultGrantTypes(type: AppType): readonly string[] {
  return type === 'confidential'
    ? ['authorization_code', 'refresh_token', 'client_credentials']
    : ['authorization_code', 'refresh_token'];
}

/**
 * The token endpoint authentication methods an app type may use: `private_key_jwt` only
 * when the app lists it (and registered its keys).
 */
export function allowedAuthMethods(type: AppType): readonly string[] {
  return type === 'confidential' ? ['client_secret_basic', 'client_secret_post', 'private_key_jwt'] : ['none'];
}

/** The methods an app that does not list its own uses: the secret methods, or `none`. */
export function defaultAuthMethods(type: AppType): readonly string[] {
  return type === 'confidential' ? ['client_secret_basic', 'client_secret_post'] : ['none'];
}

/**
 * Whether an app is held to the FAPI 2.0 Security Profile (SPEC 12): PKCE S256 on every
 * request, besides the fields the profile set (`private_key_jwt`, PAR, DPoP).
 */
export function isFapiApp(app: { readonly profile: string | null }): boolean {
  return app.profile === 'fapi2-security';
}

/** The scopes an app may use in effect. */
export function effectiveScopes(app: {
  readonly type: AppType;
  readonly scopes: readonly string[] | null;
}): readonly string[] {
  return app.scopes ?? defaultScopes(app.type);
}

/** The auth methods an app may use in effect. */
export function effectiveAuthMethods(app: {
  readonly type: AppType;
  readonly tokenEndpointAuthMethods: readonly string[] | null;
}): readonly string[] {
  return app.tokenEndpointAuthMethods ?? defaultAuthMethods(app.type);
}
