/**
 * SPEC 8: one access log line for every request — method, route pattern, path, status,
 * duration, request id, the client / verification / provider ids once known, and the
 * environment — not only for errors. An error answer is still one line (the access line,
 * carrying the error's code, context and, for 5xx, the cause), never two; a request the
 * client cut off is logged too (`aborted`). `IDGATE_ACCESS_LOG=false` keeps only the
 * lines of error answers.
 */
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectProblem } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import { createRestApp, createVerification, json, type RestApp } from '../verification/helpers.js';

function linesOf(t: TestApp, requestId: string): Record<string, unknown>[] {
  return t.logs.filter((line) => line.request_id === requestId);
}

function oneLineOf(t: TestApp, requestId: string): Record<string, unknown> {
  const lines = linesOf(t, requestId);
  expect(lines, JSON.stringify(t.logs.slice(-3))).toHaveLength(1);
  return lines[0] as Record<string, unknown>;
}

describe.each(TEST_DATABASE_KINDS)('access log (%s)', (kind) => {
  let t: TestApp;
  let rest: RestApp;
  beforeAll(async () => {
    t = await createTestApp(kind, { routes: registerSlowRoute });
    rest = await createRestApp(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it('a successful request: one info line with method, route, path, status, duration and ids', async () => {
    const res = await createVerification(
      t,
      rest.basic,
      { providerId: 'mock-qr', userData: { testIdentity: 'success' } },
      { 'x-request-id': `access-ok-${kind}` },
    );
    expect(res.statusCode, res.body).toBe(201);
    const { verificationId } = json<{ verificationId: string }>(res);
    const line = oneLineOf(t, `access-ok-${kind}`);
    expect(line).toMatchObject({
      level: 'info',
      msg: 'request',
      service: 'idgate',
      environment: 'sandbox',
      method: 'POST',
      route: '/v1/verifications',
      path: '/v1/verifications',
      status: 201,
      client_id: rest.clientId,
      verification_id: verificationId,
      provider_id: 'mock-qr',
    });
    expect(typeof line.duration_ms).toBe('number');
    expect(line.duration_ms as number).toBeGreaterThan(0);
    expect(line.duration_ms as number).toBeLessThan(10_000);
    expect(typeof line.time).toBe('string');
    expect(line).not.toHaveProperty('code');
    expect(line).not.toHaveProperty('aborted');
  });

  it('the route pattern, the path without its query, and no query in the line', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/errors/AUTH_INVALID_GRANT?token=should-not-be-logged',
      headers: { accept: 'application/json', 'x-request-id': `access-route-${kind}` },
    });
    expect(res.statusCode).toBe(200);
    const line = oneLineOf(t, `access-route-${kind}`);
    expect(line).toMatchObject({ route: '/errors/:code', path: '/errors/AUTH_INVALID_GRANT', status: 200 });
    expect(JSON.stringify(line)).not.toContain('should-not-be-logged');
  });

  it('a 4xx answer is one info line carrying the code and context', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/v1/verifications/ver_unknown',
      headers: { authorization: rest.basic, 'x-request-id': `access-404-${kind}` },
    });
    expectProblem(res, 'SESSION_VERIFICATION_NOT_FOUND');
    const line = oneLineOf(t, `access-404-${kind}`);
    expect(line).toMatchObject({
      level: 'info',
      msg: 'SESSION_VERIFICATION_NOT_FOUND',
      code: 'SESSION_VERIFICATION_NOT_FOUND',
      status: 404,
      method: 'GET',
      route: '/v1/verifications/:verificationId',
      client_id: rest.clientId,
      environment: 'sandbox',
    });
    expect(typeof line.duration_ms).toBe('number');
    expect(typeof line.context).toBe('object');
  });

  it('an unmatched request is logged with the route (unmatched)', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/no/such/route',
      headers: { 'x-request-id': `access-nf-${kind}` },
    });
    expectProblem(res, 'RESOURCE_NOT_FOUND');
    expect(oneLineOf(t, `access-nf-${kind}`)).toMatchObject({
      code: 'RESOURCE_NOT_FOUND',
      route: '(unmatched)',
      path: '/no/such/route',
      status: 404,
    });
  });

  it('a request refused before its route (406) is logged once too', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { accept: 'image/png', 'x-request-id': `access-406-${kind}` },
    });
    expectProblem(res, 'VALIDATION_NOT_ACCEPTABLE');
    expect(oneLineOf(t, `access-406-${kind}`)).toMatchObject({
      code: 'VALIDATION_NOT_ACCEPTABLE',
      route: '/healthz',
      status: 406,
    });
  });

  it('a 5xx answer is one error line with the cause', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/test/boom',
      headers: { 'x-request-id': `access-500-${kind}` },
    });
    expectProblem(res, 'SYSTEM_INTERNAL_ERROR');
    const line = oneLineOf(t, `access-500-${kind}`);
    expect(line).toMatchObject({ level: 'error', code: 'SYSTEM_INTERNAL_ERROR', status: 500, route: '/test/boom' });
    expect(line).toHaveProperty('err');
    expect(JSON.stringify(line.err)).toContain('test route exploded');
  });

  it('a request the client cuts off is logged with aborted: true', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (t.app.server.address() as AddressInfo).port;
    const requestId = `access-aborted-${kind}`;
    await new Promise<void>(function abortMidway(resolve) {
      const request = httpRequest({
        port,
        host: '127.0.0.1',
        path: '/test/slow',
        headers: { 'x-request-id': requestId },
      });
      request.on('error', () => resolve());
      request.end();
      setTimeout(() => request.destroy(), 100);
    });
    const deadline = Date.now() + 3_000;
    while (linesOf(t, requestId).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const line = oneLineOf(t, requestId);
    expect(line).toMatchObject({ level: 'info', route: '/test/slow', aborted: true, method: 'GET' });
  });
});

/** Test-only routes: one that throws, one that answers after 400 ms. */
function registerSlowRoute(app: TestApp['app']): void {
  app.get('/test/boom', { config: { idgate: { surface: 'problem' } } }, async function boom() {
    throw new Error('test route exploded');
  });
  app.get('/test/slow', { config: { idgate: { surface: 'problem' } } }, async function slow() {
    await new Promise((resolve) => setTimeout(resolve, 400));
    return { slow: true };
  });
}

describe('IDGATE_ACCESS_LOG=false', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite', { env: { IDGATE_ACCESS_LOG: 'false' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('logs no line for a success and still one line for an error', async () => {
    expect(
      (await t.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'quiet-ok' } })).statusCode,
    ).toBe(200);
    expect(linesOf(t, 'quiet-ok')).toEqual([]);
    expectProblem(
      await t.app.inject({ method: 'GET', url: '/nothing-here', headers: { 'x-request-id': 'quiet-404' } }),
      'RESOURCE_NOT_FOUND',
    );
    expect(oneLineOf(t, 'quiet-404')).toMatchObject({ code: 'RESOURCE_NOT_FOUND', status: 404, route: '(unmatched)' });
  });
});
