/**
 * SPEC 8, issue 14: graceful shutdown on SIGTERM, over real sockets against the built
 * server. It stops accepting connections and answers every request already received:
 * keep-alive clients in the middle of a request when the signal arrives each read a
 * complete answer carrying `Connection: close`, then see their connection end — none is
 * reset; a request sent on an idle keep-alive connection just after the signal (what a
 * balancer's connection pool does) is answered the same way; an idle connection that
 * sends nothing is closed cleanly. The process exits within
 * `IDGATE_SHUTDOWN_TIMEOUT`, also when a client never finishes its request. Webhook
 * deliveries in flight are drained (their answer is read and recorded), and no new ones
 * are started.
 * Needs `npm run build` first.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { startInstance } from '../../src/runtime.js';
import { type Receiver, startReceiver } from '../hooks/receiver.js';
import { exitOf, killChildren, requireBuild, startServer } from '../support/child-server.js';
import { recordErrorBody, registerSecret } from '../support/leaks.js';

/** One answer read off a raw connection. */
interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** A keep-alive HTTP/1.1 connection read byte by byte: answers, its end, and any socket error. */
class RawConnection {
  readonly socket: Socket;
  readonly errors: string[] = [];
  #buffer = Buffer.alloc(0);
  #ended = false;
  readonly closed: Promise<void>;
  #waiters: (() => void)[] = [];

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#wake();
    });
    socket.on('end', () => {
      this.#ended = true;
      this.#wake();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.errors.push(error.code ?? error.message);
    });
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  /** Whether the server ended the connection (FIN). */
  get ended(): boolean {
    return this.#ended;
  }

  write(data: string): void {
    this.socket.write(data);
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }

  /** The next complete answer (a `Content-Length` body), within `timeoutMs`. */
  async read(where: string, timeoutMs = 5_000): Promise<RawAnswer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const answer = this.#take();
      if (answer !== undefined) {
        if (answer.status >= 400) recordErrorBody({ where, status: answer.status, body: answer.body, headers: '' });
        return answer;
      }
      if (this.#ended || Date.now() > deadline) {
        throw new Error(`no complete answer (${where}); got ${JSON.stringify(this.#buffer.toString('latin1'))}`);
      }
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  #take(): RawAnswer | undefined {
    const text = this.#buffer.toString('latin1');
    const headEnd = text.indexOf('\r\n\r\n');
    if (headEnd === -1) return undefined;
    const [statusLine = '', ...lines] = text.slice(0, headEnd).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? '0');
    if (this.#buffer.length < headEnd + 4 + length) return undefined;
    const body = this.#buffer.subarray(headEnd + 4, headEnd + 4 + length).toString('utf8');
    this.#buffer = this.#buffer.subarray(headEnd + 4 + length);
    return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1]), headers, body };
  }
}

const TOKEN_BODY = 'grant_type=client_credentials&client_id=test_nobody&client_secret=not-a-secret';

function tokenRequestHead(): string {
  return (
    'POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
    `Content-Length: ${TOKEN_BODY.length}\r\n\r\n`
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(requireBuild);
afterAll(killChildren);

describe('SIGTERM over real sockets', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'idgate-sigterm-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keep-alive clients mid-request read complete answers with Connection: close; none is reset; exit 0', async () => {
    const server = await startServer({ IDGATE_DATA_DIR: dataDir, PORT: '0', IDGATE_SHUTDOWN_TIMEOUT: '5000' });
    const port = Number(new URL(server.address).port);
    const busy = await Promise.all([1, 2, 3, 4].map(() => RawConnection.open(port)));
    const idle = await RawConnection.open(port);
    const quiet = await RawConnection.open(port);
    for (const connection of [...busy, idle, quiet]) {
      connection.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      const first = await connection.read('healthz before SIGTERM');
      expect(first.status).toBe(200);
      expect(first.headers.connection).toBe('keep-alive');
    }
    // Each busy client has sent the head and part of the body of its next request.
    for (const connection of busy) connection.write(tokenRequestHead() + TOKEN_BODY.slice(0, 20));
    await sleep(150);

    const signalled = performance.now();
    expect(server.child.kill('SIGTERM')).toBe(true);
    await sleep(300);
    // No new connections.
    await expect(RawConnection.open(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    // A request on a kept-alive idle connection, after the signal: answered, then the connection ends.
    idle.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const late = await idle.read('healthz after SIGTERM');
    expect(late.status).toBe(200);
    expect(late.headers.connection).toBe('close');
    await idle.closed;
    expect(idle.ended).toBe(true);
    expect(idle.errors).toEqual([]);

    for (const connection of busy) connection.write(TOKEN_BODY.slice(20));
    for (const connection of busy) {
      const answer = await connection.read('token during shutdown');
      expect(answer.status).toBe(401);
      expect(answer.headers.connection).toBe('close');
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
      const body = JSON.parse(answer.body) as Record<string, unknown>;
      expect(body.error).toBe('invalid_client');
      expect(body.error_uri).toBe(`http://localhost:0/errors/AUTH_INVALID_CLIENT`);
      await connection.closed;
      expect(connection.ended).toBe(true);
      expect(connection.errors).toEqual([]);
    }
    // The connection that sent nothing more was closed, not reset.
    await quiet.closed;
    expect(quiet.ended).toBe(true);
    expect(quiet.errors).toEqual([]);
    expect(await exitOf(server.child)).toBe(0);
    expect(performance.now() - signalled).toBeLessThan(5_000);
  });

  it('a client that never finishes its request does not hold the exit past IDGATE_SHUTDOWN_TIMEOUT', async () => {
    const server = await startServer({ IDGATE_DATA_DIR: dataDir, PORT: '0', IDGATE_SHUTDOWN_TIMEOUT: '1000' });
    const port = Number(new URL(server.address).port);
    const stuck = await RawConnection.open(port);
    stuck.write(tokenRequestHead() + TOKEN_BODY.slice(0, 20));
    await sleep(150);
    const signalled = performance.now();
    server.child.kill('SIGTERM');
    expect(await exitOf(server.child, 6_000)).toBe(0);
    const took = performance.now() - signalled;
    expect(took).toBeGreaterThanOrEqual(900);
    // The timeout, at most 1 s to close the database, and the process exit.
    expect(took).toBeLessThan(3_500);
    await stuck.closed;
    expect(server.stdout()).toContain('still running at IDGATE_SHUTDOWN_TIMEOUT');
  });
});

describe('webhook deliveries in flight at shutdown', () => {
  let dataDir: string;
  let receiver: Receiver;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'idgate-drain-webhooks-'));
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('are answered and recorded before the database closes; no new delivery starts', async () => {
    const instance = await startInstance(
      loadConfig({
        IDGATE_DATA_DIR: dataDir,
        PORT: '0',
        IDGATE_LOG_LEVEL: 'silent',
        IDGATE_WEBHOOK_POLL_INTERVAL: '50',
        IDGATE_SHUTDOWN_TIMEOUT: '5000',
      }),
    );
    let stopped = false;
    const answered: boolean[] = [];
    receiver.respond = function answerSlowly(_request, response) {
      setTimeout(() => {
        answered.push(!stopped);
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      }, 700);
    };
    try {
      const created = await instance.app.idgate.apps.create({
        name: 'Shop',
        type: 'confidential',
        redirectUris: ['https://shop.example/callback'],
        webhookUrl: receiver.url,
      });
      registerSecret(created.clientSecret);
      registerSecret(created.hookSecret);
      await instance.app.idgate.verifications.create(created.app, {
        providerId: 'mock-redirect',
        userData: { testIdentity: 'success' },
      });
      const deadline = Date.now() + 5_000;
      while (receiver.received.length === 0 && Date.now() < deadline) await sleep(20);
      expect(receiver.received).toHaveLength(1);
    } finally {
      await instance.stop();
      stopped = true;
    }
    // The delivery under way was answered before stop() resolved, and nothing else went out.
    expect(answered).toEqual([true]);
    await sleep(200);
    expect(receiver.received).toHaveLength(1);
    const file = new SQLite(join(dataDir, 'idgate.sqlite'), { readonly: true });
    try {
      const rows = file.prepare('select type, status from webhook_events order by seq').all() as {
        type: string;
        status: string;
      }[];
      expect(rows).toEqual([
        { type: 'verification.initiated', status: 'delivered' },
        { type: 'verification.pending', status: 'pending' },
      ]);
    } finally {
      file.close();
    }
  });
});
