/**
 * On PostgreSQL, idgate's migrations ask Kysely whether their bookkeeping tables exist.
 * Kysely's own introspector scans every schema of the database and fails when another
 * session drops a schema during the scan ("schema … does not exist", from
 * `has_schema_privilege`). idgate's introspector reads its own schema only: schemas
 * dropped elsewhere while it runs change nothing.
 */
import { PostgresIntrospector, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/store/migrate.js';
import { openEmptyTestDatabase, TEST_DATABASE_KINDS, type TestDatabase } from '../support/databases.js';

describe.runIf(TEST_DATABASE_KINDS.includes('postgres'))('PostgreSQL introspection of the current schema', () => {
  let mine: TestDatabase;
  let other: TestDatabase;
  let names: string[] = [];

  beforeAll(async () => {
    mine = await openEmptyTestDatabase('postgres');
    other = await openEmptyTestDatabase('postgres');
    await sql`create table elsewhere (id serial primary key, label text)`.execute(other.database.db);
  });
  afterAll(async () => {
    // The schemas the last test drops, should it stop before it dropped them all.
    for (const name of names) await sql.raw(`drop schema if exists ${name} cascade`).execute(other.database.db);
    await mine?.cleanup();
    await other?.cleanup();
  });

  it('lists the tables of the current schema only, with their columns', async () => {
    await migrate(mine.database);
    const tables = await mine.database.db.introspection.getTables({ withInternalKyselyTables: true });
    const schema = mine.config.kind === 'postgres' ? mine.config.schema : undefined;
    expect(tables.length).toBeGreaterThan(10);
    expect(new Set(tables.map((table) => table.schema))).toEqual(new Set([schema]));
    expect(tables.map((table) => table.name)).toContain('kysely_migration');
    expect(tables.map((table) => table.name)).not.toContain('elsewhere');
    const apps = tables.find((table) => table.name === 'apps');
    expect(apps?.isView).toBe(false);
    expect(apps?.columns.find((column) => column.name === 'client_id')).toMatchObject({
      dataType: 'text',
      isNullable: false,
      isAutoIncrementing: false,
    });
    // Without the internal tables, as Kysely's own introspector leaves them out.
    const plain = await mine.database.db.introspection.getTables();
    expect(plain.map((table) => table.name)).not.toContain('kysely_migration');
    expect(plain.map((table) => table.name)).not.toContain('kysely_migration_lock');
  });

  it('sees a serial column as auto-incrementing, as Kysely does', async () => {
    const [table] = await other.database.db.introspection.getTables();
    expect(table?.name).toBe('elsewhere');
    expect(table?.columns.map((column) => [column.name, column.isAutoIncrementing])).toEqual([
      ['id', true],
      ['label', false],
    ]);
  });

  it('keeps working while other sessions drop schemas, where Kysely’s own scan fails', async () => {
    const db = mine.database.db;
    // Many schemas with a table each, dropped one by one while both introspectors scan.
    names = Array.from(
      { length: 40 },
      (_, index) => `${mine.config.kind === 'postgres' ? mine.config.schema : ''}_d${index}`,
    );
    for (const name of names) {
      await sql.raw(`create schema ${name}; create table ${name}.t (id serial primary key)`).execute(other.database.db);
    }
    const kyselyFailures: string[] = [];
    let ours = 0;
    const dropping = (async () => {
      for (const name of names) await sql.raw(`drop schema ${name} cascade`).execute(other.database.db);
    })();
    const scanning = (async () => {
      for (let round = 0; round < 40; round++) {
        await db.introspection.getTables({ withInternalKyselyTables: true });
        ours++;
        try {
          await new PostgresIntrospector(db).getTables({ withInternalKyselyTables: true });
        } catch (error) {
          kyselyFailures.push(String(error));
        }
      }
    })();
    await Promise.all([dropping, scanning]);
    expect(ours).toBe(40);
    // Informative only: Kysely's scan fails only when a drop lands inside it.
    expect(kyselyFailures.every((failure) => /does not exist/.test(failure))).toBe(true);
  });
});
