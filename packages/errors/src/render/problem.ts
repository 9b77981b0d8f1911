/**
 * RFC 9457 problem details for the REST and admin surfaces (SPEC 3).
 */
import { CATALOG, type ErrorCategory } from '../catalog.js';
import { messagesFor } from '../i18n/index.js';
import type { ErrorContext, IdgateError } from '../idgate-error.js';

/** The media type of every REST and admin error. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The members of an idgate problem body, in the order they are sent. */
export interface ProblemDetails {
  /** `<issuer>/errors/<CODE>`: a page served by idgate. */
  readonly type: string;
  /** The catalog code. */
  readonly title: string;
  readonly status: number;
  /** For developers; the catalog text for status ≥ 500. */
  readonly detail: string;
  /** The request path (without query). */
  readonly instance: string;
  /** ISO 8601, UTC, milliseconds. */
  readonly timestamp: string;
  readonly request_id: string;
  readonly category: ErrorCategory;
  readonly retryable: boolean;
  /** Safe identifiers and, for validation errors, `fields`. */
  readonly context: ErrorContext;
  /** Same as `type`. */
  readonly doc_url: string;
  /** A message for the end user, in the negotiated language (`Content-Language`). */
  readonly user_message: string;
}

/** What a renderer needs to know about the request. */
export interface RenderRequestContext {
  /** Public base URL of idgate, without trailing slash. */
  readonly issuer: string;
  /** Request id (also sent as `X-Request-Id`). */
  readonly requestId: string;
  /** Request path without query. */
  readonly instance: string;
  /** Negotiated locale for user-facing text (default `en`). */
  readonly locale?: string;
  /** Time of the error (default now). */
  readonly now?: Date;
}

/** A rendered HTTP response: status, headers and body. */
export interface RenderedResponse<Body> {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Body;
}

/** The documentation URL of a code. */
export function docUrlFor(issuer: string, code: string): string {
  return `${issuer}/errors/${code}`;
}

/** Renders an error as problem+json. */
export function renderProblem(error: IdgateError, request: RenderRequestContext): RenderedResponse<ProblemDetails> {
  const entry = CATALOG[error.code];
  const messages = messagesFor(request.locale ?? 'en');
  const docUrl = docUrlFor(request.issuer, error.code);
  return {
    status: entry.status,
    headers: { ...error.responseHeaders, 'content-type': PROBLEM_CONTENT_TYPE, 'content-language': messages.locale },
    body: {
      type: docUrl,
      title: error.code,
      status: entry.status,
      detail: error.publicDetail,
      instance: request.instance,
      timestamp: (request.now ?? new Date()).toISOString(),
      request_id: request.requestId,
      category: entry.category,
      retryable: entry.retryable,
      context: error.context ?? {},
      doc_url: docUrl,
      user_message: messages.errors[error.code],
    },
  };
}
