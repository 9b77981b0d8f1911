/**
 * Boundary translation for the database: a Kysely `Dialect` wrapper whose driver and
 * connections re-throw driver errors whose meaning is known at this boundary as
 * catalog errors.
 *
 * - Connectivity failures (the database is down, unreachable, overloaded, locked, out of
 *   disk, or past a bound: statement timeout, idle-in-transaction timeout, the client-side
 *   query deadline, the pool's acquire timeout) become `SYSTEM_UNAVAILABLE` with
 *   `Retry-After: 5`.
 * - Unique-constraint violations become `RESOURCE_CONFLICT`.
 * - Everything else passes through unchanged (it becomes a masked 500 in the error
 *   handler).
 *
 * The original error is kept as `cause` for the log; nothing is mutated.
 */
import { IdgateError } from '@idgate/errors';
import type {
  CompiledQuery,
  DatabaseConnection,
  DatabaseIntrospector,
  Dialect,
  DialectAdapter,
  Driver,
  Kysely,
  QueryCompiler,
  QueryResult,
  TransactionSettings,
} from 'kysely';

/** Which database a driver error came from. */
export type DatabaseKind = 'sqlite' | 'postgres';

/** How long a client should wait before retrying when the database is unavailable. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** Node.js socket error codes that mean the PostgreSQL server cannot be reached. */
const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

/**
 * PostgreSQL SQLSTATEs that mean the server is going away, not accepting connections,
 * out of resources, or did not finish within idgate's bounds
 * (https://www.postgresql.org/docs/current/errcodes-appendix.html).
 */
const POSTGRES_UNAVAILABLE_SQLSTATES: ReadonlySet<string> = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '53000', // insufficient_resources
  '53100', // disk_full
  '53200', // out_of_memory
  '57014', // query_canceled: statement_timeout (or an operator's pg_cancel_backend)
  '25P03', // idle_in_transaction_session_timeout
]);

/**
 * Messages node-postgres uses for pool and socket failures that carry no code.
 * Matched only for PostgreSQL errors without a SQLSTATE: the driver gives us nothing better.
 */
const POSTGRES_UNAVAILABLE_MESSAGES: readonly string[] = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  // The client-side query deadline (`query_timeout`, see bounded-postgres-pool.ts).
  'Query read timeout',
];

/** SQLite primary result codes (extended codes start with them) that mean "not now". */
const SQLITE_UNAVAILABLE_PREFIXES: readonly string[] = [
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_IOERR',
  'SQLITE_CANTOPEN',
  'SQLITE_FULL',
];

const SQLITE_UNIQUE_CODES: ReadonlySet<string> = new Set(['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);

function errorCodeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { readonly code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function errorMessageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return '';
}

/** The errors inside an `AggregateError` (Node reports multi-address connect failures so). */
function nestedErrorsOf(error: unknown): readonly unknown[] {
  if (error instanceof AggregateError) return error.errors;
  return [];
}

function hasPrefixCode(code: string, prefix: string): boolean {
  return code === prefix || code.startsWith(`${prefix}_`);
}

/** Whether a PostgreSQL driver error means the database cannot be reached or is overloaded. */
function isPostgresUnavailable(error: unknown): boolean {
  const code = errorCodeOf(error);
  if (code !== undefined) {
    if (NETWORK_ERROR_CODES.has(code) || POSTGRES_UNAVAILABLE_SQLSTATES.has(code)) return true;
    // SQLSTATE class 08: connection exception.
    if (/^08[0-9A-Z]{3}$/.test(code)) return true;
  }
  if (nestedErrorsOf(error).some(isPostgresUnavailable)) return true;
  if (code === undefined) {
    const message = errorMessageOf(error);
    return POSTGRES_UNAVAILABLE_MESSAGES.some(function messageMatches(known) {
      return message.startsWith(known);
    });
  }
  return false;
}

/** Whether a better-sqlite3 error means the file is busy, locked, unreadable or full. */
function isSqliteUnavailable(error: unknown): boolean {
  const code = errorCodeOf(error);
  if (code === undefined) return false;
  return SQLITE_UNAVAILABLE_PREFIXES.some(function codeMatches(prefix) {
    return hasPrefixCode(code, prefix);
  });
}

/** Whether a driver error is a unique or primary-key violation. */
export function isUniqueViolation(kind: DatabaseKind, error: unknown): boolean {
  const code = errorCodeOf(error);
  if (code === undefined) return false;
  return kind === 'postgres' ? code === '23505' : SQLITE_UNIQUE_CODES.has(code);
}

/** Whether a driver error is a foreign-key violation (a referenced row does not exist). */
export function isForeignKeyViolation(kind: DatabaseKind, error: unknown): boolean {
  const code = errorCodeOf(error);
  if (code === undefined) return false;
  return kind === 'postgres' ? code === '23503' : code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/** Whether a driver error means the database is (temporarily) unavailable. */
export function isUnavailable(kind: DatabaseKind, error: unknown): boolean {
  return kind === 'postgres' ? isPostgresUnavailable(error) : isSqliteUnavailable(error);
}

/**
 * Translates one driver error into a catalog error where the meaning is known at the
 * database boundary, and returns any other value unchanged. Already translated
 * `IdgateError`s are returned as they are.
 */
export function translateDatabaseError(kind: DatabaseKind, error: unknown): unknown {
  if (error instanceof IdgateError) return error;
  if (isUnavailable(kind, error)) {
    return new IdgateError('SYSTEM_UNAVAILABLE', {
      cause: error,
      debug: { database: kind },
      headers: { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) },
    });
  }
  if (isUniqueViolation(kind, error)) {
    return new IdgateError('RESOURCE_CONFLICT', { cause: error, debug: { database: kind } });
  }
  return error;
}

/** A connection that translates the errors of the connection it wraps. */
class TranslatingConnection implements DatabaseConnection {
  readonly inner: DatabaseConnection;
  readonly #kind: DatabaseKind;

  constructor(inner: DatabaseConnection, kind: DatabaseKind) {
    this.inner = inner;
    this.#kind = kind;
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return await this.inner.executeQuery<R>(compiledQuery);
    } catch (error) {
      throw translateDatabaseError(this.#kind, error);
    }
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    try {
      yield* this.inner.streamQuery<R>(compiledQuery, chunkSize);
    } catch (error) {
      throw translateDatabaseError(this.#kind, error);
    }
  }
}

/** A driver that translates the errors of the driver it wraps, and wraps its connections. */
class TranslatingDriver implements Driver {
  readonly #inner: Driver;
  readonly #kind: DatabaseKind;
  /** One wrapper per inner connection, so connection identity is stable for Kysely. */
  readonly #wrappers = new WeakMap<DatabaseConnection, TranslatingConnection>();

  constructor(inner: Driver, kind: DatabaseKind) {
    this.#inner = inner;
    this.#kind = kind;
  }

  async #translate<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw translateDatabaseError(this.#kind, error);
    }
  }

  #wrap(inner: DatabaseConnection): TranslatingConnection {
    let wrapper = this.#wrappers.get(inner);
    if (wrapper === undefined) {
      wrapper = new TranslatingConnection(inner, this.#kind);
      this.#wrappers.set(inner, wrapper);
    }
    return wrapper;
  }

  /** The inner driver's own connection object (it relies on private members of it). */
  #unwrap(connection: DatabaseConnection): DatabaseConnection {
    return connection instanceof TranslatingConnection ? connection.inner : connection;
  }

  init(): Promise<void> {
    return this.#translate(() => this.#inner.init());
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await this.#translate(() => this.#inner.acquireConnection());
    return this.#wrap(inner);
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.#translate(() => this.#inner.beginTransaction(this.#unwrap(connection), settings));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#translate(() => this.#inner.commitTransaction(this.#unwrap(connection)));
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#translate(() => this.#inner.rollbackTransaction(this.#unwrap(connection)));
  }

  async savepoint(
    connection: DatabaseConnection,
    savepointName: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    const inner = this.#inner;
    if (inner.savepoint === undefined) throw new TypeError('the database driver does not support savepoints');
    await this.#translate(() => inner.savepoint!(this.#unwrap(connection), savepointName, compileQuery));
  }

  async rollbackToSavepoint(
    connection: DatabaseConnection,
    savepointName: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    const inner = this.#inner;
    if (inner.rollbackToSavepoint === undefined) {
      throw new TypeError('the database driver does not support savepoints');
    }
    await this.#translate(() => inner.rollbackToSavepoint!(this.#unwrap(connection), savepointName, compileQuery));
  }

  async releaseSavepoint(
    connection: DatabaseConnection,
    savepointName: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    const inner = this.#inner;
    if (inner.releaseSavepoint === undefined) throw new TypeError('the database driver does not support savepoints');
    await this.#translate(() => inner.releaseSavepoint!(this.#unwrap(connection), savepointName, compileQuery));
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.#translate(() => this.#inner.releaseConnection(this.#unwrap(connection)));
  }

  destroy(): Promise<void> {
    return this.#translate(() => this.#inner.destroy());
  }
}

/**
 * A Kysely dialect that behaves like `inner` but translates driver errors at the
 * boundary (see the module documentation). Query compiler, adapter and introspector are
 * the inner dialect's own.
 */
export class TranslatingDialect implements Dialect {
  readonly #inner: Dialect;
  readonly #kind: DatabaseKind;

  constructor(inner: Dialect, kind: DatabaseKind) {
    this.#inner = inner;
    this.#kind = kind;
  }

  createDriver(): Driver {
    return new TranslatingDriver(this.#inner.createDriver(), this.#kind);
  }

  createQueryCompiler(): QueryCompiler {
    return this.#inner.createQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return this.#inner.createAdapter();
  }

  // biome-ignore lint/suspicious/noExplicitAny: Kysely's own Dialect signature.
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return this.#inner.createIntrospector(db);
  }
}
