/**
 * SPEC 8 metrics from `prom-client`, read the way Prometheus reads them (`GET /metrics`):
 * request durations by method, route pattern and status (a request no route matched is
 * one label value, never its URL); errors by catalog code, the socket-level 414/431
 * included; upstream call durations by provider and outcome, against a real OpenID
 * Provider and a closed port; verification outcomes by provider, status and status code,
 * counted once per session; the default process and event-loop metrics; two apps in one
 * process that do not collide; `IDGATE_METRICS_TOKEN` (the catalog's `AUTH_*` problems
 * with a Bearer challenge); and `IDGATE_METRICS_PORT` (a listener of its own, and no
 * `/metrics` on the main port).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { type RunningInstance, startInstance } from '../../src/runtime.js';
import { startUpstream, type Upstream } from '../providers/oidc/upstream.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectBearerChallenge, expectProblem } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import { registerSecret } from '../support/leaks.js';
import { freePort } from '../support/live-server.js';
import { sampleValue } from '../support/metrics.js';
import { sendRaw } from '../support/raw-http.js';
import { createRestApp, createVerification, json, type RestApp } from '../verification/helpers.js';

const METRICS_TOKEN = 'metrics-token-0123456789abcdefghijklmnop';
registerSecret(METRICS_TOKEN);

async function scrape(t: TestApp, headers: Record<string, string> = {}): Promise<string> {
  const res = await t.app.inject({ method: 'GET', url: '/metrics', headers });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
  expect(res.headers['cache-control']).toBe('no-store');
  return res.body;
}

function requestCount(text: string, method: string, route: string, status: number): number | undefined {
  return sampleValue(text, 'idgate_http_request_duration_seconds_count', { method, route, status: String(status) });
}

describe.each(TEST_DATABASE_KINDS)('metrics (%s)', (kind) => {
  let t: TestApp;
  let rest: RestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
    rest = await createRestApp(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it('times requests by method, route pattern and status; unmatched requests share one label value', async () => {
    for (const code of ['AUTH_INVALID_GRANT', 'SESSION_NOT_FOUND']) {
      const res = await t.app.inject({
        method: 'GET',
        url: `/errors/${code}`,
        headers: { accept: 'application/json' },
      });
      expect(res.statusCode).toBe(200);
    }
    for (const path of ['/no/such/thing-1', '/no/such/thing-2?x=secret-query']) {
      expectProblem(await t.app.inject({ method: 'GET', url: path }), 'RESOURCE_NOT_FOUND');
    }
    expectProblem(await t.app.inject({ method: 'DELETE', url: '/errors' }), 'VALIDATION_METHOD_NOT_ALLOWED');
    // A method no route implements is one label value too, whatever its name.
    for (const method of ['PROPFIND', 'MKCOL'] as const) {
      expectProblem(await t.app.inject({ method: method as 'GET', url: '/errors' }), 'SYSTEM_UNSUPPORTED_MODE');
    }
    const text = await scrape(t);
    expect(text).toContain('# TYPE idgate_http_request_duration_seconds histogram');
    expect(requestCount(text, 'GET', '/errors/:code', 200)).toBe(2);
    expect(requestCount(text, 'GET', '(unmatched)', 404)).toBe(2);
    expect(requestCount(text, 'DELETE', '(unmatched)', 405)).toBe(1);
    expect(requestCount(text, 'OTHER', '(unmatched)', 501)).toBe(2);
    expect(text).not.toContain('PROPFIND');
    const sum = sampleValue(text, 'idgate_http_request_duration_seconds_sum', { route: '/errors/:code' });
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThan(10);
    const bucket = sampleValue(text, 'idgate_http_request_duration_seconds_bucket', {
      route: '/errors/:code',
      status: '200',
      le: '+Inf',
    });
    expect(bucket).toBe(2);
    // Never the raw URL: not the paths, not the query.
    expect(text).not.toContain('thing-1');
    expect(text).not.toContain('secret-query');
    expect(text).not.toContain('AUTH_INVALID_GRANT"');
  });

  it('counts errors by catalog code, including the socket-level 414 and 431 answers', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (t.app.server.address() as AddressInfo).port;
    const before = await scrape(t);
    expect(sampleValue(before, 'idgate_errors_total', { code: 'VALIDATION_URI_TOO_LONG' })).toBeUndefined();
    const longTarget = Buffer.from(
      `GET /v1/providers?q=${'a'.repeat(64 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      'latin1',
    );
    expectProblem(await sendRaw(port, longTarget, 'metrics: 64 KiB URL'), 'VALIDATION_URI_TOO_LONG');
    const bigHeader = Buffer.from(
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`,
      'latin1',
    );
    expectProblem(await sendRaw(port, bigHeader, 'metrics: 64 KiB header'), 'VALIDATION_HEADERS_TOO_LARGE');
    const text = await scrape(t);
    expect(sampleValue(text, 'idgate_errors_total', { code: 'VALIDATION_URI_TOO_LONG', status: '414' })).toBe(1);
    expect(sampleValue(text, 'idgate_errors_total', { code: 'VALIDATION_HEADERS_TOO_LARGE', status: '431' })).toBe(1);
    expect(sampleValue(text, 'idgate_errors_total', { code: 'RESOURCE_NOT_FOUND', status: '404' })).toBe(2);
  });

  it('counts each ended session once by provider, status and status code', async () => {
    const failed = await createVerification(t, rest.basic, {
      providerId: 'mock-qr',
      userData: { testIdentity: 'provider-error' },
    });
    expectProblem(failed, 'PROVIDER_ERROR');
    const pending = await createVerification(t, rest.basic, {
      providerId: 'mock-qr',
      userData: { testIdentity: 'success' },
    });
    expect(pending.statusCode, pending.body).toBe(201);
    const { verificationId } = json<{ verificationId: string }>(pending);
    const middle = await scrape(t);
    expect(
      sampleValue(middle, 'idgate_verification_outcomes_total', { provider: 'mock-qr', status: 'cancelled' }),
    ).toBeUndefined();
    const cancelled = await t.app.inject({
      method: 'POST',
      url: `/v1/verifications/${verificationId}/cancel`,
      headers: { authorization: rest.basic },
    });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    // Reading or cancelling an ended session again changes nothing.
    await t.app.inject({
      method: 'GET',
      url: `/v1/verifications/${verificationId}`,
      headers: { authorization: rest.basic },
    });
    await t.app.inject({
      method: 'POST',
      url: `/v1/verifications/${verificationId}/cancel`,
      headers: { authorization: rest.basic },
    });
    const text = await scrape(t);
    expect(text).toContain('# TYPE idgate_verification_outcomes_total counter');
    expect(
      sampleValue(text, 'idgate_verification_outcomes_total', {
        provider: 'mock-qr',
        status: 'failed',
        status_code: 'err_provider_error',
      }),
    ).toBe(1);
    expect(
      sampleValue(text, 'idgate_verification_outcomes_total', {
        provider: 'mock-qr',
        status: 'cancelled',
        status_code: 'none',
      }),
    ).toBe(1);
  });

  it('includes the default process and event-loop metrics', async () => {
    const text = await scrape(t);
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
      'nodejs_active_handles_total',
    ]) {
      expect(sampleValue(text, name), name).toBeGreaterThanOrEqual(0);
    }
    expect(text).toContain('# TYPE nodejs_eventloop_lag_p99_seconds gauge');
  });

  it('two apps in one process keep their own counts', async () => {
    const other = await createTestApp(kind);
    try {
      const mine = await scrape(t);
      const theirs = await scrape(other);
      expect(requestCount(mine, 'GET', '/errors/:code', 200)).toBe(2);
      expect(requestCount(theirs, 'GET', '/errors/:code', 200)).toBeUndefined();
      expect(sampleValue(theirs, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    } finally {
      await other.close();
    }
  });
});

describe.each(TEST_DATABASE_KINDS)('upstream call durations (%s)', (kind) => {
  let upstream: Upstream;
  let t: TestApp;
  let rest: RestApp;
  beforeAll(async () => {
    upstream = await startUpstream();
    const closedPort = await freePort();
    const secret = 'metrics-upstream-secret-0123456789abcdef';
    registerSecret(secret);
    const common = { maxLoa: 3, clientSecret: secret, circuitBreaker: { failureThreshold: 1 } };
    t = await createTestApp(kind, {
      env: {
        IDGATE_OIDC_PROVIDERS: JSON.stringify([
          { ...common, id: 'eid-up', displayName: 'Up', discoveryUrl: upstream.url, clientId: 'metrics-client' },
          {
            ...common,
            id: 'eid-down',
            displayName: 'Down',
            discoveryUrl: `http://127.0.0.1:${closedPort}`,
            clientId: 'x',
          },
        ]),
      },
    });
    await upstream.mount([
      { clientId: 'metrics-client', clientSecret: secret, redirectUri: 'https://idgate.test/callback/eid-up' },
    ]);
    rest = await createRestApp(t, { providers: ['eid-up', 'eid-down'] });
  });
  afterAll(async () => {
    await t.close();
    await upstream.close();
  });

  it('observes every call by provider and outcome; a provider whose circuit is open is not called', async () => {
    const started = await createVerification(t, rest.basic, {
      providerId: 'eid-up',
      redirectUri: 'https://shop.example/callback',
    });
    expect(started.statusCode, started.body).toBe(201);
    const down = await createVerification(t, rest.basic, {
      providerId: 'eid-down',
      redirectUri: 'https://shop.example/callback',
    });
    expectProblem(down, 'PROVIDER_UNAVAILABLE');
    // The one failure opened eid-down's circuit: the next start is refused without a call.
    expectProblem(
      await createVerification(t, rest.basic, { providerId: 'eid-down', redirectUri: 'https://shop.example/callback' }),
      'PROVIDER_UNAVAILABLE',
    );
    const text = await scrape(t);
    expect(text).toContain('# TYPE idgate_upstream_call_duration_seconds histogram');
    const count = (provider: string, outcome: string) =>
      sampleValue(text, 'idgate_upstream_call_duration_seconds_count', { provider, outcome });
    expect(count('eid-up', 'ok')).toBeGreaterThanOrEqual(1);
    expect(count('eid-up', 'unreachable')).toBeUndefined();
    expect(count('eid-down', 'unreachable')).toBe(1);
    const seconds = sampleValue(text, 'idgate_upstream_call_duration_seconds_sum', {
      provider: 'eid-up',
      outcome: 'ok',
    });
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThan(10);
  });
});

describe('IDGATE_METRICS_TOKEN', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite', { env: { IDGATE_METRICS_TOKEN: METRICS_TOKEN } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('no token: 401 AUTH_MISSING_CREDENTIALS with a Bearer challenge and no error attribute', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    expectBearerChallenge(res, 'AUTH_MISSING_CREDENTIALS', { realm: 'idgate-metrics', error: null });
    expect(res.body).not.toContain('idgate_errors_total');
  });

  it.each([
    // A bearer token was sent: the challenge says invalid_token (RFC 6750 §3.1).
    ['a wrong token', `Bearer ${METRICS_TOKEN}x`, undefined],
    // No bearer token was sent: no error attribute.
    ['another scheme', `Basic ${Buffer.from(`x:${METRICS_TOKEN}`).toString('base64')}`, null],
  ])('%s: 401 AUTH_INVALID_CREDENTIALS', async (_label, authorization, error) => {
    const res = await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization } });
    expectBearerChallenge(res, 'AUTH_INVALID_CREDENTIALS', {
      realm: 'idgate-metrics',
      ...(error === undefined ? {} : { error }),
    });
    expect(res.body).not.toContain('idgate_errors_total');
    expect(res.body).not.toContain(METRICS_TOKEN);
  });

  it('the token: 200 with the metrics, the refusals counted', async () => {
    const text = await scrape(t, { authorization: `Bearer ${METRICS_TOKEN}` });
    expect(sampleValue(text, 'idgate_errors_total', { code: 'AUTH_INVALID_CREDENTIALS', status: '401' })).toBe(2);
    expect(sampleValue(text, 'idgate_errors_total', { code: 'AUTH_MISSING_CREDENTIALS', status: '401' })).toBe(1);
  });
});

describe('IDGATE_METRICS_PORT', () => {
  let dataDir: string;
  let instance: RunningInstance;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'idgate-metrics-port-'));
    instance = await startInstance(
      loadConfig({
        IDGATE_DATA_DIR: dataDir,
        PORT: '0',
        IDGATE_METRICS_PORT: String(await freePort()),
        IDGATE_METRICS_TOKEN: METRICS_TOKEN,
        IDGATE_LOG_LEVEL: 'silent',
      }),
    );
  });
  afterAll(async () => {
    await instance?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function get(url: string, headers: Record<string, string> = {}) {
    const res = await fetch(url, { headers });
    return { statusCode: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
  }

  it('serves /metrics on its own listener only, behind the token', async () => {
    expect(instance.metricsAddress).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(instance.metricsAddress).not.toBe(instance.address);
    const issuer = `http://localhost:${instance.app.idgate.config.port}`;

    const main = await get(`${instance.address}/metrics`, { authorization: `Bearer ${METRICS_TOKEN}` });
    expectProblem(main, 'RESOURCE_NOT_FOUND', { instance: '/metrics', issuer });

    const refused = await get(`${instance.metricsAddress}/metrics`);
    expectBearerChallenge(refused, undefined, { realm: 'idgate-metrics', error: null });
    expectProblem(refused, 'AUTH_MISSING_CREDENTIALS', { issuer });

    const other = await get(`${instance.metricsAddress}/v1/providers`);
    expectProblem(other, 'RESOURCE_NOT_FOUND', { instance: '/v1/providers', issuer });

    const scraped = await get(`${instance.metricsAddress}/metrics`, { authorization: `Bearer ${METRICS_TOKEN}` });
    expect(scraped.statusCode).toBe(200);
    expect(scraped.headers['x-request-id']).toEqual(expect.any(String));
    // The main app's metrics: its 404 for /metrics is counted there.
    expect(
      sampleValue(scraped.body, 'idgate_http_request_duration_seconds_count', {
        method: 'GET',
        route: '(unmatched)',
        status: '404',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(sampleValue(scraped.body, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
  });
});
