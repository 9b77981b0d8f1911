/**
 * Admin API, credential rotation (SPEC 1, 4.3): client secret rotation with a grace
 * period (checked through the service on an injected clock) and hook secret rotation.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppsService } from '../../src/apps/apps.service.js';
import { AppsRepository } from '../../src/store/apps.repository.js';
import { adminAuth, createTestApp, type TestApp } from '../support/app.js';
import { expectProblem } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import { registerSecret } from '../support/leaks.js';

const T0 = Date.parse('2026-11-22T10:30:00.000Z');
const DAY_MS = 24 * 3600 * 1000;

interface Created {
  clientId: string;
  clientSecret?: string;
  hookSecret?: string;
}

interface Rotated {
  clientId: string;
  clientSecret: string;
  previousSecretExpiresAt: string | null;
}

function json<T>(res: LightMyRequestResponse): T {
  return JSON.parse(res.body) as T;
}

describe.each(TEST_DATABASE_KINDS)('admin API: secret rotation on %s', (kind) => {
  let t: TestApp;
  let now = T0;
  let service: AppsService;

  async function create(body: Record<string, unknown>): Promise<Created> {
    const res = await t.app.inject({ method: 'POST', url: '/admin/v1/apps', headers: adminAuth(), payload: body });
    expect(res.statusCode, res.body).toBe(201);
    const created = json<Created>(res);
    registerSecret(created.clientSecret);
    registerSecret(created.hookSecret);
    return created;
  }

  async function createConfidential(): Promise<Created & { clientSecret: string }> {
    const created = await create({ name: 'Rotating', type: 'confidential', redirectUris: ['https://shop.example/cb'] });
    expect(created.clientSecret).toBeDefined();
    return created as Created & { clientSecret: string };
  }

  async function rotate(clientId: string, payload?: Record<string, unknown>): Promise<LightMyRequestResponse> {
    const res = await t.app.inject({
      method: 'POST',
      url: `/admin/v1/apps/${clientId}/secret`,
      headers: adminAuth(),
      ...(payload === undefined ? {} : { payload }),
    });
    if (res.statusCode === 200) registerSecret(json<Rotated>(res).clientSecret);
    return res;
  }

  /** Whether the service accepts `secret` for the app right now (per the injected clock). */
  async function accepts(clientId: string, secret: string): Promise<boolean> {
    return service.secretMatches(await service.get(clientId), secret);
  }

  beforeAll(async () => {
    t = await createTestApp(kind, { clock: () => new Date(now) });
    const { database, secrets, config, clock } = t.app.idgate;
    service = new AppsService(new AppsRepository(database), secrets, config, clock);
  });
  beforeEach(() => {
    now = T0;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('returns a new secret; the old one stays valid for 24 h by default', async () => {
    const app = await createConfidential();
    expect(await accepts(app.clientId, app.clientSecret)).toBe(true);
    const res = await rotate(app.clientId);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.etag).toBe('"v2"');
    const rotated = json<Rotated>(res);
    expect(rotated.clientId).toBe(app.clientId);
    expect(rotated.clientSecret).toMatch(/^test_[0-9A-Za-z]{43}$/);
    expect(rotated.clientSecret).not.toBe(app.clientSecret);
    expect(rotated.previousSecretExpiresAt).toBe(new Date(T0 + DAY_MS).toISOString());

    expect(await accepts(app.clientId, rotated.clientSecret)).toBe(true);
    expect(await accepts(app.clientId, app.clientSecret)).toBe(true);
    now = T0 + DAY_MS - 1;
    expect(await accepts(app.clientId, app.clientSecret)).toBe(true);
    now = T0 + DAY_MS;
    expect(await accepts(app.clientId, app.clientSecret)).toBe(false);
    now = T0 + 2 * DAY_MS;
    expect(await accepts(app.clientId, app.clientSecret)).toBe(false);
    expect(await accepts(app.clientId, rotated.clientSecret)).toBe(true);
    expect(await accepts(app.clientId, 'test_not-a-secret')).toBe(false);
  });

  it('the app shows when the previous secret expires, never the secret', async () => {
    const app = await createConfidential();
    const rotated = json<Rotated>(await rotate(app.clientId));
    const read = await t.app.inject({ method: 'GET', url: `/admin/v1/apps/${app.clientId}`, headers: adminAuth() });
    expect(read.statusCode).toBe(200);
    expect(json<Record<string, unknown>>(read)).toMatchObject({
      previousSecretExpiresAt: new Date(T0 + DAY_MS).toISOString(),
      version: 2,
    });
    expect(read.body).not.toContain(rotated.clientSecret);
    expect(read.body).not.toContain(app.clientSecret);
    expect(json<Record<string, unknown>>(read)).not.toHaveProperty('clientSecret');
  });

  it('honours gracePeriodSeconds', async () => {
    const app = await createConfidential();
    const res = await rotate(app.clientId, { gracePeriodSeconds: 60 });
    expect(res.statusCode, res.body).toBe(200);
    const rotated = json<Rotated>(res);
    expect(rotated.previousSecretExpiresAt).toBe(new Date(T0 + 60_000).toISOString());
    now = T0 + 59_999;
    expect(await accepts(app.clientId, app.clientSecret)).toBe(true);
    now = T0 + 60_000;
    expect(await accepts(app.clientId, app.clientSecret)).toBe(false);
    expect(await accepts(app.clientId, rotated.clientSecret)).toBe(true);
  });

  it('gracePeriodSeconds 0 retires the old secret at once', async () => {
    const app = await createConfidential();
    const rotated = json<Rotated>(await rotate(app.clientId, { gracePeriodSeconds: 0 }));
    expect(rotated.previousSecretExpiresAt).toBeNull();
    expect(await accepts(app.clientId, app.clientSecret)).toBe(false);
    expect(await accepts(app.clientId, rotated.clientSecret)).toBe(true);
  });

  it('a second rotation retires the first secret; only the last two are valid', async () => {
    const app = await createConfidential();
    const second = json<Rotated>(await rotate(app.clientId));
    now = T0 + 1000;
    const third = json<Rotated>(await rotate(app.clientId, { gracePeriodSeconds: 3600 }));
    expect(third.previousSecretExpiresAt).toBe(new Date(T0 + 1000 + 3600_000).toISOString());
    expect(await accepts(app.clientId, app.clientSecret)).toBe(false);
    expect(await accepts(app.clientId, second.clientSecret)).toBe(true);
    expect(await accepts(app.clientId, third.clientSecret)).toBe(true);
  });

  it('stores only hashes: the previous hash is the old current hash', async () => {
    const app = await createConfidential();
    const before = await t.database.database.db
      .selectFrom('apps')
      .select(['secret_hash'])
      .where('client_id', '=', app.clientId)
      .executeTakeFirstOrThrow();
    const rotated = json<Rotated>(await rotate(app.clientId));
    const after = await t.database.database.db
      .selectFrom('apps')
      .selectAll()
      .where('client_id', '=', app.clientId)
      .executeTakeFirstOrThrow();
    expect(after.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(after.secret_hash).not.toBe(before.secret_hash);
    expect(after.previous_secret_hash).toBe(before.secret_hash);
    expect(JSON.stringify(after)).not.toContain(rotated.clientSecret.slice(5));
  });

  it.each([
    [{ gracePeriodSeconds: -1 }, '/gracePeriodSeconds'],
    [{ gracePeriodSeconds: 'soon' }, '/gracePeriodSeconds'],
    [{ gracePeriodSeconds: 1.5 }, '/gracePeriodSeconds'],
    [{ gracePeriodSeconds: 90 * 24 * 3600 + 1 }, '/gracePeriodSeconds'],
    [{ grace: 60 }, '/grace'],
  ])('%j is 400 VALIDATION_INVALID_PARAMETER at %s; the secret is unchanged', async (payload, pointer) => {
    const app = await createConfidential();
    const url = `/admin/v1/apps/${app.clientId}/secret`;
    const res = await rotate(app.clientId, payload);
    const body = expectProblem(res, 'VALIDATION_INVALID_PARAMETER', { instance: url });
    expect((body.context as { fields: { pointer: string }[] }).fields.map((field) => field.pointer)).toEqual([pointer]);
    const record = await service.get(app.clientId);
    expect(record.version).toBe(1);
    expect(service.secretMatches(record, app.clientSecret)).toBe(true);
  });

  it('a public app is 422 VALIDATION_UNPROCESSABLE', async () => {
    const app = await create({ name: 'SPA', type: 'public', redirectUris: ['https://spa.example/cb'] });
    const url = `/admin/v1/apps/${app.clientId}/secret`;
    const res = await rotate(app.clientId);
    const body = expectProblem(res, 'VALIDATION_UNPROCESSABLE', { instance: url });
    expect(body.context).toEqual({ clientId: app.clientId });
  });

  it('an unknown app is 404 RESOURCE_NOT_FOUND', async () => {
    const res = await rotate('test_unknown0000000000000000');
    expectProblem(res, 'RESOURCE_NOT_FOUND', { instance: '/admin/v1/apps/test_unknown0000000000000000/secret' });
  });

  it('in production the new secret is live_', async () => {
    const prod = await createTestApp(kind, { env: { IDGATE_ENV: 'production' } });
    try {
      const created = await prod.app.inject({
        method: 'POST',
        url: '/admin/v1/apps',
        headers: adminAuth(),
        payload: { name: 'Live', type: 'confidential', redirectUris: ['https://shop.example/cb'] },
      });
      const app = json<Created>(created);
      registerSecret(app.clientSecret);
      const res = await prod.app.inject({
        method: 'POST',
        url: `/admin/v1/apps/${app.clientId}/secret`,
        headers: adminAuth(),
      });
      expect(res.statusCode, res.body).toBe(200);
      const rotated = json<Rotated>(res);
      registerSecret(rotated.clientSecret);
      expect(rotated.clientSecret).toMatch(/^live_[0-9A-Za-z]{43}$/);
    } finally {
      await prod.close();
    }
  });

  describe('hook secret', () => {
    it('each rotation returns a new hook secret; only the last one is in force', async () => {
      const app = await create({
        name: 'Hooked',
        type: 'confidential',
        redirectUris: ['https://shop.example/cb'],
        signInHookUrl: 'https://shop.example/hook',
      });
      expect(app.hookSecret).toMatch(/^whsec_/);
      const url = `/admin/v1/apps/${app.clientId}/hook-secret`;
      const seen = new Set([app.hookSecret]);
      for (const expectedVersion of [2, 3]) {
        const res = await t.app.inject({ method: 'POST', url, headers: adminAuth() });
        expect(res.statusCode, res.body).toBe(200);
        expect(res.headers.etag).toBe(`"v${expectedVersion}"`);
        expect(res.headers['cache-control']).toBe('no-store');
        const rotated = json<{ clientId: string; hookSecret: string }>(res);
        registerSecret(rotated.hookSecret);
        expect(rotated.clientId).toBe(app.clientId);
        expect(rotated.hookSecret).toMatch(/^whsec_[0-9A-Za-z]{43}$/);
        expect(seen.has(rotated.hookSecret)).toBe(false);
        seen.add(rotated.hookSecret);
        expect(service.hookSecretOf(await service.get(app.clientId))).toBe(rotated.hookSecret);
      }
      // The client secret is untouched by hook secret rotation.
      expect(await accepts(app.clientId, app.clientSecret!)).toBe(true);
      const read = await t.app.inject({ method: 'GET', url: `/admin/v1/apps/${app.clientId}`, headers: adminAuth() });
      for (const secret of seen) expect(read.body).not.toContain(secret!);
    });

    it('an unknown app is 404 RESOURCE_NOT_FOUND', async () => {
      const url = '/admin/v1/apps/test_unknown0000000000000000/hook-secret';
      const res = await t.app.inject({ method: 'POST', url, headers: adminAuth() });
      expectProblem(res, 'RESOURCE_NOT_FOUND', { instance: url });
    });
  });
});
