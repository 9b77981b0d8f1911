/**
 * Signing keys (issue 3, item 1): created on first use, one active key per algorithm,
 * private keys sealed at rest, `/jwks` publishing public members only, ID tokens that
 * verify with a real JOSE library (jose) against the served JWKS, rotation that keeps
 * the previous key published until its tokens have expired, and several instances on
 * one database converging on the same keys.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { calculateJwkThumbprint, createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { SecretBox } from '../../src/security/secrets.js';
import { SigningKeysRepository } from '../../src/store/signing-keys.repository.js';
import {
  KEY_CACHE_SECONDS,
  KEY_PUBLICATION_DELAY_SECONDS,
  PREVIOUS_KEY_PUBLISH_SECONDS,
  SIGNING_ALGORITHMS,
  type SigningAlgorithm,
  SigningKeys,
  UNKNOWN_KID_REFRESH_COOLDOWN_SECONDS,
} from '../../src/tokens/signing-keys.js';
import { ID_TOKEN_TTL_SECONDS } from '../../src/tokens/token-lifetimes.js';
import { createTestApp, TEST_ADMIN_KEY, TEST_SECRET_KEY, type TestApp } from '../support/app.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';

const T0 = Date.parse('2026-11-22T10:30:00.000Z');
const SECOND = 1000;

/** Members a public JWK must never carry (RFC 7518 §6.2.2, §6.3.2; RFC 8037 §2). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

interface StoredKeyRow {
  kid: string;
  alg: SigningAlgorithm;
  status: 'active' | 'previous' | 'retired';
  private_key_ciphertext: string;
  public_jwk: string;
  publish_until: string | null;
}

async function fetchJwks(app: FastifyInstance): Promise<JSONWebKeySet> {
  const res = await app.inject({ method: 'GET', url: '/jwks' });
  expect(res.statusCode, res.body).toBe(200);
  return JSON.parse(res.body) as JSONWebKeySet;
}

async function storedKeys(t: TestApp): Promise<StoredKeyRow[]> {
  return (await t.database.database.db
    .selectFrom('signing_keys')
    .selectAll()
    .orderBy('created_at')
    .orderBy('kid')
    .execute()) as StoredKeyRow[];
}

function claims(now: number): Record<string, unknown> {
  const iat = Math.floor(now / SECOND);
  return { iss: 'https://idgate.test', sub: 'pairwise-sub', aud: 'test_client', iat, exp: iat + ID_TOKEN_TTL_SECONDS };
}

/** Verifies `token` with jose against a JWKS, at `now`. */
async function verifyWith(jwks: JSONWebKeySet, token: string, now: number) {
  return jwtVerify(token, createLocalJWKSet(jwks), {
    issuer: 'https://idgate.test',
    audience: 'test_client',
    currentDate: new Date(now),
    algorithms: [...SIGNING_ALGORITHMS],
  });
}

describe.each(TEST_DATABASE_KINDS)('signing keys on %s', (kind) => {
  let t: TestApp;
  let now: number;
  const clock = (): Date => new Date(now);

  beforeEach(async () => {
    now = T0;
    t = await createTestApp(kind, { clock });
  });
  afterEach(async () => {
    await t.close();
  });

  it('creates no key before first use, then one active key per algorithm that /jwks publishes', async () => {
    expect(await storedKeys(t)).toEqual([]);

    const res = await t.app.inject({ method: 'GET', url: '/jwks' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    const jwks = JSON.parse(res.body) as JSONWebKeySet;

    const rows = await storedKeys(t);
    expect(rows.map((row) => [row.alg, row.status]).sort()).toEqual([
      ['ES256', 'active'],
      ['EdDSA', 'active'],
      ['RS256', 'active'],
    ]);
    expect(jwks.keys.map((key) => key.alg)).toEqual(['RS256', 'ES256', 'EdDSA']);
    expect(jwks.keys.map((key) => key.kid).sort()).toEqual(rows.map((row) => row.kid).sort());

    for (const key of jwks.keys) {
      for (const member of PRIVATE_MEMBERS)
        expect(key, `${key.alg} must not publish ${member}`).not.toHaveProperty(member);
      expect(key.use).toBe('sig');
      // RFC 7638 thumbprint, computed by jose independently of idgate.
      expect(key.kid).toBe(await calculateJwkThumbprint(key, 'sha256'));
    }
    const [rsa, ec, okp] = jwks.keys;
    expect(Object.keys(rsa ?? {}).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    expect(rsa).toMatchObject({ kty: 'RSA', e: 'AQAB' });
    // RSA 2048: a 256-byte modulus.
    expect(Buffer.from(rsa?.n ?? '', 'base64url')).toHaveLength(256);
    expect(Object.keys(ec ?? {}).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    expect(ec).toMatchObject({ kty: 'EC', crv: 'P-256' });
    expect(Object.keys(okp ?? {}).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x']);
    expect(okp).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });

    // A second request reads the same keys: nothing new is created.
    expect(await fetchJwks(t.app)).toEqual(jwks);
    expect(await storedKeys(t)).toHaveLength(3);
  });

  it('stores private keys only as ciphertext sealed with the instance secret', async () => {
    await fetchJwks(t.app);
    const box = new SecretBox(TEST_SECRET_KEY);
    for (const row of await storedKeys(t)) {
      const pem = box.decrypt(row.private_key_ciphertext);
      expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
      const privateJwk = createPrivateKey(pem).export({ format: 'jwk' });
      const d = privateJwk.d ?? '';
      expect(d.length).toBeGreaterThan(20);
      expect(row.private_key_ciphertext).not.toContain('PRIVATE KEY');
      expect(row.private_key_ciphertext).not.toContain(d);
      const pemBody = pem.split('\n')[1] ?? '';
      expect(pemBody.length).toBeGreaterThan(20);
      expect(row.private_key_ciphertext).not.toContain(pemBody);
      expect(row.public_jwk).not.toContain(d);
      // The sealed private key is the one the public JWK describes.
      const publicJwk = JSON.parse(row.public_jwk) as Record<string, unknown>;
      const derived = createPublicKey(pem).export({ format: 'jwk' }) as Record<string, unknown>;
      for (const [member, value] of Object.entries(derived)) expect(publicJwk[member]).toBe(value);
      // Another instance secret cannot open it.
      expect(() =>
        new SecretBox('another-instance-secret-0123456789abcdefghij').decrypt(row.private_key_ciphertext),
      ).toThrow(TypeError);
    }
  });

  it.each(SIGNING_ALGORITHMS)('signs %s ID tokens that jose verifies against the served JWKS', async (alg) => {
    const token = await t.app.idgate.keys.signJwt(claims(now), alg);
    const jwks = await fetchJwks(t.app);
    const header = decodeProtectedHeader(token);
    expect(header).toEqual({ alg, kid: jwks.keys.find((key) => key.alg === alg)?.kid, typ: 'JWT' });
    const { payload, protectedHeader } = await verifyWith(jwks, token, now);
    expect(payload).toEqual(claims(now));
    expect(protectedHeader.kid).toBe(header.kid);
    if (alg === 'ES256') {
      // RFC 7518 §3.4: R ‖ S, 64 octets, not DER.
      expect(Buffer.from(token.split('.')[2] ?? '', 'base64url')).toHaveLength(64);
    }
    // A changed payload does not verify.
    const [h, , s] = token.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims(now), sub: 'someone-else' })).toString('base64url')}.${s}`;
    await expect(verifyWith(jwks, forged, now)).rejects.toMatchObject({
      code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    });
  });

  it('refuses an algorithm it does not sign with', async () => {
    await expect(t.app.idgate.keys.signJwt(claims(now), 'HS256' as SigningAlgorithm)).rejects.toThrow(RangeError);
    await expect(t.app.idgate.keys.rotate('none' as SigningAlgorithm)).rejects.toThrow(RangeError);
  });

  it('verifyJwt accepts its own tokens and refuses forged, mismatched or unknown ones', async () => {
    const keys = t.app.idgate.keys;
    const token = await keys.signJwt(claims(now), 'RS256');
    expect(await keys.verifyJwt(token)).toEqual({ header: decodeProtectedHeader(token), payload: claims(now) });

    const [h = '', p = '', s = ''] = token.split('.');
    const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Record<string, unknown>;
    const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    const esToken = await keys.signJwt(claims(now), 'ES256');
    const esSignature = esToken.split('.')[2] ?? '';
    const refused = [
      `${h}.${encode({ ...claims(now), sub: 'x' })}.${s}`,
      `${encode({ ...header, alg: 'ES256' })}.${p}.${esSignature}`,
      `${encode({ ...header, alg: 'none' })}.${p}.`,
      `${encode({ ...header, kid: 'unknown-kid' })}.${p}.${s}`,
      `${h}.${p}`,
      'not a token',
    ];
    for (const candidate of refused) expect(await keys.verifyJwt(candidate), candidate).toBeUndefined();
  });

  it('rotation keeps the previous key published until publish_until, then retires it', async () => {
    const keys = t.app.idgate.keys;
    const before = await fetchJwks(t.app);
    const oldKid = before.keys.find((key) => key.alg === 'ES256')?.kid;
    const oldToken = await keys.signJwt(claims(now), 'ES256');

    now += 10 * SECOND;
    const rotated = await keys.rotate('ES256');
    const publishUntil = new Date(now + PREVIOUS_KEY_PUBLISH_SECONDS * SECOND).toISOString();
    expect(rotated).toEqual({
      alg: 'ES256',
      kid: expect.any(String),
      signsFrom: new Date(now + KEY_PUBLICATION_DELAY_SECONDS * SECOND).toISOString(),
      previousKid: oldKid,
      previousPublishUntil: publishUntil,
    });
    expect(rotated.kid).not.toBe(oldKid);
    const rows = await storedKeys(t);
    expect(rows.find((row) => row.kid === oldKid)).toMatchObject({ status: 'previous', publish_until: publishUntil });
    expect(rows.find((row) => row.kid === rotated.kid)).toMatchObject({ status: 'active', publish_until: null });

    // Both published: the new active key with the actives, the previous one after them.
    const during = await fetchJwks(t.app);
    expect(during.keys.map((key) => key.kid)).toEqual([before.keys[0]?.kid, rotated.kid, before.keys[2]?.kid, oldKid]);
    // Published at once, signing only after the publication delay: the old key signs until then.
    const duringDelay = await keys.signJwt(claims(now), 'ES256');
    expect(decodeProtectedHeader(duringDelay).kid).toBe(oldKid);
    now += KEY_PUBLICATION_DELAY_SECONDS * SECOND - 1;
    expect(decodeProtectedHeader(await keys.signJwt(claims(now), 'ES256')).kid).toBe(oldKid);
    now += 1;
    const newToken = await keys.signJwt(claims(now), 'ES256');
    expect(decodeProtectedHeader(newToken).kid).toBe(rotated.kid);
    await verifyWith(during, newToken, now);
    await verifyWith(during, oldToken, now);
    expect(await keys.verifyJwt(oldToken)).toBeDefined();

    // The tokens the old key signed expire long before it stops being published.
    expect(PREVIOUS_KEY_PUBLISH_SECONDS).toBeGreaterThanOrEqual(ID_TOKEN_TTL_SECONDS + KEY_CACHE_SECONDS + 300);

    now = Date.parse(publishUntil) - 1;
    expect((await fetchJwks(t.app)).keys.map((key) => key.kid)).toContain(oldKid);

    now = Date.parse(publishUntil);
    const after = await fetchJwks(t.app);
    expect(after.keys.map((key) => key.kid)).toEqual([before.keys[0]?.kid, rotated.kid, before.keys[2]?.kid]);
    expect(await keys.verifyJwt(oldToken)).toBeUndefined();
    // The next time the keys are read, the expired previous key is marked retired.
    now += KEY_CACHE_SECONDS * SECOND;
    expect(await fetchJwks(t.app)).toEqual(after);
    expect((await storedKeys(t)).find((row) => row.kid === oldKid)?.status).toBe('retired');

    const listed = await keys.list();
    expect(listed.find((key) => key.kid === oldKid)).toEqual({
      kid: oldKid,
      alg: 'ES256',
      status: 'retired',
      published: false,
      signing: false,
      createdAt: new Date(T0).toISOString(),
      publishUntil,
    });
    expect(
      listed
        .filter((key) => key.published)
        .map((key) => key.kid)
        .sort(),
    ).toEqual(after.keys.map((key) => key.kid).sort());
  });

  it('a second rotation keeps both earlier keys published within their windows', async () => {
    const keys = t.app.idgate.keys;
    await keys.ensure();
    const first = await keys.rotate('RS256');
    now += 100 * SECOND;
    const second = await keys.rotate('RS256');
    expect(second.previousKid).toBe(first.kid);
    const rsaKids = (await fetchJwks(t.app)).keys.filter((key) => key.alg === 'RS256').map((key) => key.kid);
    // Active first, then previous keys, the most recently rotated away first (the first
    // two keys were created at the same instant: the order does not depend on the kid).
    expect(rsaKids).toEqual([second.kid, first.kid, first.previousKid]);
  });

  it('two instances on one database converge on the same keys', async () => {
    // A second idgate instance sharing the database (another process in production).
    const other = buildApp(t.config, {
      database: t.database.database,
      adminKey: TEST_ADMIN_KEY,
      secretKey: TEST_SECRET_KEY,
      clock,
      logStream: new Writable({ write: (_chunk, _encoding, callback) => callback() }),
    });
    await other.ready();
    const third = new SigningKeys({ database: t.database.database, secrets: new SecretBox(TEST_SECRET_KEY), clock });
    try {
      // All three start at once: each generates keys, the database keeps one per algorithm.
      const [a, b] = await Promise.all([fetchJwks(t.app), fetchJwks(other), third.ensure()]);
      expect(b).toEqual(a);
      expect(await third.jwks()).toEqual(a);
      const rows = await storedKeys(t);
      expect(rows.filter((row) => row.status === 'active')).toHaveLength(3);
      expect(rows).toHaveLength(3);

      // The first instance rotates; the other keeps its keys in memory for a while…
      const rotated = await t.app.idgate.keys.rotate('EdDSA');
      // …and neither signs with the new key before every JWKS can show it.
      const fromFirst = await t.app.idgate.keys.signJwt(claims(now), 'EdDSA');
      expect(decodeProtectedHeader(fromFirst).kid).toBe(rotated.previousKid);
      const stale = await other.idgate.keys.signJwt(claims(now), 'EdDSA');
      expect(decodeProtectedHeader(stale).kid).toBe(rotated.previousKid);
      await verifyWith(await fetchJwks(other), fromFirst, now);
      await verifyWith(await fetchJwks(t.app), stale, now);
      expect((await fetchJwks(other)).keys.map((key) => key.kid)).not.toContain(rotated.kid);

      // A token with a kid it does not know makes it read the keys again (after the cooldown).
      const unknownKid = await t.app.idgate.keys.signJwt(claims(now), 'EdDSA');
      const [, payload = '', signature = ''] = unknownKid.split('.');
      const header = Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: rotated.kid, typ: 'JWT' })).toString('base64url');
      const forgedKid = `${header}.${payload}.${signature}`;
      expect(await other.idgate.keys.verifyJwt(forgedKid)).toBeUndefined();
      now += UNKNOWN_KID_REFRESH_COOLDOWN_SECONDS * SECOND;
      expect(await other.idgate.keys.verifyJwt(forgedKid)).toBeUndefined();
      expect(await fetchJwks(other)).toEqual(await fetchJwks(t.app));

      // The third re-reads on its own once its copy is older than the cache lifetime.
      expect((await third.jwks()).keys.map((key) => key.kid)).not.toContain(rotated.kid);
      now += KEY_CACHE_SECONDS * SECOND;
      expect(await third.jwks()).toEqual(await fetchJwks(t.app));

      // After the publication delay both sign with the new key.
      now += KEY_PUBLICATION_DELAY_SECONDS * SECOND;
      for (const app of [t.app, other]) {
        expect(decodeProtectedHeader(await app.idgate.keys.signJwt(claims(now), 'EdDSA')).kid).toBe(rotated.kid);
      }
    } finally {
      await other.close();
    }
  });

  it('allows one active key per algorithm in the database', async () => {
    await t.app.idgate.keys.ensure();
    const [row] = (await storedKeys(t)).filter((stored) => stored.alg === 'RS256');
    const repository = new SigningKeysRepository(t.database.database);
    const stored = await repository.insertActiveIfNone(
      {
        kid: 'a-competing-key',
        alg: 'RS256',
        privateKeyCiphertext: row?.private_key_ciphertext ?? '',
        publicJwk: JSON.parse(row?.public_jwk ?? '{}'),
      },
      new Date(now),
    );
    expect(stored).toBe(false);
    expect((await storedKeys(t)).map((stored) => stored.kid)).not.toContain('a-competing-key');
  });

  it('keeps serving the keys it holds while the database is unreachable', async () => {
    const served = await fetchJwks(t.app);
    const token = await t.app.idgate.keys.signJwt(claims(now), 'RS256');
    await t.database.database.close();
    now += 2 * KEY_CACHE_SECONDS * SECOND;
    expect(await fetchJwks(t.app)).toEqual(served);
    const again = await t.app.idgate.keys.signJwt(claims(now), 'RS256');
    expect(decodeProtectedHeader(again).kid).toBe(decodeProtectedHeader(token).kid);
  });
});
