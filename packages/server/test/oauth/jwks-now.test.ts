/**
 * `/jwks` answers from memory through `SigningKeys.jwksNow()` when it can: the same
 * document object until the key set changes, nothing (so the route waits for `jwks()`)
 * before the keys are loaded, when they are due for a re-read, after a rotation, and
 * when a previous key leaves its publication window.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/security/secrets.js';
import { KEY_CACHE_SECONDS, PREVIOUS_KEY_PUBLISH_SECONDS, SigningKeys } from '../../src/tokens/signing-keys.js';
import { TEST_SECRET_KEY } from '../support/app.js';
import { openTestDatabase, TEST_DATABASE_KINDS, type TestDatabase } from '../support/databases.js';

const SECOND = 1000;

describe.each(TEST_DATABASE_KINDS)('SigningKeys.jwksNow (%s)', (kind) => {
  let database: TestDatabase;
  let now = Date.parse('2026-11-22T10:30:00.000Z');
  const clock = () => new Date(now);

  beforeAll(async () => {
    database = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.cleanup();
  });

  it('serves the loaded document until the keys are due, rotate or a key leaves its window', async () => {
    const keys = new SigningKeys({ database: database.database, secrets: new SecretBox(TEST_SECRET_KEY), clock });
    expect(keys.jwksNow()).toBeUndefined();
    const loaded = await keys.jwks();
    expect(keys.jwksNow()).toBe(loaded);
    now += (KEY_CACHE_SECONDS - 1) * SECOND;
    expect(keys.jwksNow()).toBe(loaded);

    // Due for a re-read: the route must wait for jwks().
    now += SECOND;
    expect(keys.jwksNow()).toBeUndefined();
    const reread = await keys.jwks();
    expect(reread).toEqual(loaded);
    expect(keys.jwksNow()).toBe(reread);

    // A rotation through this instance shows at once.
    const rotated = await keys.rotate('ES256');
    expect(keys.jwksNow()).toBeUndefined();
    const afterRotation = await keys.jwks();
    expect(afterRotation.keys.map((key) => key.kid)).toEqual(
      expect.arrayContaining([rotated.kid, rotated.previousKid]),
    );
    expect(keys.jwksNow()).toBe(afterRotation);

    // The previous key leaves the document when its publication window ends (the keys
    // are re-read on the way, so step within their cache lifetime until the last second).
    const windowEnd = now + PREVIOUS_KEY_PUBLISH_SECONDS * SECOND;
    while (windowEnd - now > KEY_CACHE_SECONDS * SECOND) {
      now += (KEY_CACHE_SECONDS - 1) * SECOND;
      await keys.jwks();
    }
    now = windowEnd - 1;
    const last = keys.jwksNow() ?? (await keys.jwks());
    expect(last.keys.map((key) => key.kid)).toContain(rotated.previousKid);
    now = windowEnd;
    expect(keys.jwksNow()).toBeUndefined();
    expect((await keys.jwks()).keys.map((key) => key.kid)).not.toContain(rotated.previousKid);
  });
});
