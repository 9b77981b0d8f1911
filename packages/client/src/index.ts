/**
 * @idgate/client — the TypeScript SDK for apps that use idgate (SPEC 9): typed calls of
 * the REST API `/v1` (`IdgateClient`) with the category retry strategy built in and a
 * wait for a session's result, one typed error for every error form idgate answers
 * with, the user-facing message of every code, and the check of the `Idgate-Signature`
 * of webhooks and sign-in hook calls.
 *
 * @packageDocumentation
 */
export { type Challenge, parseChallenges } from './challenges.js';
export {
  type ErrorSource,
  errorFromResponse,
  IdgateApiError,
  type IdgateApiErrorFields,
  parseAuthorizationRedirect,
  parseOAuthError,
  parseProblem,
} from './errors.js';
/** Every wire type of the OpenAPI document (`paths`, `components`, `operations`, `webhooks`), admin API included. */
export type * as IdgateOpenApi from './generated/openapi.js';
export { userMessage } from './messages.js';
export {
  type AccessTokenSource,
  type CallOptions,
  type CreateVerificationOptions,
  IdgateClient,
  type IdgateClientOptions,
  type IdgateClientSettings,
  type IdgateCredentials,
  SDK_VERSION,
} from './rest-client.js';
export type {
  CreatedVerification,
  CreateVerificationRequest,
  DcResponseRequest,
  FlowDetails,
  FlowType,
  NormalizedAddress,
  NormalizedClaims,
  Provenance,
  Provider,
  ProviderHealth,
  ProviderList,
  SignInHookAnswer,
  SignInHookRequest,
  StandardClaim,
  TestIdentity,
  Verification,
  WebhookEvent,
  WebhookEventType,
} from './rest-types.js';
export { networkRetryDelayMs, type RetryOptions, retryDelayMs } from './retry.js';
export { IdgateNetworkError, IdgateResponseError, type RequestTarget } from './transport-errors.js';
export {
  IdgateWaitTimeoutError,
  isTerminalState,
  TERMINAL_STATES,
  type TerminalState,
  type WaitForVerificationOptions,
} from './wait-for-verification.js';
export {
  DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
  IdgateSignatureError,
  type SignatureFailure,
  type VerifiedIdgateSignature,
  type VerifyIdgateSignatureOptions,
  verifyIdgateSignature,
} from './webhook-signature.js';
