import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseConfig, openDatabase } from '../../src/store/database.js';
import { openTestDatabase, TEST_DATABASE_KINDS, type TestDatabase, testPostgresUrl } from '../support/databases.js';

describe('openDatabase configuration errors', () => {
  it.each(['Bad', 'has-dash', 'x;drop schema public', '1abc', '', 'a b'])(
    'rejects the PostgreSQL schema name %j with a RangeError',
    async (schema) => {
      await expect(openDatabase({ kind: 'postgres', url: testPostgresUrl(), schema })).rejects.toBeInstanceOf(
        RangeError,
      );
    },
  );

  it.each([0, -1, 1.5, Number.NaN])('rejects the pool size %s with a RangeError', async (poolSize) => {
    await expect(openDatabase({ kind: 'postgres', url: testPostgresUrl(), poolSize })).rejects.toBeInstanceOf(
      RangeError,
    );
  });

  it('rejects an empty URL or file with a TypeError', async () => {
    await expect(openDatabase({ kind: 'postgres', url: '' })).rejects.toBeInstanceOf(TypeError);
    await expect(openDatabase({ kind: 'sqlite', file: '' })).rejects.toBeInstanceOf(TypeError);
  });

  it('rejects an unknown kind with a TypeError', async () => {
    await expect(openDatabase({ kind: 'mysql' } as unknown as DatabaseConfig)).rejects.toBeInstanceOf(TypeError);
  });
});

describe.runIf(TEST_DATABASE_KINDS.includes('sqlite'))('SQLite settings', () => {
  let directory: string;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'idgate-database-'));
  });

  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('creates the directory, uses WAL, enforces foreign keys and waits on locks', async () => {
    const file = join(directory, 'nested', 'deeper', 'idgate.sqlite');
    const database = await openDatabase({ kind: 'sqlite', file });
    try {
      expect((await stat(join(directory, 'nested', 'deeper'))).isDirectory()).toBe(true);
      await database.ping();
      const pragma = async (name: string) =>
        Object.values((await sql<Record<string, unknown>>`pragma ${sql.raw(name)}`.execute(database.db)).rows[0] ?? {});
      expect(await pragma('journal_mode')).toEqual(['wal']);
      expect(await pragma('foreign_keys')).toEqual([1]);
      expect(await pragma('busy_timeout')).toEqual([5000]);
    } finally {
      await database.close();
    }
  });

  it('supports :memory:', async () => {
    const database = await openDatabase({ kind: 'sqlite', file: ':memory:' });
    await database.ping();
    await database.close();
  });
});

describe.each(TEST_DATABASE_KINDS)('Database on %s', (kind) => {
  let testDatabase: TestDatabase;

  beforeAll(async () => {
    testDatabase = await openTestDatabase(kind);
  });

  afterAll(async () => {
    await testDatabase?.cleanup();
  });

  it('reports its kind and answers ping', async () => {
    expect(testDatabase.database.kind).toBe(kind);
    await testDatabase.database.ping();
  });

  it.runIf(kind === 'postgres')('uses the configured schema as search_path', async () => {
    const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(testDatabase.database.db);
    expect(testDatabase.config.kind === 'postgres' && rows[0]?.schema).toBe(
      testDatabase.config.kind === 'postgres' ? testDatabase.config.schema : undefined,
    );
  });

  it('closing twice is harmless', async () => {
    const other = await openDatabase(testDatabase.config);
    await other.ping();
    await other.close();
    await other.close();
  });
});
