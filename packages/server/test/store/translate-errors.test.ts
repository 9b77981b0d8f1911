import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IdgateError } from '@idgate/errors';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppsRepository } from '../../src/store/apps.repository.js';
import { openDatabase } from '../../src/store/database.js';
import { type DatabaseKind, translateDatabaseError } from '../../src/store/translate-errors.js';
import { openTestDatabase, TEST_DATABASE_KINDS, type TestDatabase, testPostgresUrl } from '../support/databases.js';

const NOW = new Date('2026-11-22T10:30:00.000Z');

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    function resolved() {
      throw new Error('expected a rejection');
    },
    function rejected(reason: unknown) {
      return reason;
    },
  );
}

function expectUnavailable(error: unknown, kind: DatabaseKind): IdgateError {
  expect(error).toBeInstanceOf(IdgateError);
  const idgateError = error as IdgateError;
  expect(idgateError.code).toBe('SYSTEM_UNAVAILABLE');
  expect(idgateError.status).toBe(503);
  expect(idgateError.headers).toEqual({ 'retry-after': '5' });
  expect(idgateError.debug).toEqual({ database: kind });
  expect(idgateError.cause).toBeDefined();
  return idgateError;
}

function driverError(code: string | undefined, message = 'driver failure'): Error {
  return code === undefined ? new Error(message) : Object.assign(new Error(message), { code });
}

describe('translateDatabaseError (classification table)', () => {
  it.each([
    ['postgres', 'ECONNREFUSED'],
    ['postgres', 'ECONNRESET'],
    ['postgres', 'ETIMEDOUT'],
    ['postgres', 'ENOTFOUND'],
    ['postgres', '57P01'],
    ['postgres', '57P02'],
    ['postgres', '57P03'],
    ['postgres', '53300'],
    ['postgres', '08006'],
    ['postgres', '57014'],
    ['postgres', '25P03'],
    ['sqlite', 'SQLITE_BUSY'],
    ['sqlite', 'SQLITE_BUSY_SNAPSHOT'],
    ['sqlite', 'SQLITE_LOCKED'],
    ['sqlite', 'SQLITE_IOERR'],
    ['sqlite', 'SQLITE_IOERR_WRITE'],
    ['sqlite', 'SQLITE_CANTOPEN'],
    ['sqlite', 'SQLITE_FULL'],
  ] as const)('%s %s → SYSTEM_UNAVAILABLE', (kind, code) => {
    const original = driverError(code);
    const translated = expectUnavailable(translateDatabaseError(kind, original), kind);
    expect(translated.cause).toBe(original);
  });

  it.each([
    'timeout exceeded when trying to connect',
    'Connection terminated unexpectedly',
    'Connection terminated due to connection timeout',
    'Query read timeout',
  ])('postgres "%s" (no code) → SYSTEM_UNAVAILABLE', (message) => {
    expectUnavailable(translateDatabaseError('postgres', driverError(undefined, message)), 'postgres');
  });

  it('looks into AggregateError (multi-address connect failures)', () => {
    const aggregate = new AggregateError([driverError('ECONNREFUSED'), driverError('ECONNREFUSED')], 'connect');
    expectUnavailable(translateDatabaseError('postgres', aggregate), 'postgres');
  });

  it.each([
    ['postgres', '23505'],
    ['sqlite', 'SQLITE_CONSTRAINT_UNIQUE'],
    ['sqlite', 'SQLITE_CONSTRAINT_PRIMARYKEY'],
  ] as const)('%s %s → RESOURCE_CONFLICT', (kind, code) => {
    const original = driverError(code);
    const translated = translateDatabaseError(kind, original);
    expect(translated).toBeInstanceOf(IdgateError);
    expect((translated as IdgateError).code).toBe('RESOURCE_CONFLICT');
    expect((translated as IdgateError).cause).toBe(original);
  });

  it.each([
    ['postgres', '23503'],
    ['postgres', '42601'],
    ['postgres', '3D000'],
    ['postgres', undefined],
    ['sqlite', 'SQLITE_CONSTRAINT_FOREIGNKEY'],
    ['sqlite', 'SQLITE_CONSTRAINT_CHECK'],
    ['sqlite', 'SQLITE_ERROR'],
    ['sqlite', 'ECONNREFUSED'],
  ] as const)('%s %s passes through unchanged', (kind, code) => {
    const original = driverError(code, 'something else');
    expect(translateDatabaseError(kind, original)).toBe(original);
  });

  it('does not match connectivity messages on errors that carry a SQLSTATE', () => {
    const original = driverError('42P01', 'Connection terminated? no: relation does not exist');
    expect(translateDatabaseError('postgres', original)).toBe(original);
  });

  it('returns IdgateErrors and non-errors as they are', () => {
    const idgateError = new IdgateError('RESOURCE_NOT_FOUND');
    expect(translateDatabaseError('sqlite', idgateError)).toBe(idgateError);
    expect(translateDatabaseError('postgres', 'a string')).toBe('a string');
  });
});

describe.each(TEST_DATABASE_KINDS)('error translation on a real %s database', (kind) => {
  let testDatabase: TestDatabase;

  beforeAll(async () => {
    testDatabase = await openTestDatabase(kind);
  });

  afterAll(async () => {
    await testDatabase?.cleanup();
  });

  it('passes other driver errors through unchanged (syntax error)', async () => {
    const error = await rejectionOf(sql`selec 1`.execute(testDatabase.database.db));
    expect(error).not.toBeInstanceOf(IdgateError);
    expect(error).toBeInstanceOf(Error);
  });

  it('passes constraint errors other than unique through unchanged (CHECK)', async () => {
    const error = await rejectionOf(
      sql`insert into app_providers (client_id, provider_id, enabled, settings, version, created_at, updated_at)
          values ('x', 'y', 7, '{}', 1, 'a', 'b')`.execute(testDatabase.database.db),
    );
    expect(error).not.toBeInstanceOf(IdgateError);
  });

  it('still works after a translated error', async () => {
    await testDatabase.database.ping();
  });
});

describe.runIf(TEST_DATABASE_KINDS.includes('postgres'))('PostgreSQL unavailable', () => {
  it('a closed port → SYSTEM_UNAVAILABLE with retry-after on the first query', async () => {
    const database = await openDatabase({ kind: 'postgres', url: 'postgres://postgres@127.0.0.1:1/test' });
    try {
      const error = expectUnavailable(await rejectionOf(database.ping()), 'postgres');
      expect((error.cause as { code?: unknown }).code).toBe('ECONNREFUSED');
      const viaRepository = await rejectionOf(new AppsRepository(database).find('test_x'));
      expectUnavailable(viaRepository, 'postgres');
    } finally {
      await database.close();
    }
  });

  it('a connection terminated by the server → SYSTEM_UNAVAILABLE; the pool recovers', async () => {
    const database = await openDatabase({ kind: 'postgres', url: testPostgresUrl(), poolSize: 1 });
    const admin = new pg.Client({ connectionString: testPostgresUrl() });
    await admin.connect();
    try {
      const error = await rejectionOf(
        database.db.connection().execute(async function terminateMyself(connection) {
          const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(connection);
          await admin.query('select pg_terminate_backend($1)', [rows[0]?.pid]);
          await new Promise((resolve) => setTimeout(resolve, 100));
          await sql`select 1`.execute(connection);
        }),
      );
      expectUnavailable(error, 'postgres');
      await database.ping();
    } finally {
      await admin.end();
      await database.close();
    }
  });
});

describe.runIf(TEST_DATABASE_KINDS.includes('sqlite'))('SQLite unavailable', () => {
  let directory: string;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'idgate-translate-'));
  });

  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('a file that cannot be opened → SYSTEM_UNAVAILABLE (SQLITE_CANTOPEN) on the first query', async () => {
    // The "file" is a directory: SQLite cannot open it.
    const database = await openDatabase({ kind: 'sqlite', file: directory });
    try {
      const error = expectUnavailable(await rejectionOf(database.ping()), 'sqlite');
      expect((error.cause as { code?: unknown }).code).toBe('SQLITE_CANTOPEN');
    } finally {
      await database.close();
    }
  });

  it('a busy writer and a tiny busy_timeout → SYSTEM_UNAVAILABLE (SQLITE_BUSY); works again after', async () => {
    const testDatabase = await openTestDatabase('sqlite');
    const { database, config } = testDatabase;
    if (config.kind !== 'sqlite') throw new Error('unreachable');
    const apps = new AppsRepository(database);
    const writer = new SQLite(config.file);
    try {
      await sql`pragma busy_timeout = 20`.execute(database.db);
      writer.exec('begin immediate');
      writer
        .prepare(
          `insert into apps (client_id, environment, name, type, redirect_uris, allowed_origins, grant_types,
             disabled, version, created_at, updated_at)
           values ('test_writer', 'sandbox', 'w', 'public', '[]', '[]', '[]', 0, 1, 'x', 'x')`,
        )
        .run();
      const app = {
        clientId: 'test_blocked',
        environment: 'sandbox',
        name: 'blocked',
        type: 'public',
        redirectUris: [],
        allowedOrigins: [],
        grantTypes: [],
        scopes: null,
        tokenEndpointAuthMethods: null,
        signInHookUrl: null,
        webhookUrl: null,
        secretHash: null,
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
      } as const;
      const error = expectUnavailable(await rejectionOf(apps.create(app, NOW)), 'sqlite');
      expect((error.cause as { code?: unknown }).code).toMatch(/^SQLITE_BUSY/);
      writer.exec('rollback');
      await sql`pragma busy_timeout = 5000`.execute(database.db);
      expect((await apps.create(app, NOW)).clientId).toBe('test_blocked');
    } finally {
      writer.close();
      await testDatabase.cleanup();
    }
  });
});
