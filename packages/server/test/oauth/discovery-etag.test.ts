/**
 * Revalidating the public documents (RFC 9110 §8.8.3, §13.1.2): discovery and `/jwks`
 * carry a strong `ETag` of their bytes; `If-None-Match` with it (weak or strong, or `*`)
 * is 304 with the caching headers and no body, anything else the full document. The
 * JWK Set's tag changes with the key set.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';

const PATHS = ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server', '/jwks'] as const;

describe('ETag and If-None-Match on the public documents', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp('sqlite');
  });
  afterAll(async () => {
    await t?.close();
  });

  it.each(PATHS)('GET %s has a strong ETag: the SHA-256 of the body it sends', async (url) => {
    const res = await t.app.inject({ method: 'GET', url });
    expect(res.statusCode, res.body).toBe(200);
    const digest = createHash('sha256').update(res.rawPayload).digest('base64url');
    expect(res.headers.etag).toBe(`"${digest}"`);
  });

  it.each(PATHS)('GET %s with its ETag in If-None-Match is 304 without a body', async (url) => {
    const { etag } = (await t.app.inject({ method: 'GET', url })).headers;
    for (const ifNoneMatch of [String(etag), `W/${etag}`, `"other", ${etag}`, '*']) {
      const res = await t.app.inject({ method: 'GET', url, headers: { 'if-none-match': ifNoneMatch } });
      expect(res.statusCode, ifNoneMatch).toBe(304);
      expect(res.body).toBe('');
      expect(res.headers.etag).toBe(etag);
      expect(res.headers['cache-control']).toBe('public, max-age=300');
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.headers['x-request-id']).toEqual(expect.any(String));
    }
  });

  it.each(PATHS)('GET %s with another ETag in If-None-Match is the whole document', async (url) => {
    const full = await t.app.inject({ method: 'GET', url });
    const res = await t.app.inject({ method: 'GET', url, headers: { 'if-none-match': '"not-the-current-one"' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body).toBe(full.body);
  });

  it("the JWK Set's ETag changes when a key is rotated, so a cached set is refetched", async () => {
    const before = await t.app.inject({ method: 'GET', url: '/jwks' });
    await t.app.idgate.keys.rotate('ES256');
    const revalidated = await t.app.inject({
      method: 'GET',
      url: '/jwks',
      headers: { 'if-none-match': String(before.headers.etag) },
    });
    expect(revalidated.statusCode).toBe(200);
    expect(revalidated.headers.etag).not.toBe(before.headers.etag);
    const kids = (body: string) => (JSON.parse(body) as { keys: { kid: string }[] }).keys.map((key) => key.kid);
    expect(kids(revalidated.body).length).toBeGreaterThan(kids(before.body).length);
  });
});
