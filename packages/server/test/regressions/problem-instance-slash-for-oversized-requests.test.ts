/**
 * Issue 14: `instance` was sometimes `"/"` in answers to oversized requests (SPEC 3:
 * `instance` is the request path). Each way such a request is answered — Node's parser
 * giving up (414, 431, and not-HTTP 400 once the request line is known), the `onRequest`
 * check (414, 431), the body limit (413), and a path the router refuses — names the path.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { adminAuth, createTestApp, type TestApp } from '../support/app.js';
import { expectProblem } from '../support/assertions.js';
import { sendRaw, sendRawInPieces } from '../support/raw-http.js';

const KiB = 1024;

function get(target: string, extraHeaders = ''): Buffer {
  return Buffer.from(`GET ${target} HTTP/1.1\r\nHost: x\r\n${extraHeaders}Connection: close\r\n\r\n`, 'latin1');
}

describe('instance is the request path in every oversized answer', () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await createTestApp('sqlite');
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await t.close();
  });

  it('414 from the socket, whole or in pieces', async () => {
    const request = get(`/v1/verifications/abc?x=${'a'.repeat(200 * KiB)}`);
    for (const res of [
      await sendRaw(port, request, 'instance 414 whole'),
      await sendRawInPieces(port, request, 'instance 414 pieces', { pieceSize: 2048 }),
    ]) {
      expectProblem(res, 'VALIDATION_URI_TOO_LONG', { instance: '/v1/verifications/abc' });
    }
  });

  it('431 from the socket, whole or in pieces', async () => {
    const request = get('/admin/v1/apps', `Cookie: ${'c'.repeat(200 * KiB)}\r\n`);
    for (const res of [
      await sendRaw(port, request, 'instance 431 whole'),
      await sendRawInPieces(port, request, 'instance 431 pieces', { pieceSize: 2048 }),
    ]) {
      expectProblem(res, 'VALIDATION_HEADERS_TOO_LARGE', { instance: '/admin/v1/apps' });
    }
  });

  it('400 for bytes Node cannot parse after a request line, from the socket', async () => {
    const res = await sendRaw(port, Buffer.from('GET /v1/providers HTTP/1.1\r\nno colon here\r\n\r\n'), 'instance 400');
    expectProblem(res, 'VALIDATION_INVALID_PARAMETER', { instance: '/v1/providers' });
  });

  it('414 and 431 from the onRequest check (within Node’s limit)', async () => {
    const uri = await sendRaw(port, get(`/token?x=${'a'.repeat(9 * KiB)}`), 'instance 414 hook');
    expectProblem(uri, 'VALIDATION_URI_TOO_LONG', { instance: '/token' });
    const headers = await sendRaw(port, get('/jwks', `X-Big: ${'a'.repeat(17 * KiB)}\r\n`), 'instance 431 hook');
    expectProblem(headers, 'VALIDATION_HEADERS_TOO_LARGE', { instance: '/jwks' });
  });

  it('413, announced or chunked', async () => {
    const body = `{"name":"${'x'.repeat(1100 * KiB)}"}`;
    const head = `POST /admin/v1/apps HTTP/1.1\r\nHost: x\r\nAuthorization: ${adminAuth().authorization}\r\nContent-Type: application/json\r\n`;
    const announced = await sendRaw(
      port,
      Buffer.from(`${head}Content-Length: ${body.length}\r\n\r\n${body}`),
      'instance 413',
    );
    expectProblem(announced, 'VALIDATION_PAYLOAD_TOO_LARGE', { instance: '/admin/v1/apps' });
    const chunked = await sendRaw(
      port,
      Buffer.from(`${head}Transfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`),
      'instance 413 chunked',
    );
    expectProblem(chunked, 'VALIDATION_PAYLOAD_TOO_LARGE', { instance: '/admin/v1/apps' });
  });
});
