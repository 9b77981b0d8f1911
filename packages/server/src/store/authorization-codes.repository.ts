/**
 * Authorization codes, stored by the keyed hash of the code (the code itself is never
 * written). Consuming a code is one conditional `UPDATE … WHERE used_at IS NULL`, so of
 * two concurrent redemptions exactly one wins; a redemption whose bindings all match
 * checks and consumes in that one statement (`UPDATE … RETURNING`).
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database } from './database.js';
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

  constructor(database: Database) {
    this.#database = database;
  }

  /** Stores a new, unused code (in `executor`, a caller's transaction, when given). */
  async insert(record: NewAuthorizationCode, now: Date, executor: Executor = this.#database.db): Promise<void> {
    await executor
      .insertInto('authorization_codes')
      .values({
        code_hash: record.codeHash,
        verification_id: record.verificationId,
        client_id: record.clientId,
        grant_id: record.grantId,
        redirect_uri: record.redirectUri,
        scope: record.scope,
        nonce: record.nonce,
        code_challenge: record.codeChallenge,
        expires_at: record.expiresAt.toISOString(),
        used_at: null,
        created_at: now.toISOString(),
      })
      .execute();
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
    const row = await this.#database.db
      .updateTable('authorization_codes')
      .set({ used_at: at })
      .where('code_hash', '=', codeHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', at)
      .where('client_id', '=', binding.clientId)
      .where('redirect_uri', '=', binding.redirectUri)
      .where('code_challenge', binding.codeChallenge === null ? 'is' : '=', binding.codeChallenge)
      .returningAll()
      .executeTakeFirst();
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
   * Deletes codes that expired before `before` (a used code is kept until then so that
   * its replay is still recognized and revokes what it issued).
   */
  async purgeExpired(before: Date): Promise<number> {
    const result = await this.#database.db
      .deleteFrom('authorization_codes')
      .where('expires_at', '<', before.toISOString())
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
