import { IdgateError } from '@idgate/errors';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppsRepository, type NewAppRecord } from '../../src/store/apps.repository.js';
import { openTestDatabase, TEST_DATABASE_KINDS, type TestDatabase } from '../support/databases.js';

const T0 = new Date('2026-11-22T10:30:00.000Z');
const T1 = new Date('2026-11-22T10:31:00.123Z');
const T2 = new Date('2026-11-23T00:00:00.999Z');

let sequence = 0;
/** A client id unique within the test file (each file has its own database anyway). */
function nextClientId(prefix = 'test_'): string {
  sequence += 1;
  return `${prefix}${String(sequence).padStart(6, '0')}`;
}

function newApp(overrides: Partial<NewAppRecord> = {}): NewAppRecord {
  return {
    clientId: nextClientId(),
    environment: 'sandbox',
    name: 'Demo shop',
    type: 'confidential',
    redirectUris: ['https://shop.example/callback'],
    allowedOrigins: [],
    grantTypes: ['authorization_code', 'refresh_token'],
    scopes: null,
    tokenEndpointAuthMethods: null,
    signInHookUrl: null,
    webhookUrl: null,
    secretHash: 'a1'.repeat(32),
    previousSecretHash: null,
    previousSecretExpiresAt: null,
    hookSecretCiphertext: null,
    idTokenSignedResponseAlg: null,
    jwks: null,
    jwksUri: null,
    requirePushedAuthorizationRequests: false,
    dpopBoundAccessTokens: false,
    requestObjectSigningAlg: null,
    profile: null,
    branding: null,
    disabled: false,
    ...overrides,
  };
}

async function expectIdgateError(promise: Promise<unknown>, code: string): Promise<IdgateError> {
  const error: unknown = await promise.then(
    function resolved() {
      return undefined;
    },
    function rejected(reason: unknown) {
      return reason;
    },
  );
  expect(error).toBeInstanceOf(IdgateError);
  expect((error as IdgateError).code).toBe(code);
  return error as IdgateError;
}

describe.each(TEST_DATABASE_KINDS)('AppsRepository on %s', (kind) => {
  let testDatabase: TestDatabase;
  let apps: AppsRepository;

  beforeAll(async () => {
    testDatabase = await openTestDatabase(kind);
    apps = new AppsRepository(testDatabase.database);
  });

  afterAll(async () => {
    await testDatabase?.cleanup();
  });

  describe('create and find', () => {
    it('creates an app at version 1 with created/updated timestamps', async () => {
      const input = newApp();
      const created = await apps.create(input, T0);
      expect(created).toEqual({ ...input, version: 1, createdAt: T0, updatedAt: T0 });
      expect(await apps.find(input.clientId)).toEqual(created);
    });

    it('returns undefined for an unknown client id', async () => {
      expect(await apps.find('test_does_not_exist')).toBeUndefined();
    });

    it('round-trips JSON arrays, nulls, booleans and dates exactly', async () => {
      const input = newApp({
        type: 'public',
        redirectUris: ['https://a.example/cb', 'http://127.0.0.1:8080/cb?x=1&y="2"', 'com.example.app:/cb'],
        allowedOrigins: ['https://a.example'],
        grantTypes: ['authorization_code'],
        scopes: ['openid', 'profile', 'ünïcødé'],
        tokenEndpointAuthMethods: ['none'],
        signInHookUrl: 'https://a.example/hook',
        webhookUrl: 'https://a.example/webhook',
        secretHash: null,
        previousSecretHash: 'b2'.repeat(32),
        previousSecretExpiresAt: new Date('2026-11-23T10:30:00.007Z'),
        hookSecretCiphertext: 'v1.abc.def',
        jwks: { keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'ünï', kid: 'k1' }] },
        requirePushedAuthorizationRequests: true,
        dpopBoundAccessTokens: true,
        requestObjectSigningAlg: 'PS256',
        profile: 'fapi2-security',
        disabled: true,
      });
      await apps.create(input, T0);
      const found = await apps.find(input.clientId);
      expect(found).toEqual({ ...input, version: 1, createdAt: T0, updatedAt: T0 });
      expect(found?.disabled).toBe(true);
      expect(found?.previousSecretExpiresAt).toBeInstanceOf(Date);
      expect(found?.previousSecretExpiresAt?.getTime()).toBe(Date.parse('2026-11-23T10:30:00.007Z'));
      const empty = newApp({ scopes: [], redirectUris: [] });
      await apps.create(empty, T0);
      expect((await apps.find(empty.clientId))?.scopes).toEqual([]);
    });

    it('stores timestamps as ISO-8601 UTC text with milliseconds and booleans as 0/1', async () => {
      const input = newApp({ disabled: true, previousSecretExpiresAt: T2 });
      await apps.create(input, T1);
      const row = await testDatabase.database.db
        .selectFrom('apps')
        .select(['created_at', 'updated_at', 'previous_secret_expires_at', 'disabled', 'redirect_uris'])
        .where('client_id', '=', input.clientId)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({
        created_at: '2026-11-22T10:31:00.123Z',
        updated_at: '2026-11-22T10:31:00.123Z',
        previous_secret_expires_at: '2026-11-23T00:00:00.999Z',
        disabled: 1,
        redirect_uris: '["https://shop.example/callback"]',
      });
    });

    it('refuses a duplicate client id with RESOURCE_CONFLICT and keeps the first app', async () => {
      const input = newApp({ name: 'first' });
      await apps.create(input, T0);
      const error = await expectIdgateError(apps.create({ ...input, name: 'second' }, T1), 'RESOURCE_CONFLICT');
      expect(error.cause).toBeDefined();
      expect(error.status).toBe(409);
      expect((await apps.find(input.clientId))?.name).toBe('first');
    });

    it('creates the initial provider rows in the same transaction', async () => {
      const input = newApp();
      await apps.create(input, T0, [
        { providerId: 'mock-bankid', enabled: true, settings: { personalNumberHint: true, levels: ['high'] } },
        { providerId: 'mock-smartid', enabled: false, settings: {} },
      ]);
      const providers = await apps.listProviders(input.clientId);
      expect(providers).toEqual([
        {
          clientId: input.clientId,
          providerId: 'mock-bankid',
          enabled: true,
          settings: { personalNumberHint: true, levels: ['high'] },
          flowTypes: null,
          version: 1,
          createdAt: T0,
          updatedAt: T0,
        },
        {
          clientId: input.clientId,
          providerId: 'mock-smartid',
          enabled: false,
          settings: {},
          flowTypes: null,
          version: 1,
          createdAt: T0,
          updatedAt: T0,
        },
      ]);
    });

    it('leaves no app behind when a provider row violates a constraint', async () => {
      const input = newApp();
      // An empty provider id violates CHECK (length(provider_id) between 1 and 64).
      await expect(
        apps.create(input, T0, [
          { providerId: 'mock-bankid', enabled: true, settings: {} },
          { providerId: '', enabled: true, settings: {} },
        ]),
      ).rejects.toThrow();
      expect(await apps.find(input.clientId)).toBeUndefined();
      expect(await apps.listProviders(input.clientId)).toEqual([]);
    });

    it('leaves no app behind when two provider rows collide (RESOURCE_CONFLICT)', async () => {
      const input = newApp();
      await expectIdgateError(
        apps.create(input, T0, [
          { providerId: 'mock-bankid', enabled: true, settings: {} },
          { providerId: 'mock-bankid', enabled: false, settings: {} },
        ]),
        'RESOURCE_CONFLICT',
      );
      expect(await apps.find(input.clientId)).toBeUndefined();
    });
  });

  describe('list and count', () => {
    const prefix = 'live_list_';

    beforeAll(async () => {
      // Production apps in their own key range; mixed case checks byte-wise ordering.
      const ids = ['live_list_b', 'live_list_A', 'live_list_c', 'live_list_Z', 'live_list_a', 'live_list_0'];
      for (const clientId of ids) {
        await apps.create(newApp({ clientId, environment: 'production' }), T0);
      }
    });

    it('orders by client id byte-wise (same on every database)', async () => {
      const listed = await apps.list({ environment: 'production', limit: 100 });
      const ids = listed.map((app) => app.clientId).filter((id) => id.startsWith(prefix));
      expect(ids).toEqual(['live_list_0', 'live_list_A', 'live_list_Z', 'live_list_a', 'live_list_b', 'live_list_c']);
    });

    it('pages with a keyset cursor without gaps or repeats', async () => {
      const seen: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await apps.list({
          environment: 'production',
          limit: 4,
          ...(after === undefined ? {} : { after }),
        });
        expect(page.length).toBeLessThanOrEqual(4);
        seen.push(...page.map((app) => app.clientId));
        if (page.length < 4) break;
        after = page.at(-1)?.clientId;
      }
      expect(seen.length).toBe(await apps.count('production'));
      expect(new Set(seen).size).toBe(seen.length);
      expect([...seen].sort()).toEqual(seen);
    });

    it('keeps environments apart', async () => {
      const sandbox = await apps.list({ environment: 'sandbox', limit: 1000 });
      expect(sandbox.every((app) => app.environment === 'sandbox')).toBe(true);
      expect(sandbox.some((app) => app.clientId.startsWith(prefix))).toBe(false);
      expect(await apps.count('sandbox')).toBe(sandbox.length);
      expect(typeof (await apps.count('production'))).toBe('number');
    });

    it('returns an empty page after the last id', async () => {
      expect(await apps.list({ environment: 'production', limit: 10, after: 'live_list_zzz' })).toEqual([]);
    });

    it('rejects a non-positive limit as a programmer error', async () => {
      await expect(apps.list({ environment: 'production', limit: 0 })).rejects.toBeInstanceOf(RangeError);
    });
  });

  describe('update', () => {
    it('applies changes with the expected version and bumps version and updatedAt', async () => {
      const created = await apps.create(newApp(), T0);
      const result = await apps.update(
        created.clientId,
        { name: 'Renamed', disabled: true, scopes: ['openid'], previousSecretExpiresAt: T2, webhookUrl: null },
        { expectedVersion: 1, now: T1 },
      );
      expect(result).toEqual({
        status: 'updated',
        app: {
          ...created,
          name: 'Renamed',
          disabled: true,
          scopes: ['openid'],
          previousSecretExpiresAt: T2,
          version: 2,
          updatedAt: T1,
        },
      });
      if (result.status !== 'updated') throw new Error('unreachable');
      expect(await apps.find(created.clientId)).toEqual(result.app);
    });

    it('can set fields back to null', async () => {
      const created = await apps.create(newApp({ scopes: ['openid'], signInHookUrl: 'https://x.example/h' }), T0);
      const result = await apps.update(created.clientId, { scopes: null, signInHookUrl: null }, { now: T1 });
      expect(result.status).toBe('updated');
      const found = await apps.find(created.clientId);
      expect(found?.scopes).toBeNull();
      expect(found?.signInHookUrl).toBeNull();
    });

    it('reports a stale version with the current record and changes nothing', async () => {
      const created = await apps.create(newApp(), T0);
      await apps.update(created.clientId, { name: 'v2' }, { expectedVersion: 1, now: T1 });
      const result = await apps.update(created.clientId, { name: 'stale' }, { expectedVersion: 1, now: T2 });
      expect(result.status).toBe('version_mismatch');
      if (result.status !== 'version_mismatch') throw new Error('unreachable');
      expect(result.current.name).toBe('v2');
      expect(result.current.version).toBe(2);
      expect((await apps.find(created.clientId))?.name).toBe('v2');
    });

    it('reports not_found for an unknown app, with or without an expected version', async () => {
      expect(await apps.update('test_nope', { name: 'x' }, { expectedVersion: 1, now: T1 })).toEqual({
        status: 'not_found',
      });
      expect(await apps.update('test_nope', { name: 'x' }, { now: T1 })).toEqual({ status: 'not_found' });
    });

    it('without an expected version, updates the version just read', async () => {
      const created = await apps.create(newApp(), T0);
      const first = await apps.update(created.clientId, { name: 'a' }, { now: T1 });
      const second = await apps.update(created.clientId, { name: 'b' }, { now: T2 });
      expect(first.status === 'updated' && first.app.version).toBe(2);
      expect(second.status === 'updated' && second.app.version).toBe(3);
    });

    it('with empty changes writes nothing but still checks the version', async () => {
      const created = await apps.create(newApp(), T0);
      expect(await apps.update(created.clientId, {}, { expectedVersion: 1, now: T1 })).toEqual({
        status: 'updated',
        app: created,
      });
      expect((await apps.update(created.clientId, {}, { expectedVersion: 7, now: T1 })).status).toBe(
        'version_mismatch',
      );
    });

    it('rejects a change to an immutable field as a programmer error', async () => {
      const created = await apps.create(newApp(), T0);
      const changes = { clientId: 'test_other' } as unknown as { name: string };
      await expect(apps.update(created.clientId, changes, { now: T1 })).rejects.toBeInstanceOf(TypeError);
    });

    it('lets exactly one of two concurrent updates with the same expected version win', async () => {
      const created = await apps.create(newApp(), T0);
      const results = await Promise.all([
        apps.update(created.clientId, { name: 'writer A' }, { expectedVersion: 1, now: T1 }),
        apps.update(created.clientId, { name: 'writer B' }, { expectedVersion: 1, now: T1 }),
      ]);
      const winners = results.filter((result) => result.status === 'updated');
      const losers = results.filter((result) => result.status === 'version_mismatch');
      expect(winners).toHaveLength(1);
      expect(losers).toHaveLength(1);
      const found = await apps.find(created.clientId);
      expect(found?.version).toBe(2);
      const winner = winners[0];
      expect(winner?.status === 'updated' && winner.app.name).toBe(found?.name);
    });

    it('lets exactly one of many concurrent writers per version win', async () => {
      const created = await apps.create(newApp(), T0);
      const writers = Array.from({ length: 8 }, (_, index) =>
        apps.update(created.clientId, { name: `writer ${index}` }, { expectedVersion: 1, now: T1 }),
      );
      const results = await Promise.all(writers);
      expect(results.filter((result) => result.status === 'updated')).toHaveLength(1);
      expect(results.filter((result) => result.status === 'version_mismatch')).toHaveLength(7);
      expect((await apps.find(created.clientId))?.version).toBe(2);
    });
  });

  describe('delete', () => {
    it('deletes the app and its provider rows', async () => {
      const input = newApp();
      await apps.create(input, T0, [{ providerId: 'mock-bankid', enabled: true, settings: {} }]);
      await apps.putProvider(input.clientId, 'mock-itsme', { enabled: true, settings: { a: 1 } }, T1);
      expect(await apps.delete(input.clientId)).toBe(true);
      expect(await apps.find(input.clientId)).toBeUndefined();
      expect(await apps.listProviders(input.clientId)).toEqual([]);
      expect(await apps.delete(input.clientId)).toBe(false);
    });

    it('cascades provider rows at the database level too (ON DELETE CASCADE)', async () => {
      const input = newApp();
      await apps.create(input, T0, [{ providerId: 'mock-bankid', enabled: true, settings: {} }]);
      const { db } = testDatabase.database;
      await db.deleteFrom('apps').where('client_id', '=', input.clientId).execute();
      const rows = await db.selectFrom('app_providers').selectAll().where('client_id', '=', input.clientId).execute();
      expect(rows).toEqual([]);
    });
  });

  describe('providers', () => {
    it('creates a provider row at version 1, then replaces it and bumps its version', async () => {
      const app = await apps.create(newApp(), T0);
      const first = await apps.putProvider(app.clientId, 'mock-bankid', { enabled: true, settings: { x: 1 } }, T1);
      expect(first).toEqual({
        created: true,
        record: {
          clientId: app.clientId,
          providerId: 'mock-bankid',
          enabled: true,
          settings: { x: 1 },
          flowTypes: null,
          version: 1,
          createdAt: T1,
          updatedAt: T1,
        },
      });
      const second = await apps.putProvider(
        app.clientId,
        'mock-bankid',
        { enabled: false, settings: { y: [1, 2], nested: { z: null } } },
        T2,
      );
      expect(second).toEqual({
        created: false,
        record: {
          clientId: app.clientId,
          providerId: 'mock-bankid',
          enabled: false,
          settings: { y: [1, 2], nested: { z: null } },
          flowTypes: null,
          version: 2,
          createdAt: T1,
          updatedAt: T2,
        },
      });
      expect(await apps.findProvider(app.clientId, 'mock-bankid')).toEqual(second.record);
      expect(await apps.findProvider(app.clientId, 'mock-smartid')).toBeUndefined();
      const third = await apps.putProvider(app.clientId, 'mock-bankid', { enabled: true, settings: {} }, T2);
      expect(third.record.version).toBe(3);
    });

    it('keeps provider rows of different apps apart', async () => {
      const a = await apps.create(newApp(), T0);
      const b = await apps.create(newApp(), T0);
      await apps.putProvider(a.clientId, 'mock-bankid', { enabled: true, settings: { owner: 'a' } }, T1);
      const forB = await apps.putProvider(b.clientId, 'mock-bankid', { enabled: false, settings: { owner: 'b' } }, T1);
      expect(forB.created).toBe(true);
      expect((await apps.findProvider(a.clientId, 'mock-bankid'))?.settings).toEqual({ owner: 'a' });
    });

    it('refuses settings for an unknown app with RESOURCE_NOT_FOUND', async () => {
      await expectIdgateError(
        apps.putProvider('test_unknown_app', 'mock-bankid', { enabled: true, settings: {} }, T1),
        'RESOURCE_NOT_FOUND',
      );
    });

    it('does not bump the app version', async () => {
      const app = await apps.create(newApp(), T0);
      await apps.putProvider(app.clientId, 'mock-bankid', { enabled: true, settings: {} }, T1);
      expect((await apps.find(app.clientId))?.version).toBe(1);
    });
  });

  describe('schema', () => {
    it('enforces CHECK constraints on enumerations', async () => {
      await expect(apps.create(newApp({ environment: 'staging' as unknown as 'sandbox' }), T0)).rejects.toThrow();
      const { db } = testDatabase.database;
      const count = await sql<{ n: number }>`select count(*) as n from apps where environment = 'staging'`.execute(db);
      expect(Number(count.rows[0]?.n)).toBe(0);
    });
  });
});
