/**
 * Group commit for SQLite: the transactions that finish within one turn of the event loop
 * are committed together, in one SQLite transaction, and none of them is answered before
 * that commit is done. Durability is the same as one commit each (WAL, `synchronous =
 * NORMAL`); what is saved is a commit per transaction: the WAL frames of pages several
 * transactions touch (the tables' and indexes' last leaves) are written once, and the
 * commit's fixed work (WAL header, index, locks) is paid once per turn.
 *
 * How: Kysely's SQLite driver has one connection behind a mutex; this driver keeps that
 * model and changes what a transaction is.
 * - The first transaction of a group opens it (`begin immediate`); each transaction runs
 *   inside a savepoint of its own. Its commit releases the savepoint, hands the connection
 *   to the next caller and waits for the group; a failed transaction rolls back to its
 *   savepoint only, so the others of its group are not touched.
 * - The group commits in the event loop's check phase after the turn in which it opened
 *   (`setImmediate`), holding the connection; if that commit fails, every transaction of
 *   the group fails with its error and nothing of the group is kept.
 * - A statement outside any transaction while a group is open runs inside the group and
 *   returns only after the group committed: a read never answers with what a commit could
 *   still lose, and a write on its own (`update … set used_at`) is batched like the rest.
 *   With no group open, a read runs on its own as before; a write opens a group.
 * - Transaction control and schema statements outside a transaction (`begin immediate` of
 *   the migrations, DDL, `pragma`) first commit the open group, then run as they are.
 *
 * What a caller gives up: nothing it can observe on one instance, but a few microseconds
 * of latency (the rest of the turn). Other processes on the same file wait for the write
 * lock as long as a group is open, within the busy timeout as before. A transaction whose
 * commit itself would fail on its own (a deferred constraint; idgate declares none) fails
 * its whole group.
 */
import type {
  CompiledQuery,
  DatabaseConnection,
  Driver,
  QueryResult,
  SqliteDatabase,
  SqliteDialectConfig,
  SqliteStatement,
} from 'kysely';
import { SqliteDialect } from 'kysely';

/** The handle this driver needs: Kysely's `SqliteDatabase`, and whether a transaction is open on it. */
export interface GroupCommitSqliteDatabase extends SqliteDatabase {
  readonly inTransaction: boolean;
}

/** `database`: the connection, or a function that opens it (as Kysely's `SqliteDialect`). */
export interface GroupCommitSqliteConfig {
  readonly database: GroupCommitSqliteDatabase | (() => Promise<GroupCommitSqliteDatabase>);
}

/** Kysely's SQLite dialect with the group-commit driver. */
export class GroupCommitSqliteDialect extends SqliteDialect {
  readonly #config: GroupCommitSqliteConfig;

  constructor(config: GroupCommitSqliteConfig) {
    super(config as SqliteDialectConfig);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new GroupCommitSqliteDriver(this.#config);
  }
}

/** Statements that must not run inside a group: transaction control, schema changes, pragmas. */
const UNGROUPABLE =
  /^\s*(?:begin|commit|end|rollback|savepoint|release|create|drop|alter|pragma|vacuum|attach|detach|reindex|analyze)\b/i;

/** The savepoint each grouped transaction runs in. */
const MEMBER_SAVEPOINT = 'idgate_group_member';

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** A group: the open SQLite transaction and who waits for its commit. */
interface Group {
  readonly waiters: Waiter[];
}

/** One use of the connection, from `acquireConnection` to `releaseConnection`. */
class Lease implements DatabaseConnection {
  readonly #driver: GroupCommitSqliteDriver;
  /** Inside a transaction of its own (its savepoint is open). */
  member = false;
  /** The connection was handed on before Kysely released it (waiting for its group). */
  handedOn = false;

  constructor(driver: GroupCommitSqliteDriver) {
    this.#driver = driver;
  }

  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    return this.#driver.execute<R>(this, compiledQuery);
  }

  streamQuery<R>(compiledQuery: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    return this.#driver.stream<R>(this, compiledQuery);
  }
}

/** A first-come, first-served lock on the one connection. */
class ConnectionLock {
  #held = false;
  readonly #queue: (() => void)[] = [];

  async lock(): Promise<void> {
    if (!this.#held) {
      this.#held = true;
      return;
    }
    await new Promise<void>((resolve) => this.#queue.push(resolve));
  }

  unlock(): void {
    const next = this.#queue.shift();
    if (next === undefined) this.#held = false;
    else next();
  }
}

/** Kysely `Driver` for better-sqlite3 with group commit (see the file comment). */
export class GroupCommitSqliteDriver implements Driver {
  readonly #config: GroupCommitSqliteConfig;
  readonly #lock = new ConnectionLock();
  /** Leases released by Kysely, for the next acquisition. */
  readonly #idle: Lease[] = [];
  #db: GroupCommitSqliteDatabase | undefined;
  #group: Group | undefined;
  #flushScheduled = false;

  constructor(config: GroupCommitSqliteConfig) {
    this.#config = config;
  }

  async init(): Promise<void> {
    const { database } = this.#config;
    this.#db = typeof database === 'function' ? await database() : database;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#lock.lock();
    // Leases are reused: as many exist as ever were in use at once (the wrappers
    // translate-errors.ts keeps per connection stay as few).
    return this.#idle.pop() ?? new Lease(this);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const lease = connection as Lease;
    await this.#holdAgain(lease);
    this.#openGroup();
    this.#run(`savepoint ${MEMBER_SAVEPOINT}`);
    lease.member = true;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const lease = connection as Lease;
    this.#run(`release ${MEMBER_SAVEPOINT}`);
    lease.member = false;
    await this.#waitForGroup(lease);
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const lease = connection as Lease;
    // After a failed group commit Kysely rolls back too: nothing is left to undo.
    if (!lease.member) return;
    lease.member = false;
    if (this.#group !== undefined && this.#handle().inTransaction) {
      this.#run(`rollback to ${MEMBER_SAVEPOINT}`);
      this.#run(`release ${MEMBER_SAVEPOINT}`);
    } else {
      this.#groupLost(new Error('SQLite rolled back the open transaction'));
    }
  }

  /** Kysely's `trx.savepoint(name)` inside a transaction (its own savepoint nests in the member's). */
  async savepoint(_connection: DatabaseConnection, name: string): Promise<void> {
    this.#run(`savepoint ${quoted(name)}`);
  }

  async rollbackToSavepoint(_connection: DatabaseConnection, name: string): Promise<void> {
    this.#run(`rollback to ${quoted(name)}`);
  }

  async releaseSavepoint(_connection: DatabaseConnection, name: string): Promise<void> {
    this.#run(`release ${quoted(name)}`);
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const lease = connection as Lease;
    const holding = !lease.handedOn;
    lease.member = false;
    lease.handedOn = false;
    this.#idle.push(lease);
    if (holding) this.#lock.unlock();
  }

  async destroy(): Promise<void> {
    if (this.#db === undefined) return;
    await this.#lock.lock();
    try {
      this.#commitGroup();
    } finally {
      this.#lock.unlock();
    }
    this.#db.close();
    this.#db = undefined;
  }

  /** One statement of a lease (see the file comment for where it runs). */
  async execute<R>(lease: Lease, compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    await this.#holdAgain(lease);
    const { sql, parameters } = compiledQuery;
    if (lease.member) return this.#statement<R>(sql, parameters);
    if (UNGROUPABLE.test(sql)) {
      this.#commitGroup();
      return this.#statement<R>(sql, parameters);
    }
    const statement = this.#handle().prepare(sql);
    if (this.#group === undefined) {
      // A read on its own, or a statement of a transaction the caller runs itself.
      if (statement.reader || this.#handle().inTransaction) return this.#runPrepared<R>(statement, parameters);
      this.#openGroup();
    }
    const result = this.#runPrepared<R>(statement, parameters);
    await this.#waitForGroup(lease);
    return result;
  }

  /** Streams a read outside any group (Kysely's `stream()`). */
  async *stream<R>(lease: Lease, compiledQuery: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    await this.#holdAgain(lease);
    if (!lease.member) this.#commitGroup();
    const statement = this.#handle().prepare(compiledQuery.sql);
    if (!statement.reader) throw new Error('the SQLite driver only streams statements that return rows');
    for (const row of statement.iterate(compiledQuery.parameters as unknown[])) yield { rows: [row as R] };
  }

  #handle(): GroupCommitSqliteDatabase {
    if (this.#db === undefined) throw new Error('the SQLite database is closed');
    return this.#db;
  }

  /** A lease handed on while it waited for its group takes the connection again. */
  async #holdAgain(lease: Lease): Promise<void> {
    if (!lease.handedOn) return;
    await this.#lock.lock();
    lease.handedOn = false;
  }

  /** Opens a group (the caller holds the connection); it commits after this turn of the event loop. */
  #openGroup(): void {
    if (this.#group !== undefined) return;
    this.#run('begin immediate');
    this.#group = { waiters: [] };
    this.#scheduleFlush();
  }

  /** Hands the connection on and waits until the open group committed. */
  async #waitForGroup(lease: Lease): Promise<void> {
    const group = this.#group;
    if (group === undefined) return;
    const committed = new Promise<void>((resolve, reject) => group.waiters.push({ resolve, reject }));
    this.#scheduleFlush();
    lease.handedOn = true;
    this.#lock.unlock();
    await committed;
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    await this.#lock.lock();
    this.#flushScheduled = false;
    try {
      this.#commitGroup();
    } finally {
      this.#lock.unlock();
    }
  }

  /** Commits the open group (the caller holds the connection); its waiters learn the outcome. */
  #commitGroup(): void {
    const group = this.#group;
    if (group === undefined) return;
    this.#group = undefined;
    try {
      this.#run('commit');
    } catch (error) {
      if (this.#handle().inTransaction) {
        try {
          this.#run('rollback');
        } catch {
          // SQLite rolled back by itself
        }
      }
      for (const waiter of group.waiters) waiter.reject(error);
      return;
    }
    for (const waiter of group.waiters) waiter.resolve();
  }

  /** SQLite ended the group's transaction by itself (an I/O error, a full disk): the group is lost. */
  #groupLost(error: unknown): void {
    const group = this.#group;
    if (group === undefined) return;
    this.#group = undefined;
    for (const waiter of group.waiters) waiter.reject(error);
  }

  /** Transaction control (`begin`, `savepoint`, `release`, `commit`), through the same failure check as any statement. */
  #run(sql: string): void {
    this.#statement(sql, []);
  }

  #statement<R>(sql: string, parameters: readonly unknown[]): QueryResult<R> {
    return this.#runPrepared<R>(this.#handle().prepare(sql), parameters);
  }

  #runPrepared<R>(statement: SqliteStatement, parameters: readonly unknown[]): QueryResult<R> {
    try {
      if (statement.reader) return { rows: statement.all(parameters) as R[] };
      const { changes, lastInsertRowid } = statement.run(parameters);
      return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
    } catch (error) {
      // Some errors end the whole transaction in SQLite: then the group is gone with it.
      if (this.#group !== undefined && !this.#handle().inTransaction) this.#groupLost(error);
      throw error;
    }
  }
}

/** An SQL identifier, quoted. */
function quoted(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
