/**
 * A real HTTP receiver on 127.0.0.1 (port 0) for sign-in hook calls and webhooks: it
 * records every request with its raw body, checks the `Idgate-Signature` with the app's
 * hook secret the way an integrator would (HMAC over `"<t>.<raw body>"`, timestamp
 * recent), and answers as the test tells it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One received request. */
export interface Received {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: string;
  /** Whether the signature held (with the secret known when it arrived). */
  readonly signatureValid: boolean;
  /** Why it did not, if it did not. */
  readonly signatureProblem: string | undefined;
  /** `t` of the signature (unix seconds). */
  readonly signedAt: number | undefined;
}

/** How to answer one request. */
export type Responder = (request: Received, response: ServerResponse) => unknown;

/** A running receiver. */
export interface Receiver {
  readonly url: string;
  readonly received: Received[];
  /** The app's hook secret (known once the app is created). */
  secret: string | undefined;
  /** "Now" for the recency check (default: the real time). */
  now: () => Date;
  /** How the next requests are answered. */
  respond: Responder;
  close(): Promise<void>;
}

/** Answers JSON. */
export function json(status: number, body: unknown): Responder {
  return function answerJson(_request, response) {
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
}

/** Checks a signature like the recipe in docs/hooks-and-webhooks.md. */
export function checkSignature(
  header: string | undefined,
  rawBody: string,
  secret: string,
  now: Date,
  toleranceSeconds = 300,
): { ok: boolean; problem?: string; t?: number } {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!match) return { ok: false, problem: `malformed header ${JSON.stringify(header)}` };
  const t = Number(match[1]);
  if (Math.abs(now.getTime() / 1000 - t) > toleranceSeconds) return { ok: false, problem: 'stale timestamp', t };
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest();
  const given = Buffer.from(match[2] as string, 'hex');
  return timingSafeEqual(expected, given) ? { ok: true, t } : { ok: false, problem: 'signature mismatch', t };
}

/** Starts a receiver. */
export async function startReceiver(): Promise<Receiver> {
  const sockets = new Set<import('node:net').Socket>();
  const receiver: Receiver = {
    url: '',
    received: [],
    secret: undefined,
    now: () => new Date(),
    respond: json(200, { allow: true }),
    close: async () => undefined,
  };
  const server: Server = createServer(function handle(request, response) {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const header = request.headers['idgate-signature'];
      const check =
        receiver.secret === undefined
          ? { ok: false, problem: 'no secret yet' }
          : checkSignature(typeof header === 'string' ? header : undefined, rawBody, receiver.secret, receiver.now());
      const received: Received = {
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        rawBody,
        signatureValid: check.ok,
        signatureProblem: check.problem,
        signedAt: check.t,
      };
      receiver.received.push(received);
      Promise.resolve(receiver.respond(received, response)).catch(() => response.destroy());
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/hook`,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
