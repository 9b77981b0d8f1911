import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { migrate } from '../../src/store/migrate.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { openEmptyTestDatabase, TEST_DATABASE_KINDS, type TestDatabase } from '../support/databases.js';

describe.each(TEST_DATABASE_KINDS)('migrate on %s', (kind) => {
  let testDatabase: TestDatabase;

  beforeAll(async () => {
    testDatabase = await openEmptyTestDatabase(kind);
  });

  afterAll(async () => {
    await testDatabase?.cleanup();
  });

  it('applies every migration, in name order, on an empty database', async () => {
    const result = await migrate(testDatabase.database);
    expect(result.applied).toEqual(Object.keys(MIGRATIONS).sort());
    expect(result.applied[0]).toBe('0001-apps');
  });

  it('is a no-op the second time', async () => {
    expect(await migrate(testDatabase.database)).toEqual({ applied: [] });
  });

  it('is a no-op from another connection (another process) too', async () => {
    const other = await openDatabase(testDatabase.config);
    try {
      expect(await migrate(other)).toEqual({ applied: [] });
    } finally {
      await other.close();
    }
  });

  it('creates the tables in the configured place', async () => {
    const tables = await testDatabase.database.db.introspection.getTables();
    const names = tables.map((table) => table.name);
    expect(names).toEqual(expect.arrayContaining(['apps', 'app_providers']));
    if (kind === 'postgres' && testDatabase.config.kind === 'postgres') {
      // Introspection lists every schema of the shared test database (other test files'
      // schemas too): ask where the connection's unqualified `apps` lives instead.
      const schema = testDatabase.config.schema;
      expect(tables.some((table) => table.name === 'apps' && table.schema === schema)).toBe(true);
      const { rows } = await sql<{ current: string; home: string }>`
        select current_schema() as current, n.nspname as home
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.oid = to_regclass('apps')`.execute(testDatabase.database.db);
      expect(rows).toEqual([{ current: schema, home: schema }]);
    }
  });

  it('records applied migrations in kysely_migration', async () => {
    const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
      testDatabase.database.db,
    );
    expect(rows.map((row) => row.name)).toEqual(Object.keys(MIGRATIONS).sort());
  });
});

describe.runIf(TEST_DATABASE_KINDS.includes('postgres'))('migrate on postgres, concurrently', () => {
  it('two pools migrating the same fresh schema at once: each migration applied exactly once', async () => {
    const testDatabase = await openEmptyTestDatabase('postgres');
    const second = await openDatabase(testDatabase.config);
    try {
      const results = await Promise.all([migrate(testDatabase.database), migrate(second)]);
      expect(results.flatMap((result) => result.applied).sort()).toEqual(Object.keys(MIGRATIONS).sort());
    } finally {
      await second.close();
      await testDatabase.cleanup();
    }
  });

  it('a schema that does not exist fails with a clear error', async () => {
    const database = await openDatabase({
      kind: 'postgres',
      url: (await import('../support/databases.js')).testPostgresUrl(),
      schema: 'idgate_schema_that_does_not_exist',
    });
    try {
      await expect(migrate(database)).rejects.toThrow(/schema/);
    } finally {
      await database.close();
    }
  });
});
