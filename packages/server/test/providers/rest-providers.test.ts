/**
 * `GET /v1/providers` and `GET /v1/providers/{id}` (SPEC 4, 5): the app's enabled
 * providers with their facts and, in sandbox, the mock test identities; the errors of
 * these routes from real conditions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MOCK_IDENTITIES } from '../../src/providers/mock/test-identities.js';
import { WALLET_TEST_IDENTITIES } from '../../src/providers/wallet/sandbox/wallet-test-identities.js';
import { adminAuth, createTestApp, type TestApp } from '../support/app.js';
import { expectProblem } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import { registerSecret } from '../support/leaks.js';
import { basicAuth, createRestApp, json, type RestApp } from '../verification/helpers.js';

const CLAIMS = ['given_name', 'family_name', 'birthdate', 'nationality', 'email', 'phone_number', 'address'];
const TEST_IDENTITIES = MOCK_IDENTITIES.map(({ identity, outcome, description }) => ({
  identity,
  outcome,
  description,
}));

const EXPECTED = {
  'mock-redirect': {
    id: 'mock-redirect',
    name: 'Mock redirect provider',
    flowTypes: ['redirect'],
    maxLoa: 4,
    loaLevels: [1, 2, 3, 4],
    requiredUserData: [],
    claims: CLAIMS,
    countries: [],
    status: 'operational',
    testIdentities: TEST_IDENTITIES,
  },
  'mock-qr': {
    id: 'mock-qr',
    name: 'Mock QR provider',
    flowTypes: ['qr'],
    maxLoa: 3,
    loaLevels: [1, 2, 3],
    requiredUserData: [],
    claims: CLAIMS,
    countries: [],
    status: 'operational',
    testIdentities: TEST_IDENTITIES,
  },
  'mock-push': {
    id: 'mock-push',
    name: 'Mock push provider',
    flowTypes: ['push'],
    maxLoa: 3,
    loaLevels: [1, 2, 3],
    requiredUserData: ['personalNumber'],
    claims: CLAIMS,
    countries: [],
    status: 'operational',
    testIdentities: TEST_IDENTITIES,
  },
  'mock-wallet': {
    id: 'mock-wallet',
    name: 'Mock wallet (EU PID)',
    flowTypes: ['qr', 'redirect', 'dc_api'],
    maxLoa: 4,
    loaLevels: [1, 2, 3, 4],
    requiredUserData: [],
    claims: [...CLAIMS, 'age_over_18'],
    countries: [],
    status: 'operational',
    testIdentities: WALLET_TEST_IDENTITIES.map(({ identity, outcome, description }) => ({
      identity,
      outcome,
      description,
    })),
  },
};

describe.each(TEST_DATABASE_KINDS)('REST providers on %s', (kind) => {
  let t: TestApp;
  let rest: RestApp;

  beforeAll(async () => {
    t = await createTestApp(kind);
    rest = await createRestApp(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function get(url: string, authorization = rest.basic, headers: Record<string, string> = {}) {
    return t.app.inject({ method: 'GET', url, headers: { authorization, ...headers } });
  }

  it('lists the mocks and mock-wallet every new sandbox app has enabled, with their test identities', async () => {
    const res = await get('/v1/providers');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(json(res)).toEqual({
      data: [EXPECTED['mock-redirect'], EXPECTED['mock-qr'], EXPECTED['mock-push'], EXPECTED['mock-wallet']],
    });
  });

  it('reads one provider', async () => {
    for (const id of ['mock-redirect', 'mock-qr', 'mock-push', 'mock-wallet'] as const) {
      const res = await get(`/v1/providers/${id}`);
      expect(res.statusCode, res.body).toBe(200);
      expect(json(res)).toEqual(EXPECTED[id]);
    }
  });

  it('an unknown provider: 404 PROVIDER_NOT_FOUND', async () => {
    const res = await get('/v1/providers/bankid-se');
    const body = expectProblem(res, 'PROVIDER_NOT_FOUND', { instance: '/v1/providers/bankid-se' });
    expect(body.context).toEqual({ providerId: 'bankid-se' });
    expect(body.detail).toBe(
      "There is no provider 'bankid-se' in sandbox; GET /v1/providers lists the app's providers.",
    );
  });

  it('a provider id over 64 characters: 400 VALIDATION_INVALID_PARAMETER', async () => {
    const long = 'x'.repeat(65);
    const body = expectProblem(await get(`/v1/providers/${long}`), 'VALIDATION_INVALID_PARAMETER');
    expect(body.context).toEqual({
      fields: [{ name: 'path.providerId', pointer: '/providerId', reason: 'must NOT have more than 64 characters' }],
    });
  });

  it('a provider disabled for the app: left out of the list, 403 PROVIDER_NOT_ENABLED when read', async () => {
    const other = await createRestApp(t);
    const put = await t.app.inject({
      method: 'PUT',
      url: `/admin/v1/apps/${other.clientId}/providers/mock-qr`,
      headers: adminAuth(),
      payload: { enabled: false },
    });
    expect(put.statusCode, put.body).toBe(200);
    const list = await get('/v1/providers', other.basic);
    expect(json<{ data: { id: string }[] }>(list).data.map((provider) => provider.id)).toEqual([
      'mock-redirect',
      'mock-push',
      'mock-wallet',
    ]);
    const res = await get('/v1/providers/mock-qr', other.basic);
    const body = expectProblem(res, 'PROVIDER_NOT_ENABLED');
    expect(body.context).toEqual({ providerId: 'mock-qr' });
    expect(body.detail).toBe(
      'Provider mock-qr is not enabled for this app; enable it with PUT /admin/v1/apps/{clientId}/providers/mock-qr.',
    );
  });

  it('Accept without JSON: 406 VALIDATION_NOT_ACCEPTABLE', async () => {
    const res = await get('/v1/providers', rest.basic, { accept: 'text/html' });
    expectProblem(res, 'VALIDATION_NOT_ACCEPTABLE');
  });

  it('a wrong method: 405 VALIDATION_METHOD_NOT_ALLOWED with Allow', async () => {
    const res = await t.app.inject({ method: 'DELETE', url: '/v1/providers', headers: { authorization: rest.basic } });
    expectProblem(res, 'VALIDATION_METHOD_NOT_ALLOWED');
    expect(String(res.headers.allow).split(', ')).toEqual(expect.arrayContaining(['GET', 'HEAD']));
    expect(String(res.headers.allow)).not.toContain('DELETE');
  });

  it('production offers no mock provider', async () => {
    const production = await createTestApp(kind, { env: { IDGATE_ENV: 'production' } });
    try {
      const created = await production.app.inject({
        method: 'POST',
        url: '/admin/v1/apps',
        headers: adminAuth(),
        payload: { name: 'Live', type: 'confidential', redirectUris: ['https://shop.example/callback'] },
      });
      const app = json<{ clientId: string; clientSecret: string }>(created);
      registerSecret(app.clientSecret);
      const authorization = basicAuth(app.clientId, app.clientSecret);
      const list = await production.app.inject({ method: 'GET', url: '/v1/providers', headers: { authorization } });
      expect(json(list)).toEqual({ data: [] });
      const res = await production.app.inject({
        method: 'GET',
        url: '/v1/providers/mock-redirect',
        headers: { authorization },
      });
      const body = expectProblem(res, 'PROVIDER_NOT_FOUND');
      expect(body.detail).toBe(
        "There is no provider 'mock-redirect' in production; GET /v1/providers lists the app's providers.",
      );
    } finally {
      await production.close();
    }
  });
});
