/**
 * The opened-results cache of VerificationViews: a completed session's result is opened
 * once per instance within a short span, and reading it stays exactly what a fresh
 * decryption gives — per app (pairwise subjects), per ciphertext (a changed result is
 * seen at once), bounded in count and age.
 */
import { describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/security/secrets.js';
import type { StoredVerificationResult } from '../../src/store/verifications.repository.js';
import type { StoredResult } from '../../src/verification/session-records.js';
import { OPENED_RESULT_MS, OPENED_RESULTS_MAX, VerificationViews } from '../../src/verification/verification-views.js';
import { TEST_SECRET_KEY } from '../support/app.js';

/** A SecretBox that counts its decryptions and hashes. */
class CountingSecretBox extends SecretBox {
  decryptions = 0;
  hashes = 0;
  override decrypt(ciphertext: string): string {
    this.decryptions += 1;
    return super.decrypt(ciphertext);
  }
  override hash(secret: string): string {
    this.hashes += 1;
    return super.hash(secret);
  }
}

function result(subject: string, givenName = 'Erika'): StoredResult {
  return {
    subject,
    issuer: 'https://mock.idgate.test',
    claims: { given_name: givenName, family_name: 'Mustermann', address: { country: 'DE', locality: 'Köln' } },
    missingClaims: ['phone_number'],
    rawClaims: { sub: subject, given_name: givenName, extra: [1, { nested: true }] },
  } as unknown as StoredResult;
}

function row(resultCiphertext: string, clientId = 'test_app_one'): StoredVerificationResult {
  return {
    id: 'vrf_test_000000000000000000000001',
    clientId,
    status: 'completed',
    providerId: 'mock-redirect',
    achievedLoa: 3,
    verifiedAt: new Date('2026-12-07T10:00:00.000Z'),
    updatedAt: new Date('2026-12-07T10:00:00.000Z'),
    resultCiphertext,
  };
}

describe('VerificationViews: opened results', () => {
  it('reads a result it sealed without decrypting it, the same identity a fresh instance decrypts', () => {
    const box = new CountingSecretBox(TEST_SECRET_KEY);
    const views = new VerificationViews(box);
    const ciphertext = views.sealResult(result('person-1'));

    const cached = views.identityOf(row(ciphertext));
    const again = views.identityOf(row(ciphertext));
    expect(box.decryptions).toBe(0);
    expect(box.hashes).toBe(1); // the pairwise subject, once

    const fresh = new VerificationViews(new SecretBox(TEST_SECRET_KEY)).identityOf(row(ciphertext));
    expect(cached).toEqual(fresh);
    expect(again).toEqual(fresh);
    expect(cached?.claims).toEqual({
      given_name: 'Erika',
      family_name: 'Mustermann',
      address: { country: 'DE', locality: 'Köln' },
    });
  });

  it('keeps what a decryption gives back: the JSON round trip, not the object passed in', () => {
    const views = new VerificationViews(new SecretBox(TEST_SECRET_KEY));
    const withUndefined = { ...result('person-2'), claims: { given_name: 'Erika', nickname: undefined } };
    const ciphertext = views.sealResult(withUndefined as unknown as StoredResult);
    const claims = views.identityOf(row(ciphertext))?.claims as Record<string, unknown>;
    expect(Object.keys(claims)).toEqual(['given_name']);
  });

  it('opens a result sealed elsewhere once, then serves it from memory', () => {
    const ciphertext = new VerificationViews(new SecretBox(TEST_SECRET_KEY)).sealResult(result('person-3'));
    const box = new CountingSecretBox(TEST_SECRET_KEY);
    const views = new VerificationViews(box);
    const first = views.identityOf(row(ciphertext));
    const second = views.identityOf(row(ciphertext));
    expect(box.decryptions).toBe(1);
    expect(second).toEqual(first);
  });

  it('gives each app its own pairwise subject for the same result', () => {
    const box = new CountingSecretBox(TEST_SECRET_KEY);
    const views = new VerificationViews(box);
    const ciphertext = views.sealResult(result('person-4'));
    const one = views.identityOf(row(ciphertext, 'test_app_one'));
    const two = views.identityOf(row(ciphertext, 'test_app_two'));
    const oneAgain = views.identityOf(row(ciphertext, 'test_app_one'));
    expect(one?.sub).toMatch(/^[0-9a-f]{64}$/);
    expect(two?.sub).not.toBe(one?.sub);
    expect(oneAgain?.sub).toBe(one?.sub);
    const fresh = new VerificationViews(new SecretBox(TEST_SECRET_KEY));
    expect(fresh.identityOf(row(ciphertext, 'test_app_two'))?.sub).toBe(two?.sub);
  });

  it('reads a changed result at once: the row names another ciphertext', () => {
    const views = new VerificationViews(new SecretBox(TEST_SECRET_KEY));
    const before = views.sealResult(result('person-5', 'Erika'));
    expect(views.identityOf(row(before))?.claims).toMatchObject({ given_name: 'Erika' });
    const after = views.sealResult(result('person-5', 'Anna'));
    expect(views.identityOf(row(after))?.claims).toMatchObject({ given_name: 'Anna' });
  });

  it('decrypts again once a kept result is older than its span', () => {
    let now = 1_000_000;
    const box = new CountingSecretBox(TEST_SECRET_KEY);
    const views = new VerificationViews(box, () => now);
    const ciphertext = views.sealResult(result('person-6'));
    now += OPENED_RESULT_MS - 1;
    views.identityOf(row(ciphertext));
    expect(box.decryptions).toBe(0);
    now += 1;
    views.identityOf(row(ciphertext));
    expect(box.decryptions).toBe(1);
  });

  it(`keeps at most ${OPENED_RESULTS_MAX} results, dropping the oldest`, () => {
    const box = new CountingSecretBox(TEST_SECRET_KEY);
    const views = new VerificationViews(box);
    const ciphertexts = Array.from({ length: OPENED_RESULTS_MAX + 1 }, (_, i) => views.sealResult(result(`p-${i}`)));
    views.identityOf(row(ciphertexts[OPENED_RESULTS_MAX] as string));
    views.identityOf(row(ciphertexts[1] as string));
    expect(box.decryptions).toBe(0);
    views.identityOf(row(ciphertexts[0] as string));
    expect(box.decryptions).toBe(1);
  });

  it('hands out frozen results: one reader cannot change what the next one reads', () => {
    const views = new VerificationViews(new SecretBox(TEST_SECRET_KEY));
    const ciphertext = views.sealResult(result('person-7'));
    const identity = views.identityOf(row(ciphertext));
    const claims = identity?.claims as unknown as Record<string, Record<string, unknown>>;
    expect(() => {
      claims.given_name = 'Mallory' as never;
    }).toThrow(TypeError);
    expect(() => {
      (claims.address as Record<string, unknown>).country = 'FR';
    }).toThrow(TypeError);
    expect(views.identityOf(row(ciphertext))?.claims).toMatchObject({
      given_name: 'Erika',
      address: { country: 'DE' },
    });
  });

  it('keys a result by its sealed name: IV and tag, short, and another for each sealing', () => {
    const box = new SecretBox(TEST_SECRET_KEY);
    const one = box.encrypt('same plaintext');
    const two = box.encrypt('same plaintext');
    const [version, iv, , tag] = one.split('.');
    expect(box.sealedName(one)).toBe(`${version}.${iv}.${tag}`);
    expect(box.sealedName(one)).toHaveLength(3 + 16 + 1 + 22);
    expect(box.sealedName(two)).not.toBe(box.sealedName(one));
  });

  it('reads no identity from a session without a result', () => {
    const views = new VerificationViews(new SecretBox(TEST_SECRET_KEY));
    expect(views.identityOf({ ...row('x'), resultCiphertext: null })).toBeUndefined();
  });
});
