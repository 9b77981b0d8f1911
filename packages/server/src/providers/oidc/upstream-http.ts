/**
 * One HTTP exchange with an upstream provider: through its circuit breaker, bounded by
 * its timeout (`AbortSignal.timeout`) and a body size limit, never following a redirect,
 * and classified. Transport failures come out as {@link UpstreamTransportError}
 * (`unreachable`: refused, DNS, reset before an answer; `timeout`; `failed`: anything else
 * on the wire); an answer of any status comes back as is, for the caller to judge. The
 * breaker counts transport failures, 5xx answers and 429 answers (the upstream rate-limits
 * idgate: calling it on only makes that worse, so repeated 429s open the circuit like an
 * outage) against the provider.
 *
 * {@link upstreamFetch} is the same exchange as `openid-client`'s `customFetch`: every
 * request the library makes (discovery, PAR, token, userinfo, the JWKS of a JARM
 * response) goes through it, so the library never reaches an upstream without the
 * breaker, the timeout and the read cap, and a transport failure or a 429 leaves it as
 * the adapter's `PROVIDER_*` error (carried as the `cause` of the library's error).
 * Every exchange, and every one the open circuit refused, is reported to the observer
 * (metrics) with its outcome and duration.
 */
import type { CustomFetch } from 'openid-client';
import {
  type UpstreamCallObserver,
  type UpstreamCallOutcome,
  upstreamOutcomeOfStatus,
} from '../../domain/observers.js';
import type { CircuitBreaker } from '../circuit-breaker.js';
import { rateLimitedFailure, transportFailure, type UpstreamStep } from './oidc-errors.js';
import { MAX_UPSTREAM_BODY_BYTES, type UpstreamResponse, UpstreamTransportError } from './upstream-answer.js';

/** A 5xx or 429 answer, thrown inside the breaker so that it counts, then handed back. */
class CountedAnswer extends Error {
  readonly response: UpstreamResponse;
  constructor(response: UpstreamResponse) {
    super(`upstream answered ${response.status}`);
    this.response = response;
  }
}

/** Error codes of Node's network stack that mean the provider cannot be reached. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The network error code somewhere in an error's cause chain. */
function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return code;
    // AggregateError (happy eyeballs) carries one error per address.
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors)) {
      const inner = errors.map(networkCode).find((found) => found !== undefined);
      if (inner !== undefined) return inner;
    }
    current = current.cause;
  }
  return undefined;
}

/** Classifies what `fetch` threw. */
function transportError(error: unknown, what: string): UpstreamTransportError {
  const name = error instanceof Error ? error.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new UpstreamTransportError('timeout', `${what}: no answer within the timeout`, error);
  }
  const code = networkCode(error);
  if (code !== undefined) return new UpstreamTransportError('unreachable', `${what}: ${code}`, error);
  return new UpstreamTransportError('failed', `${what}: the exchange failed`, error);
}

/** Reads a body up to {@link MAX_UPSTREAM_BODY_BYTES}. */
async function readBody(response: Response): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > MAX_UPSTREAM_BODY_BYTES) {
    await response.body?.cancel();
    throw new RangeError(`body of ${declared} bytes is over the limit`);
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.byteLength > MAX_UPSTREAM_BODY_BYTES) throw new RangeError('body is over the limit');
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
}

/** What an exchange needs. */
export interface UpstreamCall {
  readonly url: string;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** What this call is, for messages (`discovery`, `token`, …). */
  readonly what: string;
  /** A signal of the caller's besides the timeout (the library's own). */
  readonly signal?: AbortSignal | undefined;
}

/** How exchanges with one provider run. */
export interface UpstreamHttpOptions {
  readonly timeoutMs: number;
  readonly breaker: CircuitBreaker;
  /** Told how each exchange ended (metrics). */
  readonly observer?: UpstreamCallObserver | undefined;
}

/**
 * Runs one exchange through the breaker.
 * @throws UpstreamTransportError (the exchange failed), IdgateError `PROVIDER_UNAVAILABLE` (circuit open)
 */
export async function upstreamExchange(call: UpstreamCall, options: UpstreamHttpOptions): Promise<UpstreamResponse> {
  const started = performance.now();
  let outcome: UpstreamCallOutcome = 'circuit_open';
  try {
    return await options.breaker.run(
      async function exchange() {
        outcome = 'failed';
        const timeout = AbortSignal.timeout(options.timeoutMs);
        const signal = call.signal === undefined ? timeout : AbortSignal.any([timeout, call.signal]);
        let answer: UpstreamResponse;
        try {
          const response = await fetch(call.url, {
            method: call.method ?? 'GET',
            headers: { accept: 'application/json', ...call.headers },
            ...(call.body === undefined ? {} : { body: call.body }),
            redirect: 'manual',
            signal,
          });
          answer = {
            status: response.status,
            contentType: response.headers.get('content-type') ?? '',
            headers: response.headers,
            text: await readBody(response),
            retryAfter: response.headers.get('retry-after') ?? undefined,
          };
        } catch (error) {
          if (error instanceof RangeError)
            throw new UpstreamTransportError('failed', `${call.what}: ${error.message}`, error);
          const failure = transportError(error, call.what);
          outcome = failure.kind;
          throw failure;
        }
        outcome = upstreamOutcomeOfStatus(answer.status);
        if (answer.status >= 500 || answer.status === 429) throw new CountedAnswer(answer);
        return answer;
      },
      function countsAgainstProvider(error) {
        return error instanceof UpstreamTransportError || error instanceof CountedAnswer;
      },
    );
  } catch (error) {
    if (error instanceof CountedAnswer) return error.response;
    throw error;
  } finally {
    options.observer?.upstreamCallFinished(options.breaker.providerId, outcome, (performance.now() - started) / 1000);
  }
}

/** What {@link upstreamFetch} needs. */
export interface UpstreamFetchOptions extends UpstreamHttpOptions {
  readonly providerId: string;
  readonly clock: () => Date;
  /** The step a request URL belongs to (for the errors and the log). */
  readonly stepOf: (url: string) => UpstreamStep;
  /** Sees every answer that was read, with its step (the adapter checks what the upstream really sent). */
  readonly onAnswer?: (step: UpstreamStep, answer: UpstreamResponse) => void;
}

/** Statuses whose `Response` must not have a body (the Fetch standard's "null body status"). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * A `customFetch` for `openid-client`: each request is one {@link upstreamExchange}.
 * @throws IdgateError `PROVIDER_UNAVAILABLE` (unreachable, 429, circuit open), `PROVIDER_ERROR` (timeout, wire failure)
 */
export function upstreamFetch(options: UpstreamFetchOptions): CustomFetch {
  return async function fetchUpstream(url, init) {
    const step = options.stepOf(url);
    let answer: UpstreamResponse;
    try {
      answer = await upstreamExchange(
        {
          url,
          method: init.method,
          headers: init.headers,
          ...(init.body === undefined || init.body === null ? {} : { body: bodyText(init.body) }),
          what: step,
          signal: init.signal,
        },
        options,
      );
    } catch (error) {
      if (error instanceof UpstreamTransportError) throw transportFailure(error, options.providerId, step);
      throw error;
    }
    const rateLimited = rateLimitedFailure(answer, options.providerId, step, options.clock());
    if (rateLimited !== undefined) throw rateLimited;
    options.onAnswer?.(step, answer);
    const body = NULL_BODY_STATUSES.has(answer.status) ? null : answer.text;
    return new Response(body, { status: answer.status, headers: answer.headers });
  };
}

/** The request bodies `openid-client` sends (form parameters or text) as text. */
function bodyText(body: unknown): string {
  if (typeof body === 'string' || body instanceof URLSearchParams) return body.toString();
  if (body instanceof Uint8Array || body instanceof ArrayBuffer) return new TextDecoder().decode(body);
  throw new TypeError('an upstream request body must be text or form parameters');
}
