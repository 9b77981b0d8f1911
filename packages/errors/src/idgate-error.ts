/**
 * The one error class of idgate. A throw site names a catalog code and may add a
 * per-occurrence `detail`, safe `context`, extra response `headers`, and `debug`
 * information that is logged but never rendered.
 */
import { CATALOG, type CatalogEntry, type ErrorCode, isErrorCode } from './catalog.js';
import type { TxStatusCode } from './transactions.js';

/** A field-level problem, listed in `context.fields` of validation errors. */
export interface FieldProblem {
  /** The field's name as the client knows it (`redirectUris[0]`, `client_id`). */
  readonly name: string;
  /** RFC 6901 JSON pointer into the request body or query, when it has one. */
  readonly pointer?: string;
  /** Why the value was refused. */
  readonly reason: string;
}

/** Safe identifiers and field problems that may be shown to the client. */
export type ErrorContext = Readonly<Record<string, unknown>>;

/** What a throw site may add to a catalog code. */
export interface IdgateErrorOptions {
  /** Client-safe, per-occurrence explanation. Replaced by the catalog text for status ≥ 500. */
  readonly detail?: string;
  /** Logged only, never rendered (fosite's hint/debug split). */
  readonly debug?: unknown;
  /** The underlying error, kept for the log. */
  readonly cause?: unknown;
  /** Safe identifiers only (ids, field names); rendered in problem bodies. */
  readonly context?: ErrorContext;
  /** Extra response headers this occurrence needs (`Retry-After`, `Allow`, …). */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * The transaction status code to report when this error ends an authorization
   * transaction, when it is more precise than the catalog's default for the code.
   */
  readonly txStatus?: TxStatusCode;
}

/** An error from the idgate catalog. */
export class IdgateError extends Error {
  /** The catalog code. */
  readonly code: ErrorCode;
  /** The client-safe detail given at the throw site, if any. */
  readonly detail: string | undefined;
  /** Logged only. */
  readonly debug: unknown;
  /** Safe context for the client. */
  readonly context: ErrorContext | undefined;
  /** Extra response headers. */
  readonly headers: Readonly<Record<string, string>>;
  /** Transaction status code override for authorization redirects. */
  readonly txStatusOverride: TxStatusCode | undefined;

  constructor(code: ErrorCode, options: IdgateErrorOptions = {}) {
    if (!isErrorCode(code)) throw new TypeError(`unknown idgate error code: ${String(code)}`);
    // A client error is an expected outcome, not a fault: its stack would never be read, and
    // capturing one is the most expensive part of answering it. Server errors keep theirs.
    const stackTraceLimit = Error.stackTraceLimit;
    if (CATALOG[code].status < 500 && options.cause === undefined) Error.stackTraceLimit = 0;
    try {
      super(
        options.detail ?? CATALOG[code].description,
        options.cause === undefined ? undefined : { cause: options.cause },
      );
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
    this.name = 'IdgateError';
    this.code = code;
    this.detail = options.detail;
    this.debug = options.debug;
    this.context = options.context;
    this.headers = options.headers ?? {};
    this.txStatusOverride = options.txStatus;
  }

  /** The catalog entry of this error's code. */
  get entry(): CatalogEntry {
    return CATALOG[this.code];
  }

  /** The HTTP status the catalog gives this code (REST surfaces). */
  get status(): number {
    return CATALOG[this.code].status;
  }

  /**
   * The response headers this occurrence needs: the throw site's, plus the catalog's
   * default `Retry-After` when the throw site set none.
   */
  get responseHeaders(): Readonly<Record<string, string>> {
    const retryAfter = CATALOG[this.code].retryAfter;
    if (retryAfter === undefined || Object.keys(this.headers).some((name) => name.toLowerCase() === 'retry-after')) {
      return this.headers;
    }
    return { ...this.headers, 'retry-after': String(retryAfter) };
  }

  /** The transaction status code for authorization redirects. */
  get txStatus(): TxStatusCode {
    return this.txStatusOverride ?? CATALOG[this.code].txStatus;
  }

  /**
   * The detail a client may see: the throw site's detail for client errors, and only
   * the catalog description for status ≥ 500 (nothing internal leaves the server).
   */
  get publicDetail(): string {
    const entry = CATALOG[this.code];
    if (entry.status >= 500 || this.detail === undefined) return entry.description;
    return this.detail;
  }
}

/** Whether a value is an `IdgateError` (also across package copies). */
export function isIdgateError(value: unknown): value is IdgateError {
  return (
    value instanceof IdgateError ||
    (value instanceof Error && value.name === 'IdgateError' && isErrorCode((value as { code?: unknown }).code))
  );
}
