/**
 * Authorization codes, stored by the keyed hash of the code (the code itself is never
 * written). Consuming a code is one conditional `UPDATE … WHERE used_at IS NULL`, so of
 * two concurrent redemptions exactly one wins; a redemption whose bindings all match
 * checks and consumes in that one statement (`UPDATE … RETURNING`).
 */
import { CompiledQuery, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Database } from './database.js';
import { checkBatchSize, PURGE_BATCH_SIZE } from './purge-batch.js';
import type { AuthorizationCodesTable, DatabaseSchema } from './schema.js';

/** Where a write runs: the database, or a caller's transaction. */
export type Executor = Kysely<DatabaseSchema> | Transaction<DatabaseSchema>;

/** A stored authorization code. */
export interface AuthorizationCodeRecord {
  /** Keyed hash of the code. */
  readonly codeHash: string;
  readonly verificationId: string;
  readonly clientId: string;
  /** The grant everything issued from this code belongs to. */
  readonly grantId: string;
  /** The redirect URI the code was sent to. */
  readonly redirectUri: string;
  /** Space-separated granted scopes. */
  readonly scope: string;
  readonly nonce: string | null;
  /** PKCE S256 challenge, when the authorization request carried one. */
  readonly codeChallenge: string | null;
  readonly expiresAt: Date;
  /** Set once the code was redeemed. */
  readonly usedAt: Date | null;
  readonly createdAt: Date;
}

/** What a code must be bound to for {@link AuthorizationCodesRepository.consumeIfBound}. */
export interface CodeBinding {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly codeChallenge: string | null;
}

/** What `insert` needs. */
export type NewAuthorizationCode = Omit<AuthorizationCodeRecord, 'usedAt' | 'createdAt'>;

/** Authorization codes, on either dialect. */
export class AuthorizationCodesRepository {
  readonly #database: Database;
  /** The hot statements (one per code flow each), as SQL compiled once. */
  readonly #insertSql: string;
  /** `consumeIfBound` for a code issued with a PKCE challenge, and for one issued without. */
  readonly #consumeWithChallengeSql: string;
  readonly #consumeWithoutChallengeSql: string;

  constructor(database: Database) {
    this.#database = database;
    const db = database.db;
    this.#insertSql = db
      .insertInto('authorization_codes')
      .values({
        code_hash: '',
        verification_id: '',
        client_id: '',
        grant_id: '',
        redirect_uri: '',
        scope: '',
        nonce: '',
        code_challenge: '',
        expires_at: '',
        used_at: '',
        created_at: '',
      })
      .compile().sql;
    const consume = (withChallenge: boolean) =>
      db
        .updateTable('authorization_codes')
        .set({ used_at: '' })
        .where('code_hash', '=', '')
        .where('used_at', 'is', null)
        .where('expires_at', '>', '')
        .where('client_id', '=', '')
        .where('redirect_uri', '=', '')
        .where('code_challenge', withChallenge ? '=' : 'is', withChallenge ? '' : null)
        .returningAll()
        .compile().sql;
    this.#consumeWithChallengeSql = consume(true);
    this.#consumeWithoutChallengeSql = consume(false);
  }

  /** Stores a new, unused code (in `executor`, a caller's transaction, when given). */
  async insert(record: NewAuthorizationCode, now: Date, executor: Executor = this.#database.db): Promise<void> {
    // In the order of the compiled statement's columns.
    const parameters = [
      record.codeHash,
      record.verificationId,
      record.clientId,
      record.grantId,
      record.redirectUri,
      record.scope,
      record.nonce,
      record.codeChallenge,
      record.expiresAt.toISOString(),
      null,
      now.toISOString(),
    ];
    await executor.executeQuery(CompiledQuery.raw(this.#insertSql, parameters));
  }

  /** The code with this hash, if any. */
  async find(codeHash: string): Promise<AuthorizationCodeRecord | undefined> {
    const row = await this.#database.db
      .selectFrom('authorization_codes')
      .selectAll()
      .where('code_hash', '=', codeHash)
      .executeTakeFirst();
    return row === undefined ? undefined : rowToCode(row);
  }

  /**
   * Consumes the code in one statement when it is unused, unexpired and bound to exactly
   * this client, redirect URI and PKCE challenge (`null`: issued without one). Returns the
   * consumed code, or `undefined` when any of that does not hold; the caller then reads
   * the code with {@link find} to tell which (nothing was changed).
   */
  async consumeIfBound(
    codeHash: string,
    binding: CodeBinding,
    now: Date,
  ): Promise<AuthorizationCodeRecord | undefined> {
    const at = now.toISOString();
    // On every code redemption: SQL compiled once, parameters in its placeholders' order.
    const parameters = [at, codeHash, at, binding.clientId, binding.redirectUri];
    const sql = binding.codeChallenge === null ? this.#consumeWithoutChallengeSql : this.#consumeWithChallengeSql;
    if (binding.codeChallenge !== null) parameters.push(binding.codeChallenge);
    const { rows } = await this.#database.db.executeQuery<Selectable<AuthorizationCodesTable>>(
      CompiledQuery.raw(sql, parameters),
    );
    const [row] = rows;
    return row === undefined ? undefined : rowToCode(row);
  }

  /**
   * Marks the code used. True when this call consumed it; false when it was already used
   * (a concurrent or earlier redemption won).
   */
  async consume(codeHash: string, now: Date): Promise<boolean> {
    const result = await this.#database.db
      .updateTable('authorization_codes')
      .set({ used_at: now.toISOString() })
      .where('code_hash', '=', codeHash)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * Deletes up to `batchSize` codes that expired before `before`, oldest first; returns
   * how many. The caller passes a `before` some time in the past (the purge job: now minus
   * `IDGATE_PURGE_GRACE`), because a used code is kept past its expiry so that its replay
   * is still recognized and revokes what it issued.
   */
  async purgeExpired(before: Date, batchSize: number = PURGE_BATCH_SIZE): Promise<number> {
    checkBatchSize(batchSize);
    const cutoff = before.toISOString();
    // The expiry is checked again outside the subquery: a row changed by a concurrent
    // statement is re-evaluated against it (PostgreSQL), never deleted on a stale read.
    const result = await this.#database.db
      .deleteFrom('authorization_codes')
      .where('expires_at', '<', cutoff)
      .where('code_hash', 'in', (eb) =>
        eb
          .selectFrom('authorization_codes')
          .select('code_hash')
          .where('expires_at', '<', cutoff)
          .orderBy('expires_at')
          .limit(batchSize),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function rowToCode(row: Selectable<AuthorizationCodesTable>): AuthorizationCodeRecord {
  return {
    codeHash: row.code_hash,
    verificationId: row.verification_id,
    clientId: row.client_id,
    grantId: row.grant_id,
    redirectUri: row.redirect_uri,
    scope: row.scope,
    nonce: row.nonce,
    codeChallenge: row.code_challenge,
    expiresAt: new Date(row.expires_at),
    usedAt: row.used_at === null ? null : new Date(row.used_at),
    createdAt: new Date(row.created_at),
  };
}
