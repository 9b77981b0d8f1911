/**
 * Refresh tokens, stored by the keyed hash of the token. A family is every token of one
 * grant (`grant_id`): rotation marks the presented token used and inserts its successor
 * in one transaction, guarded by `WHERE used_at IS NULL AND revoked_at IS NULL`, so of two
 * concurrent rotations of the same token exactly one wins.
 */
import type { Selectable } from 'kysely';
import type { Database } from './database.js';
import { checkBatchSize, PURGE_BATCH_SIZE } from './purge-batch.js';
import type { RefreshTokensTable } from './schema.js';

/** A stored refresh token. */
export interface RefreshTokenRecord {
  /** Keyed hash of the token. */
  readonly tokenHash: string;
  /** The family (grant) it belongs to. */
  readonly grantId: string;
  readonly clientId: string;
  /** The verification whose identity it gives access to. */
  readonly verificationId: string | null;
  /** Space-separated scopes of the grant. */
  readonly scope: string;
  readonly expiresAt: Date;
  /** Set when it was rotated: presenting it again is reuse. */
  readonly usedAt: Date | null;
  /** Set when its family was revoked. */
  readonly revokedAt: Date | null;
  readonly createdAt: Date;
  /** The DPoP key (JWK SHA-256 thumbprint) the token is bound to: a public client's (RFC 9449 §5). */
  readonly dpopJkt: string | null;
}

/** What `insert` needs. */
export type NewRefreshToken = Omit<RefreshTokenRecord, 'usedAt' | 'revokedAt' | 'createdAt'>;

/** Refresh tokens, on either dialect. */
export class RefreshTokensRepository {
  readonly #database: Database;

  constructor(database: Database) {
    this.#database = database;
  }

  /** Stores a new token. */
  async insert(record: NewRefreshToken, now: Date): Promise<void> {
    await this.#database.db.insertInto('refresh_tokens').values(toRow(record, now)).execute();
  }

  /** The token with this hash, if any. */
  async find(tokenHash: string): Promise<RefreshTokenRecord | undefined> {
    const row = await this.#database.db
      .selectFrom('refresh_tokens')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    return row === undefined ? undefined : rowToToken(row);
  }

  /**
   * Marks `tokenHash` used and stores its successor, in one transaction. False (and
   * nothing written) when the token was already used or revoked: another rotation won.
   */
  async rotate(tokenHash: string, successor: NewRefreshToken, now: Date): Promise<boolean> {
    return this.#database.db.transaction().execute(async function rotateInTransaction(trx) {
      const result = await trx
        .updateTable('refresh_tokens')
        .set({ used_at: now.toISOString() })
        .where('token_hash', '=', tokenHash)
        .where('used_at', 'is', null)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return false;
      await trx.insertInto('refresh_tokens').values(toRow(successor, now)).execute();
      return true;
    });
  }

  /** Revokes every token of a grant; returns how many were still unrevoked. */
  async revokeGrant(grantId: string, now: Date): Promise<number> {
    const result = await this.#database.db
      .updateTable('refresh_tokens')
      .set({ revoked_at: now.toISOString() })
      .where('grant_id', '=', grantId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /**
   * Deletes up to `batchSize` tokens that expired before `before`, oldest first; returns
   * how many. The caller passes a `before` some time in the past (the purge job: now minus
   * `IDGATE_PURGE_GRACE`), because a rotated token is kept past its expiry so that its
   * reuse is still recognized and revokes its family.
   */
  async purgeExpired(before: Date, batchSize: number = PURGE_BATCH_SIZE): Promise<number> {
    checkBatchSize(batchSize);
    const cutoff = before.toISOString();
    const result = await this.#database.db
      .deleteFrom('refresh_tokens')
      .where('expires_at', '<', cutoff)
      .where('token_hash', 'in', (eb) =>
        eb
          .selectFrom('refresh_tokens')
          .select('token_hash')
          .where('expires_at', '<', cutoff)
          .orderBy('expires_at')
          .limit(batchSize),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function toRow(record: NewRefreshToken, now: Date): RefreshTokensTable {
  return {
    token_hash: record.tokenHash,
    grant_id: record.grantId,
    client_id: record.clientId,
    verification_id: record.verificationId,
    scope: record.scope,
    expires_at: record.expiresAt.toISOString(),
    used_at: null,
    revoked_at: null,
    created_at: now.toISOString(),
    dpop_jkt: record.dpopJkt,
  };
}

function rowToToken(row: Selectable<RefreshTokensTable>): RefreshTokenRecord {
  return {
    tokenHash: row.token_hash,
    grantId: row.grant_id,
    clientId: row.client_id,
    verificationId: row.verification_id,
    scope: row.scope,
    expiresAt: new Date(row.expires_at),
    usedAt: row.used_at === null ? null : new Date(row.used_at),
    revokedAt: row.revoked_at === null ? null : new Date(row.revoked_at),
    createdAt: new Date(row.created_at),
    dpopJkt: row.dpop_jkt ?? null,
  };
}
