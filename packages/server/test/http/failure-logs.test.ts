/**
 * Every failure's log line names its catalog code, on every surface (issue 14): an
 * internal error that `/authorize` answers with a redirect is logged at `error` with its
 * cause (not at `info` because the answer was a 302), a hosted page that ends the
 * transaction and redirects logs the error it met, and the REST, OAuth and page surfaces
 * log the code of what they answered. Socket-level answers (414/431 before routing) are
 * covered by client-error-log.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeUrl, bindingCookieOf, createClient, REDIRECT_URI, validParams } from '../authorize/helpers.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';

describe.each(TEST_DATABASE_KINDS)('failure log lines on %s', (kind) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  /** The log lines of one request, by its `X-Request-Id`. */
  function linesOf(requestId: unknown): Record<string, unknown>[] {
    expect(typeof requestId).toBe('string');
    return t.logs.filter((line) => line.request_id === requestId);
  }

  it('/authorize: an internal error redirected to the app is logged at error, with code and cause', async () => {
    const client = await createClient(t);
    const res = await t.app.inject({
      method: 'GET',
      url: authorizeUrl(
        validParams(client.clientId, { provider_hint: 'mock-redirect', login_hint: 'idgate-internal-error' }),
      ),
    });
    expect(res.statusCode).toBe(302);
    const location = new URL(String(res.headers.location));
    expect(location.searchParams.get('error_description')).toBe('err_internal');
    const line = linesOf(res.headers['x-request-id']).find((entry) => entry.code === 'SYSTEM_INTERNAL_ERROR');
    expect(line).toMatchObject({
      level: 'error',
      code: 'SYSTEM_INTERNAL_ERROR',
      status: 302,
      client_id: client.clientId,
    });
    expect(line?.err).toMatchObject({ message: expect.stringContaining('test identity idgate-internal-error') });
  });

  it('/authorize: a provider failure redirected to the app is logged with its code (a 5xx at error)', async () => {
    const client = await createClient(t);
    const res = await t.app.inject({
      method: 'GET',
      url: authorizeUrl(validParams(client.clientId, { provider_hint: 'mock-redirect', login_hint: 'provider-error' })),
    });
    expect(res.statusCode).toBe(302);
    const line = linesOf(res.headers['x-request-id']).find((entry) => entry.code === 'PROVIDER_ERROR');
    expect(line).toMatchObject({ level: 'error', status: 302, provider_id: 'mock-redirect' });
  });

  it('a hosted page that ends the transaction and redirects logs the error it met', async () => {
    const client = await createClient(t);
    const started = await t.app.inject({ method: 'GET', url: authorizeUrl(validParams(client.clientId)) });
    const cookie = bindingCookieOf(started);
    const page = new URL(String(started.headers.location));
    // The app's providers are switched off meanwhile: the provider choice has nothing to offer.
    for (const providerId of ['mock-redirect', 'mock-qr', 'mock-push', 'mock-wallet']) {
      await t.app.idgate.apps.putProvider(client.clientId, providerId, { enabled: false }, undefined);
    }
    const res = await t.app.inject({ method: 'GET', url: page.pathname, headers: { cookie } });
    expect(res.statusCode).toBe(303);
    expect(String(res.headers.location)).toContain(`${REDIRECT_URI}?error=unauthorized_client`);
    const line = linesOf(res.headers['x-request-id']).find((entry) => entry.code === 'PROVIDER_NOT_ENABLED');
    expect(line).toMatchObject({ level: 'info', code: 'PROVIDER_NOT_ENABLED' });
    const finished = linesOf(res.headers['x-request-id']).find(
      (entry) => entry.msg === 'authorization transaction finished',
    );
    expect(finished).toMatchObject({ code: 'PROVIDER_NOT_ENABLED', status_code: 'err_unauthorized_client' });
  });

  it('page, problem and OAuth answers each log their code', async () => {
    const page = await t.app.inject({
      method: 'GET',
      url: '/authorize/vrf_test_000000000000000000000000',
      headers: { accept: 'text/html' },
    });
    expect(page.statusCode).toBe(404);
    expect(linesOf(page.headers['x-request-id'])).toContainEqual(
      expect.objectContaining({ code: 'SESSION_NOT_FOUND' }),
    );

    const problem = await t.app.inject({ method: 'GET', url: '/v1/providers' });
    expect(problem.statusCode).toBe(401);
    expect(linesOf(problem.headers['x-request-id'])).toContainEqual(
      expect.objectContaining({ code: 'AUTH_MISSING_CREDENTIALS', level: 'info' }),
    );

    const oauth = await t.app.inject({
      method: 'POST',
      url: '/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'grant_type=password',
    });
    expect(oauth.statusCode).toBeGreaterThanOrEqual(400);
    expect(linesOf(oauth.headers['x-request-id']).some((line) => typeof line.code === 'string')).toBe(true);
  });
});
