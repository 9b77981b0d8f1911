/**
 * Raw HTTP/1.1 over a loopback socket, for what `inject` cannot show: answers to requests
 * far past Node's parser limits (414, 431, 413 on the `clientError` path), requests that
 * arrive in many pieces, and several requests on one connection.
 */
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ResponseLike } from './assertions.js';
import { recordErrorBody } from './leaks.js';

/** A response read off a raw socket, parsed just enough to assert on. */
export interface RawResponse extends ResponseLike {
  readonly statusLine: string;
  readonly headers: Record<string, string>;
  /** Errors the client socket saw (a reset would show here). */
  readonly socketErrors: readonly string[];
}

/** Parses one HTTP/1.1 response with a Content-Length body. */
export function parseResponse(raw: Buffer, socketErrors: string[]): RawResponse {
  const text = raw.toString('latin1');
  const headEnd = text.indexOf('\r\n\r\n');
  if (headEnd === -1)
    throw new Error(
      `no complete response head (errors: ${socketErrors.join(', ')}): ${JSON.stringify(text.slice(0, 200))}`,
    );
  const [statusLine = '', ...fieldLines] = text.slice(0, headEnd).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of fieldLines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const body = raw.subarray(headEnd + 4).toString('utf8');
  const status = /^HTTP\/1\.1 (\d{3}) /.exec(statusLine);
  if (!status) throw new Error(`bad status line: ${JSON.stringify(statusLine)}`);
  return { statusLine, statusCode: Number(status[1]), headers, body, socketErrors };
}

/** How {@link sendRaw} behaves as a client. */
export interface RawOptions {
  /**
   * Read nothing until the whole request is written (a client that does not read while
   * it sends): an answer the server sends early then waits in the client's buffer, where
   * a reset would destroy it.
   */
  readonly readAfterSending?: boolean;
}

/**
 * Writes `request` on a fresh loopback connection and reads until the server closes it
 * (bounded: 10 s). Every answer is registered with the leak scan under `where`. Write
 * errors (the server may stop reading) are kept, not thrown: what matters is that the
 * whole answer arrives.
 */
export function sendRaw(port: number, request: Buffer, where: string, options: RawOptions = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    const socketErrors: string[] = [];
    socket.setTimeout(10_000, function timedOut() {
      socketErrors.push('client timeout');
      socket.destroy();
    });
    function startReading(): void {
      socket.on('data', function collect(chunk: Buffer) {
        chunks.push(chunk);
      });
    }
    if (!options.readAfterSending) startReading();
    socket.on('error', function keepError(error: NodeJS.ErrnoException) {
      socketErrors.push(error.code ?? error.message);
    });
    socket.on('end', function closeOurSide() {
      socket.end();
    });
    socket.on('close', function done() {
      try {
        const response = parseResponse(Buffer.concat(chunks), socketErrors);
        recordErrorBody({
          where,
          status: response.statusCode,
          body: response.body,
          headers: JSON.stringify(response.headers),
        });
        resolve(response);
      } catch (error) {
        reject(error);
      }
    });
    socket.write(request, function written() {
      if (options.readAfterSending) startReading();
    });
  });
}

/** How {@link sendRawInPieces} writes a request. */
export interface PieceOptions {
  /** Bytes per write (default 4 KiB). */
  readonly pieceSize?: number;
  /** Milliseconds between two writes, so that the server reads them apart (default 2). */
  readonly pauseMs?: number;
  /** Bytes at the start written one at a time (a head whose first line arrives in bits). */
  readonly bytewiseStart?: number;
  /** Requests written (whole, answers read) before `request` on the same connection. */
  readonly before?: readonly Buffer[];
  /**
   * Write the whole request even after the server ended its side (as `sendall` does),
   * and only then end ours: a server that closes instead of lingering resets this client.
   */
  readonly keepSending?: boolean;
}

/**
 * Like {@link sendRaw}, but writes `request` in pieces with pauses between them (the
 * server reads a long head in several chunks, as over a real network), optionally after
 * other requests on the same keep-alive connection, and keeps writing after an answer
 * arrived, as a client that does not read while it sends. Returns the answer to `request`.
 */
export async function sendRawInPieces(
  port: number,
  request: Buffer,
  where: string,
  options: PieceOptions = {},
): Promise<RawResponse> {
  const pieceSize = options.pieceSize ?? 4096;
  const pauseMs = options.pauseMs ?? 2;
  const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: options.keepSending === true });
  socket.setNoDelay(true);
  const socketErrors: string[] = [];
  socket.on('error', function keepError(error: NodeJS.ErrnoException) {
    socketErrors.push(error.code ?? error.message);
  });
  let received = Buffer.alloc(0);
  let closed = false;
  socket.on('data', function collect(chunk: Buffer) {
    received = Buffer.concat([received, chunk]);
  });
  if (!options.keepSending) {
    socket.on('end', function closeOurSide() {
      socket.end();
    });
  }
  const done = new Promise<void>((resolve) => {
    socket.on('close', function onClose() {
      closed = true;
      resolve();
    });
  });
  socket.setTimeout(10_000, function timedOut() {
    socketErrors.push('client timeout');
    socket.destroy();
  });
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  for (const earlier of options.before ?? []) {
    const start = received.length;
    socket.write(earlier);
    await untilResponseComplete(
      () => received.subarray(start),
      () => closed,
    );
    received = Buffer.alloc(0);
  }
  const bytewise = options.bytewiseStart ?? 0;
  for (let offset = 0; offset < request.length && !closed; ) {
    const size = offset < bytewise ? 1 : pieceSize;
    if (!writeQuietly(socket, request.subarray(offset, offset + size))) break;
    offset += size;
    await sleep(pauseMs);
  }
  if (options.keepSending) socket.end();
  await done;
  const response = parseResponse(received, socketErrors);
  recordErrorBody({
    where,
    status: response.statusCode,
    body: response.body,
    headers: JSON.stringify(response.headers),
  });
  return response;
}

/** Writes unless the socket is gone; false when it is. */
function writeQuietly(socket: Socket, data: Buffer): boolean {
  if (socket.destroyed || !socket.writable) return false;
  socket.write(data);
  return true;
}

/** Waits until `bytes()` holds one whole response (head and Content-Length body). */
async function untilResponseComplete(bytes: () => Buffer, closed: () => boolean): Promise<void> {
  for (let waited = 0; waited < 5000; waited += 5) {
    const text = bytes().toString('latin1');
    const headEnd = text.indexOf('\r\n\r\n');
    if (headEnd !== -1) {
      const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, headEnd));
      if (text.length >= headEnd + 4 + Number(length?.[1] ?? 0)) return;
    }
    if (closed()) throw new Error('the connection closed before the first answer was complete');
    await sleep(5);
  }
  throw new Error('no complete answer to the first request');
}
