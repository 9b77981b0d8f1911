/**
 * What idgate implements as an OpenID Provider, as constants: token lifetimes, levels of
 * assurance and their `acr` values, claims, and the discovery document built from them
 * (OpenID Connect Discovery 1.0 §3, RFC 8414 §2). The authorize, token and userinfo
 * routes read the same constants, so the document cannot promise what they do not do.
 */
import { LOCALES } from '@idgate/errors';
import {
  APP_SIGNING_ALGS,
  ID_TOKEN_ALGS,
  KNOWN_AUTH_METHODS,
  KNOWN_GRANT_TYPES,
  KNOWN_SCOPES,
} from '../apps/app-policy.js';
import { acrForLoa, LOA_LEVELS } from '../domain/loa.js';

/** The `acr` values idgate can assert, lowest level first. */
export const ACR_VALUES_SUPPORTED: readonly string[] = Object.freeze(LOA_LEVELS.map(acrForLoa));

/** Claims idgate can put in ID tokens and userinfo responses. */
export const CLAIMS_SUPPORTED: readonly string[] = Object.freeze([
  'sub',
  'iss',
  'aud',
  'exp',
  'iat',
  'auth_time',
  'nonce',
  'acr',
  'at_hash',
  'given_name',
  'family_name',
  'birthdate',
  'nationality',
  'email',
  'email_verified',
  'phone_number',
  'phone_number_verified',
  'address',
]);

/** `prompt` values `/authorize` understands. */
export const PROMPT_VALUES_SUPPORTED: readonly string[] = Object.freeze(['none', 'login', 'consent', 'select_account']);

/**
 * Client authentication methods of the introspection endpoint: confidential clients only
 * (a public client authenticating with `none` is refused with `AUTH_FORBIDDEN`).
 */
export const INTROSPECTION_AUTH_METHODS: readonly string[] = Object.freeze([
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
]);

/**
 * Client authentication methods of the revocation endpoint: the token endpoint's, since a
 * public client revokes its own tokens with `none` (RFC 7009 §2.1).
 */
export const REVOCATION_AUTH_METHODS: readonly string[] = Object.freeze([...KNOWN_AUTH_METHODS]);

/** The endpoints' paths, relative to the issuer. */
export const ENDPOINT_PATHS = Object.freeze({
  authorization: '/authorize',
  token: '/token',
  userinfo: '/userinfo',
  jwks: '/jwks',
  introspection: '/introspect',
  revocation: '/revoke',
  pushedAuthorizationRequest: '/par',
  errors: '/errors',
});

/** The discovery document (OpenID Connect Discovery 1.0 §3 and RFC 8414 §2). */
export interface DiscoveryMetadata {
  readonly issuer: string;
  readonly authorization_endpoint: string;
  readonly token_endpoint: string;
  readonly userinfo_endpoint: string;
  readonly jwks_uri: string;
  readonly introspection_endpoint: string;
  readonly revocation_endpoint: string;
  readonly pushed_authorization_request_endpoint: string;
  readonly require_pushed_authorization_requests: boolean;
  readonly scopes_supported: readonly string[];
  readonly response_types_supported: readonly string[];
  readonly response_modes_supported: readonly string[];
  readonly grant_types_supported: readonly string[];
  readonly subject_types_supported: readonly string[];
  readonly id_token_signing_alg_values_supported: readonly string[];
  readonly token_endpoint_auth_methods_supported: readonly string[];
  readonly token_endpoint_auth_signing_alg_values_supported: readonly string[];
  readonly introspection_endpoint_auth_methods_supported: readonly string[];
  readonly introspection_endpoint_auth_signing_alg_values_supported: readonly string[];
  readonly revocation_endpoint_auth_methods_supported: readonly string[];
  readonly revocation_endpoint_auth_signing_alg_values_supported: readonly string[];
  readonly dpop_signing_alg_values_supported: readonly string[];
  readonly request_object_signing_alg_values_supported: readonly string[];
  readonly code_challenge_methods_supported: readonly string[];
  readonly claims_supported: readonly string[];
  readonly acr_values_supported: readonly string[];
  readonly authorization_response_iss_parameter_supported: boolean;
  readonly ui_locales_supported: readonly string[];
  readonly prompt_values_supported: readonly string[];
  readonly claims_parameter_supported: boolean;
  readonly request_parameter_supported: boolean;
  readonly request_uri_parameter_supported: boolean;
  readonly service_documentation: string;
}

/**
 * The discovery document of an issuer. Served unchanged at both
 * `/.well-known/openid-configuration` and `/.well-known/oauth-authorization-server`.
 *
 * @param issuer the configured issuer, without a trailing slash (config strips it).
 */
export function buildDiscoveryMetadata(issuer: string): DiscoveryMetadata {
  return {
    issuer,
    authorization_endpoint: issuer + ENDPOINT_PATHS.authorization,
    token_endpoint: issuer + ENDPOINT_PATHS.token,
    userinfo_endpoint: issuer + ENDPOINT_PATHS.userinfo,
    jwks_uri: issuer + ENDPOINT_PATHS.jwks,
    introspection_endpoint: issuer + ENDPOINT_PATHS.introspection,
    revocation_endpoint: issuer + ENDPOINT_PATHS.revocation,
    // RFC 9126 §5: PAR is offered to every app and required per app (requirePushedAuthorizationRequests).
    pushed_authorization_request_endpoint: issuer + ENDPOINT_PATHS.pushedAuthorizationRequest,
    require_pushed_authorization_requests: false,
    scopes_supported: KNOWN_SCOPES,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: KNOWN_GRANT_TYPES,
    // Each app sees its own `sub` for a person (SPEC: no correlation across apps).
    subject_types_supported: ['pairwise'],
    // OpenID Connect Discovery 1.0 §3: RS256 MUST be included.
    id_token_signing_alg_values_supported: ID_TOKEN_ALGS,
    token_endpoint_auth_methods_supported: KNOWN_AUTH_METHODS,
    // RFC 8414 §2: the algorithms of private_key_jwt assertions at each endpoint.
    token_endpoint_auth_signing_alg_values_supported: APP_SIGNING_ALGS,
    introspection_endpoint_auth_methods_supported: INTROSPECTION_AUTH_METHODS,
    introspection_endpoint_auth_signing_alg_values_supported: APP_SIGNING_ALGS,
    revocation_endpoint_auth_methods_supported: REVOCATION_AUTH_METHODS,
    revocation_endpoint_auth_signing_alg_values_supported: APP_SIGNING_ALGS,
    // RFC 9449 §5.1.
    dpop_signing_alg_values_supported: APP_SIGNING_ALGS,
    // RFC 9101 §10.5: signed request objects, taken at /par (RFC 9126 §3).
    request_object_signing_alg_values_supported: APP_SIGNING_ALGS,
    code_challenge_methods_supported: ['S256'],
    claims_supported: CLAIMS_SUPPORTED,
    acr_values_supported: ACR_VALUES_SUPPORTED,
    // RFC 9207 §3: authorization responses, success and error alike, carry `iss`.
    authorization_response_iss_parameter_supported: true,
    ui_locales_supported: Object.keys(LOCALES),
    prompt_values_supported: PROMPT_VALUES_SUPPORTED,
    // OpenID Connect Discovery 1.0 §3: `request_uri_parameter_supported` defaults to true,
    // so every unsupported one is said explicitly. /authorize takes neither a request
    // object nor a request_uri of the client's own (only those /par issued).
    claims_parameter_supported: false,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    service_documentation: issuer + ENDPOINT_PATHS.errors,
  };
}
