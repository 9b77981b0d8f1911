/**
 * `IdgateClient`: typed calls of idgate's REST API `/v1` (SPEC 4, 9) with the category
 * retry strategy built in.
 *
 * - Authentication: HTTP Basic with the app's `clientId`/`clientSecret` (confidential
 *   apps), or a bearer `accessToken` from the `client_credentials` grant — a string, or a
 *   function asked before every attempt (so it can refresh).
 * - Every non-2xx answer throws an `IdgateApiError` read from the body
 *   (`errorFromResponse`); a 2xx answer that is not the promised JSON throws an
 *   `IdgateResponseError` (a `TypeError`); no HTTP answer at all (connection failure,
 *   or the attempt took longer than `timeoutMs`) throws an `IdgateNetworkError`.
 * - Retries follow `retryDelayMs`: 429 after `Retry-After`, 502/503 backoff with jitter,
 *   500 once, everything else never. A network failure or timeout is retried like a 503,
 *   but only where a request may run twice: GETs, and `createVerification`, which always
 *   sends an `Idempotency-Key` (the same one on every attempt of a call). Cancelling is
 *   not retried after a network failure: the server has no idempotency for it, and a
 *   repeated cancel of a cancelled session is a 409.
 *
 * Meant for servers: the client secret must never reach a browser.
 */
import { errorFromResponse, IdgateApiError } from './errors.js';
import {
  type CreatedVerification,
  type CreateVerificationRequest,
  type DcResponseRequest,
  type Provider,
  type ProviderList,
  RESPONSE_SHAPES,
  type ResponseShape,
  type Verification,
} from './rest-types.js';
import { networkRetryDelayMs, type RetryOptions, retryDelayMs } from './retry.js';
import { IdgateNetworkError, IdgateResponseError, type RequestTarget } from './transport-errors.js';
import { type WaitForVerificationOptions, waitForVerification } from './wait-for-verification.js';

/** The SDK's version, sent in `User-Agent` (kept equal to package.json by a test). */
export const SDK_VERSION = '0.1.0';

/** A bearer token, or where to get one before every attempt. */
export type AccessTokenSource = string | (() => string | Promise<string>);

/** The app's credentials: its client id and secret (HTTP Basic), or a bearer token. */
export type IdgateCredentials =
  | { readonly clientId: string; readonly clientSecret: string; readonly accessToken?: never }
  | { readonly accessToken: AccessTokenSource; readonly clientId?: never; readonly clientSecret?: never };

/** Everything but the credentials. */
export interface IdgateClientSettings {
  /** Where idgate answers, e.g. `https://id.example.com` (a path prefix is kept). */
  readonly baseUrl: string | URL;
  /** The `fetch` to use (default: the global one). */
  readonly fetch?: typeof fetch;
  /** Retry tuning (`maxAttempts: 1` turns retries off). */
  readonly retry?: RetryOptions;
  /** Longest wait for one attempt's answer, body included, in ms (default 30 000). */
  readonly timeoutMs?: number;
  /** The app's product token, sent before the SDK's own in `User-Agent` (`shop/2.1`). */
  readonly userAgent?: string;
  /** How to wait between attempts and between the reads of `waitForVerification` (tests inject one). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** The current time in ms, for `waitForVerification`'s timeout (default `Date.now`; tests inject one with `sleep`). */
  readonly now?: () => number;
  /** Makes an `Idempotency-Key` when a call gives none (default `crypto.randomUUID()`). */
  readonly idempotencyKey?: () => string;
}

/** What `new IdgateClient(…)` takes. */
export type IdgateClientOptions = IdgateClientSettings & IdgateCredentials;

/** Options of every call. */
export interface CallOptions {
  /** Aborts the call (also between attempts); the abort reason is thrown as is. */
  readonly signal?: AbortSignal;
}

/** Options of {@link IdgateClient.createVerification}. */
export interface CreateVerificationOptions extends CallOptions {
  /**
   * The `Idempotency-Key` (1–255 visible ASCII characters). Give your own to make a retry
   * of the whole call, later or from another process, safe; default: a fresh UUID per call.
   */
  readonly idempotencyKey?: string;
}

/** How one request is made. */
interface RequestPlan extends RequestTarget {
  readonly shape: ResponseShape;
  readonly body?: unknown;
  readonly idempotencyKey?: string;
  /** Whether a network failure or timeout may be retried (the request may run twice). */
  readonly retryNetworkFailures: boolean;
  readonly signal: AbortSignal | undefined;
}

/** The response types by shape name. */
interface Shapes {
  ProviderList: ProviderList;
  Provider: Provider;
  CreatedVerification: CreatedVerification;
  Verification: Verification;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7E]{1,255}$/;

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function requireText(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`${name} must be a non-empty string`);
  return value;
}

/** RFC 6749 §2.3.1: id and secret are form-encoded before Basic encoding. */
function basicAuthorization(clientId: string, clientSecret: string): string {
  const encode = (part: string) => encodeURIComponent(part).replace(/%20/g, '+');
  // Form-encoded text is ASCII, so btoa needs no UTF-8 step (and works outside Node too).
  return `Basic ${btoa(`${encode(clientId)}:${encode(clientSecret)}`)}`;
}

/** The least wait before reading again after a transient failure, or undefined when it is not transient. */
function transientDelayMs(error: unknown): number | undefined {
  if (error instanceof IdgateApiError) return error.retryable ? (error.retryAfterSeconds ?? 0) * 1000 : undefined;
  return error instanceof IdgateNetworkError ? 0 : undefined;
}

/** A client of idgate's REST API for one app. */
export class IdgateClient {
  readonly #base: string;
  readonly #authorization: () => Promise<string>;
  readonly #fetch: typeof fetch;
  readonly #retry: RetryOptions;
  readonly #timeoutMs: number;
  readonly #userAgent: string;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #now: () => number;
  readonly #newIdempotencyKey: () => string;

  /** @throws TypeError for a base URL that is not http(s), or missing credentials. */
  constructor(options: IdgateClientOptions) {
    const base = new URL(String(options.baseUrl));
    if (base.protocol !== 'https:' && base.protocol !== 'http:') {
      throw new TypeError(`baseUrl must be an http(s) URL, not ${base.protocol}`);
    }
    base.search = '';
    base.hash = '';
    this.#base = base.toString().replace(/\/+$/, '');
    if (options.accessToken !== undefined) {
      const source = options.accessToken;
      if (typeof source !== 'function') requireText(source, 'accessToken');
      this.#authorization = async () =>
        `Bearer ${requireText(typeof source === 'function' ? await source() : source, 'accessToken')}`;
    } else {
      const header = basicAuthorization(
        requireText(options.clientId, 'clientId'),
        requireText(options.clientSecret, 'clientSecret'),
      );
      this.#authorization = async () => header;
    }
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#retry = options.retry ?? {};
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    if (!(this.#timeoutMs > 0)) throw new TypeError('timeoutMs must be a positive number');
    this.#userAgent = `${options.userAgent ? `${options.userAgent} ` : ''}idgate-client/${SDK_VERSION}`;
    this.#sleep = options.sleep ?? defaultSleep;
    this.#now = options.now ?? Date.now;
    this.#newIdempotencyKey = options.idempotencyKey ?? (() => crypto.randomUUID());
  }

  /** `GET /v1/providers`: the providers enabled for the app (scope `providers`). */
  async listProviders(options: CallOptions = {}): Promise<ProviderList> {
    return this.#call({
      method: 'GET',
      path: '/v1/providers',
      shape: 'ProviderList',
      retryNetworkFailures: true,
      signal: options.signal,
    });
  }

  /**
   * `GET /v1/providers/{providerId}` (scope `providers`).
   * @throws IdgateApiError `PROVIDER_NOT_FOUND` (404), `PROVIDER_NOT_ENABLED` (403), …
   */
  async getProvider(providerId: string, options: CallOptions = {}): Promise<Provider> {
    return this.#call({
      method: 'GET',
      path: `/v1/providers/${encodeURIComponent(requireText(providerId, 'providerId'))}`,
      shape: 'Provider',
      retryNetworkFailures: true,
      signal: options.signal,
    });
  }

  /**
   * `POST /v1/verifications` (scope `verifications`): creates a session and starts it at
   * the provider. Always sends an `Idempotency-Key`, the same on every attempt, so a
   * retried call never creates a second session; the same key with the same body answers
   * the first session again.
   * @throws IdgateApiError `VALIDATION_*`, `SESSION_INVALID_FLOW`, `PROVIDER_*`,
   *   `RESOURCE_CONFLICT` (the key was used with another body, or its first request still runs) …
   */
  async createVerification(
    body: CreateVerificationRequest,
    options: CreateVerificationOptions = {},
  ): Promise<CreatedVerification> {
    const idempotencyKey = options.idempotencyKey ?? this.#newIdempotencyKey();
    if (!IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new TypeError('idempotencyKey must be 1–255 visible ASCII characters');
    }
    return this.#call({
      method: 'POST',
      path: '/v1/verifications',
      shape: 'CreatedVerification',
      body,
      idempotencyKey,
      retryNetworkFailures: true,
      signal: options.signal,
    });
  }

  /**
   * `GET /v1/verifications/{id}` (scope `verifications`): the session, brought up to date
   * (poll it); once completed with the verified identity.
   * @throws IdgateApiError `SESSION_VERIFICATION_NOT_FOUND` (404) …
   */
  async getVerification(verificationId: string, options: CallOptions = {}): Promise<Verification> {
    return this.#call({
      method: 'GET',
      path: `/v1/verifications/${encodeURIComponent(requireText(verificationId, 'verificationId'))}`,
      shape: 'Verification',
      retryNetworkFailures: true,
      signal: options.signal,
    });
  }

  /**
   * `POST /v1/verifications/{id}/cancel` (scope `verifications`): answers the cancelled
   * session. Not retried after a network failure (see the module comment).
   * @throws IdgateApiError `SESSION_INVALID_STATUS_TRANSITION` (409) from a terminal
   *   state, `SESSION_VERIFICATION_NOT_FOUND` (404) …
   */
  async cancelVerification(verificationId: string, options: CallOptions = {}): Promise<Verification> {
    return this.#call({
      method: 'POST',
      path: `/v1/verifications/${encodeURIComponent(requireText(verificationId, 'verificationId'))}/cancel`,
      shape: 'Verification',
      retryNetworkFailures: false,
      signal: options.signal,
    });
  }

  /**
   * `POST /v1/verifications/{id}/dc-response` (scope `verifications`): relays what the
   * Digital Credentials API returned to the app's page for a `dc_api` session
   * (`{ protocol, data }` of the credential) and answers the session, verified. Not
   * retried after a network failure: a session takes one answer.
   * @throws IdgateApiError `PROVIDER_PRESENTATION_INVALID`, `PROVIDER_CREDENTIAL_*` (the
   *   session is failed), `SESSION_INVALID_FLOW`, `SESSION_INVALID_STATUS_TRANSITION` …
   */
  async relayDcResponse(
    verificationId: string,
    credential: DcResponseRequest,
    options: CallOptions = {},
  ): Promise<Verification> {
    return this.#call({
      method: 'POST',
      path: `/v1/verifications/${encodeURIComponent(requireText(verificationId, 'verificationId'))}/dc-response`,
      shape: 'Verification',
      body: credential,
      retryNetworkFailures: false,
      signal: options.signal,
    });
  }

  /**
   * Reads the session (`GET /v1/verifications/{id}`) until it has ended — `completed`,
   * `failed`, `cancelled` or `expired` — and answers it: at once, then every
   * `intervalMs` (2 s) growing to `maxIntervalMs` (10 s), never later than just after its
   * `expiresAt`, at least a `Retry-After` apart. A transient failure (retryable
   * `IdgateApiError`, `IdgateNetworkError`) after the read's own retries does not end the
   * wait; `onUpdate` sees every change of status.
   * @throws IdgateWaitTimeoutError after `timeoutMs` (default 15 minutes), with the last session read.
   * @throws the `signal`'s abort reason, as is.
   * @throws IdgateApiError `SESSION_VERIFICATION_NOT_FOUND` (404) and other errors that are not transient.
   */
  async waitForVerification(verificationId: string, options: WaitForVerificationOptions = {}): Promise<Verification> {
    requireText(verificationId, 'verificationId');
    return waitForVerification(verificationId, options, {
      read: (id, signal) => this.getVerification(id, { signal }),
      sleep: this.#sleep,
      now: this.#now,
      transientDelayMs: transientDelayMs,
    });
  }

  async #call<S extends ResponseShape>(plan: RequestPlan & { shape: S }): Promise<Shapes[S]> {
    const bodyText = plan.body === undefined ? undefined : JSON.stringify(plan.body);
    for (let attempt = 1; ; attempt++) {
      plan.signal?.throwIfAborted();
      const headers: Record<string, string> = {
        accept: 'application/json',
        authorization: await this.#authorization(),
        'user-agent': this.#userAgent,
      };
      if (bodyText !== undefined) headers['content-type'] = 'application/json';
      if (plan.idempotencyKey !== undefined) headers['idempotency-key'] = plan.idempotencyKey;
      const timeout = AbortSignal.timeout(this.#timeoutMs);
      const signal = plan.signal ? AbortSignal.any([plan.signal, timeout]) : timeout;

      let response: Response;
      let text: string;
      try {
        response = await this.#fetch(`${this.#base}${plan.path}`, {
          method: plan.method,
          headers,
          ...(bodyText === undefined ? {} : { body: bodyText }),
          signal,
          redirect: 'manual',
        });
        text = await response.text();
      } catch (error) {
        if (plan.signal?.aborted) throw plan.signal.reason;
        const delay = plan.retryNetworkFailures ? networkRetryDelayMs(attempt, this.#retry) : undefined;
        if (delay === undefined) {
          throw new IdgateNetworkError(plan, { timedOut: timeout.aborted, attempts: attempt, cause: error });
        }
        await this.#sleep(delay);
        continue;
      }

      if (response.status >= 200 && response.status < 300) return this.#parse(plan, response, text);
      // errorFromResponse reads the body itself; the text was read above, under the timeout.
      const copy = new Response(text === '' ? null : text, { status: response.status, headers: response.headers });
      const error = await errorFromResponse(copy, attempt);
      const delay = retryDelayMs(error, attempt, this.#retry);
      if (delay === undefined) throw error;
      await this.#sleep(delay);
    }
  }

  #parse<S extends ResponseShape>(plan: RequestPlan & { shape: S }, response: Response, text: string): Shapes[S] {
    const fail = (problems: string[]) =>
      new IdgateResponseError(plan, {
        status: response.status,
        requestId: response.headers.get('x-request-id') ?? undefined,
        problems,
      });
    const type = response.headers.get('content-type') ?? '';
    if (!/^application\/json\s*(;|$)/i.test(type)) {
      throw fail([`body: not JSON (Content-Type ${type === '' ? 'missing' : type})`]);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw fail(['body: not valid JSON']);
    }
    const problems = RESPONSE_SHAPES[plan.shape](body, 'body');
    if (problems.length > 0) throw fail(problems);
    return body as Shapes[S];
  }
}
