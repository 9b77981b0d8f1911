/**
 * `mock-wallet` through the REST API and the verification service, on each database: an
 * app (mock-wallet is enabled for every new sandbox app) starts a verification with a test identity; the built-in wallet's
 * real OpenID4VP response goes through the verifier, and the session ends completed (with
 * normalized claims, `missingClaims` and provenance) or with the catalog error of the
 * failed check (problem+json, the session `failed` with the wallet status code).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../support/app.js';
import { expectProblem } from '../../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../../support/databases.js';
import { createRestApp, createVerification, getVerification, json, type RestApp } from '../../verification/helpers.js';

describe.each(TEST_DATABASE_KINDS)('mock-wallet over REST on %s', (kind) => {
  let t: TestApp;
  let rest: RestApp;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'idgate-mock-wallet-'));
    t = await createTestApp(kind, { env: { IDGATE_DATA_DIR: dataDir } });
    rest = await createRestApp(t);
    // No PUT: mock-wallet is enabled for every new sandbox app.
  });
  afterAll(async () => {
    await t?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('lists mock-wallet, enabled for a new sandbox app, with its test identities', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/v1/providers/mock-wallet',
      headers: { authorization: rest.basic },
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = json<{ flowTypes: string[]; maxLoa: number; testIdentities: { identity: string }[] }>(res);
    expect(body.flowTypes).toEqual(['qr', 'redirect', 'dc_api']);
    expect(body.maxLoa).toBe(4);
    expect(body.testIdentities.map((entry) => entry.identity)).toEqual([
      'success',
      'no-address',
      'expired',
      'revoked',
      'untrusted',
      'tampered',
      'wrong-nonce',
      'declined',
      'no-answer',
    ]);
  });

  it('completes a PID presentation with normalized claims, missingClaims and the issuer', async () => {
    const created = await createVerification(t, rest.basic, {
      providerId: 'mock-wallet',
      flowType: 'qr',
      requestedClaims: [
        'given_name',
        'family_name',
        'birthdate',
        'nationality',
        'address',
        'phone_number',
        'age_over_18',
      ],
      userData: { testIdentity: 'no-address' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = json<{ verificationId: string; status: string }>(created).verificationId;
    expect(json(created).status).toBe('completed');
    const view = json<Record<string, unknown>>(await getVerification(t, rest.basic, id));
    expect(view.status).toBe('completed');
    expect(view.loa).toBe(4);
    expect(view.claims).toEqual({
      given_name: 'Erika',
      family_name: 'Mustermann',
      birthdate: '1964-08-12',
      nationality: 'DE',
      phone_number: '+491701234567',
      age_over_18: true,
    });
    expect(view.missingClaims).toEqual(['address']);
    expect(view.provenance).toMatchObject({
      providerId: 'mock-wallet',
      issuer: 'CN=idgate sandbox PID issuer, O=idgate sandbox, C=DE',
      rawClaims: { credential: { format: 'dc+sd-jwt', type: 'urn:eudi:pid:1', issuingCountry: 'DE' } },
    });
  });

  it.each([
    ['expired', 'PROVIDER_CREDENTIAL_EXPIRED', 'err_credential_expired'],
    ['revoked', 'PROVIDER_CREDENTIAL_REVOKED', 'err_credential_revoked'],
    ['untrusted', 'PROVIDER_CREDENTIAL_UNTRUSTED', 'err_credential_untrusted'],
    ['tampered', 'PROVIDER_PRESENTATION_INVALID', 'err_presentation_invalid'],
    ['wrong-nonce', 'PROVIDER_PRESENTATION_INVALID', 'err_presentation_invalid'],
  ] as const)('%s: %s, the session failed with %s', async (identity, code, statusCode) => {
    const res = await createVerification(t, rest.basic, {
      providerId: 'mock-wallet',
      userData: { testIdentity: identity },
    });
    const body = expectProblem(res, code, { instance: '/v1/verifications' });
    const id = (body.context as { verificationId: string }).verificationId;
    const view = json<{ status: string; error: { code: string } }>(await getVerification(t, rest.basic, id));
    expect(view.status).toBe('failed');
    expect(view.error.code).toBe(statusCode);
  });

  it('declined: cancelled with err_user_cancelled; no-answer: pending with the wallet link', async () => {
    const declined = await createVerification(t, rest.basic, {
      providerId: 'mock-wallet',
      userData: { testIdentity: 'declined' },
    });
    expect(declined.statusCode, declined.body).toBe(201);
    expect(json(declined).status).toBe('cancelled');
    const waiting = await createVerification(t, rest.basic, {
      providerId: 'mock-wallet',
      flowType: 'qr',
      userData: { testIdentity: 'no-answer' },
    });
    expect(waiting.statusCode, waiting.body).toBe(201);
    const body = json<{ status: string; flowDetails: { qrData: string } }>(waiting);
    expect(body.status).toBe('pending');
    expect(body.flowDetails.qrData).toMatch(/^openid4vp:\/\/\?client_id=x509_san_dns%3A/);
  });
});
