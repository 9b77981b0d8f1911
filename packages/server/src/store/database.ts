/**
 * Opening the idgate database: SQLite through better-sqlite3 (the default, embedded)
 * or PostgreSQL through `pg` (production). Either way the result is a Kysely instance
 * whose driver translates connectivity and unique-constraint failures into catalog
 * errors (see `translate-errors.ts`).
 *
 * Opening does not touch the database yet: the first query (or `ping()`) connects, so a
 * database that is down surfaces as `SYSTEM_UNAVAILABLE` on that query. Every call is
 * bounded (`bounded-postgres-pool.ts`; SQLite's busy timeout), so a database that stops
 * answering fails requests with `SYSTEM_UNAVAILABLE` instead of holding them.
 *
 * A SQLite file is created `0600` in a directory created `0700` (`private-files.ts`).
 */
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { type Dialect, Kysely, sql } from 'kysely';
import { ensurePrivateDirectory, ensurePrivateFile } from '../security/private-files.js';
import { createBoundedPostgresPool } from './bounded-postgres-pool.js';
import { CurrentSchemaPostgresDialect } from './current-schema-introspector.js';
import type { DatabaseSchema } from './schema.js';
import { GroupCommitSqliteDialect } from './sqlite-group-commit.js';
import { CachingSqliteDatabase } from './sqlite-statement-cache.js';
import { TranslatingDialect } from './translate-errors.js';

/** Where the database lives. */
export type DatabaseConfig =
  | {
      readonly kind: 'sqlite';
      /** Path of the SQLite file (it and its directory are created if missing), or `:memory:`. */
      readonly file: string;
      /** How long a statement waits for another connection's lock (default {@link SQLITE_BUSY_TIMEOUT_MS}). */
      readonly busyTimeoutMs?: number;
    }
  | {
      readonly kind: 'postgres';
      /** A `postgres://` connection string. */
      readonly url: string;
      /** Schema to use (sets `search_path`); must match `[a-z_][a-z0-9_]*` and exist. */
      readonly schema?: string;
      /** Maximum number of pooled connections (default 10). */
      readonly poolSize?: number;
      /** How long getting a connection may take, connecting included (default {@link POSTGRES_CONNECT_TIMEOUT_MS}). */
      readonly acquireTimeoutMs?: number;
      /**
       * Server-side `statement_timeout` and `idle_in_transaction_session_timeout`, and
       * (a second later) the client-side deadline of every query; unset: unbounded (migrations).
       */
      readonly statementTimeoutMs?: number;
    };

/** An open database. */
export interface Database {
  readonly kind: 'sqlite' | 'postgres';
  readonly db: Kysely<DatabaseSchema>;
  /** Runs a trivial query; rejects with `SYSTEM_UNAVAILABLE` when the database is unreachable. */
  ping(): Promise<void>;
  /** Closes the connection(s). Idempotent. */
  close(): Promise<void>;
}

/** How long SQLite waits for a lock held by another connection before `SQLITE_BUSY`. */
export const SQLITE_BUSY_TIMEOUT_MS = 5_000;

/** WAL pages (4 KiB each) after which a commit checkpoints (SQLite's default is 1,000). */
export const SQLITE_WAL_AUTOCHECKPOINT_PAGES = 10_000;

/** How long the PostgreSQL pool waits for a connection before giving up. */
export const POSTGRES_CONNECT_TIMEOUT_MS = 10_000;

/** Default PostgreSQL pool size. */
export const POSTGRES_DEFAULT_POOL_SIZE = 10;

const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;

/**
 * Opens the database described by `config`.
 *
 * @throws TypeError / RangeError for an invalid configuration.
 */
export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  switch (config.kind) {
    case 'sqlite':
      return openSqlite(config.file, config.busyTimeoutMs ?? SQLITE_BUSY_TIMEOUT_MS);
    case 'postgres':
      return openPostgres(config);
    default:
      throw new TypeError(`unknown database kind: ${String((config as { kind?: unknown }).kind)}`);
  }
}

async function openSqlite(file: string, busyTimeoutMs: number): Promise<Database> {
  if (typeof file !== 'string' || file.length === 0) {
    throw new TypeError('the SQLite database file must be a non-empty path');
  }
  checkTimeout('SQLite busy timeout', busyTimeoutMs);
  const inMemory = file === ':memory:';
  const path = inMemory ? file : resolve(file);
  if (!inMemory) {
    try {
      ensurePrivateDirectory(dirname(path));
      ensurePrivateFile(path);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`cannot create the SQLite file ${path} or its directory: ${reason}`, { cause: error });
    }
  }

  // Transactions that end in the same turn of the event loop commit together (sqlite-group-commit.ts).
  const dialect = new GroupCommitSqliteDialect({
    database: async function openSqliteFile() {
      const handle = new SQLite(path, { timeout: busyTimeoutMs });
      try {
        // busy_timeout first, so that switching to WAL waits for a concurrent opener.
        handle.pragma(`busy_timeout = ${busyTimeoutMs}`);
        // Switching a fresh file to WAL can answer SQLITE_BUSY at once, without the busy
        // handler, while another process holds the file (seen with several processes
        // migrating one new file): retry it within the busy timeout.
        await retryWhileBusy(busyTimeoutMs, function switchToWal() {
          handle.pragma('journal_mode = WAL');
        });
        // With WAL, NORMAL keeps the database consistent and durable across process crashes;
        // only a power loss can drop the last commits. FULL would fsync on every commit.
        handle.pragma('synchronous = NORMAL');
        handle.pragma('foreign_keys = ON');
        // Savepoint journals in memory: every transaction of a commit group runs in its own
        // savepoint (sqlite-group-commit.ts), and past 64 KiB SQLite would spill that journal
        // to a temporary file (created, written and deleted in every group) in /var/tmp,
        // which a read-only container may not even have.
        handle.pragma('temp_store = MEMORY');
        // Checkpoint every ~40 MB of WAL instead of every ~4 MB: each checkpoint syncs the
        // WAL and the database file on the event loop, and pages written again and again
        // (the indexes' leaves) are copied once per checkpoint. The WAL file stays that size.
        handle.pragma(`wal_autocheckpoint = ${SQLITE_WAL_AUTOCHECKPOINT_PAGES}`);
      } catch (error) {
        handle.close();
        throw error;
      }
      // The driver prepares every statement anew; keep the statements (see sqlite-statement-cache.ts).
      return new CachingSqliteDatabase(handle);
    },
  });
  return wrap('sqlite', dialect);
}

async function openPostgres(config: Extract<DatabaseConfig, { kind: 'postgres' }>): Promise<Database> {
  const { url, schema, poolSize } = config;
  if (typeof url !== 'string' || url.length === 0) {
    throw new TypeError('the PostgreSQL connection URL must be a non-empty string');
  }
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new RangeError(`invalid PostgreSQL schema name ${JSON.stringify(schema)}: expected [a-z_][a-z0-9_]*`);
  }
  if (poolSize !== undefined && (!Number.isInteger(poolSize) || poolSize < 1)) {
    throw new RangeError(`invalid PostgreSQL pool size ${String(poolSize)}: expected a positive integer`);
  }
  const acquireTimeoutMs = config.acquireTimeoutMs ?? POSTGRES_CONNECT_TIMEOUT_MS;
  checkTimeout('PostgreSQL acquire timeout', acquireTimeoutMs);
  if (config.statementTimeoutMs !== undefined) checkTimeout('PostgreSQL statement timeout', config.statementTimeoutMs);
  const pool = createBoundedPostgresPool({
    url,
    poolSize: poolSize ?? POSTGRES_DEFAULT_POOL_SIZE,
    acquireTimeoutMs,
    statementTimeoutMs: config.statementTimeoutMs,
    schema,
  });
  return wrap('postgres', new CurrentSchemaPostgresDialect({ pool }));
}

function wrap(kind: 'sqlite' | 'postgres', dialect: Dialect): Database {
  const db = new Kysely<DatabaseSchema>({ dialect: new TranslatingDialect(dialect, kind) });
  return {
    kind,
    db,
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy();
    },
  };
}

function checkTimeout(what: string, milliseconds: number): void {
  if (!Number.isInteger(milliseconds) || milliseconds < 1) {
    throw new RangeError(`invalid ${what} ${String(milliseconds)}: expected a positive number of milliseconds`);
  }
}

/** Runs `step` again while SQLite answers SQLITE_BUSY, for at most the busy timeout. */
async function retryWhileBusy(busyTimeoutMs: number, step: () => void): Promise<void> {
  const giveUpAt = Date.now() + busyTimeoutMs;
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    try {
      step();
      return;
    } catch (error) {
      const busy = (error as { code?: unknown }).code === 'SQLITE_BUSY';
      if (!busy || Date.now() + wait > giveUpAt) throw error;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
