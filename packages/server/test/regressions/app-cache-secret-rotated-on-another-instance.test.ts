/**
 * Client authentication reads apps through a short per-instance cache. A secret rotated
 * on another instance must work here at once, and a write through this instance must
 * be seen at once: a refusal is only made on what the database says now.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppsService } from '../../src/apps/apps.service.js';
import { AppsRepository } from '../../src/store/apps.repository.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectOAuthError } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import { registerSecret } from '../support/leaks.js';

describe.each(TEST_DATABASE_KINDS)('app cache and client authentication (%s)', (kind) => {
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

  it('accepts a secret rotated on another instance at once, and keeps the old one in its grace period', async () => {
    const created = await t.app.idgate.apps.create({
      name: 'cached',
      type: 'confidential',
      redirectUris: [],
      grantTypes: ['client_credentials'],
    });
    const clientId = created.app.clientId;
    const oldSecret = created.clientSecret ?? '';
    registerSecret(oldSecret);
    expect((await clientCredentials(clientId, oldSecret)).statusCode).toBe(200); // now cached

    const otherInstance = new AppsService(
      new AppsRepository(t.database.database),
      t.app.idgate.secrets,
      t.config,
      t.app.idgate.clock,
    );
    const rotated = await otherInstance.rotateSecret(clientId, 60);
    registerSecret(rotated.clientSecret);

    const withNew = await clientCredentials(clientId, rotated.clientSecret);
    expect(withNew.statusCode).toBe(200);
    registerSecret(JSON.parse(withNew.body).access_token);
    expect((await clientCredentials(clientId, oldSecret)).statusCode).toBe(200);
  });

  it('refuses a client disabled through this instance at once', async () => {
    const created = await t.app.idgate.apps.create({
      name: 'to disable',
      type: 'confidential',
      redirectUris: [],
      grantTypes: ['client_credentials'],
    });
    const secret = created.clientSecret ?? '';
    registerSecret(secret);
    expect((await clientCredentials(created.app.clientId, secret)).statusCode).toBe(200);
    await t.app.idgate.apps.update(created.app.clientId, { disabled: true }, undefined);
    expectOAuthError(await clientCredentials(created.app.clientId, secret), 'AUTH_INVALID_CLIENT', {
      basicChallenge: true,
    });
  });
});
