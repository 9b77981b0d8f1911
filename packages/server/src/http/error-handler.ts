/**
 * The one error handler and the one not-found handler. The route's declared surface
 * picks the renderer; the renderers come from `@idgate/errors`. Nothing else in the
 * server writes an error response. The answered error is recorded on the request; the
 * request's one log line (`access-log.ts`) carries it.
 */
import type { Socket } from 'node:net';
import {
  authorizationErrorStatusFor,
  bearerChallengeFor,
  type ErrorCode,
  IdgateError,
  negotiateLocale,
  renderAuthorizationErrorJson,
  renderAuthorizationErrorRedirectFor,
  renderChallenge,
  renderErrorPage,
  renderOAuthError,
  renderProblem,
  type SupportContact,
} from '@idgate/errors';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { APP_SIGNING_ALGS } from '../domain/app-signing-algs.js';
import { toIdgateError } from './error-funnel.js';
import { lingerAfterAnswer } from './lingering-close.js';
import { prefersHtml, prefersJson } from './media-types.js';
import { type MethodIndex, methodsAllowedFor } from './method-index.js';
import { hasBody } from './request-checks.js';
import { NOT_FOUND_CONTRACT, type RouteContract, routeOf } from './route-contract.js';
import { pageSecurityHeaders } from './security-headers.js';

/** What the handlers need to know about the instance. */
export interface ErrorHandlingOptions {
  readonly issuer: string;
  /** The operator's support contact for HTML error pages (none: not shown). */
  readonly support?: SupportContact | undefined;
  /** The instance clock (the time an error page tells a person to quote). */
  readonly clock?: (() => Date) | undefined;
  /** Counts errors by code (metrics). */
  readonly onError?: (error: IdgateError, status: number) => void;
}

const DEFAULT_REALM = 'idgate';

/** The path of a request without its query. */
export function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** Whether the request presented a bearer token (header, or form body per RFC 6750 §2.2), or a DPoP one. */
function bearerTokenSent(request: FastifyRequest): boolean {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string' && /^(?:bearer|dpop)\s/i.test(authorization)) return true;
  const body = request.body as Record<string, unknown> | undefined;
  return typeof body === 'object' && body !== null && 'access_token' in body;
}

/**
 * The limits of the request head (SPEC 7): answered as problem+json on every route, as
 * they are when Node's parser refuses the head before any route is known.
 */
const HEAD_LIMIT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'VALIDATION_URI_TOO_LONG',
  'VALIDATION_HEADERS_TOO_LARGE',
]);

/**
 * Writes an error of the checks that run before the route (`onRequest`, Fastify's
 * framework errors): on the route's surface, but the head limits (414, 431) as
 * problem+json on every route, as when Node's parser refuses a head before any route is
 * known — so a request gets the same answer however far past the limit it is.
 */
export function sendPreRouteError(
  request: FastifyRequest,
  reply: FastifyReply,
  error: IdgateError,
  options: ErrorHandlingOptions,
  contract: RouteContract = routeOf(request).contract,
): FastifyReply {
  return sendError(request, reply, error, options, HEAD_LIMIT_CODES.has(error.code) ? NOT_FOUND_CONTRACT : contract);
}

/**
 * Whether the request's body is still arriving: the answer then closes the connection,
 * lingering, so that the client reads it instead of a reset (`lingering-close.ts`). A
 * request without a body is not: answered while Node's parser is still in its head
 * (a 404 or 405 is sent synchronously from routing), it is not `complete` yet, but nothing
 * follows it, and its keep-alive connection stays open.
 */
function closesLingering(request: FastifyRequest): boolean {
  const socket = request.raw.socket as Socket | null;
  return (
    request.raw.complete === false && hasBody(request) && socket !== null && typeof socket?.destroySoon === 'function'
  );
}

/**
 * Writes one error on the surface the route declared (or on `contract`, for a request
 * that matched no route: the not-found handler's 405 on an OAuth path).
 */
export function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  error: IdgateError,
  options: ErrorHandlingOptions,
  contract: RouteContract = routeOf(request).contract,
): FastifyReply {
  const issuer = options.issuer;
  const requestId = request.id;
  const realm = contract.realm ?? DEFAULT_REALM;
  let status: number;
  let headers: Readonly<Record<string, string>>;
  let body: unknown;

  // A page answers people with HTML, and a client that accepts only JSON with problem+json.
  const surface = contract.surface === 'page' && prefersJson(request.headers.accept) ? 'problem' : contract.surface;
  switch (surface) {
    case 'oauth': {
      const rendered = renderOAuthError(error, {
        issuer,
        requestId,
        realm,
        authorizationHeaderSent: request.headers.authorization !== undefined,
      });
      ({ status, headers, body } = rendered);
      break;
    }
    case 'authorize': {
      const target = request.authorizationRedirect;
      if (target) {
        // RFC 6749 §4.1.2.1: redirect only to the verified redirect_uri.
        const location = renderAuthorizationErrorRedirectFor(error, {
          redirectUri: target.redirectUri,
          txState: target.txState ?? 'failed',
          issuer,
          state: target.state,
        });
        status = 302;
        headers = { location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' };
        body = '';
      } else if (prefersHtml(request.headers.accept)) {
        const locale = negotiateLocale(request.headers['accept-language'], uiLocalesOf(request));
        const rendered = renderErrorPage(error, {
          issuer,
          requestId,
          locale,
          status: authorizationErrorStatusFor(error.code),
          ...pageExtras(options),
        });
        ({ status, body } = rendered);
        headers = { ...rendered.headers, ...pageSecurityHeaders() };
      } else {
        ({ status, headers, body } = renderAuthorizationErrorJson(error, { issuer, requestId }));
      }
      break;
    }
    case 'page': {
      const locale = negotiateLocale(request.headers['accept-language'], uiLocalesOf(request));
      const rendered = renderErrorPage(error, { issuer, requestId, locale, ...pageExtras(options) });
      ({ status, body } = rendered);
      headers = { ...rendered.headers, ...pageSecurityHeaders() };
      break;
    }
    case 'bearer': {
      const rendered = renderProblem(error, problemContext(request, issuer));
      ({ status, body } = rendered);
      const dpop = /^dpop\s/i.test(request.headers.authorization ?? '') || request.headers.dpop !== undefined;
      const challenge = bearerChallengeFor(error, {
        realm,
        tokenSent: bearerTokenSent(request),
        scheme: dpop ? 'DPoP' : 'Bearer',
        dpopAlgs: APP_SIGNING_ALGS,
      });
      headers = challenge ? { ...rendered.headers, 'www-authenticate': renderChallenge(challenge) } : rendered.headers;
      break;
    }
    default: {
      ({ status, headers, body } = renderProblem(error, problemContext(request, issuer)));
    }
  }

  recordFailure(request, error, status);
  options.onError?.(error, status);
  reply.code(status).headers(headers);
  if (closesLingering(request)) {
    reply.header('connection', 'close');
    lingerAfterAnswer(request.raw.socket);
  }
  // A Buffer is sent as is: Fastify would append `; charset=utf-8` to a string's media type.
  return reply.send(Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)));
}

/** What an HTML error page shows besides the error: the time to quote and the support contact. */
function pageExtras(options: ErrorHandlingOptions): { at: Date; support?: SupportContact } {
  const at = options.clock?.() ?? new Date();
  return options.support === undefined ? { at } : { at, support: options.support };
}

/**
 * `ui_locales` of the request: from the form body of a POST (OIDC Core §3.1.2.1: a POST
 * to `/authorize` carries its parameters there), else from the query. A body that was not
 * parsed (refused before or by the body parser) has none.
 */
function uiLocalesOf(request: FastifyRequest): string | undefined {
  if (request.method === 'POST') {
    const body = request.body as Record<string, unknown> | undefined;
    const fromBody = typeof body === 'object' && body !== null ? body.ui_locales : undefined;
    if (typeof fromBody === 'string') return fromBody;
  }
  const query = request.query as Record<string, unknown> | undefined;
  const value = query?.ui_locales;
  return typeof value === 'string' ? value : undefined;
}

function problemContext(request: FastifyRequest, issuer: string) {
  return {
    issuer,
    requestId: request.id,
    instance: pathOf(request.url),
    locale: negotiateLocale(request.headers['accept-language']),
  };
}

/**
 * Records the failure a request is answered with, or that ended it when a route answers
 * without the handler (a hosted page whose step ended the transaction redirects to the
 * app): the request's one access-log line (`access-log.ts`) then carries its code, context
 * and, for an error the catalog puts at 5xx, its cause, at `error` — the level follows the
 * catalog, not the answer, so an internal error that `/authorize` answers with a 302 is
 * still an internal error. `status` is the status the surface answered with, when the
 * failure was answered (default: the answer's own).
 */
export function recordFailure(request: FastifyRequest, error: IdgateError, status?: number): void {
  request.answeredError = status === undefined ? { error } : { error, status };
}

/**
 * Installs the one error handler and the one not-found handler (405 with `Allow` when the
 * path exists, on OAuth JSON at the OAuth endpoints; 404 otherwise).
 */
export function installErrorHandlers(app: FastifyInstance, methods: MethodIndex, options: ErrorHandlingOptions): void {
  app.setErrorHandler(function handleError(thrown, request, reply) {
    // Nobody is left to answer: the access log records the request as aborted, not as an error.
    if (isClientAbort(request, thrown)) return reply.hijack();
    return sendError(request, reply, toIdgateError(thrown), options);
  });
  app.setNotFoundHandler(function handleNotFound(request, reply) {
    const { allowed, contract } = methodsAllowedFor(methods, pathOf(request.url));
    if (allowed.length > 0) {
      return sendError(request, reply, methodNotAllowed(request.method, allowed), options, contract);
    }
    return sendError(request, reply, notFound(request), options);
  });
}

function methodNotAllowed(method: string, allowed: readonly string[]): IdgateError {
  return new IdgateError('VALIDATION_METHOD_NOT_ALLOWED', {
    detail: `${method} is not allowed here; use ${allowed.join(', ')}.`,
    headers: { allow: allowed.join(', ') },
    context: { method, allowed },
  });
}

function notFound(request: FastifyRequest): IdgateError {
  return new IdgateError('RESOURCE_NOT_FOUND', {
    detail: `No route matches ${request.method} ${pathOf(request.url)}.`,
  });
}

/**
 * Whether `thrown` is the client closing the connection before its request was complete
 * (Node destroys the request with `ECONNRESET`, "aborted"): not a server error, and there
 * is nobody to answer.
 */
function isClientAbort(request: FastifyRequest, thrown: unknown): boolean {
  if (request.raw.aborted !== true) return false;
  const code = (thrown as { code?: unknown } | null)?.code;
  return code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE';
}
