/**
 * An index of every registered route's path and methods, so that a request that
 * matched no route can be told apart: 405 with `Allow` when the path exists under
 * another method, 404 otherwise.
 */
import type { FastifyInstance } from 'fastify';
import FindMyWay from 'find-my-way';

const PROBED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** The routes of an app, by path pattern. */
export interface MethodIndex {
  readonly router: FindMyWay.Instance<FindMyWay.HTTPVersion.V1>;
}

/** Starts indexing every route registered on `app` from now on. */
export function indexRouteMethods(app: FastifyInstance): MethodIndex {
  const router = FindMyWay({ ignoreTrailingSlash: false, ignoreDuplicateSlashes: false });
  app.addHook('onRoute', function indexRoute(route) {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (!isProbedMethod(method)) continue;
      if (router.hasRoute(method, route.url)) continue;
      router.on(method, route.url, function indexedRoute() {});
    }
  });
  return { router };
}

/** The methods the path allows (empty when no route has this path). */
export function methodsAllowedFor(index: MethodIndex, path: string): string[] {
  const allowed: string[] = [];
  for (const method of PROBED_METHODS) {
    if (index.router.find(method, path)) allowed.push(method);
  }
  return allowed;
}

function isProbedMethod(method: string): method is (typeof PROBED_METHODS)[number] {
  return (PROBED_METHODS as readonly string[]).includes(method);
}
