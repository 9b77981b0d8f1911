/**
 * The developer-facing texts of the catalog codes about what idgate does with a request:
 * sessions, identity providers and wallet presentations, the system and resources
 * (`SESSION_*`, `PROVIDER_*`, `SYSTEM_*`, `RESOURCE_*`). The rules of `catalog-texts.ts`
 * apply.
 */
import type { CatalogTexts, ErrorCode } from './catalog-decisions.js';

/** Texts of the `SESSION_*`, `PROVIDER_*`, `SYSTEM_*` and `RESOURCE_*` codes. */
export const SERVICE_TEXTS = {
  // Sessions and transactions
  SESSION_NOT_FOUND: {
    description: 'The authorization transaction or hosted page session is unknown, expired, or was deleted.',
    causes: [
      'The user left the hosted page open until the transaction expired.',
      'The user reopened an old link, a bookmark or a page from the browser history after the transaction ended.',
      'The transaction id belongs to the other environment or was deleted.',
      'A wallet fetched the request object of, or posted its response to, a session that ended or is unknown.',
    ],
    fixes: [
      'Start a new authorization at `/authorize` or a new session with `POST /v1/verifications`.',
      'Send users to the URL from the latest response and never link to hosted pages from bookmarks or emails.',
      'When your callback receives `error_description=err_session_expired`, offer the user to start again.',
    ],
  },
  SESSION_VERIFICATION_NOT_FOUND: {
    description: 'No verification with this id exists for this app in this environment.',
    causes: [
      'The verification id is misspelled or truncated.',
      'The verification was created in sandbox and looked up in production, or the reverse.',
      'The verification belongs to another app (other credentials were used).',
      'The verification ended longer ago than the retention period (`IDGATE_VERIFICATION_RETENTION`, 90 days by default) and was removed with its audit trail.',
    ],
    fixes: [
      'Use the `verificationId` exactly as returned by `POST /v1/verifications`.',
      'Call the same environment, with the same app credentials, that created the verification.',
      'Create a new verification if the old one is gone.',
    ],
  },
  SESSION_INVALID_STATUS_TRANSITION: {
    description: 'The session cannot change to the requested status from its current status.',
    causes: [
      'The session was cancelled after it had already reached `completed`, `failed`, `cancelled` or `expired`; terminal states never change.',
      'The user finished or cancelled at the same moment the app cancelled the session.',
      'A wallet posted a second response, or a second DC API answer was relayed: a session takes one answer.',
    ],
    fixes: [
      'Read the current `status` with `GET /v1/verifications/{id}` and treat it as final.',
      'Handle a 409 on cancel as success if the session is already terminal; rely on the status webhook to learn about changes.',
    ],
  },
  SESSION_INVALID_FLOW: {
    description: 'The requested flow type is not supported by the provider or not enabled for this app.',
    causes: [
      'The `flowType` (`redirect`, `qr` or `push`) is not one the provider supports.',
      'The flow type is supported by the provider but not enabled for this app (`flowTypes` of its provider settings).',
      'A DC API answer was relayed (`POST /v1/verifications/{id}/dc-response`) for a verification that does not use the `dc_api` flow.',
    ],
    fixes: [
      "Read the app's flow types for the provider from `GET /v1/providers/{providerId}` and use one of them, or leave out `flowType` to use the first.",
      'Enable the flow type for the app with `PUT /admin/v1/apps/{clientId}/providers/{providerId}` (`flowTypes`).',
    ],
  },

  // Identity providers
  PROVIDER_NOT_FOUND: {
    description: 'No identity provider with this id exists.',
    causes: [
      'The `providerId` or `provider_hint` is misspelled or uses another casing.',
      'A sandbox mock provider id such as `mock-redirect` was used in production.',
      'The provider was removed from this instance.',
    ],
    fixes: [
      'List the available provider ids with `GET /v1/providers` and use one exactly as returned.',
      'Use mock providers only in sandbox.',
    ],
  },
  PROVIDER_NOT_ENABLED: {
    description: 'The identity provider exists but is not enabled for this app.',
    causes: [
      'The provider was never enabled for this app; production apps start with no provider enabled.',
      'The provider was disabled for this app (`enabled: false` in its provider settings).',
      'The app was configured in sandbox and the same setup was not repeated in production.',
    ],
    fixes: [
      'Enable and configure the provider with `PUT /admin/v1/apps/{clientId}/providers/{providerId}`.',
      'List the providers the app may use with `GET /v1/providers`. (A provider in maintenance is `PROVIDER_UNAVAILABLE`, which is retryable, not this error.)',
    ],
  },
  PROVIDER_INITIALIZATION_FAILED: {
    description: 'The identity provider could not start the verification.',
    causes: [
      'The provider refused to start the transaction, for example because it rejected the user data it was given.',
      'The provider timed out or failed while the transaction was being started.',
      'The provider is having an incident that has not yet opened its circuit.',
    ],
    fixes: [
      'Retry with exponential backoff and jitter; send the same `Idempotency-Key` when retrying `POST /v1/verifications`.',
      "Check the provider's `status` in `GET /v1/providers` and offer another provider if it keeps failing.",
      'If it persists, contact support with the `request_id` (also in the `X-Request-Id` header).',
    ],
  },
  PROVIDER_ERROR: {
    description: 'The identity provider returned an error or did not answer in time.',
    causes: [
      'The provider reported an internal error during the verification.',
      'The provider did not answer within the timeout.',
      'The provider is having an incident.',
    ],
    fixes: [
      'Retry with exponential backoff and jitter, or let the user start again.',
      "Check the provider's `status` in `GET /v1/providers` and offer another provider if the error repeats.",
      'If it persists, contact support with the `request_id` (also in the `X-Request-Id` header).',
    ],
  },
  PROVIDER_UNAVAILABLE: {
    description: 'The identity provider is temporarily unavailable; try again later.',
    causes: [
      'The provider is down, or an operator switched it to maintenance (`PUT /admin/v1/providers/{providerId}/maintenance`; `context.reason` is `maintenance`, `context.maintenanceUntil` its expected end).',
      'The provider is rate-limiting idgate.',
      "Recent failures opened idgate's circuit breaker for this provider, so requests are refused until it recovers.",
    ],
    fixes: [
      'Wait for `Retry-After` when it is present, otherwise retry with exponential backoff and jitter.',
      "Check the provider's `status` in `GET /v1/providers` (`maintenance`, with `maintenanceUntil`) before sending users to it.",
      'Offer the user another provider in the meantime.',
    ],
  },
  PROVIDER_CONFIGURATION_ERROR: {
    description: 'The identity provider settings for this app are missing or invalid.',
    causes: [
      'Required settings are missing, such as the upstream client id, client secret or discovery URL.',
      'A setting is invalid, for example a discovery URL that does not serve an OpenID configuration or an issuer that does not match it.',
      "idgate's callback URL is not registered at the upstream provider.",
    ],
    fixes: [
      'Review the settings with `GET /admin/v1/apps/{clientId}/providers/{providerId}` and correct them with `PUT` on the same path.',
      "Register idgate's callback URL at the upstream provider exactly as idgate sends it.",
      'Test the provider in sandbox before enabling it in production.',
    ],
  },
  PROVIDER_AUTHENTICATION_FAILED: {
    description: 'The identity provider rejected the credentials idgate uses to call it.',
    causes: [
      'The upstream client secret or certificate configured for the provider expired or was rotated at the provider.',
      "The provider settings hold credentials for the provider's test environment while calling its production environment, or the reverse.",
      'The provider revoked or suspended the account idgate uses.',
      "With `private_key_jwt`, the provider does not have idgate's current relying-party keys (`/rp/jwks.json`), for example right after `idgate keys rotate --rp`.",
    ],
    fixes: [
      'Update the upstream credentials with `PUT /admin/v1/apps/{clientId}/providers/{providerId}`, or ask the idgate operator when the credentials are shared.',
      "Check the credentials and their expiry in the provider's own portal.",
      'This is not about your idgate client credentials: do not rotate your idgate client secret for this error.',
    ],
  },
  PROVIDER_UNEXPECTED_RESPONSE: {
    description: 'The identity provider returned a response idgate could not use.',
    causes: [
      'The provider answered with an empty body, malformed JSON or an unexpected status.',
      "The provider's ID token failed validation, for example a signature from a key not in its JWKS, or a wrong `iss`, `aud` or `nonce`.",
      'The provider changed its API or keys without notice.',
      'An ID token or userinfo that should be encrypted arrived unencrypted, encrypted otherwise than agreed, or to a key idgate does not have; or a JWT-secured authorization response (JARM) failed validation.',
    ],
    fixes: [
      'Retry with exponential backoff and jitter; a key rotation at the provider often resolves itself.',
      'For an OIDC upstream provider, check that its discovery URL and issuer in the provider settings are correct.',
      'If it persists, contact support with the `request_id` (also in the `X-Request-Id` header).',
    ],
  },

  // Wallet presentations (SPEC 10)
  PROVIDER_PRESENTATION_INVALID: {
    description: 'The wallet response is not a valid presentation for this verification.',
    causes: [
      'The response could not be decrypted or parsed, or names the state of another verification.',
      'A signature, a disclosure digest or the device authentication of a credential does not verify.',
      'The key binding is missing or wrong: its audience, nonce, sd_hash or issue time does not match this request.',
      'The wallet did not answer a credential query of the request, or answered it in another format.',
    ],
    fixes: [
      'Start a new verification: every request has a fresh nonce and state, and a response answers exactly one.',
      'Wallet developers: present to the client_id, nonce and response_uri of the request object fetched from request_uri.',
      'Check the presentation against OpenID4VP 1.0 and the credential format (SD-JWT VC or ISO mdoc) it claims.',
    ],
  },
  PROVIDER_CREDENTIAL_UNTRUSTED: {
    description: 'The presented credential was not issued by a trusted issuer.',
    causes: [
      "The issuer's certificate chain does not end at a configured trust anchor, or a certificate in it is expired or broken.",
      'The issuer is not among the trusted issuers of the wallet provider.',
      'The credential type (vct or doctype) is not allowed for this wallet provider.',
    ],
    fixes: [
      "Add the issuer's trust anchor (IACA or CA certificate) or JWKS to the wallet provider's configuration (IDGATE_WALLETS).",
      'Allow the credential type in the provider credentials list, if it should be accepted.',
      'Users: present a credential from an official issuer.',
    ],
  },
  PROVIDER_CREDENTIAL_EXPIRED: {
    description: 'The presented credential is expired or not yet valid.',
    causes: [
      'The credential passed its expiry time (exp or validUntil).',
      'The credential is not valid yet (nbf or validFrom in the future), or the clocks disagree.',
    ],
    fixes: [
      'Users: renew the credential in the wallet, then try again.',
      'Check that the clocks of the issuer and of idgate are synchronised (NTP).',
    ],
  },
  PROVIDER_CREDENTIAL_REVOKED: {
    description: 'The presented credential has been revoked or suspended by its issuer.',
    causes: ['The token status list of the credential marks it revoked or suspended.'],
    fixes: [
      'Users: ask the issuer for a new credential, then try again.',
      'Do not retry with the same credential: its status will not change by itself.',
    ],
  },

  // The system
  SYSTEM_INTERNAL_ERROR: {
    description: 'An unexpected error occurred; try again later.',
    causes: ['An unexpected condition inside idgate, such as a defect.', 'A transient internal fault.'],
    fixes: [
      'Retry once after a short delay; send the same `Idempotency-Key` when retrying a `POST`.',
      'If it happens again, contact support with the `request_id` (also in the `X-Request-Id` header) and the time of the request.',
    ],
  },
  SYSTEM_UNSUPPORTED_MODE: {
    description: 'The requested mode or feature is not supported.',
    causes: [
      'A feature that is planned but not yet available was requested.',
      'The request used an HTTP method that idgate implements on no route (for example `PROPFIND` or `QUERY`; RFC 9110 §15.6.2).',
      'A deprecated mode was requested.',
      'The feature is not available in this environment or deployment.',
    ],
    fixes: [
      'Check the discovery document (for example `token_endpoint_auth_methods_supported`) for what this instance supports, and use a supported alternative.',
      'Do not retry: the answer will not change until the feature is offered.',
    ],
  },
  SYSTEM_UNAVAILABLE: {
    description: 'The service is temporarily unavailable; try again later.',
    causes: [
      'The service is in maintenance.',
      'The service is overloaded.',
      'A storage backend the service depends on is temporarily unreachable.',
    ],
    fixes: [
      'Wait for the `Retry-After` delay, then retry with exponential backoff and jitter.',
      'Send the same `Idempotency-Key` when retrying a `POST`, so a request that did go through is not done twice.',
    ],
  },
  SYSTEM_RATE_LIMITED: {
    description: 'Too many requests were sent in a short time; retry after the Retry-After delay.',
    causes: [
      'The app polls `GET /v1/verifications/{id}` too often.',
      'A retry loop without backoff, or many instances sharing one client id, sends requests in bursts.',
      'The same caller repeatedly requests data that could be cached, such as `GET /v1/providers`, the discovery document or `GET /jwks`.',
    ],
    fixes: [
      'Wait the number of seconds in `Retry-After` before the next request.',
      'Read the `RateLimit` and `RateLimit-Policy` headers and stay within the policy.',
      'Use the status webhook instead of polling, or poll at a few seconds interval with backoff.',
      'Cache the provider list, the discovery document and the JWKS.',
    ],
  },

  // Resources
  RESOURCE_NOT_FOUND: {
    description: 'The route or resource does not exist.',
    causes: [
      'The path is wrong, for example a missing `/v1` prefix, a typo, or an extra trailing slash.',
      'The base URL is wrong: not the issuer published in discovery, or the other environment.',
      'The resource was deleted or never existed, for example an app id that was removed.',
    ],
    fixes: [
      'Compare the path with the OpenAPI document.',
      'Build URLs from the issuer in `GET /.well-known/openid-configuration`.',
      'List existing resources, for example with `GET /v1/providers`, before addressing one by id.',
    ],
  },
  RESOURCE_CONFLICT: {
    description: 'The request conflicts with the current state of the resource or with another request.',
    causes: [
      'The resource already exists, for example a duplicate create.',
      'The resource was modified concurrently by another request.',
      'An `Idempotency-Key` was reused with a different body, or while the first request with that key is still running.',
    ],
    fixes: [
      'Use a new `Idempotency-Key` for each distinct operation, and the same key only to retry the identical request.',
      'If the first request is still in flight, retry with the same key and body after `Retry-After` (at the latest when its lease ends, `context.inFlightUntil`).',
      'Read the resource again, re-apply your change and send it again.',
    ],
  },
  RESOURCE_PRECONDITION_FAILED: {
    description: 'The If-Match precondition failed: the resource changed since its ETag was read.',
    causes: [
      'Another request changed the resource after you read it, so the `If-Match` value is stale.',
      'The `If-Match` value was altered, for example its quotes or its `W/` prefix were removed.',
      'The `ETag` of another resource was sent.',
    ],
    fixes: [
      'Read the resource again with `GET /admin/v1/apps/{clientId}`, re-apply your change, and send the new `ETag` in `If-Match`.',
      'Send the `ETag` value exactly as received, quotes included.',
    ],
  },
} as const satisfies Partial<Record<ErrorCode, CatalogTexts>>;
