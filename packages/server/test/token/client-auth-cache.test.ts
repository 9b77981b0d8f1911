/**
 * Client authentication and the app cache on the refusal path: a refusal re-reads the
 * app from the database (so a change made on another instance counts at once), and that
 * fresh record replaces the cached one, so a burst of wrong secrets costs one read each
 * and does not push the next good request to the database too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppsService } from '../../src/apps/apps.service.js';
import { AppsRepository } from '../../src/store/apps.repository.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectOAuthError } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import { registerSecret } from '../support/leaks.js';

describe.each(TEST_DATABASE_KINDS)('client authentication refusals and the app cache (%s)', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  function clientCredentials(clientId: string, secret: string) {
    return t.app.inject({
      method: 'POST',
      url: '/token',
      headers: {
        authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: 'grant_type=client_credentials',
    });
  }

  async function createClient(name: string) {
    const created = await t.app.idgate.apps.create({
      name,
      type: 'confidential',
      redirectUris: [],
      grantTypes: ['client_credentials'],
    });
    registerSecret(created.clientSecret ?? '');
    return { clientId: created.app.clientId, secret: created.clientSecret ?? '' };
  }

  it('getFresh reads the database and leaves that record in the cache', async () => {
    const { clientId } = await createClient('fresh');
    const apps = t.app.idgate.apps;
    const cached = await apps.getCached(clientId);
    expect(await apps.getCached(clientId)).toBe(cached);
    const fresh = await apps.getFresh(clientId);
    expect(fresh).not.toBe(cached);
    expect(fresh).toEqual(cached);
    expect(await apps.getCached(clientId)).toBe(fresh);
  });

  it('a wrong secret is refused on what the database says, and the fresh record stays cached', async () => {
    const { clientId, secret } = await createClient('refusals');
    expect((await clientCredentials(clientId, secret)).statusCode).toBe(200);
    const otherInstance = new AppsService(
      new AppsRepository(t.database.database),
      t.app.idgate.secrets,
      t.config,
      t.app.idgate.clock,
    );
    await otherInstance.update(clientId, { disabled: true }, undefined);
    // Within the cache lifetime this instance still has the enabled record…
    expect((await t.app.idgate.apps.getCached(clientId)).disabled).toBe(false);
    // …a refusal re-reads the app (which now refuses for what the database says) and
    // caches what it read…
    const wrong = await clientCredentials(clientId, `${secret.slice(0, -4)}AAAA`);
    expectOAuthError(wrong, 'AUTH_INVALID_CLIENT', { basicChallenge: true });
    expect(JSON.parse(wrong.body).error_description).toBe('The client is disabled.');
    expect((await t.app.idgate.apps.getCached(clientId)).disabled).toBe(true);
    // …so the right secret is now refused as well, without waiting for the cache to expire.
    expectOAuthError(await clientCredentials(clientId, secret), 'AUTH_INVALID_CLIENT', { basicChallenge: true });
  });

  it('a wrong secret refused on what the database said is refused from memory the next times', async () => {
    const { clientId, secret } = await createClient('remembered refusal');
    const apps = t.app.idgate.apps;
    const wrongSecret = `${secret.slice(0, -4)}${secret.endsWith('BBBB') ? 'CCCC' : 'BBBB'}`;
    const freshReads = countFreshReads(apps);
    try {
      for (let i = 0; i < 3; i++) {
        const refused = await clientCredentials(clientId, wrongSecret);
        expectOAuthError(refused, 'AUTH_INVALID_CREDENTIALS', { basicChallenge: true });
        expect(JSON.parse(refused.body).error_description).toBe(
          'Invalid client credentials: the client secret is wrong or was rotated away.',
        );
      }
      // One database read for the first refusal; the next two come from the remembered refusal.
      expect(freshReads.count).toBe(1);
      expect(apps.refusedSecrets.has(clientId, apps.secretDigest(wrongSecret))).toBe(true);
      // Another wrong value is a new refusal: it reads the database again.
      expectOAuthError(await clientCredentials(clientId, `${wrongSecret}x`), 'AUTH_INVALID_CREDENTIALS', {
        basicChallenge: true,
      });
      expect(freshReads.count).toBe(2);
    } finally {
      freshReads.restore();
    }
    expect((await clientCredentials(clientId, secret)).statusCode).toBe(200);
  });

  it('a secret rotated on another instance works at once, even after wrong secrets were refused from memory', async () => {
    const { clientId, secret } = await createClient('rotated elsewhere');
    const wrongSecret = `${secret.slice(0, -4)}${secret.endsWith('DDDD') ? 'EEEE' : 'DDDD'}`;
    for (let i = 0; i < 2; i++) {
      expectOAuthError(await clientCredentials(clientId, wrongSecret), 'AUTH_INVALID_CREDENTIALS', {
        basicChallenge: true,
      });
    }
    const otherInstance = new AppsService(
      new AppsRepository(t.database.database),
      t.app.idgate.secrets,
      t.config,
      t.app.idgate.clock,
    );
    const rotated = await otherInstance.rotateSecret(clientId, 0);
    const newSecret = rotated.clientSecret;
    registerSecret(newSecret);
    // This instance still caches the record with the old secret; the new one is read through.
    expect(t.app.idgate.apps.secretMatches(await t.app.idgate.apps.getCached(clientId), newSecret)).toBe(false);
    expect((await clientCredentials(clientId, newSecret)).statusCode).toBe(200);
    expectOAuthError(await clientCredentials(clientId, secret), 'AUTH_INVALID_CREDENTIALS', { basicChallenge: true });
    expectOAuthError(await clientCredentials(clientId, wrongSecret), 'AUTH_INVALID_CREDENTIALS', {
      basicChallenge: true,
    });
  });

  it('a client disabled elsewhere is refused as disabled, and that refusal is not remembered', async () => {
    const { clientId, secret } = await createClient('disabled then enabled elsewhere');
    const otherInstance = new AppsService(
      new AppsRepository(t.database.database),
      t.app.idgate.secrets,
      t.config,
      t.app.idgate.clock,
    );
    expect((await clientCredentials(clientId, secret)).statusCode).toBe(200);
    await otherInstance.update(clientId, { disabled: true }, undefined);
    t.app.idgate.apps.forget(clientId);
    expectOAuthError(await clientCredentials(clientId, secret), 'AUTH_INVALID_CLIENT', { basicChallenge: true });
    expect(t.app.idgate.apps.refusedSecrets.has(clientId, t.app.idgate.apps.secretDigest(secret))).toBe(false);
    await otherInstance.update(clientId, { disabled: false }, undefined);
    // Re-enabled on the other instance: the refusal re-reads the database and the secret works.
    expect((await clientCredentials(clientId, secret)).statusCode).toBe(200);
  });

  it('an unknown client is refused and nothing is cached for it', async () => {
    const unknown = 'test_AAAAAAAAAAAAAAAAAAAAAAAA';
    expectOAuthError(await clientCredentials(unknown, 'test_secret'), 'AUTH_INVALID_CLIENT', { basicChallenge: true });
    await expect(t.app.idgate.apps.getCached(unknown)).rejects.toMatchObject({ code: 'RESOURCE_NOT_FOUND' });
  });
});

/** Counts the app reads that bypass the cache (`getFresh`), until `restore`. */
function countFreshReads(apps: AppsService) {
  const original = apps.getFresh.bind(apps);
  const counter = {
    count: 0,
    restore: () => {
      apps.getFresh = original;
    },
  };
  apps.getFresh = async (clientId: string) => {
    counter.count++;
    return original(clientId);
  };
  return counter;
}
