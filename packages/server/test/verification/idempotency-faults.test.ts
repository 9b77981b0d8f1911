/**
 * `Idempotency-Key` under faults (issue 14): the database goes away in the middle of a
 * `POST /v1/verifications`, and a key's holder never finishes (a frozen connection, as
 * good as a `kill -9`), with two instances on one PostgreSQL database. The faults are real:
 * the instance under test reaches PostgreSQL through a TCP proxy the test cuts or freezes
 * at a chosen statement.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IDEMPOTENCY_LEASE_SECONDS } from '../../src/rest/idempotency.js';
import { openDatabase } from '../../src/store/database.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectProblem } from '../support/assertions.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';
import { startTcpProxy, type TcpProxy } from '../support/redis.js';
import { createRestApp, createVerification, json, type RestApp, testClock } from './helpers.js';

/** The statement that writes a new session: the fault strikes there, after the key was claimed. */
const INSERT_VERIFICATION = 'insert into "verifications"';

describe.runIf(TEST_DATABASE_KINDS.includes('postgres'))('Idempotency-Key under database faults (postgres)', () => {
  const clock = testClock();
  let proxy: TcpProxy;
  /** The instance whose database connection the test breaks. */
  let faulty: TestApp;
  /** A second instance on the same database, connected directly. */
  let healthy: TestApp;
  let rest: RestApp;

  beforeAll(async () => {
    healthy = await createTestApp('postgres', { clock: clock.clock });
    const target = new URL(healthy.database.config.kind === 'postgres' ? healthy.database.config.url : '');
    proxy = await startTcpProxy(new URL(`tcp://${target.hostname}:${target.port || 5432}`));
    faulty = await createTestApp('postgres', {
      clock: clock.clock,
      sharedDatabase: healthy.database,
      async appDatabase(test) {
        if (test.config.kind !== 'postgres') throw new TypeError('postgres only');
        const url = new URL(test.config.url);
        url.host = `127.0.0.1:${proxy.port}`;
        return openDatabase({ ...test.config, url: url.toString() });
      },
    });
    rest = await createRestApp(healthy);
  });
  afterEach(() => {
    proxy.watch(undefined);
    proxy.restore();
  });
  afterAll(async () => {
    await faulty?.close();
    await healthy?.close();
    await proxy?.close();
  });

  async function recordOf(key: string) {
    return healthy.database.database.db
      .selectFrom('idempotency_records')
      .selectAll()
      .where('client_id', '=', rest.clientId)
      .where('idempotency_key', '=', key)
      .executeTakeFirst();
  }

  /** Runs `fault` once, when the instance sends the statement that writes the session. */
  function strikeAtSessionInsert(fault: () => void): void {
    proxy.watch((chunk) => {
      if (chunk.toString('latin1').includes(INSERT_VERIFICATION)) {
        proxy.watch(undefined);
        fault();
      }
    });
  }

  it('the database goes away mid-request: 503 problem+json, and the key is free once it is back', async () => {
    const key = 'cut-1';
    const payload = { providerId: 'mock-qr' };
    strikeAtSessionInsert(() => proxy.cut({ refuse: true }));
    const failed = await createVerification(faulty, rest.basic, payload, { 'idempotency-key': key });
    // The error handler answered it, not Fastify's default body.
    const body = expectProblem(failed, 'SYSTEM_UNAVAILABLE', { instance: '/v1/verifications' });
    expect(failed.headers['retry-after']).toBe('5');
    expect(Object.keys(body)).not.toContain('statusCode');
    // The key could not be given free while the database was away.
    expect((await recordOf(key))?.state).toBe('running');

    proxy.restore();
    const retried = await createVerification(faulty, rest.basic, payload, { 'idempotency-key': key });
    expect(retried.statusCode, retried.body).toBe(201);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
    expect((await recordOf(key))?.state).toBe('completed');
    const replayed = await createVerification(healthy, rest.basic, payload, { 'idempotency-key': key });
    expect(replayed.statusCode).toBe(201);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.body).toBe(retried.body);
    const warning = faulty.logs.find((line) => line.idempotency_key === key && line.level === 'warn');
    expect(warning).toMatchObject({ code: 'SYSTEM_UNAVAILABLE' });
  });

  it('a holder that never finishes: 409 in flight with Retry-After, then taken over after the lease', async () => {
    const key = 'frozen-1';
    const payload = { providerId: 'mock-qr', requestedClaims: ['given_name'] };
    strikeAtSessionInsert(() => proxy.freeze());
    const stuck = createVerification(faulty, rest.basic, payload, { 'idempotency-key': key });
    for (let tries = 0; (await recordOf(key)) === undefined; tries++) {
      if (tries > 200) throw new Error('the frozen request never claimed its key');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const startedAt = clock.now().toISOString();
    const leaseEnd = new Date(clock.now().getTime() + IDEMPOTENCY_LEASE_SECONDS * 1000).toISOString();

    clock.advance(20_000);
    const busy = await createVerification(healthy, rest.basic, payload, { 'idempotency-key': key });
    const problem = expectProblem(busy, 'RESOURCE_CONFLICT', { instance: '/v1/verifications' });
    expect(problem.detail).toBe(
      `A request with this Idempotency-Key is in flight (started ${startedAt}); retry after it finished. ` +
        `If it never finishes, the key is free again from ${leaseEnd}.`,
    );
    expect(problem.context).toEqual({ idempotencyKey: key, inFlightUntil: leaseEnd });
    expect(busy.headers['retry-after']).toBe(String(IDEMPOTENCY_LEASE_SECONDS - 20));

    clock.advance((IDEMPOTENCY_LEASE_SECONDS - 20) * 1000);
    const takenOver = await createVerification(healthy, rest.basic, payload, { 'idempotency-key': key });
    expect(takenOver.statusCode, takenOver.body).toBe(201);
    expect(
      healthy.logs.some(
        (line) => line.idempotency_key === key && line.msg === 'Idempotency-Key taken over after its lease',
      ),
    ).toBe(true);

    // The old holder fails at last (its connection reset); its late release changes nothing.
    proxy.restore();
    proxy.cut({ refuse: false });
    const late = await stuck;
    expectProblem(late, 'SYSTEM_UNAVAILABLE');
    const record = await recordOf(key);
    expect(record?.state).toBe('completed');
    const again = await createVerification(faulty, rest.basic, payload, { 'idempotency-key': key });
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(json(again).verificationId).toBe(json(takenOver).verificationId);
  });

  it('a record of a holder that died before this version (no lease) is taken over at once', async () => {
    const key = 'legacy-1';
    const payload = { providerId: 'mock-qr' };
    const now = clock.now().toISOString();
    await healthy.database.database.db
      .insertInto('idempotency_records')
      .values({
        client_id: rest.clientId,
        idempotency_key: key,
        request_hash: (await import('../../src/rest/idempotency.js')).requestHashOf(
          'POST',
          '/v1/verifications',
          payload,
        ),
        state: 'running',
        response_status: null,
        response_body: null,
        created_at: now,
        expires_at: new Date(clock.now().getTime() + 24 * 3600 * 1000).toISOString(),
        holder: null,
        lease_expires_at: null,
      })
      .execute();
    const res = await createVerification(healthy, rest.basic, payload, { 'idempotency-key': key });
    expect(res.statusCode, res.body).toBe(201);
  });
});
