/**
 * Request limits (SPEC 7): request target (414), header fields (431), body (413, set as
 * Fastify's `bodyLimit`). Within Node's parser limit, the `onRequest` check answers
 * exactly; far past it, Node's parser gives up first and the `clientError` handler
 * answers with the same problem+json instead of a bare status line or a reset, and logs
 * one line for it like every other answered error (code, request id, status,
 * environment from the logger's base).
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { IdgateError, negotiateLocale, renderProblem } from '@idgate/errors';
import { newRequestId } from './request-id.js';

/** The configured limits, in bytes. */
export interface RequestLimits {
  readonly uriLimit: number;
  readonly headersLimit: number;
}

/**
 * Node's own header limit: a little above ours, so that everything up to it is answered
 * by the exact `onRequest` check, and a request past it usually overflows within the
 * first read — where the `clientError` handler can see the request line and tell 414
 * from 431 for certain.
 */
export function nodeMaxHeaderSize(limits: RequestLimits): number {
  return limits.uriLimit + limits.headersLimit + 8 * 1024;
}

/** Size of the header section as sent: `name: value\r\n` per field. */
export function headerBytes(request: IncomingMessage): number {
  const raw = request.rawHeaders;
  let total = 0;
  for (let i = 0; i < raw.length; i += 2) total += (raw[i]?.length ?? 0) + (raw[i + 1]?.length ?? 0) + 4;
  return total;
}

/** The limit error a request deserves, or undefined when it is within the limits. */
export function limitErrorFor(request: IncomingMessage, limits: RequestLimits): IdgateError | undefined {
  const url = request.url ?? '';
  if (url.length > limits.uriLimit) return uriTooLong(limits);
  if (headerBytes(request) > limits.headersLimit) return headersTooLarge(limits);
  return undefined;
}

function uriTooLong(limits: RequestLimits): IdgateError {
  return new IdgateError('VALIDATION_URI_TOO_LONG', {
    detail: `The request target is longer than ${limits.uriLimit} bytes.`,
    context: { limit: limits.uriLimit },
  });
}

function headersTooLarge(limits: RequestLimits): IdgateError {
  return new IdgateError('VALIDATION_HEADERS_TOO_LARGE', {
    detail: `The request header fields are larger than ${limits.headersLimit} bytes.`,
    context: { limit: limits.headersLimit },
  });
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  414: 'URI Too Long',
  431: 'Request Header Fields Too Large',
};

const METHOD_START = /^[A-Z]{3,10} /;
const REQUEST_LINE_END = / HTTP\/\d\.\d$/;

/**
 * Decides, from the bytes Node's parser choked on, whether the request line or the
 * header fields were too long.
 *
 * - The packet starts the request (it begins with a method): the request line is too
 *   long when it does not end within the packet or is longer than the limit.
 * - A later packet whose first line ends the request line (` HTTP/1.1`): the request
 *   line spanned every earlier packet, so it is the request line.
 * - A later packet that ends any other line: header fields.
 * - A later packet without any line break cannot be told apart; 431 is answered then.
 */
function overflowErrorFor(packet: Buffer | undefined, limits: RequestLimits): ClientErrorAnswer {
  const head = packet ? packet.subarray(0, Math.min(packet.length, limits.uriLimit + 1024)).toString('latin1') : '';
  const lineEnd = head.indexOf('\r\n');
  const firstLine = lineEnd === -1 ? head : head.slice(0, lineEnd);
  if (METHOD_START.test(head)) {
    const [method, target = '/'] = firstLine.split(' ');
    const path = target.split('?')[0]?.slice(0, 1024) || '/';
    const requestLineTooLong = lineEnd === -1 || firstLine.length > limits.uriLimit;
    return { error: requestLineTooLong ? uriTooLong(limits) : headersTooLarge(limits), path, method };
  }
  if (lineEnd !== -1 && REQUEST_LINE_END.test(firstLine)) return { error: uriTooLong(limits), path: '/' };
  return { error: headersTooLarge(limits), path: '/' };
}

/** What the `clientError` handler answers: the error, the request path and method when the packet shows them. */
interface ClientErrorAnswer {
  readonly error: IdgateError;
  readonly path: string;
  readonly method?: string | undefined;
}

/** The part of the app's logger the `clientError` handler writes to (pino's signature). */
export interface ClientErrorLogger {
  info(line: object, message: string): void;
  error(line: object, message: string): void;
}

/** What the `clientError` handler needs. */
export interface ClientErrorOptions {
  readonly issuer: string;
  readonly limits: RequestLimits;
  readonly onError?: (error: IdgateError, status: number) => void;
  /** The app's logger (its base carries the environment); one line per answered error. */
  readonly log?: ClientErrorLogger;
}

/**
 * The log line of an answered socket-level error, shaped like the error handler's: level
 * by status, `code`, `request_id`, `status`, the identifiers (none are known before a
 * request is parsed), `method` and `path` when the packet showed them, `context`, `debug`.
 */
function logClientError(log: ClientErrorLogger, answer: ClientErrorAnswer, requestId: string, status: number): void {
  const { error } = answer;
  const line = {
    request_id: requestId,
    code: error.code,
    status,
    client_id: undefined,
    verification_id: undefined,
    provider_id: undefined,
    ...(answer.method === undefined ? {} : { method: answer.method }),
    path: answer.path,
    context: error.context ?? {},
    ...(error.debug === undefined ? {} : { debug: error.debug }),
    source: 'clientError',
  };
  if (status >= 500) log.error(line, error.message);
  else log.info(line, error.code);
}

/**
 * Answers errors Node's HTTP parser raises before Fastify sees a request: header
 * overflow (414 or 431) as problem+json; other parse errors as a bare 400 problem.
 */
export function handleClientError(
  error: NodeJS.ErrnoException & { rawPacket?: Buffer },
  socket: Socket,
  options: ClientErrorOptions,
): void {
  if (!socket.writable || error.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  let answer: ClientErrorAnswer;
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    answer = overflowErrorFor(error.rawPacket, options.limits);
  } else if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    socket.destroy();
    return;
  } else {
    answer = {
      error: new IdgateError('VALIDATION_INVALID_PARAMETER', {
        detail: 'The request is not valid HTTP/1.1.',
        cause: error,
        debug: { parserCode: error.code },
      }),
      path: '/',
    };
  }
  const requestId = newRequestId();
  const rendered = renderProblem(answer.error, {
    issuer: options.issuer,
    requestId,
    instance: answer.path,
    locale: negotiateLocale(undefined),
  });
  options.onError?.(answer.error, rendered.status);
  if (options.log !== undefined) logClientError(options.log, answer, requestId, rendered.status);
  const body = JSON.stringify(rendered.body);
  const head = [
    `HTTP/1.1 ${rendered.status} ${STATUS_TEXT[rendered.status] ?? 'Error'}`,
    ...Object.entries(rendered.headers).map(([name, value]) => `${name}: ${value}`),
    `x-request-id: ${requestId}`,
    `content-length: ${Buffer.byteLength(body)}`,
    'connection: close',
    '',
    '',
  ].join('\r\n');
  // Read and drop what the client is still sending, so it can read our answer instead of a reset.
  socket.on('data', function discardRest() {});
  socket.setTimeout(5000, function giveUp() {
    socket.destroy();
  });
  socket.end(head + body);
}
