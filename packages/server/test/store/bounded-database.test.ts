/**
 * Issue 14: a database that stops answering must not hold requests — `/readyz` included —
 * for as long as it lasts. Every call is bounded (PostgreSQL: `statement_timeout`,
 * `idle_in_transaction_session_timeout`, the pool's acquire timeout and a client-side
 * query deadline; SQLite: the busy timeout), and each such failure is 503
 * `SYSTEM_UNAVAILABLE` with `Retry-After` in the surface's shape.
 *
 * Against the real PostgreSQL, through a TCP proxy the test freezes (connections open, no
 * bytes forwarded: a server that stopped answering) and cuts (every connection reset, new
 * ones refused); requests and `/readyz` answer 503 within their bounds, and recover once
 * the proxy forwards again. Against real SQLite, a second process-like connection holding
 * the write lock.
 */
import { CATALOG, IdgateError } from '@idgate/errors';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/store/database.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectOAuthError, expectProblem } from '../support/assertions.js';
import { openTestDatabase, TEST_DATABASE_KINDS, type TestDatabase, testPostgresUrl } from '../support/databases.js';
import { startTcpProxy, type TcpProxy } from '../support/redis.js';
import { createRestApp, createVerification, json, type RestApp } from '../verification/helpers.js';

const STATEMENT_TIMEOUT_MS = 400;
const ACQUIRE_TIMEOUT_MS = 400;
const READY_TIMEOUT_MS = 500;
/** The longest a request may take with the database frozen: the client-side deadline (statement timeout + 1 s) and slack. */
const REQUEST_BOUND_MS = STATEMENT_TIMEOUT_MS + 1_000 + 1_500;

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work;
  return { value, ms: performance.now() - started };
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (reason: unknown) => reason,
  );
}

function expectUnavailable(error: unknown): IdgateError {
  expect(error).toBeInstanceOf(IdgateError);
  expect((error as IdgateError).code).toBe('SYSTEM_UNAVAILABLE');
  expect((error as IdgateError).headers).toEqual({ 'retry-after': '5' });
  return error as IdgateError;
}

const postgresOnly = TEST_DATABASE_KINDS.includes('postgres') ? describe : describe.skip;
const sqliteOnly = TEST_DATABASE_KINDS.includes('sqlite') ? describe : describe.skip;

postgresOnly('PostgreSQL statement, idle-in-transaction and acquire bounds', () => {
  let base: TestDatabase;
  let bounded: Database;
  beforeAll(async () => {
    base = await openTestDatabase('postgres');
    const config = base.config as Extract<TestDatabase['config'], { kind: 'postgres' }>;
    bounded = await openDatabase({
      ...config,
      poolSize: 1,
      statementTimeoutMs: STATEMENT_TIMEOUT_MS,
      acquireTimeoutMs: ACQUIRE_TIMEOUT_MS,
    });
  });
  afterAll(async () => {
    await bounded.close();
    await base.cleanup();
  });

  it('a statement past statement_timeout is cancelled by the server: SYSTEM_UNAVAILABLE, at once', async () => {
    const { value: error, ms } = await timed(rejectionOf(sql`select pg_sleep(3)`.execute(bounded.db)));
    const unavailable = expectUnavailable(error);
    expect((unavailable.cause as { code?: string }).code).toBe('57014');
    expect(ms).toBeLessThan(STATEMENT_TIMEOUT_MS + 700);
    await bounded.ping();
  });

  it('waiting for a connection from a full pool is bounded by the acquire timeout', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const holding = bounded.db.connection().execute(async function holdTheOnlyConnection() {
      await held;
    });
    try {
      const { value: error, ms } = await timed(rejectionOf(bounded.ping()));
      expectUnavailable(error);
      expect(ms).toBeGreaterThanOrEqual(ACQUIRE_TIMEOUT_MS - 50);
      expect(ms).toBeLessThan(ACQUIRE_TIMEOUT_MS + 700);
    } finally {
      release();
      await holding;
    }
    await bounded.ping();
  });

  it('a transaction left idle past the bound is ended by the server; the pool recovers', async () => {
    const error = await rejectionOf(
      bounded.db.transaction().execute(async function idleInTransaction(trx) {
        await sql`select 1`.execute(trx);
        await new Promise((resolve) => setTimeout(resolve, STATEMENT_TIMEOUT_MS + 400));
        await sql`select 1`.execute(trx);
      }),
    );
    expectUnavailable(error);
    await bounded.ping();
  });
});

postgresOnly('a PostgreSQL that stops answering, through a TCP proxy', () => {
  let proxy: TcpProxy;
  let t: TestApp;
  let rest: RestApp;
  let verificationId: string;

  beforeAll(async () => {
    proxy = await startTcpProxy(new URL(testPostgresUrl()));
    const base = await openTestDatabase('postgres');
    const config = base.config as Extract<TestDatabase['config'], { kind: 'postgres' }>;
    const url = new URL(config.url);
    url.hostname = '127.0.0.1';
    url.port = new URL(proxy.url).port;
    const proxiedConfig = {
      ...config,
      url: url.toString(),
      poolSize: 3,
      statementTimeoutMs: STATEMENT_TIMEOUT_MS,
      acquireTimeoutMs: ACQUIRE_TIMEOUT_MS,
    };
    const proxied = await openDatabase(proxiedConfig);
    t = await createTestApp('postgres', {
      env: { IDGATE_READY_TIMEOUT: String(READY_TIMEOUT_MS) },
      database: {
        database: proxied,
        config: proxiedConfig,
        async cleanup() {
          await proxied.close();
          await base.cleanup();
        },
      },
    });
    rest = await createRestApp(t);
    const created = await createVerification(t, rest.basic, {
      providerId: 'mock-qr',
      userData: { testIdentity: 'timeout' },
    });
    expect(created.statusCode, created.body).toBe(201);
    verificationId = json<{ verificationId: string }>(created).verificationId;
  });
  afterAll(async () => {
    proxy.restore();
    await t.close();
    await proxy.close();
  });

  function readVerification(requestId: string) {
    return t.app.inject({
      method: 'GET',
      url: `/v1/verifications/${verificationId}`,
      headers: { authorization: rest.basic, 'x-request-id': requestId },
    });
  }

  function readyz() {
    return t.app.inject({ method: 'GET', url: '/readyz' });
  }

  async function expectHealthy(): Promise<void> {
    const deadline = Date.now() + 10_000;
    let ready = await readyz();
    while (ready.statusCode !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      ready = await readyz();
    }
    expect(ready.statusCode, ready.body).toBe(200);
    const read = await readVerification('healthy-read');
    expect(read.statusCode, read.body).toBe(200);
  }

  function expectUnavailableProblem(res: Awaited<ReturnType<typeof readyz>>, instance: string): void {
    const body = expectProblem(res, 'SYSTEM_UNAVAILABLE', { instance });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(body.detail).toBe(CATALOG.SYSTEM_UNAVAILABLE.description);
  }

  it('answers while the database answers', async () => {
    await expectHealthy();
  });

  it('frozen: /readyz answers 503 within IDGATE_READY_TIMEOUT, requests 503 within their bound', async () => {
    proxy.freeze();
    const ready = await timed(readyz());
    expectUnavailableProblem(ready.value, '/readyz');
    expect(ready.ms).toBeLessThan(READY_TIMEOUT_MS + 500);

    // More requests at once than the pool has connections: none waits longer than its bound.
    const reads = await timed(Promise.all([1, 2, 3, 4, 5].map((n) => readVerification(`frozen-${n}`))));
    for (const res of reads.value) expectUnavailableProblem(res, `/v1/verifications/${verificationId}`);
    expect(reads.ms).toBeLessThan(REQUEST_BOUND_MS);
    const line = t.logs.find((entry) => entry.request_id === 'frozen-1');
    expect(line).toMatchObject({ level: 'error', code: 'SYSTEM_UNAVAILABLE', status: 503 });

    // On an OAuth surface the same failure is temporarily_unavailable with Retry-After.
    const token = await timed(
      t.app.inject({
        method: 'POST',
        url: '/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: rest.basic },
        // A code is looked up in the database (client credentials are sealed, the app is cached).
        payload: `grant_type=authorization_code&code=ac_unknown&redirect_uri=${encodeURIComponent('https://shop.example/callback')}`,
      }),
    );
    const oauth = expectOAuthError(token.value, 'SYSTEM_UNAVAILABLE');
    expect(token.value.statusCode).toBe(503);
    expect(oauth.error).toBe('temporarily_unavailable');
    expect(Number(token.value.headers['retry-after'])).toBeGreaterThan(0);
    expect(token.ms).toBeLessThan(REQUEST_BOUND_MS);
  });

  it('recovers once the database answers again', async () => {
    proxy.restore();
    await expectHealthy();
  });

  it('cut (connections reset, new ones refused): 503 at once, and recovery after', async () => {
    proxy.cut({ refuse: true });
    const ready = await timed(readyz());
    expectUnavailableProblem(ready.value, '/readyz');
    const read = await timed(readVerification('cut-read'));
    expectUnavailableProblem(read.value, `/v1/verifications/${verificationId}`);
    expect(read.ms).toBeLessThan(ACQUIRE_TIMEOUT_MS + 1_000);
    proxy.restore();
    await expectHealthy();
  });
});

sqliteOnly('a SQLite file locked by another connection', () => {
  let base: TestDatabase;
  let t: TestApp;
  let rest: RestApp;
  let locker: SQLite.Database;

  beforeAll(async () => {
    base = await openTestDatabase('sqlite');
    const file = (base.config as { file: string }).file;
    const config = { kind: 'sqlite' as const, file, busyTimeoutMs: STATEMENT_TIMEOUT_MS };
    const bounded = await openDatabase(config);
    t = await createTestApp('sqlite', {
      database: {
        database: bounded,
        config,
        async cleanup() {
          await bounded.close();
          await base.cleanup();
        },
      },
    });
    rest = await createRestApp(t);
    locker = new SQLite(file);
  });
  afterAll(async () => {
    if (locker.inTransaction) locker.exec('rollback');
    locker.close();
    await t.close();
  });

  it('a write waits at most the busy timeout, then answers 503 SYSTEM_UNAVAILABLE with Retry-After', async () => {
    locker.exec('begin immediate');
    try {
      const created = await timed(
        createVerification(t, rest.basic, { providerId: 'mock-qr', userData: { testIdentity: 'success' } }),
      );
      const body = expectProblem(created.value, 'SYSTEM_UNAVAILABLE', { instance: '/v1/verifications' });
      expect(created.value.headers['retry-after']).toBe('5');
      expect(body.detail).toBe(CATALOG.SYSTEM_UNAVAILABLE.description);
      expect(created.ms).toBeGreaterThanOrEqual(STATEMENT_TIMEOUT_MS - 50);
      expect(created.ms).toBeLessThan(STATEMENT_TIMEOUT_MS + 1_500);
    } finally {
      locker.exec('rollback');
    }
    const again = await createVerification(t, rest.basic, {
      providerId: 'mock-qr',
      userData: { testIdentity: 'success' },
    });
    expect(again.statusCode, again.body).toBe(201);
  });
});
