/**
 * `/authorize` and `/userinfo` read the app through the per-instance app cache
 * (`APP_CACHE_MS`) and refuse only on what the database says now: a redirect URI
 * registered, or an app enabled, on another instance counts at once; a change made
 * through this instance always counts at once; an app disabled on another instance
 * stops working here within the cache lifetime.
 */
import { CATALOG, type ErrorCode } from '@idgate/errors';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_CACHE_MS, AppsService } from '../../src/apps/apps.service.js';
import { AppsRepository } from '../../src/store/apps.repository.js';
import { authorizeUrl, createClient, locationOf, REDIRECT_URI, validParams } from '../authorize/helpers.js';
import { createTestApp, TEST_ISSUER, type TestApp } from '../support/app.js';
import { expectBearerChallenge, expectProblem } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import { createConfidentialClient, obtainCode, redeemCode, userinfo } from '../token/support.js';

/** A non-redirected JSON refusal of /authorize (SPEC 2.1). */
function expectAuthorizeJson(res: LightMyRequestResponse, code: ErrorCode): void {
  const body = JSON.parse(res.body) as Record<string, unknown>;
  expect(body.error_uri, `error_uri (body ${res.body.slice(0, 300)})`).toBe(`${TEST_ISSUER}/errors/${code}`);
  expect(res.statusCode).toBe(400);
  expect(res.headers.location).toBeUndefined();
  expect(Object.keys(body).sort()).toEqual(['error', 'error_description', 'error_uri', 'request_id']);
  expect(body.error).toBe(CATALOG[code].oauth);
  expect(body.request_id).toBe(res.headers['x-request-id']);
}

/** The request got past the client checks: it is redirected on, not refused. */
function expectProceeds(res: LightMyRequestResponse): void {
  expect([302, 303], res.body.slice(0, 300)).toContain(res.statusCode);
  expect(locationOf(res)).not.toContain('error=');
}

describe.each(TEST_DATABASE_KINDS)('the app cache on /authorize and /userinfo (%s)', (kind) => {
  let t: TestApp;
  let otherInstance: AppsService;
  beforeAll(async () => {
    t = await createTestApp(kind);
    otherInstance = new AppsService(
      new AppsRepository(t.database.database),
      t.app.idgate.secrets,
      t.config,
      () => new Date(),
    );
  });
  afterAll(async () => {
    await t?.close();
  });

  function authorize(url: string) {
    return t.app.inject({ method: 'GET', url, headers: { accept: 'application/json' } });
  }

  it('/authorize accepts a redirect URI registered on another instance at once', async () => {
    const client = await createClient(t);
    const added = 'https://shop.example/added';
    const refused = await authorize(authorizeUrl(validParams(client.clientId, { redirect_uri: added })));
    expectAuthorizeJson(refused, 'VALIDATION_INVALID_PARAMETER'); // the app is cached now
    await otherInstance.update(client.clientId, { redirectUris: [REDIRECT_URI, added] }, undefined);
    const accepted = await authorize(authorizeUrl(validParams(client.clientId, { redirect_uri: added })));
    expectProceeds(accepted);
  });

  it('/authorize accepts an app enabled on another instance at once, and refuses one disabled here at once', async () => {
    const client = await createClient(t);
    const url = authorizeUrl(validParams(client.clientId));
    expectProceeds(await authorize(url));
    await t.app.idgate.apps.update(client.clientId, { disabled: true }, undefined);
    expectAuthorizeJson(await authorize(url), 'AUTH_INVALID_CLIENT');
    await otherInstance.update(client.clientId, { disabled: false }, undefined);
    expectProceeds(await authorize(url));
  });

  it('/userinfo refuses the token of an app disabled here at once, and serves it again once enabled elsewhere', async () => {
    const client = await createConfidentialClient(t);
    const { access_token: accessToken } = await redeemCode(t, client, await obtainCode(t, client));
    expect((await userinfo(t, accessToken)).statusCode).toBe(200);
    await t.app.idgate.apps.update(client.clientId, { disabled: true }, undefined);
    const refused = await userinfo(t, accessToken);
    expectProblem(refused, 'AUTH_INVALID_TOKEN');
    expectBearerChallenge(refused, 'AUTH_INVALID_TOKEN');
    await otherInstance.update(client.clientId, { disabled: false }, undefined);
    expect((await userinfo(t, accessToken)).statusCode).toBe(200);
    expect(APP_CACHE_MS).toBeLessThanOrEqual(5000);
  });
});
