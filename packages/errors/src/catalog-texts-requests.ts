/**
 * The developer-facing texts of the catalog codes about the request itself:
 * authentication and validation (`AUTH_*`, `VALIDATION_*`). The rules of
 * `catalog-texts.ts` apply.
 */
import type { CatalogTexts, ErrorCode } from './catalog-decisions.js';

/** Texts of the `AUTH_*` and `VALIDATION_*` codes. */
export const REQUEST_TEXTS = {
  // Authentication and authorization
  AUTH_INVALID_CREDENTIALS: {
    description: 'The credentials sent with the request are not valid for this environment.',
    causes: [
      'The client secret or admin key is wrong, truncated or was copied with surrounding whitespace.',
      'Sandbox credentials (`test_` prefix) were used against production, or production credentials (`live_` prefix) against sandbox.',
      'The client secret was rotated and the old secret is past its grace period.',
      'The `Authorization: Basic` value was built without URL-encoding the client id and secret first, or was not base64-encoded as `client_id:client_secret`.',
    ],
    fixes: [
      'Check that the `client_id` and `client_secret` prefixes (`test_` or `live_`) match the environment of the base URL you call.',
      'If the secret was rotated, deploy the new one returned by `POST /admin/v1/apps/{clientId}/secret` before the grace period ends (default 24 h).',
      'Build Basic credentials as base64 of `urlencode(client_id):urlencode(client_secret)` (RFC 6749 section 2.3.1), or send `client_id` and `client_secret` in the form body where the app allows `client_secret_post`.',
      'For the admin API, send the configured `IDGATE_ADMIN_KEY` as `Authorization: Bearer <key>`.',
    ],
  },
  AUTH_INVALID_GRANT: {
    description:
      'The authorization code or refresh token is invalid, expired, already used, or does not match this client or PKCE verifier.',
    causes: [
      'The authorization code was already exchanged (for example a retried or duplicated `POST /token`), or it expired before the exchange.',
      'The `code_verifier` does not match the `code_challenge` sent to `/authorize`, often because the verifier of another login attempt or tab was used.',
      'The refresh token was revoked, expired, or already used: with rotation, reusing an old refresh token revokes the whole token family.',
      'The `redirect_uri` or `client_id` sent to `/token` differs from the one used at `/authorize`.',
    ],
    fixes: [
      'Exchange each code exactly once, immediately after the callback, and do not retry a `POST /token` that returned `invalid_grant`.',
      'Store the `code_verifier` per transaction (keyed by `state`) and send the one that belongs to this callback.',
      'Always replace the stored refresh token with the new one from each refresh response, and serialize refreshes so two requests never use the same token.',
      'When the grant cannot be recovered, start a new authorization at `/authorize`.',
    ],
  },
  AUTH_INVALID_CLIENT: {
    description: 'The client is unknown, disabled, or not allowed to authenticate with the method it used.',
    causes: [
      'The `client_id` is misspelled, belongs to a deleted app, or was registered in the other environment.',
      'The app has been disabled by an administrator.',
      'The client used an authentication method the app does not allow, for example `client_secret_post` when only `client_secret_basic` is allowed, or `none` for a confidential client.',
      "The `private_key_jwt` assertion is not valid: signed by a key that is not in the app's JWKS, with an algorithm other than ES256, PS256 or EdDSA, `iss` or `sub` not the client id, `aud` not the issuer or the endpoint URL, expired or valid for more than 5 minutes, or its `jti` was already used.",
      'The client sent a `client_secret_jwt` assertion, which idgate does not accept.',
    ],
    fixes: [
      'Check that the app exists with `GET /admin/v1/apps/{clientId}` in the environment you are calling.',
      'Use an authentication method listed in `token_endpoint_auth_methods_supported` of the discovery document and allowed for the app.',
      'Ask an administrator to re-enable the app if it was disabled.',
      "For `private_key_jwt`, sign a new assertion for every request (fresh `jti`, `exp` at most 5 minutes ahead) with a key registered in the app's `jwks` or `jwksUri` (docs/fapi.md).",
    ],
  },
  AUTH_FORBIDDEN: {
    description: 'The client is authenticated but is not allowed to perform this action.',
    causes: [
      "A browser request came from an `Origin` that is not in the app's `allowedOrigins`.",
      'The app uses a grant type or flow it is not registered for, for example `client_credentials` for a public app or `refresh_token` without that grant in `grantTypes`.',
      'The action is reserved for another kind of client, for example calling the REST API with a public client.',
    ],
    fixes: [
      'Add the exact origin (scheme, host and port) to `allowedOrigins` with `PATCH /admin/v1/apps/{clientId}`.',
      "Add the grant type to the app's `grantTypes` with `PATCH /admin/v1/apps/{clientId}`, or use a grant the app already has.",
      'Call the REST API from your server with a confidential client instead of from a browser or mobile app.',
    ],
  },
  AUTH_MISSING_CREDENTIALS: {
    description: 'The request has no credentials, but this route requires them.',
    causes: [
      'No `Authorization` header was sent, for example because the HTTP client was not configured with credentials.',
      'The `Authorization` header was dropped on a redirect (many HTTP clients strip it when following `http` to `https` or cross-host redirects) or by a proxy.',
      'The header uses a scheme this route does not accept, so no credentials could be read.',
    ],
    fixes: [
      'Send `Authorization: Basic <base64 of client_id:client_secret>`, or `Authorization: Bearer <access_token>` obtained from `POST /token` with `grant_type=client_credentials`.',
      'Call the issuer URL exactly as published in discovery (https, no redirects) so the header is not stripped.',
      'For the admin API, send `Authorization: Bearer <IDGATE_ADMIN_KEY>`.',
    ],
  },
  AUTH_INVALID_TOKEN: {
    description: 'The bearer token is malformed, expired, revoked, or was issued for another audience or environment.',
    causes: [
      'The access token expired (see `expires_in` of the token response).',
      'The token was revoked through `POST /revoke`, or its refresh token family was revoked after refresh token reuse.',
      'The ID token or refresh token was sent instead of the access token, or the token was truncated or wrapped in quotes.',
      'A sandbox token was sent to production (or the reverse), or a token from another issuer was used.',
    ],
    fixes: [
      'Obtain a new access token (the `refresh_token` grant, or `client_credentials` for server calls) and retry the request once.',
      'Refresh shortly before `expires_in` elapses instead of waiting for a 401.',
      'Send the `access_token` member of the token response, unchanged, as `Authorization: Bearer <access_token>`.',
      'Use tokens only with the issuer and environment that issued them.',
    ],
  },
  AUTH_INVALID_DPOP_PROOF: {
    description:
      'The DPoP proof is missing, malformed, replayed, or does not match the request, the key or the access token (RFC 9449).',
    causes: [
      'The app must use DPoP (`dpopBoundAccessTokens`, or the `fapi2-security` profile) and sent no `DPoP` header, or sent more than one.',
      'The proof was made for another method or URL: `htm` and `htu` must be the method and the URL of this request, without query or fragment.',
      'The proof was reused: every request needs a new proof with a fresh `jti`.',
      'The proof is too old or dated in the future (`iat` more than 60 seconds away from the server time), or its `ath` is not the hash of the access token sent.',
      'The proof is not signed with ES256, PS256 or EdDSA, its `typ` is not `dpop+jwt`, or its `jwk` header is missing or holds a private key.',
      'A DPoP-bound token was sent with a proof of another key than the one it is bound to.',
    ],
    fixes: [
      'Create a new proof for every request, signed by the same key pair, with `htm`, `htu`, `iat`, a random `jti` and, with an access token, `ath`.',
      'Use a maintained DPoP implementation (openid-client `DPoP()`, oauth4webapi) rather than building proofs by hand.',
      'Keep the clock of the client in sync (NTP).',
    ],
  },
  AUTH_USE_DPOP_NONCE: {
    description:
      'The server requires a DPoP nonce: repeat the request with a new proof carrying the nonce from the DPoP-Nonce header.',
    causes: [
      'idgate runs with DPoP nonces (`IDGATE_DPOP_NONCE`) and the proof had no `nonce` claim.',
      'The nonce in the proof is stale: nonces change every few minutes.',
    ],
    fixes: [
      'Read the `DPoP-Nonce` response header, put its value in the `nonce` claim of a new proof and retry the request once.',
      'Keep the latest `DPoP-Nonce` of every response and use it in the next proof (openid-client and oauth4webapi do this for you).',
    ],
  },
  AUTH_INSUFFICIENT_SCOPE: {
    description: 'The bearer token is valid but does not carry the scope this route requires.',
    causes: [
      'The `client_credentials` token was requested with a `scope` that omits `verifications` or `providers`.',
      'The app is not allowed the scope, so it was not granted.',
      'A token from the authorization code flow without the `openid` scope was sent to `/userinfo`.',
    ],
    fixes: [
      'Read the required scope from the `scope` attribute of the `WWW-Authenticate` header.',
      'Request the scope at `POST /token`, for example `scope=verifications providers`, or omit `scope` to get every REST scope the app may use.',
      "Add the scope to the app's `scopes` with `PATCH /admin/v1/apps/{clientId}`.",
    ],
  },

  // Validation of the request
  VALIDATION_MISSING_PARAMETER: {
    description: 'A required parameter or body field is missing, or the request body is empty.',
    causes: [
      'A required field was left out, such as `providerId` in `POST /v1/verifications` or `grant_type`, `code` or `client_id` at `POST /token`.',
      'The field name is misspelled or uses another casing, for example `provider_id` instead of `providerId`.',
      'The body was sent without a matching `Content-Type`, or was empty, so no field could be read.',
    ],
    fixes: [
      'Read `context` in the response: it lists every missing field, not just the first.',
      'Compare the field names with the OpenAPI document or the endpoint reference.',
      'Send JSON with `Content-Type: application/json` to `/v1` and `/admin/v1`, and form data with `Content-Type: application/x-www-form-urlencoded` to `/token`, `/introspect` and `/revoke`.',
    ],
  },
  VALIDATION_INVALID_PARAMETER: {
    description: 'A parameter has an invalid format or value, is out of range, or was sent more than once.',
    causes: [
      'A value has the wrong type or format, for example `requestedLoa` as a string, or a `redirectUri` that is not an absolute URL.',
      'A value is out of range or not supported, for example `requestedLoa` outside 1 to 5 or an unknown `flowType`.',
      'An OAuth parameter was sent twice, for example in both the query and the body, or repeated in the query string (RFC 6749 section 3.1).',
    ],
    fixes: [
      'Read `context` in the response: it names every offending field with the reason.',
      'Check types, formats and allowed values against the OpenAPI document and `GET /v1/providers/{providerId}`.',
      'Send each OAuth parameter exactly once.',
    ],
  },
  VALIDATION_INVALID_SCOPE: {
    description: 'A requested scope is unknown or not allowed for this app.',
    causes: [
      'A scope is misspelled or unknown to idgate, for example a scope copied from another identity provider.',
      "The scope exists but is not in the app's allowed `scopes`.",
      'Scopes were separated by commas or plus signs encoded as `%2B` instead of spaces.',
    ],
    fixes: [
      'Request only scopes listed in `scopes_supported` of the discovery document.',
      'Separate scopes with single spaces, for example `scope=openid profile email`.',
      'Add the scope to the app with `PATCH /admin/v1/apps/{clientId}`, or stop requesting it.',
    ],
  },
  VALIDATION_UNSUPPORTED_RESPONSE_TYPE: {
    description: 'The response_type is not supported; idgate supports only code.',
    causes: [
      'The client library is configured for the implicit flow (`response_type=token` or `id_token`).',
      'A hybrid flow was requested, for example `response_type=code id_token`.',
    ],
    fixes: [
      'Send `response_type=code` and use the authorization code flow with PKCE (`code_challenge_method=S256`).',
      'Check `response_types_supported` in the discovery document and configure the client library accordingly.',
    ],
  },
  VALIDATION_UNSUPPORTED_GRANT_TYPE: {
    description: 'The grant_type is not supported by this server.',
    causes: [
      'The `grant_type` is misspelled or missing its exact value, for example `authorization-code` instead of `authorization_code`.',
      'A grant idgate does not offer was used, such as `password`, `implicit`, device code or token exchange.',
    ],
    fixes: [
      'Use one of `authorization_code`, `refresh_token` or `client_credentials`.',
      'Check `grant_types_supported` in the discovery document.',
    ],
  },
  VALIDATION_MISSING_USER_DATA: {
    description: 'User data the provider needs is missing, or the provider did not return the required claims.',
    causes: [
      'The provider requires `userData` fields (for example a personal identity number or phone number for push flows) that were not sent in `POST /v1/verifications`.',
      'The provider did not return a claim the app requires, for example because the user declined to share it.',
      'A claim was requested in `requestedClaims` that this provider cannot supply.',
    ],
    fixes: [
      'Read the required `userData` fields of the provider from `GET /v1/providers/{providerId}` and send them all.',
      'Request only claims the provider lists in `GET /v1/providers/{providerId}`.',
      'Handle `missingClaims` of the verification when a claim is optional for your use case.',
    ],
  },
  VALIDATION_INVALID_USER_DATA: {
    description:
      'The user data is malformed for this provider, or the data returned by the provider failed validation.',
    causes: [
      'A `userData` field has the wrong format for the provider, for example a personal identity number with a wrong length or check digit.',
      'A phone number is not in E.164 format, or a country is not an ISO 3166-1 alpha-2 code.',
      'The provider returned data that fails validation, for example a `birthdate` that is not `YYYY-MM-DD`.',
    ],
    fixes: [
      'Validate `userData` against the formats listed in `GET /v1/providers/{providerId}` before calling `POST /v1/verifications`.',
      'Normalize phone numbers to E.164 (for example `+46701234567`) and countries to two-letter codes.',
      'If the data came from the provider, quote the `request_id` to support.',
    ],
  },
  VALIDATION_INVALID_PKCE: {
    description: 'The PKCE parameters are missing or malformed, or a method other than S256 was used.',
    causes: [
      'A public client sent no `code_challenge` to `/authorize`.',
      '`code_challenge_method` was `plain` or was left out (RFC 7636 then means `plain`).',
      'The `code_verifier` is shorter than 43 or longer than 128 characters, uses characters outside `A-Z a-z 0-9 - . _ ~`, or is missing at `/token` although a challenge was sent.',
      'The `code_challenge` is not the unpadded base64url SHA-256 of the verifier (43 characters).',
    ],
    fixes: [
      'Generate a random `code_verifier` of 43 to 128 unreserved characters for every authorization request.',
      'Send `code_challenge=BASE64URL(SHA256(code_verifier))` without padding and `code_challenge_method=S256` to `/authorize`.',
      'Send the same `code_verifier` with `grant_type=authorization_code` at `POST /token`.',
    ],
  },
  VALIDATION_REDIRECT_URI_REQUIRED: {
    description: 'No redirect_uri was sent and the app has no single registered redirect URI to use instead.',
    causes: [
      'An `openid` request left out `redirect_uri`, which OpenID Connect always requires.',
      'The app has several registered redirect URIs, so idgate cannot pick one.',
      'The app has no redirect URI registered at all.',
    ],
    fixes: [
      'Always send `redirect_uri` (or `redirectUri` in `POST /v1/verifications`), exactly as registered, port and path included.',
      "Register the URI in the app's `redirectUris` with `PATCH /admin/v1/apps/{clientId}`.",
      'Send the same `redirect_uri` to `POST /token` when exchanging the code.',
    ],
  },
  VALIDATION_MISSING_CLIENT_SECRET: {
    description: 'A confidential client tried to authenticate without a client secret.',
    causes: [
      'The client library is configured as a public client (`token_endpoint_auth_method=none`) although the app is confidential.',
      'The variable holding the secret is empty or not set in this deployment.',
      'The secret was sent under another name than `client_secret`, or only `client_id` was sent in the body.',
    ],
    fixes: [
      'Send the secret with `client_secret_basic` (`Authorization: Basic`) or as `client_secret` in the form body (`client_secret_post`).',
      'Check that the secret is present in the configuration of the environment that makes the call.',
      'If the app runs in a browser or on a device and cannot keep a secret, register it as a public app and use PKCE instead.',
    ],
  },
  VALIDATION_UNPROCESSABLE: {
    description:
      'The request is well-formed but cannot be carried out, for example a level of assurance above what the provider can give.',
    causes: [
      "`requestedLoa` or `acr_values` asks for a level of assurance above the provider's maximum.",
      'Fields that are valid on their own contradict each other for this provider, for example requested claims the chosen flow cannot deliver.',
    ],
    fixes: [
      "Read the provider's maximum level of assurance from `GET /v1/providers/{providerId}` and request at most that level.",
      'Use `acr_values=urn:idgate:loa:N` with a level the provider supports, or choose another provider.',
      'Read `context` in the response for the fields that conflict.',
    ],
  },
  VALIDATION_METHOD_NOT_ALLOWED: {
    description: 'The HTTP method is not allowed on this route; the Allow header lists the allowed methods.',
    causes: [
      'The route was called with the wrong method, for example `GET /token` or `GET /v1/verifications/{id}/cancel`.',
      'A redirect (301 or 302) turned a `POST` into a `GET`, for example because `http` was used instead of `https` or a trailing slash was added.',
    ],
    fixes: [
      'Use a method listed in the `Allow` response header.',
      'Call the exact URL from the discovery document or the OpenAPI document, so no redirect happens.',
    ],
  },
  VALIDATION_NOT_ACCEPTABLE: {
    description: 'The Accept header excludes every media type this route can produce.',
    causes: [
      'The `Accept` header lists only types the route does not produce, such as `application/xml` or `text/plain`.',
      'An HTTP client sets a restrictive default `Accept` header.',
    ],
    fixes: [
      'Send `Accept: application/json` (errors are then `application/problem+json`), or `Accept: */*`.',
      'For error documentation pages, send `Accept: text/html` or `Accept: application/json`.',
    ],
  },
  VALIDATION_UNSUPPORTED_MEDIA_TYPE: {
    description: 'The request body has a content type this route does not accept.',
    causes: [
      'JSON was sent to `/token`, `/introspect` or `/revoke`, which take only `application/x-www-form-urlencoded` (RFC 6749).',
      'A form or `multipart/form-data` body was sent to a `/v1` or `/admin/v1` route, which take `application/json`.',
      'The `Content-Type` header is missing although the request has a body.',
    ],
    fixes: [
      'Send `Content-Type: application/x-www-form-urlencoded` to the OAuth endpoints.',
      'Send `Content-Type: application/json` to the REST and admin routes.',
    ],
  },
  VALIDATION_PAYLOAD_TOO_LARGE: {
    description: 'The request body is larger than the configured limit.',
    causes: [
      'The body carries data idgate does not need, such as documents or images inside `userData`.',
      'A file or stream was sent by mistake instead of the documented JSON body.',
      'The deployment lowered the body limit below the default of 1 MiB.',
    ],
    fixes: [
      'Send only the documented fields of the route.',
      'If you operate the instance and the body is legitimate, raise the body limit in the configuration.',
    ],
  },
  VALIDATION_URI_TOO_LONG: {
    description: 'The request target (path and query) is longer than the configured limit.',
    causes: [
      'A `GET /authorize` carries a very long `state`, for example app data serialized into it.',
      'A redirect loop appended parameters again and again.',
      'Large values were sent in the query string instead of a request body.',
    ],
    fixes: [
      'Keep `state` a short random value and store app data in your own session.',
      'Use `POST /authorize` with a form body for large authorization requests.',
      'Keep the request target under the limit (default 8 KiB).',
    ],
  },
  VALIDATION_HEADERS_TOO_LARGE: {
    description: 'The request headers are larger than the configured limit.',
    causes: [
      'Cookies set on a parent domain are sent to idgate and add up to a large `Cookie` header.',
      'A proxy or gateway adds many or large headers.',
      'A very large token or custom header was sent.',
    ],
    fixes: [
      "Scope your app's cookies to its own host instead of a shared parent domain.",
      'Send only the headers the route needs; keep the total under the limit (default 16 KiB).',
    ],
  },
} as const satisfies Partial<Record<ErrorCode, CatalogTexts>>;
