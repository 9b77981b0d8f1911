/**
 * Checks every request passes before its route runs, in `onRequest` (before the body is
 * read): limits (414, 431), methods implemented nowhere (501), `Accept` (406) and
 * `Content-Type` (415) against the route's contract, malformed percent-encoding in the
 * query (400; `/authorize` checks its own, see `parameter-encoding.ts`), and draining
 * during shutdown (503).
 */
import { IdgateError } from '@idgate/errors';
import type { FastifyRequest } from 'fastify';
import { limitErrorFor, type RequestLimits } from './limits.js';
import { bareMediaType, negotiateMediaType } from './media-types.js';
import { malformedEncodingError, malformedParametersOf } from './parameter-encoding.js';
import { routeOf } from './route-contract.js';

/** Whether the request announces a body (a non-zero `Content-Length`, or `Transfer-Encoding`). */
export function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  if (length !== undefined) return length !== '0';
  return request.headers['transfer-encoding'] !== undefined;
}

/** The methods idgate implements on some route; any other method is implemented nowhere. */
const IMPLEMENTED_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** The error a request must get before its route runs, if any. */
export function preRouteErrorFor(request: FastifyRequest, limits: RequestLimits): IdgateError | undefined {
  const limitError = limitErrorFor(request.raw, limits);
  if (limitError) return limitError;
  if (!IMPLEMENTED_METHODS.has(request.method)) {
    // RFC 9110 §15.6.2: 501 when the server does not support the method for any resource.
    return new IdgateError('SYSTEM_UNSUPPORTED_MODE', {
      detail: `idgate does not implement the ${request.method} method on any route; use ${[...IMPLEMENTED_METHODS].join(', ')}.`,
      context: { method: request.method },
    });
  }
  const contract = routeOf(request).contract;
  if (contract.produces && negotiateMediaType(request.headers.accept, contract.produces) === undefined) {
    return new IdgateError('VALIDATION_NOT_ACCEPTABLE', {
      detail: `This endpoint answers ${contract.produces.join(' or ')}; the Accept header excludes all of them.`,
      context: { available: contract.produces },
    });
  }
  if (contract.consumes && hasBody(request)) {
    const type = bareMediaType(request.headers['content-type']);
    if (type === undefined || !contract.consumes.includes(type)) {
      return new IdgateError('VALIDATION_UNSUPPORTED_MEDIA_TYPE', {
        detail: `This endpoint takes ${contract.consumes.join(' or ')} request bodies${type ? `, not ${type}` : '; the Content-Type header is missing'}.`,
        context: { supported: contract.consumes },
      });
    }
  }
  const malformed = malformedParametersOf(request.query);
  if (malformed.length > 0 && contract.surface !== 'authorize') return malformedEncodingError(malformed, 'query');
  return undefined;
}

/** The error for requests that arrive while the instance drains for shutdown. */
export function drainingError(): IdgateError {
  return new IdgateError('SYSTEM_UNAVAILABLE', {
    detail: 'This instance is shutting down; retry on another one.',
    headers: { connection: 'close' },
  });
}
