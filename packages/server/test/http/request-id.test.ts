/**
 * SPEC 3: every response (error or not) has an `X-Request-Id`; a well-formed incoming id
 * (1–128 characters of `A-Za-z0-9._:-`) is kept, anything else replaced; the same id is
 * in the error body and in the error's log line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, createTestApp, type TestApp } from '../support/app.js';
import { expectBearerChallenge, expectProblem } from '../support/assertions.js';

/** A fresh id: 26 Crockford base32 characters (time-ordered, ULID-like). */
const FRESH_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

describe('X-Request-Id', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite');
  });
  afterAll(async () => {
    await t.close();
  });

  it('is on a 200 response, as a fresh 26-character id', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-request-id']).toMatch(FRESH_ID);
  });

  it('is on a 404 and equals the body request_id', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/no/such/route' });
    const body = expectProblem(res, 'RESOURCE_NOT_FOUND', { instance: '/no/such/route' });
    expect(res.headers['x-request-id']).toMatch(FRESH_ID);
    expect(body.request_id).toBe(res.headers['x-request-id']);
  });

  it('is on a 405 and equals the body request_id', async () => {
    const res = await t.app.inject({ method: 'DELETE', url: '/errors' });
    const body = expectProblem(res, 'VALIDATION_METHOD_NOT_ALLOWED');
    expect(body.request_id).toBe(res.headers['x-request-id']);
  });

  it('is on a route-thrown problem (admin 401) and equals the body request_id', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/admin/v1/apps' });
    expectBearerChallenge(res, 'AUTH_MISSING_CREDENTIALS', { realm: 'idgate-admin', error: null });
    expect(JSON.parse(res.body).request_id).toBe(res.headers['x-request-id']);
  });

  it('is on a successful admin response', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/admin/v1/apps', headers: adminAuth() });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-request-id']).toMatch(FRESH_ID);
  });

  it('differs between requests', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const res = await t.app.inject({ method: 'GET', url: '/healthz' });
      ids.add(String(res.headers['x-request-id']));
    }
    expect(ids.size).toBe(20);
  });

  describe.each([
    ['letters, digits and ._:-', 'abc-123.X:y_z'],
    ['exactly 128 characters', `${'a'.repeat(127)}Z`],
    ['a single character', '7'],
  ])('a well-formed incoming id (%s)', (_label, incoming) => {
    it('is kept on a 200', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': incoming } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-request-id']).toBe(incoming);
    });

    it('is kept on an error, in the header and the body', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/v1/nothing', headers: { 'x-request-id': incoming } });
      const body = expectProblem(res, 'RESOURCE_NOT_FOUND');
      expect(res.headers['x-request-id']).toBe(incoming);
      expect(body.request_id).toBe(incoming);
    });
  });

  describe.each([
    ['129 characters', 'a'.repeat(129)],
    ['a space', 'abc def'],
    ['a slash', 'abc/def'],
    ['empty', ''],
    ['a non-ASCII character', 'abc\u00e9'],
    ['a quote', 'abc"def'],
  ])('a malformed incoming id (%s)', (_label, incoming) => {
    it('is replaced by a fresh id on a 200', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': incoming } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-request-id']).toMatch(FRESH_ID);
      expect(res.headers['x-request-id']).not.toBe(incoming);
    });

    it('is replaced by a fresh id on an error, the same in header and body', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/foo/bar', headers: { 'x-request-id': incoming } });
      const body = expectProblem(res, 'RESOURCE_NOT_FOUND');
      expect(res.headers['x-request-id']).toMatch(FRESH_ID);
      expect(body.request_id).toBe(res.headers['x-request-id']);
    });
  });

  it('is in the error log line, together with the code', async () => {
    const incoming = 'log-line-check-0001';
    const res = await t.app.inject({ method: 'GET', url: '/v1/missing?x=1', headers: { 'x-request-id': incoming } });
    expectProblem(res, 'RESOURCE_NOT_FOUND', { instance: '/v1/missing' });
    const lines = t.logs.filter((line) => line.request_id === incoming);
    const errorLine = lines.find((line) => line.code === 'RESOURCE_NOT_FOUND');
    expect(errorLine, JSON.stringify(lines)).toBeDefined();
    expect(errorLine?.status).toBe(404);
    expect(errorLine?.environment).toBe('sandbox');
  });

  it('is in the error log line when it was generated', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/healthz' });
    const body = expectProblem(res, 'VALIDATION_METHOD_NOT_ALLOWED');
    const errorLine = t.logs.find((line) => line.request_id === body.request_id);
    expect(errorLine?.code).toBe('VALIDATION_METHOD_NOT_ALLOWED');
  });
});
