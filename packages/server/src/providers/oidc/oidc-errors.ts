/**
 * How the upstream adapter reports failures: one catalog code per kind of failure, a
 * generic `detail` that names only the provider id (never the upstream's hosts or URLs),
 * and the specifics in `debug` and `cause`, which are logged and never rendered.
 *
 * | failure | code |
 * |---|---|
 * | refused, DNS, reset before an answer; circuit open | `PROVIDER_UNAVAILABLE` |
 * | 429 from any upstream endpoint (it rate-limits idgate) | `PROVIDER_UNAVAILABLE`, with its `Retry-After` (1–3600 s) |
 * | timeout, 5xx, an upstream OAuth error at the token endpoint | `PROVIDER_ERROR` |
 * | 401 / `invalid_client` at the token or PAR endpoint (a refused secret or client assertion) | `PROVIDER_AUTHENTICATION_FAILED` |
 * | bad JSON, wrong content, bad signature, wrong `iss`/`aud`/`nonce`/`azp`, expired ID token, a token not encrypted as configured or not decryptable, a JARM response that fails validation | `PROVIDER_UNEXPECTED_RESPONSE` |
 * | discovery failing at start, the upstream not offering what the profile needs, PAR refused otherwise | `PROVIDER_INITIALIZATION_FAILED` |
 * | settings missing or invalid | `PROVIDER_CONFIGURATION_ERROR` |
 *
 * `openid-client` reports its failures as its own errors; {@link upstreamFailure} turns
 * each into one of these codes by the step it happened in and the upstream's answer
 * (status, OAuth `error`), never by message text.
 */
import { type ErrorCode, IdgateError, isIdgateError } from '@idgate/errors';
import { AuthorizationResponseError, ResponseBodyError, WWWAuthenticateChallengeError } from 'openid-client';
import type { UpstreamResponse, UpstreamTransportError } from './upstream-answer.js';

/** The bounds of a `Retry-After` taken from an upstream (seconds). */
export const UPSTREAM_RETRY_AFTER_MIN_S = 1;
export const UPSTREAM_RETRY_AFTER_MAX_S = 3600;

/** The step of the upstream exchange a failure happened in (for logs). */
export type UpstreamStep = 'discovery' | 'par' | 'authorization' | 'token' | 'jwks' | 'id_token' | 'userinfo';

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
      return `Provider ${providerId} rejected idgate's client authentication; check the provider's clientId and clientSecret (instance configuration or the app's provider settings), or, for private_key_jwt, that the upstream has idgate's relying-party keys (/rp/jwks.json).`;
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

/** The `PROVIDER_*` error the adapter threw itself (an exchange's), if `error` is or wraps one. */
function ownError(error: unknown): IdgateError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (isIdgateError(current)) return current;
    current = current.cause;
  }
  return undefined;
}

/** The HTTP status of the upstream answer an `openid-client` error is about, if any. */
function statusOf(error: unknown): number | undefined {
  if (error instanceof ResponseBodyError || error instanceof WWWAuthenticateChallengeError) return error.status;
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== undefined && current !== null; depth++) {
    if (current instanceof Response) return current.status;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The OAuth `error` of the upstream's answer (RFC 6749 §5.2), or `invalid_client` from a challenge. */
function oauthErrorOf(error: unknown): string | undefined {
  if (error instanceof ResponseBodyError) return error.error;
  if (error instanceof WWWAuthenticateChallengeError) {
    const challenge = error.cause.find((each) => typeof each.parameters.error === 'string');
    return challenge?.parameters.error;
  }
  return undefined;
}

/** What the library compared and found different (`claim` of a JWT, `attribute` of a JSON answer), if it says. */
function comparedName(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const { claim, attribute } = current as { claim?: unknown; attribute?: unknown };
    if (typeof claim === 'string') return claim;
    if (typeof attribute === 'string') return attribute;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The message of the innermost error an error wraps (the library's wrapper says less than its cause). */
function innermostMessage(error: unknown): string | undefined {
  let message: string | undefined;
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    message = current.message;
    current = current.cause;
  }
  return message?.slice(0, 200);
}

/** The library's error code (`OAUTH_…`, `ERR_…`). */
function libraryCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** Why an answer was refused, for the log: the claim or attribute that differed, else the library's code. */
function refusalReason(error: unknown, step: UpstreamStep): string {
  const compared = comparedName(error);
  const code = libraryCode(error);
  if (
    compared !== undefined &&
    (code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED' || code === 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED')
  ) {
    return step === 'userinfo' ? `userinfo ${compared} mismatch` : `${compared} mismatch`;
  }
  return `${step} answer refused: ${code ?? (error instanceof Error ? error.name : 'unknown')}`;
}

/**
 * The adapter's error for what `openid-client` threw at `step`:
 * - an error of the adapter's own (a transport failure, a 429, an open circuit, carried as the cause) as it is;
 * - discovery: any failure is `PROVIDER_INITIALIZATION_FAILED`;
 * - PAR and token: 401 or `invalid_client` is `PROVIDER_AUTHENTICATION_FAILED` (a refused secret or client assertion);
 * - any 5xx is `PROVIDER_ERROR`; at the token endpoint an OAuth error too (`invalid_grant` …);
 * - PAR refusing otherwise is `PROVIDER_INITIALIZATION_FAILED`;
 * - anything else (bad JSON, missing members, claims that do not match, decryption, JARM) `PROVIDER_UNEXPECTED_RESPONSE`.
 * A `TypeError` of the library is a programming error and passes through.
 */
export function upstreamFailure(
  error: unknown,
  providerId: string,
  step: UpstreamStep,
  extraDebug: Readonly<Record<string, unknown>> = {},
): Error {
  const own = ownError(error);
  if (own !== undefined) return own;
  if (error instanceof TypeError) return error;
  const status = statusOf(error);
  const oauthError = oauthErrorOf(error);
  const debug = {
    status,
    error: oauthError?.slice(0, 100),
    libraryCode: libraryCode(error),
    message: innermostMessage(error),
    ...extraDebug,
  };
  const fail = (code: ProviderCode, reason: string) =>
    providerFailure(code, providerId, step, { reason, debug, cause: error });
  if (step === 'discovery') {
    return fail(
      'PROVIDER_INITIALIZATION_FAILED',
      status === undefined ? refusalReason(error, step) : `discovery answered ${status}`,
    );
  }
  if ((step === 'par' || step === 'token') && (status === 401 || oauthError === 'invalid_client')) {
    return fail('PROVIDER_AUTHENTICATION_FAILED', 'client authentication refused');
  }
  if (status !== undefined && status >= 500) return fail('PROVIDER_ERROR', `${step} answered ${status}`);
  if (step === 'par') return fail('PROVIDER_INITIALIZATION_FAILED', 'pushed authorization request refused');
  if (step === 'token' && error instanceof ResponseBodyError) return fail('PROVIDER_ERROR', 'token request refused');
  if (error instanceof AuthorizationResponseError) {
    return fail('PROVIDER_ERROR', 'upstream authorization error');
  }
  return fail('PROVIDER_UNEXPECTED_RESPONSE', refusalReason(error, step));
}
