/**
 * Group commit on SQLite (store/sqlite-group-commit.ts): the transactions that end in one
 * turn of the event loop commit together, and none is answered before its commit. Each
 * test watches the file through a second connection, as another process would, and counts
 * the `commit`s the driver runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GroupCommitSqliteDialect } from '../../src/store/sqlite-group-commit.js';
import { CachingSqliteDatabase } from '../../src/store/sqlite-statement-cache.js';

interface Schema {
  items: { id: string; n: number };
}

/** A statement handle that counts the SQL it runs, and can be told to fail one `commit`. */
class CountingDatabase extends CachingSqliteDatabase {
  readonly runs = new Map<string, number>();
  failNextCommit: Error | undefined;
  /** The next statement containing this text ends the transaction, as SQLite does on a full disk. */
  rollBackOn: { readonly text: string; readonly error: Error } | undefined;

  override prepare(text: string): ReturnType<CachingSqliteDatabase['prepare']> {
    this.runs.set(text, (this.runs.get(text) ?? 0) + 1);
    const fault = this.rollBackOn;
    if (fault !== undefined && text.includes(fault.text)) {
      this.rollBackOn = undefined;
      const { handle } = this;
      return {
        reader: false,
        run: () => {
          handle.exec('rollback');
          throw fault.error;
        },
      } as unknown as ReturnType<CachingSqliteDatabase['prepare']>;
    }
    if (text === 'commit' && this.failNextCommit !== undefined) {
      const error = this.failNextCommit;
      this.failNextCommit = undefined;
      return {
        reader: false,
        run: () => {
          throw error;
        },
      } as unknown as ReturnType<CachingSqliteDatabase['prepare']>;
    }
    return super.prepare(text);
  }

  count(text: string): number {
    return this.runs.get(text) ?? 0;
  }
}

let dir: string;
let file: string;
let handle: CountingDatabase;
let db: Kysely<Schema>;
/** Another connection to the same file: what other processes see. */
let observer: SQLite.Database;

function committedIds(): string[] {
  return (observer.prepare('select id from items order by id').all() as { id: string }[]).map((row) => row.id);
}

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'idgate-group-commit-'));
  file = path.join(dir, 'db.sqlite');
  const raw = new SQLite(file);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.exec('create table items (id text primary key, n integer not null)');
  handle = new CountingDatabase(raw);
  db = new Kysely<Schema>({ dialect: new GroupCommitSqliteDialect({ database: handle }) });
  observer = new SQLite(file, { readonly: true });
});

afterEach(async () => {
  await db.destroy();
  observer.close();
  rmSync(dir, { recursive: true, force: true });
});

function insertIn(id: string) {
  return db.transaction().execute(async (trx) => {
    await trx.insertInto('items').values({ id, n: 1 }).execute();
    return id;
  });
}

describe('SQLite group commit', () => {
  it('commits the transactions of one turn once, together, and answers none before the commit', async () => {
    const seenAtAnswer: number[] = [];
    const ids = Array.from({ length: 10 }, (_, i) => `t${i}`);
    await Promise.all(
      ids.map(async (id) => {
        await insertIn(id);
        seenAtAnswer.push(committedIds().length);
      }),
    );
    expect(handle.count('commit')).toBe(1);
    expect(handle.count('begin immediate')).toBe(1);
    // Every transaction was answered after all ten were visible to another connection.
    expect(seenAtAnswer).toEqual(ids.map(() => 10));
    expect(committedIds()).toEqual(ids);
  });

  it('commits again in a later turn: a group is one turn of the event loop', async () => {
    await insertIn('a');
    await insertIn('b');
    expect(handle.count('commit')).toBe(2);
    expect(committedIds()).toEqual(['a', 'b']);
  });

  it('rolls back a failing transaction alone: the others of its group commit', async () => {
    const results = await Promise.allSettled([
      insertIn('a'),
      db.transaction().execute(async (trx) => {
        await trx.insertInto('items').values({ id: 'b', n: 1 }).execute();
        throw new Error('the caller changed its mind');
      }),
      db.transaction().execute(async (trx) => {
        await trx.insertInto('items').values({ id: 'c', n: 1 }).execute();
        // A primary-key violation: only this statement fails, the transaction goes on.
        await trx.insertInto('items').values({ id: 'a', n: 2 }).execute();
      }),
      insertIn('d'),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toContain('changed its mind');
    expect(String((results[2] as PromiseRejectedResult).reason)).toMatch(/UNIQUE constraint failed/);
    expect(committedIds()).toEqual(['a', 'd']);
    expect(handle.count('commit')).toBe(1);
  });

  it('fails every transaction of a group whose commit fails, keeps none of it, and goes on', async () => {
    handle.failNextCommit = Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
    const results = await Promise.allSettled([
      insertIn('a'),
      insertIn('b'),
      db.insertInto('items').values({ id: 'c', n: 1 }).execute(),
    ]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const result of results)
      expect((result as PromiseRejectedResult).reason).toMatchObject({ code: 'SQLITE_IOERR' });
    expect(committedIds()).toEqual([]);
    expect(handle.inTransaction).toBe(false);
    await insertIn('d');
    expect(committedIds()).toEqual(['d']);
  });

  it('fails the whole group with the error when SQLite ends the transaction by itself, and goes on', async () => {
    handle.rollBackOn = {
      text: 'delete from',
      error: Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }),
    };
    const results = await Promise.allSettled([
      insertIn('a'),
      db.transaction().execute(async (trx) => {
        await trx.insertInto('items').values({ id: 'b', n: 1 }).execute();
        await trx.deleteFrom('items').where('id', '=', 'x').execute();
      }),
      insertIn('c'),
    ]);
    // 'a' was in the lost group, 'b' lost it; 'c' came after and opened a group of its own.
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
    for (const result of results.slice(0, 2)) {
      expect((result as PromiseRejectedResult).reason).toMatchObject({ code: 'SQLITE_FULL' });
    }
    expect(committedIds()).toEqual(['c']);
    expect(handle.inTransaction).toBe(false);
    await insertIn('d');
    expect(committedIds()).toEqual(['c', 'd']);
  });

  it('answers a read made while a group is open after the commit, with what it committed', async () => {
    let visibleWhenRead = -1;
    const [, rows] = await Promise.all([
      insertIn('a'),
      db
        .selectFrom('items')
        .select('id')
        .execute()
        .then((result) => {
          visibleWhenRead = committedIds().length;
          return result;
        }),
    ]);
    expect(rows).toEqual([{ id: 'a' }]);
    expect(visibleWhenRead).toBe(1);
  });

  it('batches writes made outside a transaction, each answered once durable', async () => {
    const seen: number[] = [];
    await Promise.all(
      ['a', 'b', 'c'].map(async (id) => {
        const [result] = await db.insertInto('items').values({ id, n: 1 }).execute();
        expect(result?.numInsertedOrUpdatedRows).toBe(1n);
        seen.push(committedIds().length);
      }),
    );
    expect(seen).toEqual([3, 3, 3]);
    expect(handle.count('commit')).toBe(1);
    const updated = await db.updateTable('items').set({ n: 5 }).where('id', '=', 'b').executeTakeFirst();
    expect(updated.numUpdatedRows).toBe(1n);
    expect(observer.prepare("select n from items where id = 'b'").get()).toEqual({ n: 5 });
  });

  it('runs a read with no group open on its own, with no transaction', async () => {
    await insertIn('a');
    const commits = handle.count('commit');
    expect(await db.selectFrom('items').select('id').execute()).toEqual([{ id: 'a' }]);
    expect(handle.count('commit')).toBe(commits);
    expect(handle.inTransaction).toBe(false);
  });

  it('commits the open group before transaction control a caller runs itself (the migrations)', async () => {
    const [, manual] = await Promise.all([
      insertIn('a'),
      db.connection().execute(async (connection) => {
        await sql`begin immediate`.execute(connection);
        await connection.insertInto('items').values({ id: 'm', n: 1 }).execute();
        const inside = committedIds();
        await sql`commit`.execute(connection);
        return inside;
      }),
    ]);
    // The group of 'a' was committed before the caller's own transaction began.
    expect(manual).toEqual(['a']);
    expect(committedIds()).toEqual(['a', 'm']);
  });

  it('keeps a group open for a transaction that waits across turns, and commits it with the others', async () => {
    const slow = db.transaction().execute(async (trx) => {
      await trx.insertInto('items').values({ id: 's1', n: 1 }).execute();
      await new Promise((resolve) => setTimeout(resolve, 30));
      await trx.insertInto('items').values({ id: 's2', n: 1 }).execute();
    });
    const quick = insertIn('q');
    await Promise.all([slow, quick]);
    expect(committedIds()).toEqual(['q', 's1', 's2']);
  });

  it('commits an open group when the database is closed', async () => {
    let closing: Promise<void> | undefined;
    const pending = db.transaction().execute(async (trx) => {
      await trx.insertInto('items').values({ id: 'a', n: 1 }).execute();
      // Closed while this transaction is still running: the close waits for it, then commits.
      closing = db.destroy();
      return 'a';
    });
    await expect(pending).resolves.toBe('a');
    await closing;
    expect(committedIds()).toEqual(['a']);
    db = new Kysely<Schema>({
      dialect: new GroupCommitSqliteDialect({ database: new CountingDatabase(new SQLite(file)) }),
    });
  });

  it("keeps Kysely's savepoints inside a transaction: rolling back to one undoes only what followed it", async () => {
    const controlled = async () => {
      const trx = await db.startTransaction().execute();
      await trx.insertInto('items').values({ id: 'b', n: 1 }).execute();
      const inner = await trx.savepoint('before_c').execute();
      await inner.insertInto('items').values({ id: 'c', n: 1 }).execute();
      const back = await inner.rollbackToSavepoint('before_c').execute();
      const after = await back.releaseSavepoint('before_c').execute();
      await after.insertInto('items').values({ id: 'd', n: 1 }).execute();
      await after.commit().execute();
    };
    await Promise.all([insertIn('a'), controlled()]);
    expect(committedIds()).toEqual(['a', 'b', 'd']);
    expect(handle.count('commit')).toBe(1);
  });

  it('streams a read outside any group', async () => {
    await Promise.all([insertIn('a'), insertIn('b')]);
    const streamed: string[] = [];
    for await (const row of db.selectFrom('items').select('id').orderBy('id').stream()) streamed.push(row.id);
    expect(streamed).toEqual(['a', 'b']);
  });
});
