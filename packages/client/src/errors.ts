/**
 * One typed error for every form an idgate error takes: problem+json (REST, admin),
 * OAuth JSON (token, introspection, revocation) and the authorization redirect's query
 * (`error`, `error_description`, `tx_state`, `errMsg`, `errCode`).
 */
import {
  CATALOG,
  type ErrorCategory,
  type ErrorCode,
  isErrorCode,
  isTxState,
  isTxStatusCode,
  type RetryStrategy,
  TX_STATUS_DEFINITIONS,
  type TxState,
  type TxStatusCode,
} from '@idgate/errors';
import { userMessage } from './messages.js';

/** Where an error was read from. */
export type ErrorSource = 'problem' | 'oauth' | 'redirect';

/** What the parsers could read. */
export interface IdgateApiErrorFields {
  readonly source: ErrorSource;
  /** The catalog code (problem `title`, OAuth `error_uri`); undefined for a redirect. */
  readonly code: ErrorCode | undefined;
  /** HTTP status (0 for a redirect). */
  readonly status: number;
  /** The OAuth `error` value, when the surface has one. */
  readonly oauthError: string | undefined;
  /** The transaction status code of a redirect (`err_…`). */
  readonly txStatus: TxStatusCode | undefined;
  /** The transaction state of a redirect. */
  readonly txState: TxState | undefined;
  readonly detail: string;
  readonly requestId: string | undefined;
  /** The app's sign-in hook message and code, passed through unchanged. */
  readonly errMsg: string | undefined;
  readonly errCode: string | undefined;
  /** `Retry-After` in seconds, when the response carried one. */
  readonly retryAfterSeconds: number | undefined;
  /** Safe context (problem+json). */
  readonly context: Readonly<Record<string, unknown>>;
  /** How many HTTP attempts the call made before giving up with this error (default 1). */
  readonly attempts?: number;
}

/** An error answered by idgate, whatever the surface. */
export class IdgateApiError extends Error implements IdgateApiErrorFields {
  readonly source: ErrorSource;
  readonly code: ErrorCode | undefined;
  readonly status: number;
  readonly oauthError: string | undefined;
  readonly txStatus: TxStatusCode | undefined;
  readonly txState: TxState | undefined;
  readonly detail: string;
  readonly requestId: string | undefined;
  readonly errMsg: string | undefined;
  readonly errCode: string | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly context: Readonly<Record<string, unknown>>;
  /** How many HTTP attempts the call made (1 unless `IdgateClient` retried). */
  readonly attempts: number;

  constructor(fields: IdgateApiErrorFields) {
    super(`${fields.code ?? fields.txStatus ?? fields.oauthError ?? 'idgate error'}: ${fields.detail}`);
    this.name = 'IdgateApiError';
    this.source = fields.source;
    this.code = fields.code;
    this.status = fields.status;
    this.oauthError = fields.oauthError;
    this.txStatus = fields.txStatus;
    this.txState = fields.txState;
    this.detail = fields.detail;
    this.requestId = fields.requestId;
    this.errMsg = fields.errMsg;
    this.errCode = fields.errCode;
    this.retryAfterSeconds = fields.retryAfterSeconds;
    this.context = fields.context;
    this.attempts = fields.attempts ?? 1;
  }

  /** The category of the code (redirects: by their OAuth error). */
  get category(): ErrorCategory | undefined {
    return this.code ? CATALOG[this.code].category : undefined;
  }

  /** How to retry (SPEC 3.1). */
  get retry(): RetryStrategy {
    if (this.code) return CATALOG[this.code].retry;
    if (this.status === 429) return 'after_retry_after';
    if (this.status === 502 || this.status === 503 || this.oauthError === 'temporarily_unavailable') return 'backoff';
    if (this.status === 500 || this.oauthError === 'server_error') return 'once';
    return 'never';
  }

  /** Whether retrying can help at all. */
  get retryable(): boolean {
    return this.retry !== 'never';
  }

  /** A message for the end user, in the best of idgate's languages for `acceptLanguage`. */
  userMessage(acceptLanguage = 'en'): string {
    return userMessage(this.code ?? this.txStatus ?? 'SYSTEM_INTERNAL_ERROR', acceptLanguage);
  }
}

function codeFromDocUrl(url: unknown): ErrorCode | undefined {
  if (typeof url !== 'string') return undefined;
  const last = url.slice(url.lastIndexOf('/') + 1);
  return isErrorCode(last) ? last : undefined;
}

function stringOr(value: unknown, fallback: string | undefined): string | undefined {
  return typeof value === 'string' ? value : fallback;
}

function parseRetryAfter(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** Reads a problem+json body. */
export function parseProblem(body: unknown, status: number, retryAfter?: string | null): IdgateApiError {
  return new IdgateApiError(problemFields(body, status, retryAfter));
}

function problemFields(body: unknown, status: number, retryAfter: string | null | undefined): IdgateApiErrorFields {
  const problem = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const code = isErrorCode(problem.title) ? problem.title : codeFromDocUrl(problem.type);
  return {
    source: 'problem',
    code,
    status: typeof problem.status === 'number' ? problem.status : status,
    oauthError: undefined,
    txStatus: undefined,
    txState: undefined,
    detail: stringOr(problem.detail, code ? CATALOG[code].description : `HTTP ${status}`) ?? '',
    requestId: stringOr(problem.request_id, undefined),
    errMsg: undefined,
    errCode: undefined,
    retryAfterSeconds: parseRetryAfter(retryAfter),
    context:
      typeof problem.context === 'object' && problem.context !== null
        ? (problem.context as Record<string, unknown>)
        : {},
  };
}

/** Reads an RFC 6749 §5.2 error body: the code travels in `error_uri`. */
export function parseOAuthError(body: unknown, status: number, retryAfter?: string | null): IdgateApiError {
  return new IdgateApiError(oauthFields(body, status, retryAfter));
}

function oauthFields(body: unknown, status: number, retryAfter: string | null | undefined): IdgateApiErrorFields {
  const oauth = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const code = codeFromDocUrl(oauth.error_uri);
  return {
    source: 'oauth',
    code,
    status,
    oauthError: stringOr(oauth.error, undefined),
    txStatus: undefined,
    txState: undefined,
    detail: stringOr(oauth.error_description, stringOr(oauth.error, `HTTP ${status}`)) ?? '',
    requestId: stringOr(oauth.request_id, undefined),
    errMsg: undefined,
    errCode: undefined,
    retryAfterSeconds: parseRetryAfter(retryAfter),
    context: {},
  };
}

/**
 * Reads an authorization redirect. Returns undefined when the URL carries no `error`
 * (a success redirect).
 */
export function parseAuthorizationRedirect(url: string | URL): IdgateApiError | undefined {
  const query = new URL(url).searchParams;
  const oauthError = query.get('error');
  if (oauthError === null) return undefined;
  const description = query.get('error_description');
  const txStatus = isTxStatusCode(description) ? description : undefined;
  const txState = query.get('tx_state');
  return new IdgateApiError({
    source: 'redirect',
    code: undefined,
    status: 0,
    oauthError,
    txStatus,
    txState: isTxState(txState) ? txState : undefined,
    detail: txStatus ? TX_STATUS_DEFINITIONS[txStatus].description : (description ?? oauthError),
    requestId: undefined,
    errMsg: query.get('errMsg') ?? undefined,
    errCode: query.get('errCode') ?? undefined,
    retryAfterSeconds: undefined,
    context: {},
  });
}

/**
 * Reads any idgate error response (problem+json or OAuth JSON) from a fetch `Response`.
 * A body that is neither (a proxy's HTML page) still gives an error, by its status.
 * `attempts` is recorded on the error (the client passes how many attempts it made).
 */
export async function errorFromResponse(response: Response, attempts = 1): Promise<IdgateApiError> {
  const type = response.headers.get('content-type') ?? '';
  const retryAfter = response.headers.get('retry-after');
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const fields =
    !type.startsWith('application/problem+json') && typeof body === 'object' && body !== null && 'error' in body
      ? oauthFields(body, response.status, retryAfter)
      : problemFields(body, response.status, retryAfter);
  return new IdgateApiError({ ...fields, attempts });
}
