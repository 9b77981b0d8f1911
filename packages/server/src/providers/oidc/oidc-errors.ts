/**
 * How the upstream adapter reports failures: one catalog code per kind of failure, a
 * generic `detail` that names only the provider id (never the upstream's hosts or URLs),
 * and the specifics in `debug` and `cause`, which are logged and never rendered.
 *
 * | failure | code |
 * |---|---|
 * | refused, DNS, reset before an answer; circuit open | `PROVIDER_UNAVAILABLE` |
 * | 429 from any upstream endpoint (it rate-limits idgate) | `PROVIDER_UNAVAILABLE`, with its `Retry-After` (1–3600 s) |
 * | timeout, 5xx, an upstream OAuth error | `PROVIDER_ERROR` |
 * | 401 / `invalid_client` at the token endpoint | `PROVIDER_AUTHENTICATION_FAILED` |
 * | bad JSON, wrong content, bad signature, wrong `iss`/`aud`/`nonce`/`azp`, expired ID token | `PROVIDER_UNEXPECTED_RESPONSE` |
 * | discovery failing at start | `PROVIDER_INITIALIZATION_FAILED` |
 * | settings missing or invalid | `PROVIDER_CONFIGURATION_ERROR` |
 */
import { type ErrorCode, IdgateError } from '@idgate/errors';
import type { UpstreamResponse, UpstreamTransportError } from './upstream-http.js';

/** The bounds of a `Retry-After` taken from an upstream (seconds). */
export const UPSTREAM_RETRY_AFTER_MIN_S = 1;
export const UPSTREAM_RETRY_AFTER_MAX_S = 3600;

/** The step of the upstream exchange a failure happened in (for logs). */
export type UpstreamStep = 'discovery' | 'authorization' | 'token' | 'jwks' | 'id_token' | 'userinfo';

type ProviderCode = Extract<
  ErrorCode,
  | 'PROVIDER_UNAVAILABLE'
  | 'PROVIDER_ERROR'
  | 'PROVIDER_AUTHENTICATION_FAILED'
  | 'PROVIDER_UNEXPECTED_RESPONSE'
  | 'PROVIDER_INITIALIZATION_FAILED'
  | 'PROVIDER_CONFIGURATION_ERROR'
>;

/** The client-safe detail of each code, naming the provider id only. */
function genericDetail(code: ProviderCode, providerId: string): string {
  switch (code) {
    case 'PROVIDER_UNAVAILABLE':
      return `Provider ${providerId} cannot be reached right now; retry later.`;
    case 'PROVIDER_ERROR':
      return `Provider ${providerId} failed or did not answer in time.`;
    case 'PROVIDER_AUTHENTICATION_FAILED':
      return `Provider ${providerId} rejected idgate's client credentials; check the provider's clientId and clientSecret (instance configuration or the app's provider settings).`;
    case 'PROVIDER_UNEXPECTED_RESPONSE':
      return `Provider ${providerId} sent an answer idgate cannot accept.`;
    case 'PROVIDER_INITIALIZATION_FAILED':
      return `Provider ${providerId} could not start the sign-in.`;
    case 'PROVIDER_CONFIGURATION_ERROR':
      return `Provider ${providerId} is not configured correctly for this app.`;
  }
}

/** A `PROVIDER_*` error of the upstream adapter. */
export function providerFailure(
  code: ProviderCode,
  providerId: string,
  step: UpstreamStep,
  options: {
    readonly reason: string;
    readonly debug?: Record<string, unknown>;
    readonly cause?: unknown;
    readonly detail?: string;
  } = {
    reason: 'failed',
  },
): IdgateError {
  return new IdgateError(code, {
    detail: options.detail ?? genericDetail(code, providerId),
    context: { providerId, step },
    debug: { step, reason: options.reason, ...options.debug },
    ...(options.cause === undefined ? {} : { cause: options.cause }),
  });
}

/** The error of a failed exchange: unreachable → `PROVIDER_UNAVAILABLE`; timeout or other → `PROVIDER_ERROR`. */
export function transportFailure(error: UpstreamTransportError, providerId: string, step: UpstreamStep): IdgateError {
  const code: ProviderCode = error.kind === 'unreachable' ? 'PROVIDER_UNAVAILABLE' : 'PROVIDER_ERROR';
  return providerFailure(code, providerId, step, {
    reason: error.kind,
    debug: { message: error.message },
    cause: error,
  });
}

/**
 * An upstream `Retry-After` (RFC 9110 §10.2.3: delay-seconds or an HTTP date) as whole
 * seconds from `now`, clamped to {@link UPSTREAM_RETRY_AFTER_MIN_S}–{@link UPSTREAM_RETRY_AFTER_MAX_S}
 * (an upstream must not make idgate tell apps to wait a day, nor not at all).
 * @returns `undefined` when absent or unreadable (the catalog's default then applies)
 */
export function upstreamRetryAfterSeconds(value: string | undefined, now: Date): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  let seconds: number;
  if (/^[0-9]{1,10}$/.test(text)) {
    seconds = Number(text);
  } else {
    const at = Date.parse(text);
    // Only the HTTP-date forms: a bare number of another shape or free text is unreadable.
    if (!/[A-Za-z]/.test(text) || Number.isNaN(at)) return undefined;
    seconds = Math.ceil((at - now.getTime()) / 1000);
  }
  return Math.min(UPSTREAM_RETRY_AFTER_MAX_S, Math.max(UPSTREAM_RETRY_AFTER_MIN_S, seconds));
}

/**
 * The error of an upstream answering 429 (it rate-limits idgate, SPEC 3.1):
 * `PROVIDER_UNAVAILABLE`, carrying the upstream's `Retry-After` when it sent a readable one.
 * @returns `undefined` when the answer is not a 429
 */
export function rateLimitedFailure(
  response: UpstreamResponse,
  providerId: string,
  step: UpstreamStep,
  now: Date,
): IdgateError | undefined {
  if (response.status !== 429) return undefined;
  const retryAfter = upstreamRetryAfterSeconds(response.retryAfter, now);
  return new IdgateError('PROVIDER_UNAVAILABLE', {
    detail: `Provider ${providerId} is rate-limiting idgate right now; retry later.`,
    context: { providerId, step, reason: 'rate_limited' },
    ...(retryAfter === undefined ? {} : { headers: { 'retry-after': String(retryAfter) } }),
    debug: { step, reason: 'upstream answered 429', retryAfter: response.retryAfter?.slice(0, 100) },
  });
}
