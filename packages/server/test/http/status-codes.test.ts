/**
 * SPEC 7, HTTP behaviour on every route: 404 (also outside /v1), 405 with `Allow`, 406,
 * 413, 415, a masked 500 and 503 while draining — all problem+json from the catalog.
 * (414/431 are in limits.test.ts, readiness 503 in readiness.test.ts.)
 */
import { CATALOG } from '@idgate/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, createTestApp, type TestApp } from '../support/app.js';
import { expectProblem } from '../support/assertions.js';

describe('HTTP status codes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite', {
      routes: function addBoomRoute(app) {
        app.get('/test/boom', { config: { idgate: { surface: 'problem' } } }, function boom() {
          throw new Error('secret internals at /work/x.ts:1 SELECT * FROM apps');
        });
        app.get('/test/reject', { config: { idgate: { surface: 'problem' } } }, async function reject() {
          throw new TypeError("Cannot read properties of undefined (reading 'password')");
        });
        app.get('/test/throw-string', { config: { idgate: { surface: 'problem' } } }, function throwString() {
          throw 'a thrown string with /home/user/secret.txt';
        });
      },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  describe('404 RESOURCE_NOT_FOUND for unknown routes', () => {
    it.each([
      ['/foo/bar', '/foo/bar'],
      ['/v1/nothing', '/v1/nothing'],
      ['/v1/nothing?with=query&more=1', '/v1/nothing'],
      ['/admin/v1/nothing', '/admin/v1/nothing'],
      ['/', '/'],
    ])('GET %s', async (url, instance) => {
      const res = await t.app.inject({ method: 'GET', url });
      const body = expectProblem(res, 'RESOURCE_NOT_FOUND', { instance });
      expect(body.detail).toContain(instance);
      expect(body.context).toEqual({});
    });

    it('GET /errors/ (no trailing-slash folding)', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/errors/' });
      expectProblem(res, 'RESOURCE_NOT_FOUND', { instance: '/errors/' });
    });

    it('for an unknown route under any method', async () => {
      const res = await t.app.inject({ method: 'POST', url: '/foo/bar', payload: { a: 1 } });
      expectProblem(res, 'RESOURCE_NOT_FOUND', { instance: '/foo/bar' });
    });

    it('answers HEAD of an unknown route with the problem status and headers', async () => {
      // (Node drops a HEAD response's body on a real socket; inject does not.)
      const res = await t.app.inject({ method: 'HEAD', url: '/foo/bar' });
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(res.headers['x-request-id']).toMatch(/^[0-9A-Z]{26}$/);
    });
  });

  describe('405 VALIDATION_METHOD_NOT_ALLOWED with Allow', () => {
    it.each([
      ['DELETE', '/errors', ['GET', 'HEAD']],
      ['POST', '/healthz', ['GET', 'HEAD']],
      ['PUT', '/admin/v1/apps', ['GET', 'HEAD', 'POST']],
      ['POST', '/errors/AUTH_FORBIDDEN', ['GET', 'HEAD']],
      ['POST', '/admin/v1/apps/test_abc', ['GET', 'HEAD', 'PATCH', 'DELETE']],
      // Only the OAuth endpoints answer their 405 in OAuth JSON; /authorize and /userinfo do not.
      ['PUT', '/authorize', ['GET', 'HEAD', 'POST']],
      ['DELETE', '/userinfo', ['GET', 'HEAD', 'POST', 'OPTIONS']],
    ])('%s %s', async (method, url, allowed) => {
      const res = await t.app.inject({ method: method as 'GET', url });
      const body = expectProblem(res, 'VALIDATION_METHOD_NOT_ALLOWED', { instance: url });
      const allow = String(res.headers.allow)
        .split(',')
        .map((part) => part.trim());
      expect(allow.sort()).toEqual([...allowed].sort());
      expect(body.context).toEqual({ method, allowed: expect.arrayContaining(allowed) });
      expect(body.detail).toContain(method);
    });

    it('is answered before authentication on the admin API', async () => {
      const res = await t.app.inject({
        method: 'PUT',
        url: '/admin/v1/apps',
        headers: { authorization: 'Bearer wrong' },
      });
      expectProblem(res, 'VALIDATION_METHOD_NOT_ALLOWED');
      expect(res.headers['www-authenticate']).toBeUndefined();
    });
  });

  describe('501 SYSTEM_UNSUPPORTED_MODE for methods implemented on no route', () => {
    it.each([
      ['PROPFIND', '/v1/providers', undefined],
      ['QUERY', '/healthz', undefined],
      ['QUERY', '/v1/verifications', 'application/json'],
      ['SEARCH', '/nowhere', undefined],
      ['LOCK', '/token', undefined],
    ])('%s %s (content type %s)', async (method, url, contentType) => {
      const res = await t.app.inject({
        method: method as 'GET',
        url,
        ...(contentType === undefined ? {} : { headers: { 'content-type': contentType }, payload: '{}' }),
      });
      const body = expectProblem(res, 'SYSTEM_UNSUPPORTED_MODE', { instance: url });
      // Status 5xx: only the catalog's own text leaves the server (the method is in the log line).
      expect(body.detail).toBe(CATALOG.SYSTEM_UNSUPPORTED_MODE.description);
      expect(body.retryable).toBe(false);
      expect(res.headers.allow).toBeUndefined();
    });
  });

  describe('406 VALIDATION_NOT_ACCEPTABLE', () => {
    it('GET /healthz with Accept: text/csv', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/healthz', headers: { accept: 'text/csv' } });
      const body = expectProblem(res, 'VALIDATION_NOT_ACCEPTABLE', { instance: '/healthz' });
      expect(body.context).toEqual({ available: ['application/json'] });
    });

    it('GET /admin/v1/apps with Accept: text/csv and the admin key', async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: '/admin/v1/apps',
        headers: { ...adminAuth(), accept: 'text/csv' },
      });
      expectProblem(res, 'VALIDATION_NOT_ACCEPTABLE', { instance: '/admin/v1/apps' });
    });

    it('accepts wildcards, q-values and missing Accept', async () => {
      for (const accept of ['*/*', 'application/*', 'text/csv, application/json;q=0.1', undefined]) {
        const res = await t.app.inject({
          method: 'GET',
          url: '/healthz',
          headers: accept === undefined ? {} : { accept },
        });
        expect(res.statusCode, `Accept: ${accept}`).toBe(200);
      }
    });

    it('refuses an Accept whose only match has q=0', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/healthz', headers: { accept: 'application/json;q=0' } });
      expectProblem(res, 'VALIDATION_NOT_ACCEPTABLE');
    });
  });

  describe('415 VALIDATION_UNSUPPORTED_MEDIA_TYPE', () => {
    it.each(['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])(
      'POST /admin/v1/apps with %s',
      async (contentType) => {
        const res = await t.app.inject({
          method: 'POST',
          url: '/admin/v1/apps',
          headers: { ...adminAuth(), 'content-type': contentType },
          payload: 'name=x&type=public',
        });
        const body = expectProblem(res, 'VALIDATION_UNSUPPORTED_MEDIA_TYPE', { instance: '/admin/v1/apps' });
        expect(body.context).toEqual({ supported: ['application/json', 'application/merge-patch+json'] });
      },
    );

    it('POST /admin/v1/apps with a body but no Content-Type', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/admin/v1/apps',
        headers: adminAuth(),
        payload: Buffer.from('{"name":"x"}'),
      });
      expectProblem(res, 'VALIDATION_UNSUPPORTED_MEDIA_TYPE');
    });
  });

  describe('413 VALIDATION_PAYLOAD_TOO_LARGE', () => {
    it('a 2 MiB JSON body to POST /admin/v1/apps', async () => {
      const payload = JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024), type: 'public', redirectUris: [] });
      const res = await t.app.inject({
        method: 'POST',
        url: '/admin/v1/apps',
        headers: { ...adminAuth(), 'content-type': 'application/json' },
        payload,
      });
      const body = expectProblem(res, 'VALIDATION_PAYLOAD_TOO_LARGE', { instance: '/admin/v1/apps' });
      expect(res.headers.connection).toBe('close');
      expect(res.body.length).toBeLessThan(2000);
      expect(body.detail).not.toContain('FST_');
    });

    it('a body just under the limit is not 413', async () => {
      const payload = JSON.stringify({ name: 'x'.repeat(1024 * 1024 - 200), type: 'public', redirectUris: [] });
      const res = await t.app.inject({
        method: 'POST',
        url: '/admin/v1/apps',
        headers: { ...adminAuth(), 'content-type': 'application/json' },
        payload,
      });
      // The name is over its schema's maxLength: a validation error, not 413.
      expectProblem(res, 'VALIDATION_INVALID_PARAMETER');
    });
  });

  describe('500 SYSTEM_INTERNAL_ERROR is masked', () => {
    it('an unexpected exception answers the catalog text only', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/test/boom' });
      const body = expectProblem(res, 'SYSTEM_INTERNAL_ERROR', { instance: '/test/boom' });
      expect(body.detail).toBe(CATALOG.SYSTEM_INTERNAL_ERROR.description);
      expect(body.context).toEqual({});
      expect(body.retryable).toBe(true);
      expect(body.category).toBe('error');
      for (const fragment of ['secret', 'internals', '/work', 'x.ts', 'SELECT', 'apps']) {
        expect(res.body).not.toContain(fragment);
      }
    });

    it('the log line (level error) keeps the cause, with code and request id', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/test/boom', headers: { 'x-request-id': 'boom-log-1' } });
      expect(res.statusCode).toBe(500);
      const line = t.logs.find((entry) => entry.request_id === 'boom-log-1' && entry.code === 'SYSTEM_INTERNAL_ERROR');
      expect(line, JSON.stringify(t.logs.slice(-3))).toBeDefined();
      expect(line?.level).toBe('error');
      expect(line?.status).toBe(500);
      expect(JSON.stringify(line)).toContain('secret internals at /work/x.ts:1 SELECT * FROM apps');
      expect(JSON.stringify(line?.err)).toContain('stack');
    });

    it('an async TypeError is masked the same way', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/test/reject' });
      const body = expectProblem(res, 'SYSTEM_INTERNAL_ERROR');
      expect(body.detail).toBe(CATALOG.SYSTEM_INTERNAL_ERROR.description);
      expect(res.body).not.toContain('password');
    });

    it('a thrown non-Error is masked the same way', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/test/throw-string' });
      expectProblem(res, 'SYSTEM_INTERNAL_ERROR');
      expect(res.body).not.toContain('secret.txt');
    });
  });
});

describe('draining for shutdown (SPEC 8)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite');
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers requests as usual, each with Connection: close; /readyz is 503 with Retry-After', async () => {
    const before = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(before.statusCode).toBe(200);
    expect(before.headers.connection).not.toBe('close');
    t.app.startDraining();
    expect(t.app.draining).toBe(true);

    const health = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(200);
    expect(health.headers.connection).toBe('close');
    const missing = await t.app.inject({ method: 'GET', url: '/no/such/route' });
    expectProblem(missing, 'RESOURCE_NOT_FOUND', { instance: '/no/such/route' });
    expect(missing.headers.connection).toBe('close');

    const res = await t.app.inject({ method: 'GET', url: '/readyz' });
    const body = expectProblem(res, 'SYSTEM_UNAVAILABLE', { instance: '/readyz' });
    expect(res.headers['retry-after']).toBe(String(CATALOG.SYSTEM_UNAVAILABLE.retryAfter));
    expect(res.headers.connection).toBe('close');
    expect(body.detail).toBe(CATALOG.SYSTEM_UNAVAILABLE.description);
    expect(body.retryable).toBe(true);
    expect(body.category).toBe('failure');
  });
});
