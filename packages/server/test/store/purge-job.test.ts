/**
 * Retention (background/purge-job.ts) on both databases, with a controlled clock: exactly which
 * rows each cut-off deletes and which it keeps (codes and refresh tokens past the grace vs
 * within it, revocations and idempotency records at their expiry, finished webhook events
 * and their attempts past the retention vs pending and recent ones), that a used code
 * within the grace is still answered as a replay, batching, the retention indexes, and
 * the background timer (off at interval 0, running while the server listens, a failed run
 * logged and counted, never thrown).
 */
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PurgeJob, type PurgeRun } from '../../src/background/purge-job.js';
import { Metrics } from '../../src/http/metrics.js';
import { AuthorizationCodesRepository } from '../../src/store/authorization-codes.repository.js';
import { type ClaimRequest, IdempotencyRepository } from '../../src/store/idempotency.repository.js';
import { PushedRequestsRepository } from '../../src/store/pushed-requests.repository.js';
import { RefreshTokensRepository } from '../../src/store/refresh-tokens.repository.js';
import { RevocationsRepository } from '../../src/store/revocations.repository.js';
import { SeenJtisRepository } from '../../src/store/seen-jtis.repository.js';
import { WebhookEventsRepository } from '../../src/store/webhook-events.repository.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectOAuthError } from '../support/assertions.js';
import { openTestDatabase, TEST_DATABASE_KINDS } from '../support/databases.js';
import { registerSecret } from '../support/leaks.js';
import { freePort } from '../support/live-server.js';
import {
  authOf,
  type ConfidentialClient,
  codeForm,
  createConfidentialClient,
  introspect,
  obtainCode,
  postForm,
  redeemCode,
} from '../token/support.js';

const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;
/** Not the defaults, so the test shows the configuration reaches the job. */
const GRACE = 2 * HOUR;
const RETENTION = 2 * DAY;

const NOTHING: PurgeRun = {
  expiredSessions: 0,
  verifications: 0,
  authorizationCodes: 0,
  refreshTokens: 0,
  revocations: 0,
  idempotencyRecords: 0,
  webhookEvents: 0,
  pushedRequests: 0,
  seenJtis: 0,
};

/** A claim of `key` by `clientId`, made at `now`, forgotten at `expiresAt`. */
function claimOf(clientId: string, key: string, now: Date, expiresAt: Date): ClaimRequest {
  return { clientId, key, requestHash: 'h', holder: 'holder', now, expiresAt, leaseExpiresAt: expiresAt };
}

describe.each(TEST_DATABASE_KINDS)('purge job on %s', (kind) => {
  let t: TestApp;
  let now = T0;
  const clock = () => new Date(now);
  const at = (offset: number) => new Date(now + offset);

  beforeEach(async () => {
    now = T0;
    t = await createTestApp(kind, {
      clock,
      env: {
        IDGATE_PURGE_GRACE: String(GRACE),
        IDGATE_WEBHOOK_RETENTION: String(RETENTION),
        IDGATE_PURGE_INTERVAL: '0',
      },
    });
  });
  afterEach(async () => {
    await t?.close();
  });

  function db() {
    return t.database.database.db;
  }

  /** An app and a verification of it (what codes, tokens and events hang on). */
  async function seedOwner(): Promise<{ clientId: string; verificationId: string }> {
    const created = await t.app.idgate.apps.create({
      name: 'Retention',
      type: 'confidential',
      redirectUris: ['https://shop.example/callback'],
    });
    registerSecret(created.clientSecret);
    const verification = await t.app.idgate.verifications.create(created.app, {
      providerId: 'mock-redirect',
      userData: { testIdentity: 'success' },
    });
    return { clientId: created.app.clientId, verificationId: verification.id };
  }

  async function insertCode(owner: { clientId: string; verificationId: string }, name: string, expiresAt: Date) {
    await new AuthorizationCodesRepository(t.database.database).insert(
      {
        codeHash: name,
        verificationId: owner.verificationId,
        clientId: owner.clientId,
        grantId: `grant-${name}`,
        redirectUri: 'https://shop.example/callback',
        scope: 'openid',
        nonce: null,
        codeChallenge: null,
        expiresAt,
      },
      at(-10 * DAY),
    );
  }

  async function insertRefreshToken(
    owner: { clientId: string; verificationId: string },
    name: string,
    expiresAt: Date,
  ) {
    await new RefreshTokensRepository(t.database.database).insert(
      {
        tokenHash: name,
        grantId: `grant-${name}`,
        clientId: owner.clientId,
        verificationId: owner.verificationId,
        scope: 'openid',
        expiresAt,
        dpopJkt: null,
      },
      at(-40 * DAY),
    );
  }

  async function insertEvent(
    owner: { clientId: string; verificationId: string },
    id: string,
    status: 'pending' | 'delivered' | 'failed',
    updatedAt: Date,
    attempts: number,
  ) {
    await db()
      .insertInto('webhook_events')
      .values({
        id,
        client_id: owner.clientId,
        verification_id: owner.verificationId,
        type: 'verification.completed',
        payload: '{}',
        status,
        attempt_count: attempts,
        retry_count: attempts,
        next_attempt_at: updatedAt.toISOString(),
        locked_until: null,
        lock_token: null,
        last_http_status: status === 'delivered' ? 204 : 500,
        last_error: status === 'delivered' ? null : 'answered HTTP 500',
        delivered_at: status === 'delivered' ? updatedAt.toISOString() : null,
        created_at: at(-100 * DAY).toISOString(),
        updated_at: updatedAt.toISOString(),
      })
      .execute();
    for (let attempt = 1; attempt <= attempts; attempt++) {
      await db()
        .insertInto('webhook_attempts')
        .values({
          event_id: id,
          attempt,
          started_at: updatedAt.toISOString(),
          duration_ms: 5,
          http_status: 500,
          error: null,
        })
        .execute();
    }
  }

  async function ids(table: 'authorization_codes' | 'refresh_tokens' | 'revocations'): Promise<string[]> {
    const column = table === 'authorization_codes' ? 'code_hash' : table === 'refresh_tokens' ? 'token_hash' : 'id';
    const rows = await db().selectFrom(table).select(column).execute();
    return rows.map((row) => String(Object.values(row)[0])).sort();
  }

  async function idempotencyKeys(): Promise<string[]> {
    const rows = await db().selectFrom('idempotency_records').select(['client_id', 'idempotency_key']).execute();
    return rows.map((row) => `${row.client_id}/${row.idempotency_key}`).sort();
  }

  async function eventIds(): Promise<string[]> {
    const rows = await db().selectFrom('webhook_events').select('id').execute();
    return rows.map((row) => row.id).sort();
  }

  async function attemptEventIds(): Promise<string[]> {
    const rows = await db().selectFrom('webhook_attempts').select('event_id').execute();
    return rows.map((row) => row.event_id).sort();
  }

  async function count(table: 'verifications' | 'verification_events'): Promise<number> {
    const row = await db()
      .selectFrom(table)
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  it('deletes exactly what is past its cut-off and keeps the rest', async () => {
    const owner = await seedOwner();
    const other = await seedOwner();

    await insertCode(owner, 'code-past-grace', at(-GRACE - 1));
    await insertCode(owner, 'code-at-grace', at(-GRACE));
    await insertCode(owner, 'code-within-grace', at(-GRACE + 60_000));
    await insertCode(owner, 'code-live', at(60_000));
    // Used and expired, within the grace: kept so that its replay is still recognized.
    await new AuthorizationCodesRepository(t.database.database).consume('code-within-grace', at(-GRACE));

    await insertRefreshToken(owner, 'rt-past-grace', at(-GRACE - 1));
    await insertRefreshToken(owner, 'rt-within-grace', at(-1));
    await insertRefreshToken(owner, 'rt-live', at(10 * DAY));
    // Rotated long ago, expired past the grace: it goes too.
    await insertRefreshToken(owner, 'rt-rotated-past-grace', at(-3 * GRACE));
    await db()
      .updateTable('refresh_tokens')
      .set({ used_at: at(-40 * DAY).toISOString() })
      .execute();

    const revocations = new RevocationsRepository(t.database.database);
    await revocations.revoke(['token:expired', 'grant:expired'], at(-1), at(-DAY));
    await revocations.revoke(['token:at-now'], at(0), at(-DAY));
    await revocations.revoke(['grant:live'], at(10 * DAY), at(-DAY));

    const idempotency = new IdempotencyRepository(t.database.database);
    await idempotency.claim(claimOf(owner.clientId, 'key-expired', at(-DAY), at(-1)));
    await idempotency.claim(claimOf(owner.clientId, 'key-at-now', at(-DAY), at(0)));
    await idempotency.claim(claimOf(owner.clientId, 'key-live', at(-DAY), at(1)));
    // The same key of another app, live: the composite key keeps them apart.
    await idempotency.claim(claimOf(other.clientId, 'key-expired', at(-DAY), at(HOUR)));

    await insertEvent(owner, 'evt-delivered-old', 'delivered', at(-RETENTION - 1), 1);
    await insertEvent(owner, 'evt-failed-old', 'failed', at(-RETENTION - DAY), 3);
    await insertEvent(owner, 'evt-pending-old', 'pending', at(-10 * RETENTION), 2);
    await insertEvent(owner, 'evt-delivered-at-retention', 'delivered', at(-RETENTION), 1);
    await insertEvent(owner, 'evt-delivered-recent', 'delivered', at(-HOUR), 1);
    await insertEvent(other, 'evt-failed-recent', 'failed', at(-1), 2);

    const pushed = new PushedRequestsRepository(t.database.database);
    for (const [name, expiresAt] of [
      ['par-expired', at(-1)],
      ['par-at-now', at(0)],
      ['par-live', at(60_000)],
    ] as const) {
      await pushed.insert(
        { requestUriHash: name, clientId: owner.clientId, parametersCiphertext: 'x', expiresAt },
        at(-HOUR),
      );
    }
    const seenJtis = new SeenJtisRepository(t.database.database);
    expect(await seenJtis.remember('jti-expired', at(-1), at(-HOUR))).toBe(true);
    expect(await seenJtis.remember('jti-live', at(60_000), at(-HOUR))).toBe(true);

    const verifications = await count('verifications');
    const verificationEvents = await count('verification_events');

    expect(await t.app.idgate.purge.purgeOnce()).toEqual({
      expiredSessions: 0,
      verifications: 0,
      authorizationCodes: 1,
      refreshTokens: 2,
      revocations: 2,
      idempotencyRecords: 2,
      webhookEvents: 2,
      pushedRequests: 1,
      seenJtis: 1,
    });
    const parLeft = await db().selectFrom('pushed_authorization_requests').select('request_uri_hash').execute();
    expect(parLeft.map((row) => row.request_uri_hash).sort()).toEqual(['par-at-now', 'par-live']);
    const jtisLeft = await db().selectFrom('seen_jtis').select('id').execute();
    expect(jtisLeft.map((row) => row.id)).toEqual(['jti-live']);

    expect(await ids('authorization_codes')).toEqual(['code-at-grace', 'code-live', 'code-within-grace']);
    expect(await ids('refresh_tokens')).toEqual(['rt-live', 'rt-within-grace']);
    expect(await ids('revocations')).toEqual(['grant:live', 'token:at-now']);
    expect(await idempotencyKeys()).toEqual([`${owner.clientId}/key-live`, `${other.clientId}/key-expired`].sort());
    expect(await eventIds()).toEqual([
      'evt-delivered-at-retention',
      'evt-delivered-recent',
      'evt-failed-recent',
      'evt-pending-old',
    ]);
    // The deleted events' attempts went with them (on delete cascade); the others' stayed.
    expect(await attemptEventIds()).toEqual([
      'evt-delivered-at-retention',
      'evt-delivered-recent',
      'evt-failed-recent',
      'evt-failed-recent',
      'evt-pending-old',
      'evt-pending-old',
    ]);
    // The audit trail is not touched.
    expect(await count('verifications')).toBe(verifications);
    expect(await count('verification_events')).toBe(verificationEvents);

    // Nothing left to do: a second run deletes nothing.
    expect(await t.app.idgate.purge.purgeOnce()).toEqual(NOTHING);

    // Time passes: what was kept goes once it is past its own cut-off (never the pending event).
    now += RETENTION + GRACE + 1;
    expect(await t.app.idgate.purge.purgeOnce()).toEqual({
      expiredSessions: 2,
      verifications: 0,
      authorizationCodes: 3,
      refreshTokens: 1,
      revocations: 1,
      idempotencyRecords: 2,
      webhookEvents: 3,
      pushedRequests: 2,
      seenJtis: 1,
    });
    expect(await ids('refresh_tokens')).toEqual(['rt-live']);
    expect(await ids('revocations')).toEqual(['grant:live']);
    expect(await eventIds()).toEqual(['evt-pending-old']);
    expect(await attemptEventIds()).toEqual(['evt-pending-old', 'evt-pending-old']);
  });

  it('still answers a used code within the grace as a replay (revoking its grant); past the grace it is unknown', async () => {
    const client: ConfidentialClient = await createConfidentialClient(t);
    const issued = await obtainCode(t, client);
    const tokens = await redeemCode(t, client, issued);
    expect((await introspect(t, client, tokens.refresh_token as string)).active).toBe(true);

    // The code expired 60 s after it was issued; we are past that, within the grace.
    now += 10 * 60_000;
    expect(await t.app.idgate.purge.purgeOnce()).toEqual(NOTHING);
    const replay = await postForm(t, '/token', codeForm(issued), authOf(client));
    expect(expectOAuthError(replay, 'AUTH_INVALID_GRANT').error_description).toContain('already used');
    expect((await introspect(t, client, tokens.refresh_token as string)).active).toBe(false);

    // Past the grace the code is gone: presenting it again is only refused.
    now += GRACE;
    expect(await t.app.idgate.purge.purgeOnce()).toEqual({ ...NOTHING, authorizationCodes: 1 });
    const late = await postForm(t, '/token', codeForm(issued), authOf(client));
    expect(expectOAuthError(late, 'AUTH_INVALID_GRANT').error_description).toContain('unknown or has expired');
  });

  it('deletes in batches of at most batchSize rows, oldest first, until a batch comes back short', async () => {
    const owner = await seedOwner();
    const second = await seedOwner();
    const revocations = new RevocationsRepository(t.database.database);
    const idempotency = new IdempotencyRepository(t.database.database);
    for (let index = 0; index < 5; index++) {
      const expired = at(-DAY - (5 - index) * 1000);
      await insertCode(owner, `code-${index}`, expired);
      await insertRefreshToken(owner, `rt-${index}`, expired);
      await revocations.revoke([`token:${index}`], at(-(5 - index) * 1000), at(-DAY));
      // Several keys share an expiry across the two apps: the composite key tells them apart.
      await idempotency.claim(
        claimOf(index % 2 === 0 ? owner.clientId : second.clientId, `key-${index}`, at(-DAY), at(-1)),
      );
      await insertEvent(owner, `evt-${index}`, index % 2 === 0 ? 'delivered' : 'failed', at(-RETENTION - 1), 1);
    }

    // One statement deletes at most two, the oldest first.
    expect(await revocations.purgeExpired(clock(), 2)).toBe(2);
    expect(await ids('revocations')).toEqual(['token:2', 'token:3', 'token:4']);
    expect(await idempotency.purgeExpired(clock(), 2)).toBe(2);
    expect(await idempotencyKeys()).toHaveLength(3);
    expect(await new WebhookEventsRepository(t.database.database).purgeFinished(at(-RETENTION), 2)).toBe(2);
    expect(await eventIds()).toHaveLength(3);

    const job = new PurgeJob({ database: t.database.database, config: t.config, clock, batchSize: 2 });
    expect(await job.purgeOnce()).toEqual({
      expiredSessions: 0,
      verifications: 0,
      authorizationCodes: 5,
      refreshTokens: 5,
      revocations: 3,
      idempotencyRecords: 3,
      webhookEvents: 3,
      pushedRequests: 0,
      seenJtis: 0,
    });
    expect(await ids('authorization_codes')).toEqual([]);
    expect(await ids('refresh_tokens')).toEqual([]);
    expect(await ids('revocations')).toEqual([]);
    expect(await idempotencyKeys()).toEqual([]);
    expect(await eventIds()).toEqual([]);
    expect(await attemptEventIds()).toEqual([]);
    expect(() => new PurgeJob({ database: t.database.database, config: t.config, clock, batchSize: 0 })).toThrow(
      RangeError,
    );
  });

  it('has the retention indexes (migration 0005)', async () => {
    const query =
      kind === 'sqlite'
        ? sql<{ name: string }>`select name from sqlite_master where type = 'index'`
        : sql<{ name: string }>`select indexname as name from pg_indexes where schemaname = current_schema()`;
    const indexes = (await query.execute(db())).rows.map((row) => row.name);
    expect(indexes).toEqual(
      expect.arrayContaining([
        'authorization_codes_expires_at',
        'refresh_tokens_expires_at',
        'revocations_expires_at',
        'idempotency_records_expires_at',
        'webhook_events_finished',
      ]),
    );
  });
});

describe.each(TEST_DATABASE_KINDS)('background purging on %s', (kind) => {
  it('has no timer at interval 0, even while listening', async () => {
    const t = await createTestApp(kind, { env: { IDGATE_PURGE_INTERVAL: '0' } });
    try {
      await t.app.listen({ port: await freePort(), host: '127.0.0.1' });
      expect(t.app.idgate.purge.started).toBe(false);
    } finally {
      await t.close();
    }
  });

  it('purges while the server listens, logs what it deleted, and stops on close', async () => {
    const t = await createTestApp(kind, { env: { IDGATE_PURGE_INTERVAL: '30' } });
    try {
      expect(t.app.idgate.purge.started).toBe(false);
      const revocations = new RevocationsRepository(t.database.database);
      await revocations.revoke(['token:expired'], new Date(Date.now() - 1000), new Date(Date.now() - 2000));
      await t.app.listen({ port: await freePort(), host: '127.0.0.1' });
      expect(t.app.idgate.purge.started).toBe(true);
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline && !t.logs.some((line) => line.msg === 'purged expired records')) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(await revocations.anyRevoked(['token:expired'])).toBe(false);
      const logged = t.logs.find((line) => line.msg === 'purged expired records');
      expect(logged?.level).toBe('info');
      expect(logged?.purged).toEqual({ ...NOTHING, revocations: 1 });
      const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
      expect(metrics.body).toMatch(/^idgate_purged_rows_total\{table="revocations"\} 1$/m);
      expect(metrics.body).toMatch(/^idgate_purged_rows_total\{table="webhook_events"\} 0$/m);

      await t.app.close();
      expect(t.app.idgate.purge.started).toBe(false);
      await revocations.revoke(['token:expired-later'], new Date(Date.now() - 1000), new Date(Date.now() - 2000));
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(await revocations.anyRevoked(['token:expired-later'])).toBe(true);
    } finally {
      await t.close();
    }
  });

  it('logs a failed run at warn and counts it, without throwing', async () => {
    const broken = await openTestDatabase(kind);
    await broken.cleanup();
    const warnings: object[] = [];
    const metrics = new Metrics();
    const job = new PurgeJob({
      database: broken.database,
      config: { purgeIntervalMs: 20, purgeGraceMs: 0, webhookRetentionMs: HOUR, verificationRetentionMs: 0 },
      clock: () => new Date(),
      metrics,
      log: { info() {}, warn: (fields) => warnings.push(fields) },
    });
    job.start();
    try {
      const deadline = Date.now() + 5000;
      while (warnings.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      await job.stop();
    }
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings[0]).toHaveProperty('err');
    expect(await metrics.render()).toMatch(/^idgate_purge_failures_total [1-9]\d*$/m);
  });
});
