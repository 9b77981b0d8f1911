/**
 * Fastify's own framework errors (`frameworkErrors`): a path whose percent-encoding is
 * not UTF-8 (`FST_ERR_BAD_URL`) and a path parameter over the router's length
 * (`FST_ERR_MAX_PARAM_LENGTH`) are raised by the router, before any hook runs. Without
 * this handler Fastify answers them itself, with its own JSON and no `X-Request-Id`; here
 * they go through the catalog like every other error: the request limits first (a path
 * too long for the router is a request target over the limit), then the funnel, on the
 * surface of the route the path would reach.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { RequestObserver } from './access-log.js';
import { toIdgateError } from './error-funnel.js';
import { type ErrorHandlingOptions, pathOf, sendPreRouteError } from './error-handler.js';
import { limitErrorFor, type RequestLimits } from './limits.js';
import { contractAt, type MethodIndex } from './method-index.js';
import { NOT_FOUND_CONTRACT } from './route-contract.js';

/** What the framework error handler needs (the method index exists once the app does). */
export interface FrameworkErrorOptions {
  readonly handling: ErrorHandlingOptions;
  readonly limits: RequestLimits;
  readonly methods: () => MethodIndex | undefined;
  /** The access log and the request metrics (no hook runs before a framework error). */
  readonly observe: RequestObserver;
}

/** Fastify's `frameworkErrors` option. */
export function frameworkErrorHandler(options: FrameworkErrorOptions) {
  return function handleFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
    // No `onRequest` hook ran: what it does for every request is done here.
    request.logContext = {};
    options.observe(request, reply);
    reply.header('x-request-id', request.id);
    const methods = options.methods();
    const contract =
      methods === undefined ? undefined : contractAt(methods, request.method, pathOf(request.raw.url ?? '/'));
    const idgateError = limitErrorFor(request.raw, options.limits) ?? toIdgateError(error);
    sendPreRouteError(request, reply, idgateError, options.handling, contract ?? NOT_FOUND_CONTRACT);
  };
}
