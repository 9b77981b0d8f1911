import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { CachingSqliteDatabase } from '../../src/store/sqlite-statement-cache.js';
import { TEST_DATABASE_KINDS } from '../support/databases.js';

describe.runIf(TEST_DATABASE_KINDS.includes('sqlite'))('SQLite statement cache', () => {
  let directory: string;
  let counter = 0;
  const fileName = () => join(directory, `cache-${++counter}.sqlite`);

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'idgate-statement-cache-'));
  });

  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('hands out the same statement for the same SQL and binds new parameters each time', () => {
    const cache = new CachingSqliteDatabase(new SQLite(':memory:'));
    try {
      cache.handle.exec('create table t (id integer primary key, name text)');
      cache.handle.exec("insert into t values (1, 'one'), (2, 'two')");
      const first = cache.prepare('select name from t where id = ?');
      expect(cache.prepare('select name from t where id = ?')).toBe(first);
      expect(first.all([1])).toEqual([{ name: 'one' }]);
      expect(cache.prepare('select name from t where id = ?').all([2])).toEqual([{ name: 'two' }]);
      expect(cache.size).toBe(1);
    } finally {
      cache.close();
    }
  });

  it('keeps at most the configured number of statements, dropping the least recently used', () => {
    const cache = new CachingSqliteDatabase(new SQLite(':memory:'), 2);
    try {
      const a = cache.prepare('select 1');
      const b = cache.prepare('select 2');
      expect(cache.prepare('select 1')).toBe(a); // a is now the most recent
      cache.prepare('select 3'); // evicts b
      expect(cache.size).toBe(2);
      expect(cache.prepare('select 1')).toBe(a);
      expect(cache.prepare('select 2')).not.toBe(b);
      expect(cache.size).toBe(2);
    } finally {
      cache.close();
    }
  });

  it('rejects a cache size that is not a positive integer', () => {
    const handle = new SQLite(':memory:');
    try {
      for (const size of [0, -1, 1.5, Number.NaN]) {
        expect(() => new CachingSqliteDatabase(handle, size)).toThrow(RangeError);
      }
    } finally {
      handle.close();
    }
  });

  it('prepares DDL and pragmas uncached and empties the cache when it sees one', () => {
    const cache = new CachingSqliteDatabase(new SQLite(':memory:'));
    try {
      const select = cache.prepare('select 1 as one');
      const create = cache.prepare('create table t (x integer)');
      expect(cache.size).toBe(0);
      create.run([]);
      expect(cache.prepare('create table u (x integer)')).not.toBe(cache.prepare('create table u (x integer)'));
      expect(cache.prepare('pragma user_version')).not.toBe(cache.prepare('pragma user_version'));
      expect(cache.prepare('select 1 as one')).not.toBe(select);
    } finally {
      cache.close();
    }
  });

  it('sees a schema changed by another connection (columns added, table dropped and re-created)', () => {
    const file = fileName();
    const cache = new CachingSqliteDatabase(new SQLite(file));
    const other = new SQLite(file);
    try {
      cache.handle.exec('create table t (x integer)');
      cache.handle.exec('insert into t values (1)');
      expect(cache.prepare('select * from t').all([])).toEqual([{ x: 1 }]);
      other.exec("alter table t add column y text default 'added'");
      expect(cache.prepare('select * from t').all([])).toEqual([{ x: 1, y: 'added' }]);
      other.exec('drop table t');
      expect(() => cache.prepare('select * from t').all([])).toThrow(/no such table/);
      other.exec('create table t (q integer)');
      other.exec('insert into t values (7)');
      expect(cache.prepare('select * from t').all([])).toEqual([{ q: 7 }]);
    } finally {
      other.close();
      cache.close();
    }
  });

  it('gives a fresh statement while the cached one is still being iterated', () => {
    const cache = new CachingSqliteDatabase(new SQLite(':memory:'));
    try {
      cache.handle.exec('create table t (x integer)');
      cache.handle.exec('insert into t values (1), (2)');
      const iterating = cache.prepare('select x from t order by x');
      const rows = iterating.iterate([]);
      expect(rows.next().value).toEqual({ x: 1 });
      const second = cache.prepare('select x from t order by x');
      expect(second).not.toBe(iterating);
      expect(second.all([])).toEqual([{ x: 1 }, { x: 2 }]);
      expect(rows.next().value).toEqual({ x: 2 });
      rows.return?.();
      expect(cache.prepare('select x from t order by x')).toBe(iterating);
    } finally {
      cache.close();
    }
  });

  it('runs Kysely queries, RETURNING, transactions and streams through the cache', { timeout: 5000 }, async () => {
    const cache = new CachingSqliteDatabase(new SQLite(fileName()));
    const db = new Kysely<{ t: { id: number; name: string } }>({ dialect: new SqliteDialect({ database: cache }) });
    try {
      await db.schema
        .createTable('t')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('name', 'text')
        .execute();
      for (const id of [1, 2, 3]) {
        const inserted = await db
          .insertInto('t')
          .values({ id, name: `n${id}` })
          .returning(['id', 'name'])
          .executeTakeFirst();
        expect(inserted).toEqual({ id, name: `n${id}` });
      }
      const updated = await db
        .updateTable('t')
        .set({ name: 'used' })
        .where('id', '=', 2)
        .where('name', '!=', 'used')
        .returning('id')
        .execute();
      expect(updated).toEqual([{ id: 2 }]);
      // The same statement again: the condition now fails, so nothing is returned.
      expect(
        await db
          .updateTable('t')
          .set({ name: 'used' })
          .where('id', '=', 2)
          .where('name', '!=', 'used')
          .returning('id')
          .execute(),
      ).toEqual([]);
      const deleted = await db.deleteFrom('t').where('id', '=', 3).executeTakeFirst();
      expect(deleted.numDeletedRows).toBe(1n);
      await expect(
        db.transaction().execute(async (trx) => {
          await trx.insertInto('t').values({ id: 9, name: 'rolled back' }).execute();
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('t').values({ id: 4, name: 'n4' }).execute();
      });
      const streamed: unknown[] = [];
      for await (const row of db.selectFrom('t').select('id').orderBy('id').stream()) {
        streamed.push(row);
      }
      // (Kysely holds SQLite's one connection for the whole stream, so no other query can
      // run meanwhile; the busy case is covered above.)
      expect(streamed).toEqual([{ id: 1 }, { id: 2 }, { id: 4 }]);
      expect(cache.size).toBeGreaterThan(0);
      expect(cache.size).toBeLessThanOrEqual(20);
    } finally {
      await db.destroy();
    }
  });

  it('is what openDatabase uses for SQLite, and ALTER TABLE through Kysely is seen at once', async () => {
    const database = await openDatabase({ kind: 'sqlite', file: fileName() });
    try {
      await sql`create table t (x integer)`.execute(database.db);
      await sql`insert into t values (1)`.execute(database.db);
      const read = () => sql<Record<string, unknown>>`select * from t`.execute(database.db);
      expect((await read()).rows).toEqual([{ x: 1 }]);
      await sql`alter table t add column y integer default 2`.execute(database.db);
      expect((await read()).rows).toEqual([{ x: 1, y: 2 }]);
    } finally {
      await database.close();
    }
  });
});
