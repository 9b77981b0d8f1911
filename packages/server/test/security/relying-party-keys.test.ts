/**
 * idgate's relying-party keys (SPEC 11) on their own, over both databases: created once
 * when several instances start together (one active key per use), the configured
 * algorithms (ES256/PS256, ECDH-ES/RSA-OAEP-256) usable by `jose` for what they are for,
 * private keys sealed at rest, a rotation seen by another instance after its cache, the
 * replaced key decrypting during the grace and retired after it. Time on an injected clock.
 */
import {
  CompactEncrypt,
  compactDecrypt,
  createLocalJWKSet,
  decodeProtectedHeader,
  importJWK,
  type JWK,
  jwtVerify,
  SignJWT,
} from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RpEncryptionAlgorithm, RpSigningAlgorithm } from '../../src/config/config.js';
import { SecretBox } from '../../src/security/secrets.js';
import { RelyingPartyKeys, RP_KEY_CACHE_SECONDS } from '../../src/tokens/relying-party-keys.js';
import { TEST_SECRET_KEY } from '../support/app.js';
import { openTestDatabase, TEST_DATABASE_KINDS, type TestDatabase } from '../support/databases.js';

const ISSUER = 'https://idgate.test';
const GRACE_SECONDS = 3600;

describe.each(TEST_DATABASE_KINDS)('relying-party keys (%s)', (kind) => {
  let test: TestDatabase;
  let nowMs: number;

  beforeEach(async () => {
    test = await openTestDatabase(kind);
    nowMs = Date.parse('2026-03-01T10:00:00Z');
  });
  afterEach(async () => {
    await test?.cleanup();
  });

  function keys(signing: RpSigningAlgorithm = 'ES256', encryption: RpEncryptionAlgorithm = 'ECDH-ES') {
    return new RelyingPartyKeys({
      database: test.database,
      secrets: new SecretBox(TEST_SECRET_KEY),
      clock: () => new Date(nowMs),
      config: { issuer: ISSUER, rpSigningAlg: signing, rpEncryptionAlg: encryption, rpKeyGraceSeconds: GRACE_SECONDS },
    });
  }

  it('instances starting together create exactly one active key per use, and all publish it', async () => {
    const instances = [keys(), keys(), keys()];
    await Promise.all(instances.map((instance) => instance.ensure()));
    const documents = await Promise.all(instances.map((instance) => instance.jwks()));
    expect(documents[1]).toEqual(documents[0]);
    expect(documents[2]).toEqual(documents[0]);
    expect(documents[0]?.keys.map((key) => [key.use, key.alg])).toEqual([
      ['sig', 'ES256'],
      ['enc', 'ECDH-ES'],
    ]);
    const rows = await test.database.db.selectFrom('relying_party_keys').selectAll().execute();
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.private_key_ciphertext).toMatch(/^v1\./);
      expect(row.private_key_ciphertext).not.toContain('PRIVATE KEY');
      expect(JSON.parse(row.public_jwk)).not.toHaveProperty('d');
    }
  });

  it.each([
    ['ES256', 'ECDH-ES', 'EC'],
    ['PS256', 'RSA-OAEP-256', 'RSA'],
  ] as const)('%s and %s keys sign and decrypt with jose', async (signingAlg, encryptionAlg, kty) => {
    const instance = keys(signingAlg, encryptionAlg);
    const { keys: published } = await instance.jwks();
    expect(published.map((key) => [key.use, key.alg, key.kty])).toEqual([
      ['sig', signingAlg, kty],
      ['enc', encryptionAlg, kty],
    ]);
    const signing = await instance.signingKey();
    expect(signing.kid).toBe(published[0]?.kid);
    const jwt = await new SignJWT({ hello: 'upstream' })
      .setProtectedHeader({ alg: signing.alg, kid: signing.kid })
      .sign(signing.key);
    const verified = await jwtVerify(jwt, createLocalJWKSet({ keys: [...published] as JWK[] }));
    expect(verified.payload.hello).toBe('upstream');
    // What an upstream would encrypt to the published key, idgate opens.
    const encryptionJwk = published[1] as JWK;
    const jwe = await new CompactEncrypt(new TextEncoder().encode('secret claims'))
      .setProtectedHeader({ alg: encryptionAlg, enc: 'A256GCM', kid: String(encryptionJwk.kid) })
      .encrypt(await importJWK(encryptionJwk, encryptionAlg));
    const [decryption] = await instance.decryptionKeys();
    if (decryption === undefined) return expect.fail('no decryption key');
    expect(decryption.kid).toBe(encryptionJwk.kid);
    const { plaintext } = await compactDecrypt(jwe, decryption.key);
    expect(new TextDecoder().decode(plaintext)).toBe('secret claims');
    // The signed JWKS verifies against the published signing key.
    const signed = await instance.signedJwks();
    expect(decodeProtectedHeader(signed)).toEqual({ alg: signingAlg, kid: signing.kid, typ: 'jwk-set+jwt' });
    const { payload } = await jwtVerify(signed, createLocalJWKSet({ keys: [...published] as JWK[] }), {
      issuer: ISSUER,
      subject: ISSUER,
      currentDate: new Date(nowMs),
    });
    expect(payload.keys).toEqual(published);
  });

  it('a rotation elsewhere is seen after the cache; the old key decrypts during the grace, then is retired', async () => {
    const here = keys();
    const before = await here.jwks();
    const [oldDecryption] = await here.decryptionKeys();
    const rotated = await keys().rotate();
    expect(rotated.map((key) => [key.use, key.previousKid])).toEqual([
      ['sig', before.keys[0]?.kid],
      ['enc', before.keys[1]?.kid],
    ]);
    expect(rotated[0]?.previousPublishUntil).toBe(new Date(nowMs + GRACE_SECONDS * 1000).toISOString());
    // Until its cache expires this instance still publishes (and signs with) what it read.
    expect(await here.jwks()).toEqual(before);
    nowMs += RP_KEY_CACHE_SECONDS * 1000;
    const during = await here.jwks();
    expect(during.keys.map((key) => key.kid)).toEqual([
      rotated[0]?.kid,
      rotated[1]?.kid,
      before.keys[0]?.kid,
      before.keys[1]?.kid,
    ]);
    expect((await here.signingKey()).kid).toBe(rotated[0]?.kid);
    expect((await here.decryptionKeys()).map((key) => key.kid)).toEqual([rotated[1]?.kid, oldDecryption?.kid]);
    nowMs += GRACE_SECONDS * 1000;
    expect((await here.jwks()).keys.map((key) => key.kid)).toEqual([rotated[0]?.kid, rotated[1]?.kid]);
    expect((await here.decryptionKeys()).map((key) => key.kid)).toEqual([rotated[1]?.kid]);
    const listed = await here.list();
    expect(
      listed
        .filter((key) => key.status === 'retired')
        .map((key) => key.kid)
        .sort(),
    ).toEqual([before.keys[0]?.kid, before.keys[1]?.kid].sort());
  });

  it('rotating one use (--alg) leaves the other key as it is, and may change the algorithm', async () => {
    const here = keys();
    const before = await here.jwks();
    const rotated = await here.rotate('RSA-OAEP-256');
    expect(rotated).toMatchObject([{ use: 'enc', alg: 'RSA-OAEP-256', previousKid: before.keys[1]?.kid }]);
    const after = await here.jwks();
    expect(after.keys.map((key) => [key.use, key.alg, key.kid])).toEqual([
      ['sig', 'ES256', before.keys[0]?.kid],
      ['enc', 'RSA-OAEP-256', rotated[0]?.kid],
      ['enc', 'ECDH-ES', before.keys[1]?.kid],
    ]);
  });
});
