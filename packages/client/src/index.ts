/**
 * @idgate/client — the TypeScript SDK for apps that use idgate (SPEC 9): typed calls of
 * the REST API `/v1` (`IdgateClient`) with the category retry strategy built in, one
 * typed error for every error form idgate answers with, and the user-facing message of
 * every code.
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
  FlowDetails,
  FlowType,
  NormalizedAddress,
  NormalizedClaims,
  Provenance,
  Provider,
  ProviderHealth,
  ProviderList,
  StandardClaim,
  TestIdentity,
  Verification,
} from './rest-types.js';
export { networkRetryDelayMs, type RetryOptions, retryDelayMs } from './retry.js';
export { IdgateNetworkError, IdgateResponseError, type RequestTarget } from './transport-errors.js';
