/**
 * Signing-key rotation with two instances on one database (issue 14): at every moment of a
 * rotation, every ID token either instance signs verifies with a real JOSE library (jose)
 * against the other instance's `/jwks` — as served at that moment, and as a relying party
 * may have cached it up to its `max-age` earlier. A key is published before it is used.
 */
import { createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KEY_CACHE_SECONDS,
  KEY_PUBLICATION_DELAY_SECONDS,
  SIGNING_ALGORITHMS,
  type SigningAlgorithm,
} from '../../src/tokens/signing-keys.js';
import { DISCOVERY_MAX_AGE_SECONDS, ID_TOKEN_TTL_SECONDS } from '../../src/tokens/token-lifetimes.js';
import { createTestApp, TEST_ISSUER, type TestApp } from '../support/app.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import { createConfidentialClient, obtainCode, redeemCode, type TestClient } from '../token/support.js';

const SECOND = 1000;
const T0 = Date.parse('2026-11-22T10:30:00.000Z');
/** How far apart the moments of the walk are. */
const STEP_SECONDS = 15;

interface Fetched {
  readonly at: number;
  readonly from: 'a' | 'b';
  readonly jwks: JSONWebKeySet;
}

describe.each(TEST_DATABASE_KINDS)('signing-key rotation across two instances on %s', (kind) => {
  let now = T0;
  const clock = (): Date => new Date(now);
  let a: TestApp;
  let b: TestApp;
  let client: TestClient;

  beforeAll(async () => {
    a = await createTestApp(kind, { clock });
    b = await createTestApp(kind, { clock, sharedDatabase: a.database });
    client = await createConfidentialClient(a, { idTokenSignedResponseAlg: 'ES256' });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  async function jwksOf(app: TestApp): Promise<JSONWebKeySet> {
    const res = await app.app.inject({ method: 'GET', url: '/jwks' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe(`public, max-age=${DISCOVERY_MAX_AGE_SECONDS}`);
    return JSON.parse(res.body) as JSONWebKeySet;
  }

  /** A real ID token of the code flow, issued by `app`. */
  async function idTokenFrom(app: TestApp): Promise<string> {
    const tokens = await redeemCode(app, client, await obtainCode(app, client));
    expect(tokens.id_token).toEqual(expect.any(String));
    return tokens.id_token as string;
  }

  async function verifies(token: string, jwks: JSONWebKeySet): Promise<boolean> {
    try {
      await jwtVerify(token, createLocalJWKSet(jwks), {
        issuer: TEST_ISSUER,
        audience: client.clientId,
        currentDate: new Date(now),
        algorithms: [...SIGNING_ALGORITHMS],
      });
      return true;
    } catch {
      return false;
    }
  }

  it('every token of either instance verifies against the other one’s JWKS, fresh or cached', async () => {
    // Both instances have read the keys; then a rotation on A.
    const fetched: Fetched[] = [];
    fetched.push({ at: now, from: 'a', jwks: await jwksOf(a) }, { at: now, from: 'b', jwks: await jwksOf(b) });
    const before = await idTokenFrom(b);
    now += 7 * SECOND;
    const rotated = await a.app.idgate.keys.rotate('ES256' satisfies SigningAlgorithm);
    expect(rotated.signsFrom).toBe(new Date(now + KEY_PUBLICATION_DELAY_SECONDS * SECOND).toISOString());

    const end = now + (KEY_PUBLICATION_DELAY_SECONDS + 2 * KEY_CACHE_SECONDS + STEP_SECONDS) * SECOND;
    const signers = new Set<string>();
    let checks = 0;
    for (; now <= end; now += STEP_SECONDS * SECOND) {
      const tokens = { a: await idTokenFrom(a), b: await idTokenFrom(b) };
      fetched.push({ at: now, from: 'a', jwks: await jwksOf(a) }, { at: now, from: 'b', jwks: await jwksOf(b) });
      for (const [signer, token] of Object.entries(tokens) as ['a' | 'b', string][]) {
        signers.add(String(decodeProtectedHeader(token).kid));
        // What a relying party may hold of the other instance's JWKS now: any copy fetched
        // in the last max-age seconds, and the one fetched this moment.
        const other = signer === 'a' ? 'b' : 'a';
        const copies = fetched.filter(
          (copy) => copy.from === other && copy.at <= now && now - copy.at <= DISCOVERY_MAX_AGE_SECONDS * SECOND,
        );
        expect(copies.length).toBeGreaterThan(0);
        for (const copy of copies) {
          const ok = await verifies(token, copy.jwks);
          expect(
            ok,
            `${signer}'s token at +${(now - T0) / SECOND}s against ${other}'s JWKS of +${(copy.at - T0) / SECOND}s`,
          ).toBe(true);
          checks++;
        }
      }
      // A token issued before the rotation stays verifiable for its lifetime.
      if (now - T0 < ID_TOKEN_TTL_SECONDS * SECOND) {
        expect(await verifies(before, fetched.at(-1)?.jwks ?? { keys: [] })).toBe(true);
      }
    }
    // The walk saw the old key sign, then the new one, on both instances.
    expect(signers).toEqual(new Set([rotated.previousKid, rotated.kid]));
    expect(checks).toBeGreaterThan(100);
  });
});
