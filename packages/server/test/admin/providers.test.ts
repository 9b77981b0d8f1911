/**
 * Admin API, per-app provider settings (SPEC 4.3, 5): read, enable/disable, configure,
 * and every refusal. Black-box through `app.inject()` on each configured database.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, createTestApp, type TestApp } from '../support/app.js';
import { expectProblem } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import { registerSecret } from '../support/leaks.js';

interface ProviderBody {
  clientId: string;
  providerId: string;
  enabled: boolean;
  settings: Record<string, unknown>;
  configured: boolean;
  version: number;
  updatedAt: string | null;
}

function json<T>(res: LightMyRequestResponse): T {
  return JSON.parse(res.body) as T;
}

async function createApp(t: TestApp, type: 'confidential' | 'public' = 'confidential'): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/admin/v1/apps',
    headers: adminAuth(),
    payload: { name: 'Providers', type, redirectUris: ['https://shop.example/cb'] },
  });
  expect(res.statusCode, res.body).toBe(201);
  const created = json<{ clientId: string; clientSecret?: string }>(res);
  registerSecret(created.clientSecret);
  return created.clientId;
}

describe.each(TEST_DATABASE_KINDS)('admin API: app providers on %s', (kind) => {
  let t: TestApp;
  let clientId: string;

  function providerUrl(providerId: string, id = clientId): string {
    return `/admin/v1/apps/${id}/providers/${providerId}`;
  }

  async function put(
    providerId: string,
    payload: Record<string, unknown> | undefined,
    headers: Record<string, string> = {},
    id = clientId,
  ): Promise<LightMyRequestResponse> {
    return t.app.inject({
      method: 'PUT',
      url: providerUrl(providerId, id),
      headers: { ...adminAuth(), ...headers },
      ...(payload === undefined ? {} : { payload }),
    });
  }

  beforeAll(async () => {
    t = await createTestApp(kind);
    clientId = await createApp(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('GET mock-qr: enabled, with an ETag', async () => {
    const res = await t.app.inject({ method: 'GET', url: providerUrl('mock-qr'), headers: adminAuth() });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers.etag).toBe('"v1"');
    expect(json<ProviderBody>(res)).toMatchObject({
      clientId,
      providerId: 'mock-qr',
      enabled: true,
      configured: true,
      settings: {},
      version: 1,
    });
  });

  it('PUT { enabled: false } with the current If-Match: 200 with a new ETag; GET shows it', async () => {
    const res = await put('mock-qr', { enabled: false }, { 'if-match': '"v1"' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers.etag).toBe('"v2"');
    expect(json<ProviderBody>(res)).toMatchObject({
      providerId: 'mock-qr',
      enabled: false,
      configured: true,
      version: 2,
    });
    const read = await t.app.inject({ method: 'GET', url: providerUrl('mock-qr'), headers: adminAuth() });
    expect(read.headers.etag).toBe('"v2"');
    expect(json<ProviderBody>(read).enabled).toBe(false);
    const list = await t.app.inject({
      method: 'GET',
      url: `/admin/v1/apps/${clientId}/providers`,
      headers: adminAuth(),
    });
    const data = json<{ data: ProviderBody[] }>(list).data;
    expect(data.find((provider) => provider.providerId === 'mock-qr')?.enabled).toBe(false);
    expect(data.find((provider) => provider.providerId === 'mock-push')?.enabled).toBe(true);
  });

  it('PUT without If-Match replaces unconditionally', async () => {
    const res = await put('mock-qr', { enabled: true });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers.etag).toBe('"v3"');
    expect(json<ProviderBody>(res).enabled).toBe(true);
  });

  it('a stale If-Match is 412 RESOURCE_PRECONDITION_FAILED and nothing changes', async () => {
    const res = await put('mock-qr', { enabled: false }, { 'if-match': '"v1"' });
    const body = expectProblem(res, 'RESOURCE_PRECONDITION_FAILED', { instance: providerUrl('mock-qr') });
    expect(body.context).toEqual({ clientId, providerId: 'mock-qr' });
    const read = await t.app.inject({ method: 'GET', url: providerUrl('mock-qr'), headers: adminAuth() });
    expect(json<ProviderBody>(read)).toMatchObject({ enabled: true, version: 3 });
  });

  it('a never-configured known provider reads as disabled and PUT creates it: 201', async () => {
    const id = await createApp(t, 'public');
    // An app from before the provider existed has no row for it.
    await t.database.database.db
      .deleteFrom('app_providers')
      .where('client_id', '=', id)
      .where('provider_id', '=', 'mock-redirect')
      .execute();
    const before = await t.app.inject({ method: 'GET', url: providerUrl('mock-redirect', id), headers: adminAuth() });
    expect(before.statusCode).toBe(200);
    expect(before.headers.etag).toBeUndefined();
    expect(json<ProviderBody>(before)).toMatchObject({
      enabled: false,
      configured: false,
      version: 0,
      updatedAt: null,
    });

    const conditional = await put('mock-redirect', { enabled: true }, { 'if-match': '"v1"' }, id);
    expectProblem(conditional, 'RESOURCE_PRECONDITION_FAILED', { instance: providerUrl('mock-redirect', id) });

    const created = await put('mock-redirect', { enabled: true, settings: {} }, {}, id);
    expect(created.statusCode, created.body).toBe(201);
    expect(created.headers.etag).toBe('"v1"');
    expect(json<ProviderBody>(created)).toMatchObject({ enabled: true, configured: true, version: 1 });
    const again = await put('mock-redirect', { enabled: true }, { 'if-match': '"v1"' }, id);
    expect(again.statusCode).toBe(200);
    expect(again.headers.etag).toBe('"v2"');
  });

  it('an unknown provider is 404 PROVIDER_NOT_FOUND on GET and PUT', async () => {
    const url = providerUrl('bankid-xx');
    const read = await t.app.inject({ method: 'GET', url, headers: adminAuth() });
    const body = expectProblem(read, 'PROVIDER_NOT_FOUND', { instance: url });
    expect(body.context).toEqual({ providerId: 'bankid-xx' });
    const write = await put('bankid-xx', { enabled: true });
    expectProblem(write, 'PROVIDER_NOT_FOUND', { instance: url });
    const rows = await t.database.database.db
      .selectFrom('app_providers')
      .select('provider_id')
      .where('client_id', '=', clientId)
      .execute();
    expect(rows.map((row) => row.provider_id)).not.toContain('bankid-xx');
  });

  it('a provider of an unknown app is 404 RESOURCE_NOT_FOUND', async () => {
    const url = providerUrl('mock-qr', 'test_unknown0000000000000000');
    const read = await t.app.inject({ method: 'GET', url, headers: adminAuth() });
    expectProblem(read, 'RESOURCE_NOT_FOUND', { instance: url });
    const write = await put('mock-qr', { enabled: true }, {}, 'test_unknown0000000000000000');
    expectProblem(write, 'RESOURCE_NOT_FOUND', { instance: url });
  });

  it('settings the provider does not take: 400 PROVIDER_CONFIGURATION_ERROR listing them', async () => {
    const url = providerUrl('mock-push');
    const res = await put('mock-push', { enabled: true, settings: { colour: 'red', apiKey: 'x' } });
    const body = expectProblem(res, 'PROVIDER_CONFIGURATION_ERROR', { instance: url });
    const context = body.context as { providerId: string; fields: { name: string; pointer: string; reason: string }[] };
    expect(context.providerId).toBe('mock-push');
    expect(context.fields.map((field) => field.pointer).sort()).toEqual(['/settings/apiKey', '/settings/colour']);
    expect(context.fields.map((field) => field.name).sort()).toEqual(['settings.apiKey', 'settings.colour']);
    const read = await t.app.inject({ method: 'GET', url, headers: adminAuth() });
    expect(json<ProviderBody>(read)).toMatchObject({ settings: {}, version: 1 });
  });

  it('a missing body is 400 VALIDATION_MISSING_PARAMETER', async () => {
    const url = providerUrl('mock-qr');
    const none = await put('mock-qr', undefined);
    expectProblem(none, 'VALIDATION_MISSING_PARAMETER', { instance: url });
    const empty = await put('mock-qr', {});
    const body = expectProblem(empty, 'VALIDATION_MISSING_PARAMETER', { instance: url });
    expect((body.context as { fields: unknown[] }).fields).toEqual([
      { name: 'enabled', pointer: '/enabled', reason: 'is required' },
    ]);
  });

  it('a badly typed body is 400 VALIDATION_INVALID_PARAMETER listing every field', async () => {
    const url = providerUrl('mock-qr');
    const res = await put('mock-qr', { enabled: 'yes', settings: [], extra: 1 });
    const body = expectProblem(res, 'VALIDATION_INVALID_PARAMETER', { instance: url });
    const pointers = (body.context as { fields: { pointer: string }[] }).fields.map((field) => field.pointer);
    expect(new Set(pointers)).toEqual(new Set(['/enabled', '/settings', '/extra']));
  });

  it('a wrong content type on PUT is 415', async () => {
    const url = providerUrl('mock-qr');
    const res = await t.app.inject({
      method: 'PUT',
      url,
      headers: { ...adminAuth(), 'content-type': 'text/plain' },
      payload: '{"enabled":false}',
    });
    expectProblem(res, 'VALIDATION_UNSUPPORTED_MEDIA_TYPE', { instance: url });
  });

  describe('on a production instance', () => {
    let prod: TestApp;
    let liveId: string;
    beforeAll(async () => {
      prod = await createTestApp(kind, { env: { IDGATE_ENV: 'production' } });
      liveId = await createApp(prod);
    });
    afterAll(async () => {
      await prod?.close();
    });

    it('mock-qr is 404 PROVIDER_NOT_FOUND', async () => {
      const url = `/admin/v1/apps/${liveId}/providers/mock-qr`;
      const read = await prod.app.inject({ method: 'GET', url, headers: adminAuth() });
      const body = expectProblem(read, 'PROVIDER_NOT_FOUND', { instance: url });
      expect(body.detail).toContain('production');
      const write = await prod.app.inject({ method: 'PUT', url, headers: adminAuth(), payload: { enabled: true } });
      expectProblem(write, 'PROVIDER_NOT_FOUND', { instance: url });
      const list = await prod.app.inject({
        method: 'GET',
        url: `/admin/v1/apps/${liveId}/providers`,
        headers: adminAuth(),
      });
      expect(json<{ data: unknown[] }>(list).data).toEqual([]);
    });
  });
});
