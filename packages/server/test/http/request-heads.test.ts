/**
 * The request-head tracker (`http/request-heads.ts`) on a plain Node HTTP server: it sees
 * a head that is still open after a chunk, forgets it once Node parsed it, and leaves
 * Node's parser reading the socket itself (a `data` listener would not: Node then hands
 * every chunk through JavaScript, 6–16 µs per request). It leans on Node's parser
 * internals; these tests fail on a Node whose HTTP server no longer works that way.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RequestHead,
  requestHeadOf,
  stopTrackingRequestHeads,
  trackRequestHeads,
} from '../../src/http/request-heads.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('request-head tracking', () => {
  let server: Server;
  let port: number;
  /** The server side of each client connection, in order. */
  const accepted: Socket[] = [];
  const requests: IncomingMessage[] = [];

  beforeAll(async () => {
    server = createServer(function answer(request, response) {
      requests.push(request);
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

  /** A client connection and the server's side of it. */
  async function open(): Promise<{ client: Socket; serverSide: () => Socket; received: () => string }> {
    const before = accepted.length;
    const client = connect(port, '127.0.0.1');
    client.setNoDelay(true);
    let received = '';
    client.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    await new Promise<void>((resolve) => client.once('connect', resolve));
    while (accepted.length === before) await sleep(2);
    const socket = accepted[before] as Socket;
    return { client, serverSide: () => socket, received: () => received };
  }

  /** Writes `bytes` and waits until the server has read them. */
  async function send(client: Socket, bytes: string): Promise<void> {
    client.write(bytes, 'latin1');
    await sleep(30);
  }

  it('Node’s parser on a tracked connection still reads the socket itself (no `data` listener)', async () => {
    const { client, serverSide } = await open();
    await send(client, 'GET /a HTTP/1.1\r\nHost: x\r\n\r\n');
    const socket = serverSide() as Socket & { parser?: { _consumed?: boolean } };
    // Node's server keeps its own `data` listener (unused while the parser consumes).
    expect(socket.parser?._consumed).toBe(true);
    expect(socket.listenerCount('data')).toBe(1);
    client.destroy();
  });

  it('a head still open after a chunk is seen from its start, and forgotten once parsed', async () => {
    const { client, serverSide, received } = await open();
    await send(client, 'GET /v1/providers/x?q=abc');
    expect(requestHeadOf(serverSide())).toEqual<RequestHead>({
      method: 'GET',
      path: '/v1/providers/x',
      targetLength: '/v1/providers/x?q=abc'.length,
      lineComplete: false,
    });
    await send(client, 'def HTTP/1.1\r\nHost: x\r\n');
    expect(requestHeadOf(serverSide())).toEqual<RequestHead>({
      method: 'GET',
      path: '/v1/providers/x',
      targetLength: '/v1/providers/x?q=abcdef'.length,
      lineComplete: true,
    });
    await send(client, '\r\n');
    expect(requestHeadOf(serverSide())).toBeUndefined();
    expect(received()).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    client.destroy();
  });

  it('a head whose method, CR and LF arrive apart is still read', async () => {
    const { client, serverSide } = await open();
    for (const piece of ['P', 'OS', 'T ', '/token']) await send(client, piece);
    expect(requestHeadOf(serverSide())).toMatchObject({ method: 'POST', path: '/token', lineComplete: false });
    await send(client, ' HTTP/1.1\r');
    await send(client, '\nHost: x\r\n');
    expect(requestHeadOf(serverSide())).toEqual<RequestHead>({
      method: 'POST',
      path: '/token',
      targetLength: '/token'.length,
      lineComplete: true,
    });
    client.destroy();
  });

  it('on a keep-alive connection, the head after a request with a body is seen too', async () => {
    const { client, serverSide, received } = await open();
    const body = 'a=1&b=2';
    await send(client, `POST /token HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`);
    // The body is not a head, whichever chunks it comes in.
    await send(client, body.slice(0, 3));
    expect(requestHeadOf(serverSide())).toBeUndefined();
    await send(client, body.slice(3));
    expect(received()).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    await send(client, 'GET /jwks?x=');
    expect(requestHeadOf(serverSide())).toMatchObject({ method: 'GET', path: '/jwks', lineComplete: false });
    client.destroy();
  });

  it('a head that begins behind a complete request in the same chunk (pipelining) is not claimed', async () => {
    const { client, serverSide } = await open();
    await send(client, 'GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b?q=');
    expect(requestHeadOf(serverSide())).toBeUndefined();
    client.destroy();
  });

  it('what is not a request line is not claimed, and a stopped connection is not tracked', async () => {
    const first = await open();
    await send(first.client, 'hello world');
    expect(requestHeadOf(first.serverSide())).toBeUndefined();
    first.client.destroy();
    const second = await open();
    await send(second.client, 'GET /x');
    stopTrackingRequestHeads(second.serverSide());
    expect(requestHeadOf(second.serverSide())).toBeUndefined();
    second.client.destroy();
  });
});
