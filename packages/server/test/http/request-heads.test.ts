/**
 * The request-head tracker (`http/request-heads.ts`) on a plain Node HTTP server: it sees
 * a head that is still open after a chunk, forgets it once Node parsed it, and leaves
 * Node's parser reading the socket itself (a `data` listener would not: Node then hands
 * every chunk through JavaScript, 6–16 µs per request). It leans on Node's parser
 * internals; these tests fail on a Node whose HTTP server no longer works that way.
 */
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RequestHead,
  requestHeadOf,
  stopTrackingRequestHeads,
  trackRequestHeads,
} from '../../src/http/request-heads.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `done` every 2 ms for up to 5 s. */
async function until(done: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !done(); waited += 2) {
    if (waited > 5000) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

/** A client connection and the server's side of it. */
interface Connection {
  readonly client: Socket;
  /** The server's side of the connection. */
  readonly socket: Socket;
  /** Writes `bytes` and waits until the server has read (and so parsed) them. */
  send(bytes: string): Promise<void>;
  /** Waits until the client has received text matching `pattern`. */
  received(pattern: RegExp): Promise<void>;
}

describe('request-head tracking', () => {
  let server: Server;
  let port: number;
  /** The server side of each client connection, in order. */
  const accepted: Socket[] = [];

  beforeAll(async () => {
    server = createServer(function answer(request, response) {
      request.resume();
      request.on('end', () => response.end('ok'));
    });
    trackRequestHeads(server);
    server.on('connection', (socket: Socket) => accepted.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  async function open(): Promise<Connection> {
    const before = accepted.length;
    const client = connect(port, '127.0.0.1');
    client.setNoDelay(true);
    let text = '';
    client.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
    });
    await new Promise<void>((resolve) => client.once('connect', resolve));
    await until(() => accepted.length > before, 'the server to accept');
    const socket = accepted[before] as Socket;
    let written = 0;
    return {
      client,
      socket,
      async send(bytes) {
        written += Buffer.byteLength(bytes, 'latin1');
        client.write(bytes, 'latin1');
        // Node parses a chunk in the read that brings it: read means parsed.
        await until(() => socket.bytesRead >= written || socket.destroyed, 'the server to read');
      },
      async received(pattern) {
        await until(() => pattern.test(text), `an answer matching ${pattern}`);
      },
    };
  }

  it('Node’s parser on a tracked connection still reads the socket itself (no `data` listener)', async () => {
    const { client, socket, send } = await open();
    await send('GET /a HTTP/1.1\r\nHost: x\r\n\r\n');
    // Node's server keeps its own `data` listener (unused while the parser consumes).
    expect((socket as Socket & { parser?: { _consumed?: boolean } }).parser?._consumed).toBe(true);
    expect(socket.listenerCount('data')).toBe(1);
    client.destroy();
  });

  it('a head still open after a chunk is seen from its start, and forgotten once parsed', async () => {
    const { client, socket, send, received } = await open();
    await send('GET /v1/providers/x?q=abc');
    expect(requestHeadOf(socket)).toEqual<RequestHead>({
      method: 'GET',
      path: '/v1/providers/x',
      targetLength: '/v1/providers/x?q=abc'.length,
      lineComplete: false,
    });
    await send('def HTTP/1.1\r\nHost: x\r\n');
    expect(requestHeadOf(socket)).toEqual<RequestHead>({
      method: 'GET',
      path: '/v1/providers/x',
      targetLength: '/v1/providers/x?q=abcdef'.length,
      lineComplete: true,
    });
    await send('\r\n');
    expect(requestHeadOf(socket)).toBeUndefined();
    await received(/^HTTP\/1\.1 200 OK\r\n/);
    client.destroy();
  });

  it('a head whose method, CR and LF arrive apart is still read', async () => {
    const { client, socket, send } = await open();
    for (const piece of ['P', 'OS', 'T ', '/token']) await send(piece);
    expect(requestHeadOf(socket)).toMatchObject({ method: 'POST', path: '/token', lineComplete: false });
    await send(' HTTP/1.1\r');
    await send('\nHost: x\r\n');
    expect(requestHeadOf(socket)).toEqual<RequestHead>({
      method: 'POST',
      path: '/token',
      targetLength: '/token'.length,
      lineComplete: true,
    });
    client.destroy();
  });

  it('on a keep-alive connection, the head after a request with a body is seen too', async () => {
    const { client, socket, send, received } = await open();
    const body = 'a=1&b=2';
    await send(`POST /token HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`);
    // The body is not a head, whichever chunks it comes in.
    await send(body.slice(0, 3));
    expect(requestHeadOf(socket)).toBeUndefined();
    await send(body.slice(3));
    await received(/^HTTP\/1\.1 200 OK\r\n/);
    await send('GET /jwks?x=');
    expect(requestHeadOf(socket)).toMatchObject({ method: 'GET', path: '/jwks', lineComplete: false });
    client.destroy();
  });

  it('a head that begins behind a complete request in the same chunk (pipelining) is not claimed', async () => {
    const { client, socket, send } = await open();
    await send('GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b?q=');
    expect(requestHeadOf(socket)).toBeUndefined();
    client.destroy();
  });

  it('what is not a request line is not claimed, and a stopped connection is not tracked', async () => {
    const first = await open();
    await first.send('hello world');
    expect(requestHeadOf(first.socket)).toBeUndefined();
    first.client.destroy();
    const second = await open();
    await second.send('GET /x');
    expect(requestHeadOf(second.socket)).toMatchObject({ method: 'GET', path: '/x' });
    stopTrackingRequestHeads(second.socket);
    expect(requestHeadOf(second.socket)).toBeUndefined();
    second.client.destroy();
  });
});
