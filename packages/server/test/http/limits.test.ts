/**
 * SPEC 7: 413 (body, default 1 MiB), 414 (request target, default 8 KiB) and 431 (header
 * fields, default 16 KiB) are problem+json — also over a real socket, and also far past
 * Node's own parser limit (the `clientError` path), never a reset or a bare status line.
 * Limits are configurable.
 */

import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, createTestApp, type TestApp } from '../support/app.js';
import { expectProblem } from '../support/assertions.js';
import { type RawResponse, sendRaw } from '../support/raw-http.js';

const KiB = 1024;
const MiB = 1024 * KiB;

function get(target: string, extraHeaders = ''): Buffer {
  return Buffer.from(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extraHeaders}Connection: close\r\n\r\n`, 'latin1');
}

/** Asserts a complete problem+json answer on the raw socket; returns the body. */
function expectRawProblem(res: RawResponse, code: Parameters<typeof expectProblem>[1], instance?: string) {
  const body = expectProblem(res, code, instance === undefined ? {} : { instance });
  expect(res.headers['content-length']).toBe(String(Buffer.byteLength(res.body)));
  expect(res.headers['x-request-id']).toBe(body.request_id);
  expect(res.statusLine).toMatch(/^HTTP\/1\.1 \d{3} \S/);
  return body;
}

describe('request limits (defaults) through inject', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite');
  });
  afterAll(async () => {
    await t.close();
  });

  it('a 9 KiB URL is 414 VALIDATION_URI_TOO_LONG', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/v1/providers?q=${'a'.repeat(9 * KiB)}` });
    const body = expectProblem(res, 'VALIDATION_URI_TOO_LONG', { instance: '/v1/providers' });
    expect(body.context).toEqual({ limit: 8 * KiB });
    expect(body.detail).toContain('8192');
  });

  it('a request target of exactly 8 KiB is within the limit; one byte more is not', async () => {
    const exact = `/x?${'a'.repeat(8 * KiB - 3)}`;
    expect(exact.length).toBe(8 * KiB);
    expectProblem(await t.app.inject({ method: 'GET', url: exact }), 'RESOURCE_NOT_FOUND');
    expectProblem(await t.app.inject({ method: 'GET', url: `${exact}a` }), 'VALIDATION_URI_TOO_LONG');
  });

  it('414 wins over 404 and 405 (checked before routing answers)', async () => {
    const long = 'a'.repeat(9 * KiB);
    expectProblem(await t.app.inject({ method: 'DELETE', url: `/errors?${long}` }), 'VALIDATION_URI_TOO_LONG');
    expectProblem(await t.app.inject({ method: 'GET', url: `/healthz?${long}` }), 'VALIDATION_URI_TOO_LONG');
  });

  it('a 17 KiB header is 431 VALIDATION_HEADERS_TOO_LARGE', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-big': 'a'.repeat(17 * KiB) } });
    const body = expectProblem(res, 'VALIDATION_HEADERS_TOO_LARGE', { instance: '/healthz' });
    expect(body.context).toEqual({ limit: 16 * KiB });
  });

  it('many small headers adding up past 16 KiB are 431 too', async () => {
    const headers: Record<string, string> = {};
    for (let i = 0; i < 40; i++) headers[`x-field-${i}`] = 'v'.repeat(500);
    const res = await t.app.inject({ method: 'GET', url: '/healthz', headers });
    expectProblem(res, 'VALIDATION_HEADERS_TOO_LARGE');
  });

  it('headers within the limit pass', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-big': 'a'.repeat(12 * KiB) } });
    expect(res.statusCode).toBe(200);
  });
});

describe('configured limits', () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await createTestApp('sqlite', {
      env: { IDGATE_URI_LIMIT: '1024', IDGATE_HEADERS_LIMIT: '2048', IDGATE_BODY_LIMIT: '2048' },
    });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await t.close();
  });

  it('IDGATE_URI_LIMIT=1024: a 2 KiB URL is 414', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/healthz?${'a'.repeat(2 * KiB)}` });
    const body = expectProblem(res, 'VALIDATION_URI_TOO_LONG');
    expect(body.context).toEqual({ limit: 1024 });
    expect(body.detail).toContain('1024');
    expect((await t.app.inject({ method: 'GET', url: `/healthz?${'a'.repeat(900)}` })).statusCode).toBe(200);
  });

  it('IDGATE_HEADERS_LIMIT=2048: a 3 KiB header is 431', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-big': 'a'.repeat(3 * KiB) } });
    const body = expectProblem(res, 'VALIDATION_HEADERS_TOO_LARGE');
    expect(body.context).toEqual({ limit: 2048 });
  });

  it('IDGATE_BODY_LIMIT=2048: a 4 KiB JSON body is 413', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/admin/v1/apps',
      headers: { ...adminAuth(), 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'n'.repeat(4 * KiB), type: 'public', redirectUris: [] }),
    });
    expectProblem(res, 'VALIDATION_PAYLOAD_TOO_LARGE');
  });

  it('far past the configured limits over a socket, the answer names the configured limit', async () => {
    const res = await sendRaw(
      port,
      get('/healthz', `X-Big: ${'a'.repeat(200 * KiB)}\r\n`),
      'raw 200 KiB header (configured)',
    );
    const body = expectRawProblem(res, 'VALIDATION_HEADERS_TOO_LARGE');
    expect(body.context).toEqual({ limit: 2048 });
    expect(body.detail).toContain('2048');
  });
});

describe('request limits over a real socket', () => {
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

  it('a 64 KiB URL is a complete 414 problem+json response', async () => {
    const res = await sendRaw(port, get(`/v1/providers?q=${'a'.repeat(64 * KiB)}`), 'raw 64 KiB URL');
    expectRawProblem(res, 'VALIDATION_URI_TOO_LONG', '/v1/providers');
    expect(res.statusLine).toBe('HTTP/1.1 414 URI Too Long');
  });

  it('a 64 KiB header is a complete 431 problem+json response', async () => {
    const res = await sendRaw(port, get('/healthz', `X-Big: ${'a'.repeat(64 * KiB)}\r\n`), 'raw 64 KiB header');
    expectRawProblem(res, 'VALIDATION_HEADERS_TOO_LARGE', '/healthz');
    expect(res.statusLine).toBe('HTTP/1.1 431 Request Header Fields Too Large');
  });

  it('a 2 MiB body is a complete 413 problem+json response', async () => {
    const body = JSON.stringify({ name: 'x'.repeat(2 * MiB), type: 'public', redirectUris: [] });
    const request = Buffer.from(
      `POST /admin/v1/apps HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${adminAuth().authorization}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      'latin1',
    );
    const res = await sendRaw(port, request, 'raw 2 MiB body');
    expectRawProblem(res, 'VALIDATION_PAYLOAD_TOO_LARGE', '/admin/v1/apps');
    expect(res.headers.connection?.toLowerCase()).toBe('close');
  });

  it('a 2 MiB chunked body (no Content-Length) is a complete 413 problem+json response', async () => {
    const chunk = `{"name":"${'x'.repeat(2 * MiB)}"}`;
    const request = Buffer.from(
      `POST /admin/v1/apps HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${adminAuth().authorization}\r\n` +
        `Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n` +
        `${Buffer.byteLength(chunk).toString(16)}\r\n${chunk}\r\n0\r\n\r\n`,
      'latin1',
    );
    const res = await sendRaw(port, request, 'raw 2 MiB chunked body');
    expectRawProblem(res, 'VALIDATION_PAYLOAD_TOO_LARGE', '/admin/v1/apps');
  });

  it('a 300 KiB header (far past Node’s parser limit) is still a complete 431 problem+json response', async () => {
    const res = await sendRaw(port, get('/healthz', `X-Big: ${'a'.repeat(300 * KiB)}\r\n`), 'raw 300 KiB header');
    const body = expectRawProblem(res, 'VALIDATION_HEADERS_TOO_LARGE');
    expect(body.context).toEqual({ limit: 16 * KiB });
    expect(res.headers.connection).toBe('close');
  });

  it('many headers adding up to 300 KiB are still a complete 431 problem+json response', async () => {
    const fields = Array.from({ length: 300 }, (_, i) => `X-Field-${i}: ${'v'.repeat(1000)}\r\n`).join('');
    const res = await sendRaw(port, get('/healthz', fields), 'raw 300 x 1 KiB headers');
    expectRawProblem(res, 'VALIDATION_HEADERS_TOO_LARGE');
  });

  it('a 300 KiB URL (far past Node’s parser limit) is a complete problem+json answer, not a reset', async () => {
    const res = await sendRaw(port, get(`/v1/providers?q=${'a'.repeat(300 * KiB)}`), 'raw 300 KiB URL (shape)');
    expectRawProblem(res, 'VALIDATION_URI_TOO_LONG', '/v1/providers');
    expect(res.headers.connection).toBe('close');
  });

  // Far past Node's parser limit the request line spans several reads; where it began is
  // known from the request-head tracker (src/http/request-heads.ts), so it is 414 with its path.
  it('a 300 KiB URL (far past Node’s parser limit) is still a complete 414 problem+json response', async () => {
    const res = await sendRaw(port, get(`/v1/providers?q=${'a'.repeat(300 * KiB)}`), 'raw 300 KiB URL');
    const body = expectRawProblem(res, 'VALIDATION_URI_TOO_LONG', '/v1/providers');
    expect(body.context).toEqual({ limit: 8 * KiB });
  });

  it('a request that is not HTTP is a complete 400 problem+json response', async () => {
    const res = await sendRaw(port, Buffer.from('HELLO THERE\r\n\r\n', 'latin1'), 'raw garbage');
    expectRawProblem(res, 'VALIDATION_INVALID_PARAMETER');
  });

  it('the socket still serves normal requests, with X-Request-Id', async () => {
    const res = await sendRaw(port, get('/healthz'), 'raw healthz');
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-request-id']).toMatch(/^[0-9A-Z]{26}$/);
    expect(JSON.parse(res.body)).toEqual({ status: 'ok' });
  });

  it('counts the parser-level errors in /metrics', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.body).toMatch(/idgate_errors_total\{code="VALIDATION_HEADERS_TOO_LARGE",status="431"\} \d+/);
    expect(res.body).toMatch(/idgate_errors_total\{code="VALIDATION_URI_TOO_LONG",status="414"\} \d+/);
  });
});
