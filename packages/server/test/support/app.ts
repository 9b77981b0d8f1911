/**
 * Builds an idgate app for a test on a real database, with every error response
 * recorded for the leak scan.
 */
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config/config.js';
import type { RateLimitStore } from '../../src/http/rate-limit/rate-limit-store.js';
import type { Database } from '../../src/store/database.js';
import { openTestDatabase, type TestDatabase, type TestDatabaseKind } from './databases.js';
import { recordErrorBody, registerSecret } from './leaks.js';

/** The admin key of test apps. */
export const TEST_ADMIN_KEY = 'idgate_admin_test_key_0123456789abcdefghijklmnop';
/** The instance secret of test apps. */
export const TEST_SECRET_KEY = 'test-instance-secret-0123456789abcdefghijklmnopqrstuvwxyz';
/** The issuer of test apps. */
export const TEST_ISSUER = 'https://idgate.test';

registerSecret(TEST_ADMIN_KEY);
registerSecret(TEST_SECRET_KEY);

/** A test app, its database and captured log lines. */
export interface TestApp {
  readonly app: FastifyInstance;
  readonly config: Config;
  readonly database: TestDatabase;
  /** Every JSON log line written so far. */
  readonly logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/** Options for {@link createTestApp}. */
export interface TestAppOptions {
  readonly env?: Record<string, string>;
  readonly clock?: () => Date;
  /** Where rate limits are counted (default: the app's in-memory store). */
  readonly rateLimitStore?: RateLimitStore;
  /** Register extra (test-only) routes before the app is ready. */
  readonly routes?: (app: FastifyInstance) => void;
  /** A database the test opened itself (default: a fresh one of `kind`); `close()` cleans it up. */
  readonly database?: TestDatabase;
  /** Another test app's database to share (a second instance); it stays open when this app closes. */
  readonly sharedDatabase?: TestDatabase;
  /**
   * Opens the database the app itself uses (e.g. the test database through a TCP proxy),
   * closed with the app; the test's own reads keep the direct connection.
   */
  readonly appDatabase?: (test: TestDatabase) => Promise<Database>;
}

/** Builds and readies an app on a fresh database of the given kind. */
export async function createTestApp(kind: TestDatabaseKind = 'sqlite', options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.sharedDatabase ?? options.database ?? (await openTestDatabase(kind));
  const appDatabase = options.appDatabase ? await options.appDatabase(database) : database.database;
  const config = loadConfig({
    IDGATE_ISSUER: TEST_ISSUER,
    IDGATE_DATA_DIR: '/nonexistent-data-dir',
    IDGATE_LOG_LEVEL: 'info',
    ...options.env,
  });
  const logs: Record<string, unknown>[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const app = buildApp(config, {
    database: appDatabase,
    adminKey: TEST_ADMIN_KEY,
    secretKey: TEST_SECRET_KEY,
    logStream,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.rateLimitStore ? { rateLimitStore: options.rateLimitStore } : {}),
  });
  app.addHook('onSend', async function recordErrorResponses(request, reply, payload) {
    const status = reply.statusCode;
    if (status >= 400 || (status === 302 && String(reply.getHeader('location') ?? '').includes('error='))) {
      const body = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : '';
      recordErrorBody({
        where: `${request.method} ${request.url.slice(0, 120)}`,
        status,
        body,
        headers: JSON.stringify(reply.getHeaders()),
      });
    }
    return payload;
  });
  options.routes?.(app);
  await app.ready();
  return {
    app,
    config,
    database,
    logs,
    async close() {
      await app.close();
      if (appDatabase !== database.database) await appDatabase.close();
      if (options.sharedDatabase === undefined) await database.cleanup();
    },
  };
}

/** `Authorization` header of the admin API in tests. */
export function adminAuth(): { authorization: string } {
  return { authorization: `Bearer ${TEST_ADMIN_KEY}` };
}
