/**
 * CORS (SPEC 7: "CORS only for origins the app registered"). A route opts in with
 * `config.idgate.cors: true`; then
 * - an `OPTIONS` route answers its preflights: 204 with the CORS headers when some app of
 *   this environment registered the `Origin`, else 403 `AUTH_FORBIDDEN`;
 * - an actual request with an `Origin` no app registered is 403 `AUTH_FORBIDDEN` before
 *   the route runs; a registered one gets `Access-Control-Allow-Origin` at once, so every
 *   answer, errors included, is readable by the page;
 * - once the route knows the app, {@link assertOriginAllowedFor} refuses an origin that
 *   *this* app did not register.
 * Requests without `Origin` (server to server) are unaffected. The issuer's own origin
 * counts as registered: browsers send `Origin` on same-origin POSTs too.
 */
import { IdgateError } from '@idgate/errors';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { AppRecord } from '../store/apps.repository.js';
import { type RouteContract, routeOf } from './route-contract.js';

/** Request headers a browser may send cross-origin (`Access-Control-Allow-Headers`). */
export const CORS_ALLOWED_HEADERS = 'Authorization, Content-Type, DPoP, Idempotency-Key, If-Match, X-Request-Id';

/** Response headers a page may read (`Access-Control-Expose-Headers`). */
export const CORS_EXPOSED_HEADERS =
  'X-Request-Id, WWW-Authenticate, Retry-After, RateLimit, RateLimit-Policy, Location, ETag, Idempotent-Replayed, DPoP-Nonce';

/** How long a browser may cache a preflight answer (`Access-Control-Max-Age`, seconds). */
export const CORS_MAX_AGE_SECONDS = 600;

/** Longest `Origin` looked up (a serialized origin is far shorter). */
const MAX_ORIGIN_LENGTH = 2048;

/** What CORS looks at: idgate's own origin, and which apps registered an origin. */
export interface CorsDeps {
  /** idgate's public base URL (its origin is always allowed). */
  readonly issuer: string;
  readonly apps: { clientIdsForOrigin(origin: string): Promise<readonly string[]> };
}

/**
 * Answers CORS on routes whose contract says `cors: true`. Call it before those routes
 * are registered: it adds their `OPTIONS` routes as they come.
 */
export function installCors(app: FastifyInstance, deps: CorsDeps): void {
  /** path → every method registered on it; path → the methods that opted in to CORS. */
  const methodsByPath = new Map<string, Set<string>>();
  const corsMethodsByPath = new Map<string, Set<string>>();
  /** Requests whose `Origin` was already decided. */
  const decided = new WeakSet<FastifyRequest>();

  function isRegisteredOrigin(origin: string): Promise<boolean> {
    return originIsRegistered(deps, origin);
  }

  app.addHook('onRoute', function addPreflightRoute(route: RouteOptions) {
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).map(String);
    const known = methodsByPath.get(route.url) ?? new Set<string>();
    for (const method of methods) known.add(method);
    methodsByPath.set(route.url, known);
    if (!contractOfRoute(route).cors) return;

    const existing = corsMethodsByPath.get(route.url);
    const corsMethods = existing ?? new Set<string>();
    for (const method of methods) if (method !== 'OPTIONS') corsMethods.add(method);
    if (existing) return;
    corsMethodsByPath.set(route.url, corsMethods);
    app.route({
      method: 'OPTIONS',
      url: route.url,
      config: { idgate: { surface: 'problem' } },
      handler: async function answerPreflight(request: FastifyRequest, reply: FastifyReply) {
        addVary(reply, 'Origin');
        const origin = request.headers.origin;
        if (origin === undefined) {
          // RFC 9110 §9.3.7: without Origin this is no preflight, only a question about the methods.
          reply.code(204).header('allow', [...new Set([...known, 'OPTIONS'])].join(', '));
          return reply.send();
        }
        decided.add(request);
        // Fetch standard, CORS protocol: allow the preflight only for a registered origin.
        if (!(await isRegisteredOrigin(origin))) throw unregisteredOrigin(origin);
        reply.code(204).headers({
          'access-control-allow-origin': origin,
          'access-control-allow-methods': [...corsMethods].join(', '),
          'access-control-allow-headers': CORS_ALLOWED_HEADERS,
          'access-control-max-age': String(CORS_MAX_AGE_SECONDS),
        });
        return reply.send();
      },
    });
  });

  app.addHook('onRequest', function checkCorsOrigin(request, reply, done) {
    if (routeOf(request).contract.cors !== true) return done();
    addVary(reply, 'Origin');
    const origin = request.headers.origin;
    if (origin === undefined) return done();
    decided.add(request);
    isRegisteredOrigin(origin).then(function allowRegisteredOrigin(registered) {
      // SPEC 7: CORS only for origins an app registered; anything else is AUTH_FORBIDDEN.
      if (!registered) return done(unregisteredOrigin(origin));
      reply.headers(corsResponseHeaders(origin));
      done();
    }, done);
  });

  // Answers sent before `checkCorsOrigin` ran (414, 431, 406, 415, draining 503) carry the
  // CORS headers too when the origin is registered, so the page can read why it failed.
  app.addHook('onSend', function addCorsHeadersToEarlyAnswers(request, reply, payload, done) {
    const origin = request.headers.origin;
    if (origin === undefined || decided.has(request) || routeOf(request).contract.cors !== true) {
      return done(null, payload);
    }
    decided.add(request);
    addVary(reply, 'Origin');
    isRegisteredOrigin(origin).then(
      function addHeadersIfRegistered(registered) {
        if (registered) reply.headers(corsResponseHeaders(origin));
        done(null, payload);
      },
      function keepAnswerWithoutCors() {
        done(null, payload);
      },
    );
  });
}

/**
 * SPEC 7: a browser may call for an app only from an origin that app registered. Call it
 * once the route knows which app the request is for (after client authentication).
 * Requests without `Origin` pass, and so does the issuer's own origin.
 * @throws IdgateError `AUTH_FORBIDDEN` naming the origin and the app
 */
export function assertOriginAllowedFor(request: FastifyRequest, app: AppRecord, issuer: string): void {
  const origin = request.headers.origin;
  if (origin === undefined || app.allowedOrigins.includes(origin)) return;
  if (origin === issuerOriginOf(issuer)) return;
  const shown = shownOrigin(origin);
  throw new IdgateError('AUTH_FORBIDDEN', {
    detail: `Origin ${shown} is not an allowed origin of app ${app.clientId}; add it to the app's allowedOrigins to call from that page.`,
    context: { clientId: app.clientId, origin: shown },
  });
}

/** The headers of an answer to an allowed cross-origin request. */
function corsResponseHeaders(origin: string): Record<string, string> {
  return { 'access-control-allow-origin': origin, 'access-control-expose-headers': CORS_EXPOSED_HEADERS };
}

/** Whether an app of this environment registered `origin` (or it is the issuer's own). */
async function originIsRegistered(deps: CorsDeps, origin: string): Promise<boolean> {
  // A serialized origin (RFC 6454 §6.2) is short printable ASCII; anything else matches no app.
  if (origin.length > MAX_ORIGIN_LENGTH || !/^[\x21-\x7e]+$/.test(origin)) return false;
  if (origin === issuerOriginOf(deps.issuer)) return true;
  return (await deps.apps.clientIdsForOrigin(origin)).length > 0;
}

function unregisteredOrigin(origin: string): IdgateError {
  const shown = shownOrigin(origin);
  return new IdgateError('AUTH_FORBIDDEN', {
    detail: `Origin ${shown} is not an allowed origin of any app; add it to the app's allowedOrigins to call this endpoint from a browser.`,
    context: { origin: shown },
  });
}

function shownOrigin(origin: string): string {
  return origin.length > 200 ? `${origin.slice(0, 200)}…` : origin;
}

let issuerOriginCache: { readonly issuer: string; readonly origin: string } | undefined;

function issuerOriginOf(issuer: string): string {
  if (issuerOriginCache?.issuer !== issuer) issuerOriginCache = { issuer, origin: new URL(issuer).origin };
  return issuerOriginCache.origin;
}

function contractOfRoute(route: RouteOptions): Partial<RouteContract> {
  return (route.config as { idgate?: RouteContract } | undefined)?.idgate ?? {};
}

/** RFC 9110 §12.5.5: adds a field name to `Vary` once. */
function addVary(reply: FastifyReply, field: string): void {
  const current = reply.getHeader('vary');
  if (current === undefined || current === '') {
    reply.header('vary', field);
    return;
  }
  const value = Array.isArray(current) ? current.join(', ') : String(current);
  const names = value.split(',').map((name) => name.trim().toLowerCase());
  if (names.includes('*') || names.includes(field.toLowerCase())) return;
  reply.header('vary', `${value}, ${field}`);
}
