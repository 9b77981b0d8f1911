/**
 * @idgate/client — the TypeScript SDK for apps that use idgate: one typed error for
 * every error form idgate answers with, the category retry strategy, and the
 * user-facing message of every code. Typed REST calls follow as the REST API lands.
 *
 * @packageDocumentation
 */
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
export { networkRetryDelayMs, type RetryOptions, retryDelayMs } from './retry.js';
