/**
 * The node-postgres pool behind idgate's Kysely dialect, with every call bounded:
 *
 * - getting a connection (from the pool, or connecting) waits at most the acquire
 *   timeout (`connectionTimeoutMillis`, which also bounds the startup handshake);
 * - each statement is cancelled by the server after `statement_timeout`, and a session
 *   left idle inside a transaction is ended after `idle_in_transaction_session_timeout`
 *   (both sent as startup parameters of every connection);
 * - each query also has a client-side deadline (`query_timeout`, a little after the
 *   server's), for a server that accepted the connection and stopped answering.
 *
 * A query past the client-side deadline leaves its connection waiting for an answer that
 * may never come: node-postgres rejects the query but keeps the connection busy. Such a
 * connection fails every later query at once and is destroyed, not pooled, when it is
 * released, so one frozen database stalls nothing for longer than one deadline.
 */
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import pg from 'pg';

/** How much later than the server's `statement_timeout` the client gives up on a query. */
export const QUERY_DEADLINE_MARGIN_MS = 1_000;

/** node-postgres' message for a query past `query_timeout`. */
const QUERY_READ_TIMEOUT = 'Query read timeout';

/** The bounds of {@link createBoundedPostgresPool}. */
export interface BoundedPostgresPoolOptions {
  readonly url: string;
  readonly poolSize: number;
  /** Getting a connection, connecting included (ms). */
  readonly acquireTimeoutMs: number;
  /** Server-side statement and idle-in-transaction timeout (ms); undefined: none (migrations). */
  readonly statementTimeoutMs: number | undefined;
  /** `search_path`, already checked. */
  readonly schema: string | undefined;
}

/** Whether an error is node-postgres' client-side query deadline. */
export function isQueryDeadlineError(error: unknown): boolean {
  return error instanceof Error && error.message === QUERY_READ_TIMEOUT;
}

/** A pooled client that remembers a query past its deadline and then refuses more. */
class GuardedClient implements PostgresPoolClient {
  readonly #client: pg.PoolClient;
  #stuck: Error | undefined;

  constructor(client: pg.PoolClient) {
    this.#client = client;
  }

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(
    sqlOrCursor: string | PostgresCursor<R>,
    parameters?: ReadonlyArray<unknown>,
  ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    if (typeof sqlOrCursor !== 'string') {
      // Cursors (streamed queries, which idgate does not use) are passed through as they are.
      return (this.#client as unknown as PostgresPoolClient).query(sqlOrCursor);
    }
    if (this.#stuck !== undefined) return Promise.reject(this.#stuck);
    const result = this.#client.query(sqlOrCursor, parameters as unknown[]) as unknown as Promise<
      PostgresQueryResult<R>
    >;
    return result.catch((error: unknown) => this.#remember(error));
  }

  #remember(error: unknown): never {
    if (isQueryDeadlineError(error)) this.#stuck = error as Error;
    throw error;
  }

  /** Back to the pool, or destroyed when a query on it passed its deadline. */
  release(): void {
    const stuck = this.#stuck;
    this.#stuck = undefined;
    this.#client.release(stuck);
  }
}

/** The pool Kysely's `PostgresDialect` gets. */
class BoundedPostgresPool implements PostgresPool {
  readonly #pool: pg.Pool;
  /** One guard per pg client, so Kysely sees the same client object for the same connection. */
  readonly #guards = new WeakMap<pg.PoolClient, GuardedClient>();

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async connect(): Promise<PostgresPoolClient> {
    const client = await this.#pool.connect();
    let guard = this.#guards.get(client);
    if (guard === undefined) {
      guard = new GuardedClient(client);
      this.#guards.set(client, guard);
    }
    return guard;
  }

  end(): Promise<void> {
    return this.#pool.end();
  }
}

/** A node-postgres pool with the bounds of the module documentation. */
export function createBoundedPostgresPool(options: BoundedPostgresPoolOptions): PostgresPool {
  const timeout = options.statementTimeoutMs;
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    connectionTimeoutMillis: options.acquireTimeoutMs,
    ...(timeout === undefined
      ? {}
      : {
          statement_timeout: timeout,
          idle_in_transaction_session_timeout: timeout,
          query_timeout: timeout + QUERY_DEADLINE_MARGIN_MS,
        }),
    ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` }),
  });
  // An idle pooled client whose server goes away emits 'error' on the pool; unhandled,
  // that would crash the process. The pool drops the client; the next query reconnects
  // (or fails and is translated to SYSTEM_UNAVAILABLE).
  pool.on('error', function ignoreIdleClientError() {});
  // The pool listens only to *idle* clients. A checked-out client (held between the
  // queries of a transaction) whose connection dies emits 'error' with no listener, which
  // crashes the process. Listen on every client: the pending or next query fails on its
  // own (translated to SYSTEM_UNAVAILABLE) and the pool discards the broken client when
  // it is released.
  pool.on('connect', function guardClient(client) {
    client.on('error', function ignoreCheckedOutClientError() {});
  });
  return new BoundedPostgresPool(pool);
}
