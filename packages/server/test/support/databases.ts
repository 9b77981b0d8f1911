/**
 * Test databases: a fresh, migrated database per call, on SQLite (a temporary file) or
 * PostgreSQL (a fresh schema in the test database), so test files can run in parallel.
 *
 * `IDGATE_TEST_DATABASES` (comma list, default `sqlite,postgres`) picks the kinds;
 * `IDGATE_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`) the
 * server. A requested PostgreSQL that cannot be reached fails loudly: tests never skip it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type Database, type DatabaseConfig, openDatabase } from '../../src/store/database.js';
import { migrate } from '../../src/store/migrate.js';

/** A database kind the suite can run against. */
export type TestDatabaseKind = 'sqlite' | 'postgres';

/** The default PostgreSQL server for tests. */
export const DEFAULT_TEST_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** A migrated test database and how to get rid of it. */
export interface TestDatabase {
  readonly database: Database;
  readonly config: DatabaseConfig;
  /** Closes the database and deletes its file or schema. */
  cleanup(): Promise<void>;
}

function parseKinds(text: string): readonly TestDatabaseKind[] {
  const kinds = text
    .split(',')
    .map(function trim(part) {
      return part.trim();
    })
    .filter(function nonEmpty(part) {
      return part.length > 0;
    });
  for (const kind of kinds) {
    if (kind !== 'sqlite' && kind !== 'postgres') {
      throw new RangeError(`IDGATE_TEST_DATABASES: unknown database kind ${JSON.stringify(kind)} (sqlite, postgres)`);
    }
  }
  if (kinds.length === 0) throw new RangeError('IDGATE_TEST_DATABASES names no database');
  return Object.freeze([...new Set(kinds as TestDatabaseKind[])]);
}

/** The database kinds to run the store suites against. */
export const TEST_DATABASE_KINDS: readonly TestDatabaseKind[] = parseKinds(
  process.env['IDGATE_TEST_DATABASES'] ?? 'sqlite,postgres',
);

/** The PostgreSQL URL tests use. */
export function testPostgresUrl(): string {
  return process.env['IDGATE_TEST_POSTGRES_URL'] ?? DEFAULT_TEST_POSTGRES_URL;
}

/** The URL without its password, for error messages. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable URL>';
  }
}

/**
 * Runs `statement` on the test PostgreSQL server with a short-lived client.
 * @throws Error naming the server when it cannot be reached.
 */
async function runAdminStatement(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on('error', function ignoreClientError() {});
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL was requested for the tests (IDGATE_TEST_DATABASES=${TEST_DATABASE_KINDS.join(',')}) but ` +
        `${redact(url)} cannot be reached: ${error instanceof Error ? error.message : String(error)}. ` +
        'Start PostgreSQL, set IDGATE_TEST_POSTGRES_URL, or set IDGATE_TEST_DATABASES=sqlite.',
      { cause: error },
    );
  }
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** A fresh, empty (unmigrated) test database of the given kind. */
export async function openEmptyTestDatabase(kind: TestDatabaseKind): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const directory = await mkdtemp(join(tmpdir(), 'idgate-test-'));
    const config: DatabaseConfig = { kind: 'sqlite', file: join(directory, 'idgate.sqlite') };
    const database = await openDatabase(config);
    return {
      database,
      config,
      async cleanup() {
        await database.close();
        await rm(directory, { recursive: true, force: true });
      },
    };
  }
  const url = testPostgresUrl();
  const schema = `t_${randomBytes(8).toString('hex')}`;
  await runAdminStatement(url, `create schema ${schema}`);
  const config: DatabaseConfig = { kind: 'postgres', url, schema, poolSize: 5 };
  const database = await openDatabase(config);
  return {
    database,
    config,
    async cleanup() {
      await database.close();
      await runAdminStatement(url, `drop schema if exists ${schema} cascade`);
    },
  };
}

/** A fresh, migrated test database of the given kind. */
export async function openTestDatabase(kind: TestDatabaseKind): Promise<TestDatabase> {
  const testDatabase = await openEmptyTestDatabase(kind);
  try {
    await migrate(testDatabase.database);
  } catch (error) {
    await testDatabase.cleanup();
    throw error;
  }
  return testDatabase;
}
