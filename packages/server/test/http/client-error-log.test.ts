/**
 * SPEC 8 ("every error line carries code, request id, …") for the errors answered before
 * Fastify sees a request: Node's parser gives up on an over-long request target, over-large
 * headers or bytes that are not HTTP, the `clientError` handler answers problem+json, and
 * it writes one log line like the error handler's — the answer's code, its `X-Request-Id`,
 * its status, the environment — so an operator can find the request an integrator reports.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectProblem } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import { type RawResponse, sendRaw } from '../support/raw-http.js';

const KiB = 1024;

function get(target: string, extraHeaders = ''): Buffer {
  return Buffer.from(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extraHeaders}Connection: close\r\n\r\n`, 'latin1');
}

describe.each(TEST_DATABASE_KINDS)('socket-level errors are logged (%s)', (kind) => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await createTestApp(kind);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await t.close();
  });

  /** The log lines that name a request id. */
  function linesOf(requestId: string): Record<string, unknown>[] {
    return t.logs.filter((line) => line.request_id === requestId);
  }

  /** Asserts exactly one error line for the raw answer, with the fields every error line has. */
  function expectOneLogLine(res: RawResponse, code: string): Record<string, unknown> {
    const requestId = res.headers['x-request-id'] ?? '';
    expect(requestId).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
    const lines = linesOf(requestId);
    expect(lines, JSON.stringify(t.logs.slice(-3))).toHaveLength(1);
    const line = lines[0] ?? {};
    expect(line).toMatchObject({
      level: 'info',
      code,
      request_id: requestId,
      status: res.statusCode,
      environment: 'sandbox',
      service: 'idgate',
      msg: code,
    });
    expect(typeof line.time).toBe('string');
    return line;
  }

  it('a 64 KiB request target: 414 VALIDATION_URI_TOO_LONG, one log line with its request id', async () => {
    const before = t.logs.length;
    const res = await sendRaw(port, get(`/v1/providers?q=${'a'.repeat(64 * KiB)}`), 'raw 64 KiB URL (log)');
    expectProblem(res, 'VALIDATION_URI_TOO_LONG', { instance: '/v1/providers' });
    const line = expectOneLogLine(res, 'VALIDATION_URI_TOO_LONG');
    expect(line).toMatchObject({ status: 414, method: 'GET', path: '/v1/providers', context: { limit: 8 * KiB } });
    // The target itself is not logged (it may carry anything the client put in a query).
    expect(JSON.stringify(line)).not.toContain('aaaaaaaa');
    expect(t.logs.length).toBe(before + 1);
  });

  it('a 64 KiB header: 431 VALIDATION_HEADERS_TOO_LARGE, one log line with its request id', async () => {
    const res = await sendRaw(port, get('/healthz', `X-Big: ${'a'.repeat(64 * KiB)}\r\n`), 'raw 64 KiB header (log)');
    expectProblem(res, 'VALIDATION_HEADERS_TOO_LARGE', { instance: '/healthz' });
    const line = expectOneLogLine(res, 'VALIDATION_HEADERS_TOO_LARGE');
    expect(line).toMatchObject({ status: 431, path: '/healthz', context: { limit: 16 * KiB } });
  });

  it('bytes that are not HTTP: 400 VALIDATION_INVALID_PARAMETER, logged with the parser’s reason', async () => {
    const res = await sendRaw(port, Buffer.from('NOT HTTP AT ALL\r\n\r\n', 'latin1'), 'raw garbage (log)');
    expectProblem(res, 'VALIDATION_INVALID_PARAMETER');
    const line = expectOneLogLine(res, 'VALIDATION_INVALID_PARAMETER');
    expect((line.debug as { parserCode?: string }).parserCode).toMatch(/^HPE_/);
  });

  it('the line has the same shape as an error answered by the error handler', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/healthz?${'a'.repeat(9 * KiB)}` });
    expectProblem(res, 'VALIDATION_URI_TOO_LONG');
    const handled = linesOf(String(res.headers['x-request-id']));
    expect(handled).toHaveLength(1);
    const raw = await sendRaw(port, get(`/healthz?${'a'.repeat(64 * KiB)}`), 'raw 64 KiB URL (shape of log)');
    const socketLine = expectOneLogLine(raw, 'VALIDATION_URI_TOO_LONG');
    for (const field of ['level', 'code', 'status', 'environment', 'service', 'path', 'msg']) {
      expect(socketLine[field], field).toEqual(handled[0]?.[field]);
    }
  });
});
