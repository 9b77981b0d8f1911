/**
 * Issue 14: Fastify's own framework errors bypassed idgate. A path parameter over
 * Fastify's length limit answered `414 {"code":"FST_ERR_MAX_PARAM_LENGTH"…}` on a 320-byte
 * URL, and a malformed percent-encoding (`/v1/providers/%FF%FE%C0`) `400 FST_ERR_BAD_URL`,
 * both without `X-Request-Id` and not problem+json. Now both come from the catalog on the
 * route's surface (SPEC 3, 7), logged with their code: a long parameter is the route's own
 * answer (its schema bounds it), a bad path is 400 `VALIDATION_INVALID_PARAMETER`, and a
 * path past the request-target limit is 414.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectProblem } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import { sendRaw } from '../support/raw-http.js';
import { createRestApp, type RestApp } from '../verification/helpers.js';

describe.each(TEST_DATABASE_KINDS)('framework errors through the catalog (%s)', (kind) => {
  let t: TestApp;
  let rest: RestApp;
  let port: number;
  beforeAll(async () => {
    t = await createTestApp(kind);
    rest = await createRestApp(t);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await t.close();
  });

  function logLineOf(requestId: string): Record<string, unknown> | undefined {
    return t.logs.find((line) => line.request_id === requestId && typeof line.code === 'string');
  }

  it('a malformed percent-encoding in the path is 400 VALIDATION_INVALID_PARAMETER problem+json with X-Request-Id', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/providers/%FF%FE%C0' });
    const body = expectProblem(res, 'VALIDATION_INVALID_PARAMETER', { instance: '/v1/providers/%FF%FE%C0' });
    expect(body.context).toEqual({ fields: [{ name: 'path', reason: 'is not valid percent-encoded UTF-8' }] });
    expect(res.body).not.toContain('FST_ERR');
    expect(logLineOf(body.request_id as string)).toMatchObject({
      code: 'VALIDATION_INVALID_PARAMETER',
      status: 400,
      path: '/v1/providers/%FF%FE%C0',
    });
  });

  it('the same over a real socket, keeping a well-formed incoming X-Request-Id', async () => {
    const res = await sendRaw(
      port,
      Buffer.from(
        'GET /admin/v1/apps/%C0%AF HTTP/1.1\r\nHost: x\r\nX-Request-Id: bad-url-1\r\nConnection: close\r\n\r\n',
      ),
      'raw bad URL',
    );
    const body = expectProblem(res, 'VALIDATION_INVALID_PARAMETER', { instance: '/admin/v1/apps/%C0%AF' });
    expect(body.request_id).toBe('bad-url-1');
  });

  it('a bad path on a hosted page answers a browser with the HTML error page, a JSON client with problem+json', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/authorize/%FF', headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(400);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<code>VALIDATION_INVALID_PARAMETER</code>');
    expect(page.headers['x-request-id']).toMatch(/^[0-9A-Z]{26}$/);
    const json = await t.app.inject({ method: 'GET', url: '/authorize/%FF', headers: { accept: 'application/json' } });
    expectProblem(json, 'VALIDATION_INVALID_PARAMETER', { instance: '/authorize/%FF' });
  });

  it('a 300-character path parameter (a 320-byte URL) is the route’s own validation answer, not 414', async () => {
    const long = 'a'.repeat(300);
    const provider = await t.app.inject({
      method: 'GET',
      url: `/v1/providers/${long}`,
      headers: { authorization: rest.basic },
    });
    const body = expectProblem(provider, 'VALIDATION_INVALID_PARAMETER', { instance: `/v1/providers/${long}` });
    expect(body.context).toEqual({
      fields: [{ name: 'path.providerId', pointer: '/providerId', reason: 'must NOT have more than 64 characters' }],
    });
    const verification = await t.app.inject({
      method: 'GET',
      url: `/v1/verifications/${long}`,
      headers: { authorization: rest.basic },
    });
    expectProblem(verification, 'VALIDATION_INVALID_PARAMETER');
    // A route without a schema for it: the id names nothing.
    const transaction = await t.app.inject({ method: 'GET', url: `/authorize/${long}` });
    expect(transaction.statusCode).toBe(404);
    expect(transaction.body).toContain('<code>SESSION_NOT_FOUND</code>');
  });

  it('a path parameter past the request-target limit is 414 problem+json, the path as instance', async () => {
    const long = 'a'.repeat(9000);
    const res = await t.app.inject({ method: 'GET', url: `/v1/providers/${long}` });
    expectProblem(res, 'VALIDATION_URI_TOO_LONG', { instance: `/v1/providers/${long}` });
    const raw = await sendRaw(
      port,
      Buffer.from(`GET /admin/v1/apps/${long} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
      'raw long parameter',
    );
    expectProblem(raw, 'VALIDATION_URI_TOO_LONG', { instance: `/admin/v1/apps/${long}` });
  });

  it('a bad path on an OAuth endpoint’s path is refused on the route it would reach', async () => {
    // No OAuth route has a parameter: the bad path reaches no route, and is problem+json.
    const res = await t.app.inject({ method: 'POST', url: '/token%FF' });
    expectProblem(res, 'VALIDATION_INVALID_PARAMETER');
  });

  it('counts them in the error metric by code', async () => {
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/idgate_errors_total\{code="VALIDATION_INVALID_PARAMETER",status="400"\} \d+/);
  });
});
