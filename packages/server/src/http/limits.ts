/**
 * Request limits (SPEC 7): request target (414), header fields (431), body (413, set as
 * Fastify's `bodyLimit`). Within Node's parser limit, the `onRequest` check answers
 * exactly; far past it, Node's parser gives up first and the `clientError` handler
 * answers with the same problem+json instead of a bare status line or a reset — 414 or
 * 431 and the `instance` path from where the request head began (`request-heads.ts`),
 * closing lingering so the client reads it — and logs one line for it like every other
 * answered error (code, request id, status, environment from the logger's base).
 */
import { type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { IdgateError, negotiateLocale, renderProblem } from '@idgate/errors';
import { closeLingering } from './lingering-close.js';
import { type RequestHead, requestHeadOf, stopTrackingRequestHeads, trackRequestHeads } from './request-heads.js';
import { newRequestId } from './request-id.js';

/** The configured limits, in bytes. */
export interface RequestLimits {
  readonly uriLimit: number;
  readonly headersLimit: number;
}

/**
 * Node's own header limit: a little above ours, so that everything up to it is answered
 * by the exact `onRequest` check; past it, the `clientError` handler tells 414 from 431
 * from where the head began (`request-heads.ts`). Node counts the target and the header
 * fields together against it.
 */
export function nodeMaxHeaderSize(limits: RequestLimits): number {
  return limits.uriLimit + limits.headersLimit + 8 * 1024;
}

/**
 * Node's cap on the header fields it keeps per request (`server.maxHeadersCount`,
 * default 2,000): fields past it are dropped silently, so thousands of tiny fields would
 * slip under the byte limit. A field is at least 4 bytes on the wire (`a:` CRLF) and
 * {@link headerBytes} counts at least 5 for it, so with this cap a request whose fields
 * were cut is over the byte limit on the fields kept alone, and no request within the
 * limit is cut.
 */
export function nodeMaxHeadersCount(limits: RequestLimits): number {
  return Math.floor(limits.headersLimit / 4) + 1;
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

const METHOD_START = /^[A-Z]{3,10} /;
const REQUEST_LINE_END = / HTTP\/\d\.\d$/;

/**
 * Decides, from the bytes Node's parser choked on, whether the request line or the
 * header fields were too long — only for a head whose start was not seen (it began inside
 * a chunk behind a complete message, see `request-heads.ts`).
 *
 * - The packet starts the request (it begins with a method): the request line is too
 *   long when it does not end within the packet or is longer than the limit.
 * - A later packet whose first line ends the request line (` HTTP/1.1`): the request
 *   line spanned every earlier packet, so it is the request line.
 * - A later packet that ends any other line: header fields.
 * - A later packet without any line break cannot be told apart; 431 is answered then.
 */
function overflowErrorFor(
  packet: Buffer | undefined,
  bytesParsed: number | undefined,
  limits: RequestLimits,
): ClientErrorAnswer {
  const start = packet === undefined ? 0 : headStartIn(packet, bytesParsed);
  const head = packet
    ? packet.subarray(start, Math.min(packet.length, start + limits.uriLimit + 1024)).toString('latin1')
    : '';
  const lineEnd = head.indexOf('\r\n');
  const firstLine = lineEnd === -1 ? head : head.slice(0, lineEnd);
  if (METHOD_START.test(head)) {
    const [method, target = '/'] = firstLine.split(' ');
    const path = target.split('?')[0]?.slice(0, 1024) || '/';
    const requestLineTooLong = lineEnd === -1 || target.length > limits.uriLimit;
    return { error: requestLineTooLong ? uriTooLong(limits) : headersTooLarge(limits), path, method };
  }
  if (lineEnd !== -1 && REQUEST_LINE_END.test(firstLine)) return { error: uriTooLong(limits), path: '/' };
  return { error: headersTooLarge(limits), path: '/' };
}

/**
 * Where the head Node stopped in begins within `packet`: after the last blank line before
 * the point it stopped at (a pipelined request behind a complete one), else at 0.
 */
function headStartIn(packet: Buffer, bytesParsed: number | undefined): number {
  const stop = bytesParsed === undefined ? packet.length : Math.min(bytesParsed, packet.length);
  const blank = packet.lastIndexOf('\r\n\r\n', Math.max(0, stop - 4));
  return blank === -1 ? 0 : blank + 4;
}

/** The limit error of a head whose request line was seen from its start: the target decides first, as in `onRequest`. */
function overflowErrorFromHead(head: RequestHead, limits: RequestLimits): ClientErrorAnswer {
  const targetTooLong = !head.lineComplete || head.targetLength > limits.uriLimit;
  return {
    error: targetTooLong ? uriTooLong(limits) : headersTooLarge(limits),
    path: head.path,
    method: head.method,
  };
}

/** What the `clientError` handler answers: the error, the request path and method when known. */
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

/** Whether Node's parser on `socket` is in the body of a request it already handed over. */
function bodyInProgress(socket: Socket): boolean {
  const parser = (socket as Socket & { parser?: { readonly incoming: IncomingMessage | null } | null }).parser;
  const incoming = parser?.incoming;
  return incoming !== null && incoming !== undefined && !incoming.complete;
}

/**
 * The answer to an earlier (pipelined) request still being written on `socket`, if any:
 * one more answer written now would come before or inside it.
 */
function answerInFlight(socket: Socket): ServerResponse | undefined {
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  return inFlight === null || inFlight === undefined || inFlight.writableFinished ? undefined : inFlight;
}

/** Sockets whose request head was answered: Node reports a parse error for every later chunk too. */
const answeredSockets = new WeakSet<Socket>();

/** The answer to a parse error other than an overflow: not HTTP Node can read. */
function notHttp(error: NodeJS.ErrnoException, head: RequestHead | undefined): ClientErrorAnswer {
  return {
    error: new IdgateError('VALIDATION_INVALID_PARAMETER', {
      detail: 'The request is not valid HTTP/1.1.',
      cause: error,
      debug: { parserCode: error.code },
    }),
    path: head?.path ?? '/',
    ...(head === undefined ? {} : { method: head.method }),
  };
}

/**
 * Answers errors Node's HTTP parser raises before Fastify sees a request: header
 * overflow (414 or 431) as problem+json; other parse errors as a 400 problem. The
 * connection then closes lingering, so a client still sending reads the answer.
 */
export function handleClientError(
  error: NodeJS.ErrnoException & { rawPacket?: Buffer; bytesParsed?: number },
  socket: Socket,
  options: ClientErrorOptions,
): void {
  if (answeredSockets.has(socket)) return;
  const head = requestHeadOf(socket);
  stopTrackingRequestHeads(socket);
  if (
    !socket.writable ||
    error.code === 'ECONNRESET' ||
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ||
    bodyInProgress(socket)
  ) {
    // Nobody to answer, or the error is in the body of a request its route is handling
    // (the client left mid-body, or broke the chunked framing): closing aborts that request.
    if (error.code?.startsWith('HPE_') && error.code !== 'HPE_INVALID_EOF_STATE') {
      options.log?.info(
        { parserCode: error.code, source: 'clientError' },
        'connection closed: the request body is not valid HTTP/1.1',
      );
    }
    socket.destroy();
    return;
  }
  answeredSockets.add(socket);
  // Stop reading what follows: Node's parser has given up on this connection.
  socket.removeAllListeners('data');
  socket.pause();
  const inFlight = answerInFlight(socket);
  if (inFlight === undefined) {
    answerClientError(error, socket, head, options);
    return;
  }
  // A pipelined request before this one is still being answered: this answer comes after it.
  inFlight.once('finish', function answerAfterEarlierAnswer() {
    answerClientError(error, socket, head, options);
  });
  inFlight.once('close', function earlierAnswerFailed() {
    if (!inFlight.writableFinished) socket.destroy();
  });
}

/** Answers a parse error on `socket` (no other answer in flight) and closes it lingering. */
function answerClientError(
  error: NodeJS.ErrnoException & { rawPacket?: Buffer; bytesParsed?: number },
  socket: Socket,
  head: RequestHead | undefined,
  options: ClientErrorOptions,
): void {
  if (socket.destroyed) return;
  let answer: ClientErrorAnswer;
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    answer =
      head === undefined
        ? overflowErrorFor(error.rawPacket, error.bytesParsed, options.limits)
        : overflowErrorFromHead(head, options.limits);
  } else {
    answer = notHttp(error, head);
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
  const answerHead = [
    `HTTP/1.1 ${rendered.status} ${STATUS_CODES[rendered.status] ?? 'Error'}`,
    ...Object.entries(rendered.headers).map(([name, value]) => `${name}: ${value}`),
    `x-request-id: ${requestId}`,
    `content-length: ${Buffer.byteLength(body)}`,
    'connection: close',
    '',
    '',
  ].join('\r\n');
  socket.write(answerHead + body);
  closeLingering(socket);
}

/**
 * Sets Node's own limits on `server` (header bytes are set when it is created, see
 * {@link nodeMaxHeaderSize}) and tracks where each request head begins, for the
 * `clientError` handler ({@link clientErrorHandler}).
 */
export function installRequestLimits(server: Server, limits: RequestLimits): void {
  server.maxHeadersCount = nodeMaxHeadersCount(limits);
  trackRequestHeads(server);
}

/**
 * Fastify's `clientErrorHandler` option: {@link handleClientError}. It must be Fastify's
 * own handler, not one more `clientError` listener: Fastify's default one destroys the
 * socket after any other listener, which cuts the lingering close short (a reset).
 */
export function clientErrorHandler(options: () => ClientErrorOptions) {
  return function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
    handleClientError(error, socket, options());
  };
}
