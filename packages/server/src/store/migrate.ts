/**
 * Brings the database schema up to date with Kysely's `Migrator` and the static list of
 * migrations in `migrations/index.ts`.
 *
 * Safe when several processes start at once:
 * - PostgreSQL: Kysely takes a session advisory lock and runs the pending migrations in
 *   one transaction.
 * - SQLite: Kysely's SQLite adapter takes no lock (it assumes one process), so the whole
 *   run happens inside `BEGIN IMMEDIATE`, which holds the file's write lock; a second
 *   process waits (busy timeout), then finds nothing left to do. SQLite DDL is
 *   transactional, so a failed run leaves nothing half-applied.
 */
import { isIdgateError } from '@idgate/errors';
import { type Kysely, type MigrationProvider, type MigrationResultSet, Migrator, sql } from 'kysely';
import type { Database } from './database.js';
import { type MigrationContext, migrationsFor } from './migrations/index.js';
import type { DatabaseSchema } from './schema.js';

/** What `migrate` did. */
export interface MigrateResult {
  /** Names of the migrations applied by this call, in order; empty when up to date. */
  readonly applied: string[];
}

/** The migrations of one run, with what they need beyond the database. */
function providerFor(context: MigrationContext) {
  return {
    async getMigrations() {
      return migrationsFor(context);
    },
  };
}

/**
 * Applies every pending migration. `context.sealer` (the instance `SecretBox`) is needed
 * by migration 0008 when the database holds login hints in clear.
 *
 * @throws IdgateError `SYSTEM_UNAVAILABLE` when the database cannot be reached;
 *   `Error` (with the driver error as `cause`) when a migration fails.
 */
export async function migrate(database: Database, context: MigrationContext = {}): Promise<MigrateResult> {
  const provider = providerFor(context);
  const resultSet =
    database.kind === 'postgres'
      ? await migratePostgres(database.db, provider)
      : await migrateSqlite(database.db, provider);
  return toResult(resultSet);
}

async function migratePostgres(db: Kysely<DatabaseSchema>, provider: MigrationProvider): Promise<MigrationResultSet> {
  // Name the current schema: the migrator creates and looks for its bookkeeping tables
  // there (the introspector it asks reads only that schema, current-schema-introspector.ts).
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema ?? null;
  if (schema === null) {
    throw new Error('PostgreSQL has no current schema: the schema in search_path does not exist; create it first');
  }
  return new Migrator({ db, provider, migrationTableSchema: schema }).migrateToLatest();
}

async function migrateSqlite(db: Kysely<DatabaseSchema>, provider: MigrationProvider): Promise<MigrationResultSet> {
  return db.connection().execute(async function migrateHoldingWriteLock(connection) {
    await sql`begin immediate`.execute(connection);
    let resultSet: MigrationResultSet;
    try {
      resultSet = await new Migrator({ db: connection, provider }).migrateToLatest();
    } catch (error) {
      await rollbackQuietly(connection);
      throw error;
    }
    if (resultSet.error !== undefined) {
      await rollbackQuietly(connection);
      return resultSet;
    }
    await sql`commit`.execute(connection);
    return resultSet;
  });
}

/** Rolls back; SQLite may already have rolled back by itself (I/O errors, full disk). */
async function rollbackQuietly(connection: Kysely<DatabaseSchema>): Promise<void> {
  try {
    await sql`rollback`.execute(connection);
  } catch {
    // nothing to roll back
  }
}

function toResult(resultSet: MigrationResultSet): MigrateResult {
  const { error, results = [] } = resultSet;
  if (error !== undefined) {
    if (isIdgateError(error)) throw error;
    const failed = results.find(function isFailure(result) {
      return result.status === 'Error';
    });
    const message = error instanceof Error ? error.message : String(error);
    const which = failed === undefined ? '' : ` ${failed.migrationName}`;
    throw new Error(`database migration${which} failed: ${message}`, { cause: error });
  }
  return {
    applied: results
      .filter(function isApplied(result) {
        return result.status === 'Success' && result.direction === 'Up';
      })
      .map(function nameOf(result) {
        return result.migrationName;
      }),
  };
}
