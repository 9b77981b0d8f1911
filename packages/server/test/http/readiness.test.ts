/**
 * SPEC 8: readiness reflects the database; a database that does not answer is 503
 * `SYSTEM_UNAVAILABLE` with `Retry-After`, masked like every 5xx. Runs on every
 * configured database kind.
 */
import { CATALOG } from '@idgate/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectProblem } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';

describe.each(TEST_DATABASE_KINDS.map((kind) => [kind] as const))('readiness on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(async () => {
    await t.close();
  });

  it('GET /readyz is 200 with the database kind', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ status: 'ready', database: kind });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-request-id']).toBeDefined();
  });

  it('GET /readyz is 503 SYSTEM_UNAVAILABLE with Retry-After once the database is gone', async () => {
    await t.database.database.close();
    const res = await t.app.inject({ method: 'GET', url: '/readyz', headers: { 'x-request-id': `readyz-${kind}` } });
    const body = expectProblem(res, 'SYSTEM_UNAVAILABLE', { instance: '/readyz' });
    expect(res.headers['retry-after']).toBe(String(CATALOG.SYSTEM_UNAVAILABLE.retryAfter));
    expect(body.detail).toBe(CATALOG.SYSTEM_UNAVAILABLE.description);
    expect(body.retryable).toBe(true);
    expect(body.category).toBe('failure');
    const line = t.logs.find((entry) => entry.request_id === `readyz-${kind}` && entry.code === 'SYSTEM_UNAVAILABLE');
    expect(line?.level).toBe('error');
    expect(line?.status).toBe(503);
    expect(line).toHaveProperty('err');
  });

  it('liveness does not depend on the database', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
  });
});
