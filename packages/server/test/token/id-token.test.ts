/**
 * ID tokens (OpenID Connect Core 1.0 §2, §3.1.3.6, §12.2; SPEC 2), verified with `jose`
 * against the published keys: signature and `kid`, `iss`, `aud` = client id, `azp`,
 * `nonce` echoed (and absent when none was sent, and after a refresh), `acr`,
 * `auth_time`, lifetime, and a correct `at_hash` for RS256, ES256 and EdDSA apps.
 */
import { createHash } from 'node:crypto';
import { createLocalJWKSet, decodeProtectedHeader, type JWTPayload, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, TEST_ISSUER, type TestApp } from '../support/app.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import {
  authOf,
  createConfidentialClient,
  expectTokenResponse,
  json,
  obtainCode,
  postForm,
  redeemCode,
  type TestClient,
  userinfo,
} from './support.js';

const T0 = Date.parse('2026-11-22T10:30:00.000Z');

function leftHalfHash(token: string, hash: 'sha256' | 'sha512'): string {
  const digest = createHash(hash).update(token, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

describe.each(TEST_DATABASE_KINDS)('ID tokens on %s', (kind) => {
  let t: TestApp;
  let now = T0;

  beforeAll(async () => {
    t = await createTestApp(kind, { clock: () => new Date(now) });
  });
  afterAll(async () => {
    await t.close();
  });

  async function verify(idToken: string, client: TestClient, alg: string): Promise<JWTPayload> {
    const jwks = createLocalJWKSet(
      (await t.app.idgate.keys.jwks()) as unknown as Parameters<typeof createLocalJWKSet>[0],
    );
    const { payload, protectedHeader } = await jwtVerify(idToken, jwks, {
      issuer: TEST_ISSUER,
      audience: client.clientId,
      algorithms: [alg],
      currentDate: new Date(now),
    });
    expect(protectedHeader.alg).toBe(alg);
    expect(typeof protectedHeader.kid).toBe('string');
    const published = (await t.app.idgate.keys.jwks()).keys.map((key) => key.kid);
    expect(published).toContain(protectedHeader.kid);
    return payload;
  }

  it.each([
    ['RS256', 'sha256'],
    ['ES256', 'sha256'],
    ['EdDSA', 'sha512'],
  ] as const)('signs with the app’s %s and a correct at_hash', async (alg, hash) => {
    const client = await createConfidentialClient(t, alg === 'RS256' ? {} : { idTokenSignedResponseAlg: alg });
    const tokens = await redeemCode(t, client, await obtainCode(t, client, { nonce: `nonce-${alg}` }));
    const payload = await verify(tokens.id_token as string, client, alg);
    expect(payload.at_hash).toBe(leftHalfHash(tokens.access_token, hash));
    expect(payload.nonce).toBe(`nonce-${alg}`);
  });

  it('carries exactly the claims of SPEC 2: sub, aud, azp, nonce, acr, auth_time, iat, exp, at_hash', async () => {
    const client = await createConfidentialClient(t);
    const tokens = await redeemCode(t, client, await obtainCode(t, client, { nonce: 'n-0S6_WzA2Mj' }));
    const payload = await verify(tokens.id_token as string, client, 'RS256');
    expect(Object.keys(payload).sort()).toEqual(
      ['acr', 'at_hash', 'aud', 'auth_time', 'azp', 'exp', 'iat', 'iss', 'nonce', 'sub'].sort(),
    );
    expect(payload.aud).toBe(client.clientId);
    expect(payload.azp).toBe(client.clientId);
    expect(payload.iat).toBe(T0 / 1000);
    expect(payload.exp).toBe(T0 / 1000 + 600);
    expect(payload.auth_time).toBe(T0 / 1000);
    expect(payload.acr).toMatch(/^urn:idgate:loa:[1-5]$/);
    expect(payload.sub).toBe(json(await userinfo(t, tokens.access_token)).sub);
    expect(decodeProtectedHeader(tokens.id_token as string).typ).toBe('JWT');
  });

  it('leaves nonce out when the authorization request had none', async () => {
    const client = await createConfidentialClient(t);
    const tokens = await redeemCode(t, client, await obtainCode(t, client));
    const payload = await verify(tokens.id_token as string, client, 'RS256');
    expect(payload.nonce).toBeUndefined();
  });

  it('reports the level of assurance reached (low-loa identity: urn:idgate:loa:2)', async () => {
    const client = await createConfidentialClient(t);
    const tokens = await redeemCode(t, client, await obtainCode(t, client, { identity: 'low-loa' }));
    const payload = await verify(tokens.id_token as string, client, 'RS256');
    expect(payload.acr).toBe('urn:idgate:loa:2');
  });

  it('issues a new ID token on refresh: same sub and auth_time, new iat, no nonce, at_hash of the new token', async () => {
    const client = await createConfidentialClient(t);
    const first = await redeemCode(t, client, await obtainCode(t, client, { nonce: 'abc' }));
    const firstPayload = await verify(first.id_token as string, client, 'RS256');
    now = T0 + 120_000;
    try {
      const res = await postForm(
        t,
        '/token',
        { grant_type: 'refresh_token', refresh_token: first.refresh_token },
        authOf(client),
      );
      const second = expectTokenResponse(res);
      const payload = await verify(second.id_token as string, client, 'RS256');
      expect(payload.sub).toBe(firstPayload.sub);
      expect(payload.auth_time).toBe(firstPayload.auth_time);
      expect(payload.iat).toBe(T0 / 1000 + 120);
      expect(payload.nonce).toBeUndefined();
      expect(payload.at_hash).toBe(leftHalfHash(second.access_token, 'sha256'));
    } finally {
      now = T0;
    }
  });
});
