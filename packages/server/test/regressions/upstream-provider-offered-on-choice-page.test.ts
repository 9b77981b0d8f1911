/**
 * Regression: the provider choice of `/authorize` read the providers of the environment
 * only (the mocks), so a configured upstream OpenID Connect provider was never offered
 * without `provider_hint`, and an app with only upstream providers got an error redirect.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authorizeUrl,
  bindingCookieOf,
  createClient,
  issuerPath,
  locationOf,
  pkcePair,
  validParams,
} from '../authorize/helpers.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';

const UPSTREAM = {
  id: 'bank-id',
  displayName: 'Bank ID upstream',
  // Never contacted: the choice page lists providers without starting one.
  discoveryUrl: 'https://idp.example/realms/x',
  clientId: 'idgate',
  clientSecret: 's3cret-s3cret',
  maxLoa: 3,
};

describe.each(TEST_DATABASE_KINDS)('an upstream provider on the provider choice (%s)', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind, { env: { IDGATE_OIDC_PROVIDERS: JSON.stringify([UPSTREAM]) } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('is offered to an app that enabled only it', async () => {
    const client = await createClient(t);
    for (const mock of ['mock-redirect', 'mock-qr', 'mock-push', 'mock-wallet']) {
      await t.app.idgate.apps.putProvider(client.clientId, mock, { enabled: false }, undefined);
    }
    await t.app.idgate.apps.putProvider(client.clientId, UPSTREAM.id, { enabled: true }, undefined);

    const { challenge } = pkcePair();
    const start = await t.app.inject({
      method: 'GET',
      url: authorizeUrl(validParams(client.clientId, { code_challenge: challenge, code_challenge_method: 'S256' })),
    });
    expect(start.statusCode).toBe(303);
    const page = locationOf(start);
    expect(page).toMatch(/\/authorize\/vrf_test_[A-Za-z0-9]{24}$/);

    const choice = await t.app.inject({
      method: 'GET',
      url: issuerPath(page),
      headers: { cookie: bindingCookieOf(start), accept: 'text/html' },
    });
    expect(choice.statusCode).toBe(200);
    expect(choice.body).toContain(UPSTREAM.displayName);
    expect(choice.body).not.toContain('mock-redirect');
  });
});
