/**
 * The one error handler and the one not-found handler. The route's declared surface
 * picks the renderer; the renderers come from `@idgate/errors`. Nothing else in the
 * server writes an error response.
 */
import {
  authorizationErrorStatusFor,
  bearerChallengeFor,
  CATALOG,
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
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { toIdgateError } from './error-funnel.js';
import { prefersHtml } from './media-types.js';
import { type MethodIndex, methodsAllowedFor } from './method-index.js';
import { contractOf, type RouteContract } from './route-contract.js';
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

/** Whether the request presented a bearer token (header, or form body per RFC 6750 §2.2). */
function bearerTokenSent(request: FastifyRequest): boolean {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string' && /^bearer\s/i.test(authorization)) return true;
  const body = request.body as Record<string, unknown> | undefined;
  return typeof body === 'object' && body !== null && 'access_token' in body;
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
  contract: RouteContract = contractOf(request.routeOptions.config),
): FastifyReply {
  const issuer = options.issuer;
  const requestId = request.id;
  const realm = contract.realm ?? DEFAULT_REALM;
  let status: number;
  let headers: Readonly<Record<string, string>>;
  let body: unknown;

  switch (contract.surface) {
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
      const challenge = bearerChallengeFor(error, { realm, tokenSent: bearerTokenSent(request) });
      headers = challenge ? { ...rendered.headers, 'www-authenticate': renderChallenge(challenge) } : rendered.headers;
      break;
    }
    default: {
      ({ status, headers, body } = renderProblem(error, problemContext(request, issuer)));
    }
  }

  logFailure(request, error, status);
  options.onError?.(error, status);
  reply.code(status).headers(headers);
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
 * One log line per failure: code, request id, identifiers and context; for an error the
 * catalog puts at 5xx, at `error` with its cause. The level follows the catalog, not the
 * answer: an internal error that `/authorize` answers with a 302 to the app is still an
 * internal error. Used by the error handler and by routes that answer a failure without
 * it (a hosted page whose step ended the transaction redirects to the app).
 */
export function logFailure(
  request: FastifyRequest,
  error: IdgateError,
  status: number = CATALOG[error.code].status,
): void {
  const severe = CATALOG[error.code].status >= 500;
  const level = severe ? 'error' : 'info';
  if (!(request.log as FastifyBaseLogger & { isLevelEnabled(level: string): boolean }).isLevelEnabled(level)) return;
  const identifiers = request.logContext;
  const context = error.context ?? {};
  const line = {
    code: error.code,
    status,
    client_id: identifiers.clientId ?? stringOrUndefined(context.client_id ?? context.clientId),
    verification_id: identifiers.verificationId ?? stringOrUndefined(context.verification_id ?? context.verificationId),
    provider_id: identifiers.providerId ?? stringOrUndefined(context.provider_id ?? context.providerId),
    method: request.method,
    path: pathOf(request.url),
    context,
    ...(error.debug === undefined ? {} : { debug: error.debug }),
    ...(severe && error.cause !== undefined ? { err: error.cause } : {}),
  };
  if (severe) request.log.error(line, error.message);
  else request.log.info(line, error.code);
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * Installs the one error handler and the one not-found handler (405 with `Allow` when the
 * path exists, on OAuth JSON at the OAuth endpoints; 404 otherwise).
 */
export function installErrorHandlers(app: FastifyInstance, methods: MethodIndex, options: ErrorHandlingOptions): void {
  app.setErrorHandler(function handleError(thrown, request, reply) {
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
