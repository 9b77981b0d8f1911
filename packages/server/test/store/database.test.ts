import { watch } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseConfig, openDatabase, SQLITE_WAL_AUTOCHECKPOINT_PAGES } from '../../src/store/database.js';
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
      expect(await pragma('wal_autocheckpoint')).toEqual([SQLITE_WAL_AUTOCHECKPOINT_PAGES]);
      expect(await pragma('temp_store')).toEqual([2]);
    } finally {
      await database.close();
    }
  });

  it('keeps the savepoint journal of a commit group in memory: no temporary file, where plain SQLite writes one', async () => {
    // SQLite creates its temporary files in this directory (a process-wide setting) and
    // deletes them at once; watching the directory sees each one being created.
    const temporaries = join(directory, 'temporaries');
    await mkdir(temporaries);
    const created: string[] = [];
    const watcher = watch(temporaries, (_event, name) => created.push(String(name)));
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    // The watcher's events arrive asynchronously: wait for the control's file (up to 5 s),
    // then give any file of idgate's connection 200 ms to show.
    async function firstCreation(): Promise<void> {
      for (let waited = 0; created.length === 0 && waited < 5_000; waited += 50) await pause(50);
    }
    // 200 rows of 2 KB: rewriting them all in one savepoint journals ≈ 100 pages (400 KB),
    // past the 64 KiB SQLite keeps in memory before spilling to a file.
    const schema = 'create table t (id integer primary key, body blob)';
    const fill =
      'insert into t (body) with recursive n(i) as (select 1 union all select i + 1 from n where i < 200) select randomblob(2000) from n';
    const control = new SQLite(join(directory, 'control.sqlite'));
    const database = await openDatabase({ kind: 'sqlite', file: join(directory, 'grouped.sqlite') });
    try {
      control.pragma('journal_mode = WAL');
      control.pragma(`temp_store_directory = '${temporaries}'`);
      control.exec(schema);
      control.exec(fill);
      control.exec('begin immediate; savepoint member; update t set body = randomblob(2000); release member; commit');
      await firstCreation();
      expect(created.length, 'plain SQLite spilled the savepoint journal to a file').toBeGreaterThan(0);
      created.length = 0;

      await sql.raw(schema).execute(database.db);
      await sql.raw(fill).execute(database.db);
      await Promise.all(
        [1, 2, 3].map((member) =>
          database.db.transaction().execute(async (trx) => {
            // The first rewrites every row, the others a third each, each in its own savepoint.
            await sql`update t set body = randomblob(2000) where ${member} = 1 or id % 3 = ${member - 1}`.execute(trx);
          }),
        ),
      );
      await pause(200);
      expect(created).toEqual([]);
      const { rows } = await sql<{ n: number }>`select count(*) as n from t`.execute(database.db);
      expect(rows[0]?.n).toBe(200);
    } finally {
      watcher.close();
      control.pragma("temp_store_directory = ''");
      control.close();
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
