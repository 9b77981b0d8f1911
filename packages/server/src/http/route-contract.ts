/**
 * The route contract: every route declares in its `config` the error surface it
 * answers on, and may declare what it produces and consumes. A boot-time check refuses
 * a route that declares no surface, so no route can fall back to another error shape.
 */
import type { ErrorCode } from '@idgate/errors';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';

/**
 * How a route renders its errors:
 * - `problem`: RFC 9457 problem+json (REST, admin, everything else).
 * - `bearer`: problem+json plus RFC 6750 `WWW-Authenticate` challenges (protected resources).
 * - `oauth`: RFC 6749 §5.2 JSON (token, introspection, revocation).
 * - `authorize`: a redirect to the verified `redirect_uri`, else an HTML page or JSON (SPEC 2.1).
 * - `page`: an HTML error page for people.
 */
export type ErrorSurface = 'problem' | 'bearer' | 'oauth' | 'authorize' | 'page';

/** The surfaces a route may declare. */
export const ERROR_SURFACES: readonly ErrorSurface[] = ['problem', 'bearer', 'oauth', 'authorize', 'page'];

/** What a route declares about itself. */
export interface RouteContract {
  /** Where its errors go. Required. */
  readonly surface: ErrorSurface;
  /** Media types it can answer with; an `Accept` that excludes all of them is 406. */
  readonly produces?: readonly string[];
  /** Request body media types it takes; any other is 415. */
  readonly consumes?: readonly string[];
  /** Realm of authentication challenges. */
  readonly realm?: string;
  /** Catalog codes it can answer with besides the ones every route can (documentation). */
  readonly errors?: readonly ErrorCode[];
  /** A one-line summary for the OpenAPI document; routes without it are left out. */
  readonly summary?: string;
  /** OpenAPI tag. */
  readonly tag?: string;
  /** Answer CORS for the origins the app registered (SPEC 7); others get `AUTH_FORBIDDEN`. */
  readonly cors?: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    idgate?: RouteContract;
  }
  interface FastifyRequest {
    /** The matched route's contract and pattern, read once per request ({@link routeOf}). */
    idgateRoute: MatchedRoute | null;
  }
}

/** What the request pipeline reads of the route a request matched. */
export interface MatchedRoute {
  readonly contract: RouteContract;
  /** The route pattern (`/errors/:code`), undefined for a request that matched no route. */
  readonly pattern: string | undefined;
}

/**
 * The contract and pattern of the route `request` matched. Fastify's `request.routeOptions`
 * builds a new object on every read; the hooks, the parsers, the error handler and the
 * access line all ask, so it is read once and kept on the request.
 */
export function routeOf(request: FastifyRequest): MatchedRoute {
  let route = request.idgateRoute;
  if (route === null || route === undefined) {
    const options = request.routeOptions;
    route = { contract: contractOf(options.config), pattern: options.url };
    request.idgateRoute = route;
  }
  return route;
}

/** The contract of a route, or the default for requests that matched none. */
export function contractOf(config: { idgate?: RouteContract } | undefined): RouteContract {
  return config?.idgate ?? NOT_FOUND_CONTRACT;
}

/** What an unmatched request answers on. */
export const NOT_FOUND_CONTRACT: RouteContract = Object.freeze({ surface: 'problem' });

/**
 * What a 405 answers on, given the contracts of the path's routes. On an OAuth endpoint
 * (`/token`, `/introspect`, `/revoke`: a route of the path declares the `oauth` surface)
 * it is RFC 6749 JSON keeping status 405 and `Allow` (SPEC 7); every other path answers
 * problem+json (the `authorize` and `page` surfaces would turn it into a 400 or an HTML
 * page, and a CORS preflight route of an OAuth path declares `problem`, hence "a route").
 */
export function methodNotAllowedContract(contracts: readonly RouteContract[]): RouteContract {
  const oauth = contracts.find(function isOAuth(contract) {
    return contract.surface === 'oauth';
  });
  if (oauth === undefined) return NOT_FOUND_CONTRACT;
  return Object.freeze({ surface: 'oauth', ...(oauth.realm === undefined ? {} : { realm: oauth.realm }) });
}

/**
 * Refuses, at registration, a route that declares no error surface.
 * @throws TypeError naming the route.
 */
export function enforceRouteContracts(app: FastifyInstance): void {
  app.decorateRequest('idgateRoute', null);
  app.addHook('onRoute', function checkRouteContract(route: RouteOptions) {
    const contract = (route.config as { idgate?: RouteContract } | undefined)?.idgate;
    const methods = Array.isArray(route.method) ? route.method.join(',') : route.method;
    if (!contract || !ERROR_SURFACES.includes(contract.surface)) {
      throw new TypeError(`route ${methods} ${route.url} declares no error surface (config.idgate.surface)`);
    }
  });
}
