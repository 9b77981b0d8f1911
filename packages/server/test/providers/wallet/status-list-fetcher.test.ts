/**
 * The production status list fetcher against a real HTTP server on loopback: it reads a
 * 200 answer, and refuses — as StatusListUnreachable — another status, a redirect, an
 * answer too slow or too large, plain http where https is required, and a private address
 * when private networks are refused.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatusListUnreachable } from '../../../src/providers/wallet/status-list.js';
import { HttpStatusListFetcher, MAX_STATUS_LIST_BYTES } from '../../../src/providers/wallet/status-list-fetcher.js';

let server: Server;
let base: string;
const accepts: string[] = [];

beforeAll(async () => {
  server = createServer(function answer(request, response) {
    accepts.push(String(request.headers.accept));
    if (request.url === '/list') {
      response.writeHead(200, { 'content-type': 'application/statuslist+jwt' }).end('eyJ.token.sig\n');
    } else if (request.url === '/moved') {
      response.writeHead(302, { location: '/list' }).end();
    } else if (request.url === '/slow') {
      setTimeout(() => response.writeHead(200).end('late'), 1_000);
    } else if (request.url === '/huge') {
      response.writeHead(200).end(Buffer.alloc(MAX_STATUS_LIST_BYTES + 10, 0x41));
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const sandboxFetcher = new HttpStatusListFetcher({ timeoutMs: 300, privateNetworks: 'allow', httpsOnly: false });

describe('HttpStatusListFetcher', () => {
  it('reads the token of a 200 answer, asking for application/statuslist+jwt', async () => {
    expect(await sandboxFetcher.fetchStatusList(`${base}/list`)).toBe('eyJ.token.sig');
    expect(accepts.at(-1)).toBe('application/statuslist+jwt');
  });

  it.each([
    ['a 404', '/missing', /answered 404/],
    ['a redirect (not followed)', '/moved', /answered 302/],
    ['an answer past the timeout', '/slow', /timeout/],
    ['an answer over the size limit', '/huge', /too large/],
  ])('refuses %s', async (_name, path, message) => {
    const error = await sandboxFetcher.fetchStatusList(`${base}${path}`).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(StatusListUnreachable);
    expect((error as Error).message).toMatch(message);
  });

  it('refuses http in production and private addresses when they are denied', async () => {
    const production = new HttpStatusListFetcher({ timeoutMs: 300, privateNetworks: 'deny', httpsOnly: true });
    await expect(production.fetchStatusList(`${base}/list`)).rejects.toThrow(/unsupported protocol http:/);
    const denying = new HttpStatusListFetcher({ timeoutMs: 300, privateNetworks: 'deny', httpsOnly: false });
    await expect(denying.fetchStatusList(`${base}/list`)).rejects.toThrow(/127\.0\.0\.1 is not a public address/);
    await expect(denying.fetchStatusList('http://localhost:1/list')).rejects.toThrow(StatusListUnreachable);
  });
});
