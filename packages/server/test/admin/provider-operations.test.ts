/**
 * What an operator can switch (issue 14): the flow types an app may use with a provider
 * (`flowTypes` of `PUT /admin/v1/apps/{clientId}/providers/{providerId}`:
 * `SESSION_INVALID_FLOW` "not enabled for the app" in REST, `err_unauthorized_client` in
 * `/authorize`), and a provider's maintenance switch (`/admin/v1/providers/{id}/maintenance`),
 * stored in the database so that every instance honours it: `PROVIDER_UNAVAILABLE` with
 * `Retry-After`, `status: "maintenance"` in `GET /v1/providers`, and the hosted provider
 * choice showing the provider as unavailable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeUrl, bindingCookieOf, REDIRECT_URI, validParams } from '../authorize/helpers.js';
import { adminAuth, createTestApp, TEST_ISSUER, type TestApp } from '../support/app.js';
import { expectAuthorizeRedirectError, expectProblem } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import { createRestApp, createVerification, json, type RestApp, testClock } from '../verification/helpers.js';

const MINUTE = 60_000;

describe.each(TEST_DATABASE_KINDS)('provider operations on %s', (kind) => {
  const clock = testClock();
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    a = await createTestApp(kind, { clock: clock.clock });
    b = await createTestApp(kind, { clock: clock.clock, sharedDatabase: a.database });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  async function putProvider(app: RestApp, providerId: string, body: Record<string, unknown>) {
    return a.app.inject({
      method: 'PUT',
      url: `/admin/v1/apps/${app.clientId}/providers/${providerId}`,
      headers: adminAuth(),
      payload: body,
    });
  }

  async function providersOf(t: TestApp, app: RestApp) {
    const res = await t.app.inject({ method: 'GET', url: '/v1/providers', headers: { authorization: app.basic } });
    expect(res.statusCode, res.body).toBe(200);
    return json<{ data: { id: string; flowTypes: string[]; status: string; maintenanceUntil?: string }[] }>(res).data;
  }

  async function maintenance(method: 'GET' | 'PUT' | 'DELETE', providerId: string, payload?: unknown) {
    return a.app.inject({
      method,
      url: `/admin/v1/providers/${providerId}/maintenance`,
      headers: adminAuth(),
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
  }

  describe('flow types per app', () => {
    it('refuses a flow type the provider does not support', async () => {
      const app = await createRestApp(a);
      const res = await putProvider(app, 'mock-qr', { enabled: true, flowTypes: ['push'] });
      const body = expectProblem(res, 'VALIDATION_INVALID_PARAMETER');
      expect(body.context).toEqual({
        providerId: 'mock-qr',
        fields: [{ name: 'flowTypes', pointer: '/flowTypes', reason: 'must only name qr' }],
      });
    });

    it('a flow type not enabled for the app: SESSION_INVALID_FLOW in REST, err_unauthorized_client in /authorize', async () => {
      const app = await createRestApp(a, { redirectUris: [REDIRECT_URI] });
      const put = await putProvider(app, 'mock-qr', { enabled: true, flowTypes: [] });
      expect(put.statusCode, put.body).toBe(200);
      expect(json(put)).toMatchObject({ providerId: 'mock-qr', enabled: true, flowTypes: [] });
      expect((await providersOf(b, app)).find((provider) => provider.id === 'mock-qr')?.flowTypes).toEqual([]);

      const refused = await createVerification(b, app.basic, { providerId: 'mock-qr' });
      const body = expectProblem(refused, 'SESSION_INVALID_FLOW', { instance: '/v1/verifications' });
      expect(body.detail).toBe(
        'No flow type of provider mock-qr is enabled for this app; enable one with PUT /admin/v1/apps/{clientId}/providers/mock-qr.',
      );
      expect(body.context).toEqual({
        providerId: 'mock-qr',
        flowType: 'qr',
        enabled: [],
        reason: 'not_enabled_for_app',
      });

      const redirect = await b.app.inject({
        method: 'GET',
        url: authorizeUrl(validParams(app.clientId, { redirect_uri: REDIRECT_URI, provider_hint: 'mock-qr' })),
      });
      expectAuthorizeRedirectError(redirect, 'err_unauthorized_client', { redirectUri: REDIRECT_URI, state: 'st-123' });

      // Every flow type again (null): the provider starts.
      expect((await putProvider(app, 'mock-qr', { enabled: true, flowTypes: null })).statusCode).toBe(200);
      expect((await createVerification(b, app.basic, { providerId: 'mock-qr' })).statusCode).toBe(201);
    });
  });

  describe('maintenance switch', () => {
    it('holds on every instance: 503 with Retry-After, status maintenance, unavailable on the hosted page', async () => {
      const app = await createRestApp(a, { redirectUris: [REDIRECT_URI] });
      const until = new Date(clock.now().getTime() + 30 * MINUTE).toISOString();
      const put = await maintenance('PUT', 'mock-qr', { until, reason: 'upstream certificate renewal' });
      expect(put.statusCode, put.body).toBe(200);
      expect(json(put)).toEqual({
        providerId: 'mock-qr',
        maintenance: true,
        since: clock.now().toISOString(),
        until,
        reason: 'upstream certificate renewal',
      });

      // The other instance reads the same switch.
      const listed = (await providersOf(b, app)).find((provider) => provider.id === 'mock-qr');
      expect(listed).toMatchObject({ status: 'maintenance', maintenanceUntil: until, flowTypes: ['qr'] });
      expect((await providersOf(b, app)).find((provider) => provider.id === 'mock-redirect')?.status).toBe(
        'operational',
      );

      clock.advance(MINUTE);
      const refused = await createVerification(b, app.basic, { providerId: 'mock-qr' });
      const body = expectProblem(refused, 'PROVIDER_UNAVAILABLE', { instance: '/v1/verifications' });
      expect(refused.headers['retry-after']).toBe(String(29 * 60));
      // A 503 shows the catalog text only; the context says why and until when.
      expect(body.context).toEqual({ providerId: 'mock-qr', reason: 'maintenance', maintenanceUntil: until });
      expect(JSON.stringify(body)).not.toContain('certificate renewal');

      const redirect = await b.app.inject({
        method: 'GET',
        url: authorizeUrl(validParams(app.clientId, { redirect_uri: REDIRECT_URI, provider_hint: 'mock-qr' })),
      });
      expectAuthorizeRedirectError(redirect, 'err_provider_unavailable', {
        redirectUri: REDIRECT_URI,
        state: 'st-123',
      });

      // The hosted provider choice lists it as unavailable (no button), the others as usual.
      const started = await b.app.inject({
        method: 'GET',
        url: authorizeUrl(validParams(app.clientId, { redirect_uri: REDIRECT_URI })),
      });
      const page = await b.app.inject({
        method: 'GET',
        url: new URL(String(started.headers.location)).pathname,
        headers: { cookie: bindingCookieOf(started), accept: 'text/html' },
      });
      expect(page.statusCode).toBe(200);
      const qrItem = page.body.slice(page.body.indexOf('Mock QR provider'));
      expect(qrItem.slice(0, 600)).toContain('Temporarily unavailable. Try again later or choose another provider.');
      expect(page.body).not.toContain('value="mock-qr"');
      expect(page.body).toContain('value="mock-redirect"');

      // Once `until` passed, the provider is back by itself.
      clock.advance(29 * MINUTE);
      expect((await providersOf(b, app)).find((provider) => provider.id === 'mock-qr')?.status).toBe('operational');
      expect((await createVerification(b, app.basic, { providerId: 'mock-qr' })).statusCode).toBe(201);
      expect(json(await maintenance('GET', 'mock-qr'))).toEqual({
        providerId: 'mock-qr',
        maintenance: false,
        since: null,
        until: null,
        reason: null,
      });
    });

    it('without an end it holds until switched off; DELETE ends it', async () => {
      const app = await createRestApp(a);
      expect((await maintenance('PUT', 'mock-push', {})).statusCode).toBe(200);
      const refused = await createVerification(b, app.basic, {
        providerId: 'mock-push',
        userData: { personalNumber: 'success' },
      });
      expectProblem(refused, 'PROVIDER_UNAVAILABLE');
      // No known end: the catalog's default Retry-After.
      expect(refused.headers['retry-after']).toEqual(expect.stringMatching(/^\d+$/));
      const ended = await maintenance('DELETE', 'mock-push');
      expect(ended.statusCode).toBe(204);
      expect(
        (await createVerification(b, app.basic, { providerId: 'mock-push', userData: { personalNumber: 'success' } }))
          .statusCode,
      ).toBe(201);
      expectProblem(await maintenance('DELETE', 'mock-push'), 'RESOURCE_NOT_FOUND');
    });

    it('refuses an unknown provider and an end in the past', async () => {
      expectProblem(await maintenance('PUT', 'no-such-provider', {}), 'PROVIDER_NOT_FOUND');
      const body = expectProblem(
        await maintenance('PUT', 'mock-qr', { until: new Date(clock.now().getTime() - 1).toISOString() }),
        'VALIDATION_INVALID_PARAMETER',
      );
      expect(body.context).toEqual({ fields: [{ name: 'until', pointer: '/until', reason: 'must be in the future' }] });
      const unauthenticated = await a.app.inject({ method: 'GET', url: '/admin/v1/providers/mock-qr/maintenance' });
      expectProblem(unauthenticated, 'AUTH_MISSING_CREDENTIALS');
      expect(TEST_ISSUER).toBe('https://idgate.test');
    });
  });
});
