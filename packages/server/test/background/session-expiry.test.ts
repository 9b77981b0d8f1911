/**
 * Sessions in the background (issue 14): an abandoned `/authorize` transaction (or a REST
 * session nobody polls) is recorded as `expired` by the purge job, through the state
 * machine, so the app's webhook gets `verification.expired` — once, with two instances
 * running the job at once, in bounded batches. Sessions that ended longer than
 * `IDGATE_VERIFICATION_RETENTION` ago are deleted with their audit trail and sealed data,
 * and read as `SESSION_VERIFICATION_NOT_FOUND` afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PurgeJob } from '../../src/background/purge-job.js';
import { AUTHORIZATION_TTL_SECONDS } from '../../src/verification/session-records.js';
import { authorizeUrl, REDIRECT_URI, validParams } from '../authorize/helpers.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectProblem } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import {
  createRestApp,
  createVerification,
  eventsOf,
  getVerification,
  json,
  testClock,
} from '../verification/helpers.js';

const DAY = 24 * 3600 * 1000;
const RETENTION_DAYS = 30;

describe.each(TEST_DATABASE_KINDS)('background expiry and retention of sessions on %s', (kind) => {
  const clock = testClock();
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    const env = { IDGATE_VERIFICATION_RETENTION: String(RETENTION_DAYS * DAY), IDGATE_PURGE_INTERVAL: '0' };
    a = await createTestApp(kind, { clock: clock.clock, env });
    b = await createTestApp(kind, { clock: clock.clock, env, sharedDatabase: a.database });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  async function webhookEventsOf(verificationId: string) {
    return a.database.database.db
      .selectFrom('webhook_events')
      .select(['type', 'payload'])
      .where('verification_id', '=', verificationId)
      .orderBy('seq')
      .execute();
  }

  /** An `/authorize` transaction left on the provider choice page. */
  async function abandonedTransaction(clientId: string): Promise<string> {
    const res = await a.app.inject({ method: 'GET', url: authorizeUrl(validParams(clientId)) });
    expect([302, 303], res.body).toContain(res.statusCode);
    const id = /\/authorize\/([^/?]+)/.exec(String(res.headers.location))?.[1];
    expect(id).toBeDefined();
    return id as string;
  }

  it('records an abandoned /authorize transaction as expired, once, and sends verification.expired', async () => {
    const app = await createRestApp(a, { webhookUrl: 'https://shop.example/hooks', redirectUris: [REDIRECT_URI] });
    const id = await abandonedTransaction(app.clientId);
    const before = (await eventsOf(a, id)).length;
    expect((await webhookEventsOf(id)).map((event) => event.type)).not.toContain('verification.expired');

    // Not yet due: nothing happens.
    clock.advance(AUTHORIZATION_TTL_SECONDS * 1000 - 1);
    expect((await a.app.idgate.purge.purgeOnce()).expiredSessions).toBe(0);

    clock.advance(1);
    // Both instances run the job at the same moment.
    const [first, second] = await Promise.all([a.app.idgate.purge.purgeOnce(), b.app.idgate.purge.purgeOnce()]);
    expect(first.expiredSessions + second.expiredSessions).toBeGreaterThanOrEqual(1);

    const stored = await a.database.database.db
      .selectFrom('verifications')
      .select(['status', 'status_code'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(stored).toEqual({ status: 'expired', status_code: 'err_session_expired' });
    const events = await eventsOf(a, id);
    expect(events).toHaveLength(before + 1);
    expect(events.at(-1)).toMatchObject({
      to: 'expired',
      statusCode: 'err_session_expired',
      actor: 'system',
      at: clock.now().toISOString(),
    });
    const expired = (await webhookEventsOf(id)).filter((event) => event.type === 'verification.expired');
    expect(expired).toHaveLength(1);
    expect(JSON.parse(expired[0]?.payload ?? '{}')).toMatchObject({
      type: 'verification.expired',
      data: { verificationId: id, status: 'expired', statusCode: 'err_session_expired' },
    });

    // A later run finds nothing left to expire.
    expect((await a.app.idgate.purge.purgeOnce()).expiredSessions).toBe(0);
  });

  it('works through any number of due sessions in bounded batches', async () => {
    const app = await createRestApp(a);
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) {
      const created = await createVerification(a, app.basic, { providerId: 'mock-redirect' });
      expect(created.statusCode, created.body).toBe(201);
      ids.push(json<{ verificationId: string }>(created).verificationId);
    }
    clock.advance(AUTHORIZATION_TTL_SECONDS * 1000);
    const job = new PurgeJob({
      database: a.database.database,
      config: a.config,
      clock: clock.clock,
      sessions: a.app.idgate.verifications,
      batchSize: 2,
    });
    expect((await job.purgeOnce()).expiredSessions).toBeGreaterThanOrEqual(5);
    const statuses = await a.database.database.db
      .selectFrom('verifications')
      .select('status')
      .where('id', 'in', ids)
      .execute();
    expect(statuses.map((row) => row.status)).toEqual(['expired', 'expired', 'expired', 'expired', 'expired']);
  });

  it('deletes sessions that ended longer than the retention ago, with their events; then they are not found', async () => {
    const app = await createRestApp(a, { webhookUrl: 'https://shop.example/hooks' });
    const old = json<{ verificationId: string }>(
      await createVerification(a, app.basic, { providerId: 'mock-qr', userData: { testIdentity: 'success' } }),
    ).verificationId;
    clock.advance(3000);
    expect(json(await getVerification(a, app.basic, old)).status).toBe('completed');
    const endedAt = clock.now().getTime();

    // A session still running at the cut-off and one that ended later are kept.
    clock.advance(RETENTION_DAYS * DAY - 5000);
    const recent = json<{ verificationId: string }>(
      await createVerification(a, app.basic, { providerId: 'mock-qr', userData: { testIdentity: 'cancel' } }),
    ).verificationId;
    clock.advance(3000);
    expect(json(await getVerification(a, app.basic, recent)).status).toBe('cancelled');

    clock.advance(endedAt + RETENTION_DAYS * DAY - clock.now().getTime() - 1);
    await a.app.idgate.purge.purgeOnce();
    expect(json(await getVerification(a, app.basic, old)).status).toBe('completed');
    clock.advance(1);
    const run = await a.app.idgate.purge.purgeOnce();
    expect(run.verifications).toBeGreaterThanOrEqual(1);

    const left = await a.database.database.db
      .selectFrom('verifications')
      .select('id')
      .where('id', 'in', [old, recent])
      .execute();
    expect(left.map((row) => row.id)).toEqual([recent]);
    for (const table of ['verification_events', 'webhook_events'] as const) {
      const rows = await a.database.database.db
        .selectFrom(table)
        .select('verification_id')
        .where('verification_id', '=', old)
        .execute();
      expect(rows, table).toEqual([]);
    }
    expectProblem(await getVerification(a, app.basic, old), 'SESSION_VERIFICATION_NOT_FOUND', {
      instance: `/v1/verifications/${old}`,
    });
    expect(json(await getVerification(a, app.basic, recent)).status).toBe('cancelled');
  });

  it('keeps an ended session whose refresh token is still live', async () => {
    const app = await createRestApp(a);
    const id = json<{ verificationId: string }>(
      await createVerification(a, app.basic, { providerId: 'mock-qr', userData: { testIdentity: 'success' } }),
    ).verificationId;
    clock.advance(3000);
    expect(json(await getVerification(a, app.basic, id)).status).toBe('completed');
    await a.database.database.db
      .insertInto('refresh_tokens')
      .values({
        token_hash: `live-${id}`,
        grant_id: `grant-${id}`,
        client_id: app.clientId,
        verification_id: id,
        scope: 'openid offline_access',
        expires_at: new Date(clock.now().getTime() + (RETENTION_DAYS + 10) * DAY).toISOString(),
        used_at: null,
        revoked_at: null,
        created_at: clock.now().toISOString(),
      })
      .execute();
    clock.advance(RETENTION_DAYS * DAY + 1);
    await a.app.idgate.purge.purgeOnce();
    expect(json(await getVerification(a, app.basic, id)).status).toBe('completed');
    clock.advance(10 * DAY);
    await a.app.idgate.purge.purgeOnce();
    expectProblem(await getVerification(a, app.basic, id), 'SESSION_VERIFICATION_NOT_FOUND');
  });
});
