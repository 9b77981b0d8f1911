/**
 * Raw HTTP/1.1 over a loopback socket, for what `inject` cannot show: answers to requests
 * far past Node's parser limits (414, 431, 413 on the `clientError` path).
 */
import { connect } from 'node:net';
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
function parseResponse(raw: Buffer, socketErrors: string[]): RawResponse {
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

/**
 * Writes `request` on a fresh loopback connection and reads until the server closes it
 * (bounded: 10 s). Every answer is registered with the leak scan under `where`. Write
 * errors (the server may stop reading) are kept, not thrown: what matters is that the
 * whole answer arrives.
 */
export function sendRaw(port: number, request: Buffer, where: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    const socketErrors: string[] = [];
    socket.setTimeout(10_000, function timedOut() {
      socketErrors.push('client timeout');
      socket.destroy();
    });
    socket.on('data', function collect(chunk: Buffer) {
      chunks.push(chunk);
    });
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
    socket.write(request);
  });
}
