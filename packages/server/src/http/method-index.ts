/**
 * An index of every registered route's path, methods and declared contract, so that a
 * request that matched no route can be told apart: 405 with `Allow` when the path exists
 * under another method (answered on the surface its routes declare, see
 * {@link methodNotAllowedContract}), 404 otherwise.
 */
import type { FastifyInstance } from 'fastify';
import FindMyWay from 'find-my-way';
import { methodNotAllowedContract, type RouteContract } from './route-contract.js';

const PROBED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** The routes of an app, by path pattern. */
export interface MethodIndex {
  readonly router: FindMyWay.Instance<FindMyWay.HTTPVersion.V1>;
}

/** Starts indexing every route registered on `app` from now on. */
export function indexRouteMethods(app: FastifyInstance): MethodIndex {
  // No bound on parameters: the index names the route of any path the app's router would match.
  const router = FindMyWay({
    ignoreTrailingSlash: false,
    ignoreDuplicateSlashes: false,
    maxParamLength: Number.MAX_SAFE_INTEGER,
  });
  app.addHook('onRoute', function indexRoute(route) {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (!isProbedMethod(method)) continue;
      if (router.hasRoute(method, route.url)) continue;
      const store: IndexedRoute = { contract: (route.config as { idgate?: RouteContract } | undefined)?.idgate };
      router.on(method, route.url, function indexedRoute() {}, store);
    }
  });
  return { router };
}

/** What the index keeps of a route. */
interface IndexedRoute {
  readonly contract: RouteContract | undefined;
}

/** The methods a path allows and the contract a 405 on it answers on. */
export interface PathMethods {
  /** Empty when no route has this path. */
  readonly allowed: string[];
  readonly contract: RouteContract;
}

/** The methods the path allows, and the contract its 405 answers on. */
export function methodsAllowedFor(index: MethodIndex, path: string): PathMethods {
  const allowed: string[] = [];
  const contracts: RouteContract[] = [];
  for (const method of PROBED_METHODS) {
    const found = index.router.find(method, path);
    if (!found) continue;
    allowed.push(method);
    const contract = (found.store as IndexedRoute | undefined)?.contract;
    if (contract) contracts.push(contract);
  }
  return { allowed, contract: methodNotAllowedContract(contracts) };
}

function isProbedMethod(method: string): method is (typeof PROBED_METHODS)[number] {
  return (PROBED_METHODS as readonly string[]).includes(method);
}

/** Any percent-escape, well-formed or not (a bare `%` too). */
const ESCAPE = /%(?:[0-9A-Fa-f]{2})?/g;

/**
 * The contract of the route `method` and `path` would reach, if any. A path whose
 * percent-encoding the router cannot decode is looked up with each escape replaced by a
 * plain character: escapes can only stand in parameters, as no route's static part has one.
 */
export function contractAt(index: MethodIndex, method: string, path: string): RouteContract | undefined {
  const lookup = path.includes('%') ? path.replace(ESCAPE, '_') : path;
  const found = index.router.find(method as FindMyWay.HTTPMethod, lookup);
  return (found?.store as IndexedRoute | undefined)?.contract;
}
