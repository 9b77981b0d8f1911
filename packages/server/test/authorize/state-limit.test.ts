/**
 * The documented bound on `state` (docs/architecture.md, `/authorize`): SPEC 2.1 echoes
 * `state` exactly, and idgate echoes up to 2048 characters; a longer one is refused as
 * `err_invalid_request` without being echoed, and the error says the limit (its logged
 * `context.fields`, its detail).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_STATE_LENGTH } from '../../src/oauth/authorize/request-checks.js';
import { createTestApp, TEST_ISSUER, type TestApp } from '../support/app.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import {
  authorizeUrl,
  createClient,
  expectCodeRedirect,
  redirectQuery,
  type TestClient,
  validParams,
} from './helpers.js';

describe.each(TEST_DATABASE_KINDS)('/authorize state limit (%s)', (kind) => {
  let t: TestApp;
  let client: TestClient;
  beforeAll(async () => {
    t = await createTestApp(kind);
    client = await createClient(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A headless sandbox sign-in (mock-redirect, `login_hint=success`) with this `state`. */
  function signIn(state: string) {
    return t.app.inject({
      method: 'GET',
      url: authorizeUrl(validParams(client.clientId, { state, provider_hint: 'mock-redirect', login_hint: 'success' })),
    });
  }

  it('a state of exactly 2048 characters (any characters) comes back exactly', async () => {
    const state = `${'a~b c/d?e&f=g+h%'.repeat(128)}`;
    expect(state).toHaveLength(MAX_STATE_LENGTH);
    expect(MAX_STATE_LENGTH).toBe(2048);
    expectCodeRedirect(await signIn(state), { state });
  });

  it('2049 characters: err_invalid_request, no state echoed, the limit in the logged error', async () => {
    const res = await signIn('s'.repeat(2049));
    expect(res.statusCode).toBe(302);
    const query = redirectQuery(res);
    expect(query.get('error')).toBe('invalid_request');
    expect(query.get('error_description')).toBe('err_invalid_request');
    expect(query.get('tx_state')).toBe('failed');
    expect(query.get('iss')).toBe(TEST_ISSUER);
    expect(query.has('state')).toBe(false);
    expect(query.has('code')).toBe(false);
    const logged = t.logs.filter((line) => line.request_id === res.headers['x-request-id'] && line.code !== undefined);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({
      code: 'VALIDATION_INVALID_PARAMETER',
      context: { fields: [{ name: 'state', reason: 'is longer than 2048 characters' }] },
    });
  });
});
