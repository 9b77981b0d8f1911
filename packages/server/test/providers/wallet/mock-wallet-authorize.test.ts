/**
 * `provider_hint=mock-wallet&login_hint=<identity>` runs headless at `/authorize` (SPEC 10,
 * Sandbox), on each database: the built-in wallet's real presentation goes through the
 * verifier, and the browser is redirected back with a code (then a token with the
 * normalized claims), or with the wallet status code of the failed check; `no-answer`
 * leaves the user on the hosted waiting page.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TxStatusCode } from '@idgate/errors';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, TEST_ISSUER, type TestApp } from '../../support/app.js';
import { expectAuthorizeRedirectError } from '../../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../../support/databases.js';
import { createRestApp, REDIRECT_URI, type RestApp } from '../../verification/helpers.js';

const STATE = 'wallet-state-1';

describe.each(TEST_DATABASE_KINDS)('mock-wallet at /authorize on %s', (kind) => {
  let t: TestApp;
  let app: RestApp;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'idgate-mock-wallet-authorize-'));
    t = await createTestApp(kind, { env: { IDGATE_DATA_DIR: dataDir } });
    app = await createRestApp(t);
    // No PUT: mock-wallet is enabled for every new sandbox app.
  });
  afterAll(async () => {
    await t?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  function authorize(loginHint: string, verifier: string) {
    const query = new URLSearchParams({
      client_id: app.clientId,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'openid profile address',
      state: STATE,
      nonce: 'wallet-nonce',
      provider_hint: 'mock-wallet',
      login_hint: loginHint,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    return t.app.inject({ method: 'GET', url: `/authorize?${query.toString()}` });
  }

  it('success: a code, then userinfo with the PID claims at LoA 4', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const res = await authorize('success', verifier);
    expect(res.statusCode, res.body).toBe(302);
    const location = new URL(String(res.headers.location));
    expect(location.searchParams.get('state')).toBe(STATE);
    expect(location.searchParams.get('iss')).toBe(TEST_ISSUER);
    const code = location.searchParams.get('code') ?? '';
    const token = await t.app.inject({
      method: 'POST',
      url: '/token',
      headers: { authorization: app.basic, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
        code_verifier: verifier,
      }).toString(),
    });
    expect(token.statusCode, token.body).toBe(200);
    const tokens = JSON.parse(token.body) as { id_token: string; access_token: string };
    expect(decodeJwt(tokens.id_token).acr).toBe('urn:idgate:loa:4');
    const userinfo = await t.app.inject({
      method: 'GET',
      url: '/userinfo',
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(userinfo.statusCode, userinfo.body).toBe(200);
    expect(JSON.parse(userinfo.body)).toMatchObject({
      given_name: 'Erika',
      family_name: 'Mustermann',
      birthdate: '1964-08-12',
      nationality: 'DE',
      address: { street_address: 'Heidestraße 17', locality: 'Köln', postal_code: '51147', country: 'DE' },
    });
  });

  it.each([
    ['expired', 'err_credential_expired', 'failed'],
    ['revoked', 'err_credential_revoked', 'failed'],
    ['untrusted', 'err_credential_untrusted', 'failed'],
    ['tampered', 'err_presentation_invalid', 'failed'],
    ['wrong-nonce', 'err_presentation_invalid', 'failed'],
    ['declined', 'err_user_cancelled', 'cancelled'],
  ] as const)('%s: redirected with %s', async (identity, statusCode: TxStatusCode, txState) => {
    const res = await authorize(identity, randomBytes(32).toString('base64url'));
    expectAuthorizeRedirectError(res, statusCode, { redirectUri: REDIRECT_URI, state: STATE, txState });
  });

  it('no-answer: the user waits on the hosted page', async () => {
    const res = await authorize('no-answer', randomBytes(32).toString('base64url'));
    expect(res.statusCode, res.body).toBe(303);
    expect(String(res.headers.location)).toMatch(new RegExp(`^${TEST_ISSUER}/authorize/vrf_test_[A-Za-z0-9]+$`));
  });
});
