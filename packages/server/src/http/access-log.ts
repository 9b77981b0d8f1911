/**
 * One log line and one duration observation for every request (SPEC 8), written when its
 * response closes — finished, or cut off by the client (`aborted: true`).
 *
 * The line carries `method`, `route` (the route pattern, `(unmatched)` when none
 * matched), `path` (without the query), `status`, `duration_ms`, `request_id`, the
 * client, verification and provider ids the request learned (`request.logContext`), and
 * the logger's base (`service`, `environment`). A request the client cut off before its
 * answer was written is `aborted: true` with the bytes received instead of a status. An error answer is the same one line,
 * with what the error handler recorded (`request.answeredError`) added: `code`, `context`,
 * `debug`, and for 5xx the cause as `err`; its level is `error` from 500 up and `info`
 * below, its message the code (below 500) or the error's message. So each request is one
 * line, and an error's line is never written twice.
 *
 * `IDGATE_ACCESS_LOG=false` keeps only the lines of error answers.
 */
import type { ServerResponse } from 'node:http';
import { CATALOG, type IdgateError } from '@idgate/errors';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { pathOf } from './error-handler.js';
import { UNMATCHED_ROUTE } from './metrics.js';
import { routeOf } from './route-contract.js';

/** An error the error handler answered a request with, and the status it answered. */
export interface AnsweredError {
  readonly error: IdgateError;
  /** The status the surface answered the error with (absent: the answer's own, e.g. a redirect). */
  readonly status?: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the error handler when it answers the request with an error. */
    answeredError: AnsweredError | null;
  }
}

/** What the observation needs. */
export interface RequestObservationOptions {
  /** Request durations (metrics). */
  readonly metrics: { observeRequest(method: string, route: string, status: number, seconds: number): void };
  /** Whether requests answered without an error are logged too (`IDGATE_ACCESS_LOG`). */
  readonly accessLog: boolean;
}

type LevelLogger = FastifyBaseLogger & { isLevelEnabled(level: string): boolean };

/** Starts observing one request: its line and duration are written when its response closes. */
export type RequestObserver = (request: FastifyRequest, reply: FastifyReply) => void;

/** The observer of an instance's requests. */
export function requestObserver(options: RequestObservationOptions): RequestObserver {
  // One listener function for every response (the reply rides on the response), rather
  // than a new closure and `once` wrapper per request: a response closes once.
  function responseClosed(this: ObservedResponse): void {
    const reply = this[OBSERVED_REPLY];
    if (reply !== undefined) finishRequest(reply.request, reply, options);
  }
  return function observeRequest(_request, reply) {
    const response = reply.raw as ObservedResponse;
    response[OBSERVED_REPLY] = reply;
    response.on('close', responseClosed);
  };
}

/** Where the reply of an observed response is kept, for its `close` listener. */
const OBSERVED_REPLY = Symbol('idgate.observedReply');

type ObservedResponse = ServerResponse & { [OBSERVED_REPLY]?: FastifyReply };

/**
 * Installs the observation of every routed request. Call it before any other `onRequest`
 * hook: a hook that answers early (limits, `Accept`, CORS) skips the ones after it. What
 * is answered before any hook runs (Fastify's framework errors) calls the observer itself.
 */
export function installRequestObservation(app: FastifyInstance, observe: RequestObserver): void {
  app.decorateRequest('answeredError', null);
  app.addHook('onRequest', function observeResponse(request, reply, done) {
    observe(request, reply);
    done();
  });
}

function finishRequest(request: FastifyRequest, reply: FastifyReply, options: RequestObservationOptions): void {
  const status = reply.statusCode;
  const route = routeOf(request).pattern ?? UNMATCHED_ROUTE;
  const durationMs = reply.elapsedTime;
  options.metrics.observeRequest(request.method, route, status, durationMs / 1000);
  const answered = request.answeredError;
  if (answered === null && !options.accessLog) return;
  // The level follows the catalog, not the answer (an internal error redirected with a 302 is one).
  const severe = answered !== null && CATALOG[answered.error.code].status >= 500;
  const level = severe ? 'error' : 'info';
  const log = request.log as LevelLogger;
  if (!log.isLevelEnabled(level)) return;
  const identifiers = request.logContext ?? {};
  const line: Record<string, unknown> = {
    method: request.method,
    route,
    path: pathOf(request.url),
    status,
    duration_ms: Math.round(durationMs * 1000) / 1000,
    client_id: identifiers.clientId,
    verification_id: identifiers.verificationId,
    provider_id: identifiers.providerId,
  };
  if (!reply.raw.writableEnded) {
    // The client went away before the answer was written: nothing failed on idgate's side
    // and nobody was answered, so no status and no catalog code, at `info`.
    line.aborted = true;
    line.bytes_received = request.raw.socket?.bytesRead;
    delete line.status;
    log.info(line, 'request aborted by the client');
    return;
  }
  if (answered === null) {
    log.info(line, 'request');
    return;
  }
  const { error } = answered;
  const context = error.context ?? {};
  line.code = error.code;
  if (answered.status !== undefined) line.status = answered.status;
  line.client_id ??= stringOrUndefined(context.client_id ?? context.clientId);
  line.verification_id ??= stringOrUndefined(context.verification_id ?? context.verificationId);
  line.provider_id ??= stringOrUndefined(context.provider_id ?? context.providerId);
  line.context = context;
  if (error.debug !== undefined) line.debug = error.debug;
  if (severe) {
    if (error.cause !== undefined) line.err = error.cause;
    log.error(line, error.message);
  } else {
    log.info(line, error.code);
  }
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
