/**
 * The developer-facing texts of the transaction status codes (`err_…`, SPEC 4.2), beside
 * their one-line descriptions in `transactions.ts`: common causes and how to fix, as the
 * catalog has them per code. Rendered on `/errors/{err_…}` and in `docs/errors.md`.
 * A missing text is a type error. The same rules as `catalog-texts.ts`: no double quote,
 * no backslash; backticks mark code.
 */
import type { TxStatusCode } from './transactions.js';

/** Causes and fixes of one transaction status code (English, developer-facing). */
export interface TxStatusTexts {
  /** Common causes, most frequent first. */
  readonly causes: readonly string[];
  /** How to fix it (or what the app should do), one step each. */
  readonly fixes: readonly string[];
}

/** Causes and fixes of every transaction status code (English). */
export const TX_STATUS_TEXTS: Readonly<Record<TxStatusCode, TxStatusTexts>> = {
  err_not_authenticated: {
    causes: [
      'The person closed the provider page, declined, or failed the provider check (wrong PIN, no eID app).',
      'The provider reported that the authentication was not completed (in the sandbox: the test identity `deny`).',
    ],
    fixes: [
      'Show the person the user message and offer to start again with a new `/authorize` request.',
      'Do not retry automatically: the person decides whether to try again.',
    ],
  },
  err_user_cancelled: {
    causes: [
      'The person pressed Cancel on an idgate page or at the provider (in the sandbox: the test identity `cancel`).',
      'The app cancelled the verification with `POST /v1/verifications/{id}/cancel`.',
    ],
    fixes: [
      'Treat it as a normal outcome, not a failure: return the person to where they started the sign-in.',
      'Offer a way to start again; never retry without the person asking.',
    ],
  },
  err_user_account_blocked: {
    causes: [
      "The app's sign-in hook answered `{ allow: false }`; its `errMsg` and `errCode` travel with the redirect unchanged.",
    ],
    fixes: [
      'Read `errMsg` and `errCode` from the redirect: they are what your own hook returned.',
      'If the deny was unexpected, check the hook logic and the claims idgate sent it.',
    ],
  },
  err_session_expired: {
    causes: [
      'The person took longer than the transaction lifetime to finish (in the sandbox: the test identity `timeout`).',
      'The transaction id in a hosted page link is old, or the transaction was deleted.',
    ],
    fixes: [
      'Start a new authorization at `/authorize`; an expired transaction never resumes.',
      'Send the person to idgate right after creating the request, and do not reuse old links.',
    ],
  },
  err_loa_not_met: {
    causes: [
      '`acr_values` (or `requestedLoa`) asks for a level of assurance that no provider enabled for the app reaches.',
      'The provider authenticated the person at a lower level than requested (in the sandbox: the test identity `low-loa`).',
    ],
    fixes: [
      "Request a level the app's providers can reach: each provider's `maxLoa` is in `GET /v1/providers`.",
      'Enable a provider that reaches the level for the app with `PUT /admin/v1/apps/{clientId}/providers/{providerId}`.',
    ],
  },
  err_missing_user_data: {
    causes: [
      'The provider returned no name, or another claim every verified identity needs (in the sandbox: `missing-claims`).',
      'The provider needed `userData` (for example a personal number) that the request did not carry.',
    ],
    fixes: [
      "Send the provider's `requiredUserData` fields (listed in `GET /v1/providers/{providerId}`), or `login_hint` where the provider takes it.",
      'Offer another provider that gives the claims the app needs.',
    ],
  },
  err_invalid_request: {
    causes: [
      'A required `/authorize` parameter is missing, malformed or sent twice, or PKCE is missing for a public client.',
      'A provider answered with data that fails validation.',
    ],
    fixes: [
      'Compare the request with the discovery document: `response_type=code`, `scope` with `openid`, `state`, and `code_challenge` with `code_challenge_method=S256`.',
      'Send each parameter once, URL-encoded.',
    ],
  },
  err_invalid_scope: {
    causes: [
      "A requested scope is unknown, or not in the app's allowed `scopes`.",
      'A client library added a scope the app is not registered for.',
    ],
    fixes: [
      'Request only scopes listed in `scopes_supported` of the discovery document and allowed for the app.',
      'Add the scope to the app with `PATCH /admin/v1/apps/{clientId}` if the app should have it.',
    ],
  },
  err_unsupported_response_type: {
    causes: ['The request used a `response_type` other than `code` (for example `token` or `id_token`).'],
    fixes: ['Use the authorization code flow: `response_type=code`, then exchange the code at `/token`.'],
  },
  err_unauthorized_client: {
    causes: [
      'The app has no enabled provider, or `provider_hint` names a provider the app has not enabled.',
      'The app is disabled, or uses a flow type it may not use.',
    ],
    fixes: [
      'Enable the provider for the app with `PUT /admin/v1/apps/{clientId}/providers/{providerId}`.',
      'Check that `provider_hint` names a provider from `GET /v1/providers`.',
    ],
  },
  err_provider_unavailable: {
    causes: [
      'The identity provider is down, in maintenance, rate-limits idgate, or its circuit breaker is open.',
      'In the sandbox: the test identity `provider-unavailable`.',
    ],
    fixes: [
      'Offer the person to try again later, or another provider; health is shown in `GET /v1/providers`.',
      'Retry a new authorization with backoff, not at once.',
    ],
  },
  err_provider_error: {
    causes: [
      'The identity provider answered with an error, an invalid token or data idgate could not use.',
      'The provider settings for the app are wrong (client id, secret or discovery URL).',
    ],
    fixes: [
      'Look up the `PROVIDER_*` code of the verification (`GET /v1/verifications/{id}`, or the log line of the request id).',
      'Check the provider settings with `GET /admin/v1/apps/{clientId}/providers/{providerId}`.',
    ],
  },
  err_presentation_invalid: {
    causes: [
      'The wallet sent a presentation that could not be read, was for another request (nonce, audience), or failed a check.',
    ],
    fixes: [
      'Ask the person to start again with a fresh request; check the wallet supports the requested credential format.',
    ],
  },
  err_credential_untrusted: {
    causes: ['The credential was issued by an issuer outside the configured trust list, or its type is not accepted.'],
    fixes: ['Add the issuer to the trust configuration if it should be accepted, or ask for another credential.'],
  },
  err_credential_expired: {
    causes: ['The presented credential is past its validity, or not valid yet.'],
    fixes: ['Ask the person to renew the credential in their wallet and try again.'],
  },
  err_credential_revoked: {
    causes: ['The issuer revoked or suspended the presented credential (its status list says so).'],
    fixes: ['Ask the person to get a new credential from its issuer.'],
  },
  err_signin_hook_unavailable: {
    causes: [
      "The app's sign-in hook timed out (3 s by default), answered a status other than 2xx, or answered something else than allow or deny.",
      'The hook could not be reached (DNS, TLS, a refused address).',
    ],
    fixes: [
      'Make the hook answer `200` with `{ allow: true }` or `{ allow: false, errMsg, errCode }` within the timeout.',
      "Check the hook URL with `GET /admin/v1/apps/{clientId}` and the request id in idgate's logs.",
    ],
  },
  err_temporarily_unavailable: {
    causes: [
      'idgate rate-limited the request, is overloaded, is shutting down, or its database is unreachable.',
      'In the sandbox: the test identity `idgate-unavailable`.',
    ],
    fixes: ['Start a new authorization after a short delay, with backoff and jitter.'],
  },
  err_internal: {
    causes: ['Something unexpected failed inside idgate; nothing more is sent to the app.'],
    fixes: [
      'Retry once after a delay.',
      'If it persists, report the request id (`X-Request-Id`, and in the log line) to the operator of idgate.',
    ],
  },
};
