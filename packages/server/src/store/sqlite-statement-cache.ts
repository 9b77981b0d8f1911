/**
 * A better-sqlite3 database handle for the SQLite dialect that keeps prepared statements,
 * by SQL text, in a bounded LRU. The driver (sqlite-group-commit.ts, like Kysely's own)
 * calls `prepare` on every statement; compiling the SQL again costs more than running a
 * primary-key read.
 *
 * Why reusing a statement is safe:
 * - better-sqlite3 binds the parameters anew on every `all`/`run`/`iterate` and resets
 *   the statement after it, also when it throws; `reader` (whether it returns rows,
 *   `RETURNING` included) depends on the SQL text only.
 * - Schema changes: SQLite recompiles a prepared statement by itself when the schema
 *   changed since it was prepared, on this connection or another one
 *   (`sqlite3_prepare_v3`), so `select *` sees added columns and a dropped table fails
 *   as it would when freshly prepared. On top of that, any statement that is not plain
 *   DML or transaction control (DDL, `pragma`, `vacuum`, …) is prepared uncached and
 *   empties the cache, so migrations start and end with fresh statements.
 * - A statement still being iterated (`busy`, Kysely's `stream()`) is never handed out
 *   twice: the second caller gets a fresh, uncached statement.
 */
import type { Database as SqliteHandle, Statement } from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/** Default number of statements kept per connection. */
export const SQLITE_STATEMENT_CACHE_SIZE = 256;

/** Statements safe to keep: DML and transaction control. */
const CACHEABLE = /^\s*(?:select|insert|update|delete|with|replace|begin|commit|rollback|savepoint|release)\b/i;

/** The `SqliteDatabase` Kysely's dialect takes, with a statement cache in front of `prepare`. */
export class CachingSqliteDatabase implements SqliteDatabase {
  readonly handle: SqliteHandle;
  readonly #maxStatements: number;
  /** Insertion order is recency order: a hit moves its entry to the end. */
  readonly #statements = new Map<string, Statement>();

  constructor(handle: SqliteHandle, maxStatements: number = SQLITE_STATEMENT_CACHE_SIZE) {
    if (!Number.isInteger(maxStatements) || maxStatements < 1) {
      throw new RangeError(`invalid statement cache size ${String(maxStatements)}: expected a positive integer`);
    }
    this.handle = handle;
    this.#maxStatements = maxStatements;
  }

  /** Whether a transaction is open on the connection. */
  get inTransaction(): boolean {
    return this.handle.inTransaction;
  }

  /** How many statements are cached now. */
  get size(): number {
    return this.#statements.size;
  }

  /** A prepared statement for `sql`: the cached one when there is an idle one. */
  prepare(sql: string): Statement {
    const cached = this.#statements.get(sql);
    if (cached !== undefined) {
      if (cached.busy) return this.handle.prepare(sql);
      this.#statements.delete(sql);
      this.#statements.set(sql, cached);
      return cached;
    }
    if (!CACHEABLE.test(sql)) {
      this.#statements.clear();
      return this.handle.prepare(sql);
    }
    const statement = this.handle.prepare(sql);
    if (this.#statements.size >= this.#maxStatements) {
      const oldest = this.#statements.keys().next().value;
      if (oldest !== undefined) this.#statements.delete(oldest);
    }
    this.#statements.set(sql, statement);
    return statement;
  }

  /** Drops the statements and closes the handle. */
  close(): void {
    this.#statements.clear();
    this.handle.close();
  }
}
