/**
 * Pushed authorization requests (RFC 9126), stored by the keyed hash of their
 * `request_uri` (the URI itself is never written). Redeeming one is a single conditional
 * `UPDATE … WHERE used_at IS NULL AND expires_at > now AND client_id = ? RETURNING`, so
 * a `request_uri` is used once, by its own client, before it expires — on whichever
 * instance it is presented.
 */
import type { Database } from './database.js';
import { checkBatchSize, PURGE_BATCH_SIZE } from './purge-batch.js';

/** A pushed request as stored. */
export interface PushedRequestRecord {
  readonly requestUriHash: string;
  readonly clientId: string;
  /** The validated parameters, encrypted. */
  readonly parametersCiphertext: string;
  readonly expiresAt: Date;
}

/** Why a `request_uri` could not be redeemed. */
export type PushedRequestProblem = 'unknown' | 'other_client' | 'used' | 'expired';

/** Pushed requests, on either dialect. */
export class PushedRequestsRepository {
  readonly #database: Database;

  constructor(database: Database) {
    this.#database = database;
  }

  /** Stores a new, unused pushed request. */
  async insert(record: PushedRequestRecord, now: Date): Promise<void> {
    await this.#database.db
      .insertInto('pushed_authorization_requests')
      .values({
        request_uri_hash: record.requestUriHash,
        client_id: record.clientId,
        parameters_ciphertext: record.parametersCiphertext,
        expires_at: record.expiresAt.toISOString(),
        used_at: null,
        created_at: now.toISOString(),
      })
      .execute();
  }

  /**
   * Marks the request used and returns it, when it is `clientId`'s, unused and unexpired;
   * otherwise says why not (and changes nothing).
   */
  async redeem(
    requestUriHash: string,
    clientId: string,
    now: Date,
  ): Promise<PushedRequestRecord | PushedRequestProblem> {
    const at = now.toISOString();
    const row = await this.#database.db
      .updateTable('pushed_authorization_requests')
      .set({ used_at: at })
      .where('request_uri_hash', '=', requestUriHash)
      .where('client_id', '=', clientId)
      .where('used_at', 'is', null)
      .where('expires_at', '>', at)
      .returningAll()
      .executeTakeFirst();
    if (row !== undefined) {
      return {
        requestUriHash: row.request_uri_hash,
        clientId: row.client_id,
        parametersCiphertext: row.parameters_ciphertext,
        expiresAt: new Date(row.expires_at),
      };
    }
    const existing = await this.#database.db
      .selectFrom('pushed_authorization_requests')
      .select(['client_id', 'used_at', 'expires_at'])
      .where('request_uri_hash', '=', requestUriHash)
      .executeTakeFirst();
    if (existing === undefined) return 'unknown';
    if (existing.client_id !== clientId) return 'other_client';
    if (existing.used_at !== null) return 'used';
    return 'expired';
  }

  /** Deletes up to `batchSize` requests that expired before `now`, oldest first; returns how many. */
  async purgeExpired(now: Date, batchSize: number = PURGE_BATCH_SIZE): Promise<number> {
    checkBatchSize(batchSize);
    const cutoff = now.toISOString();
    const result = await this.#database.db
      .deleteFrom('pushed_authorization_requests')
      .where('expires_at', '<', cutoff)
      .where('request_uri_hash', 'in', (eb) =>
        eb
          .selectFrom('pushed_authorization_requests')
          .select('request_uri_hash')
          .where('expires_at', '<', cutoff)
          .orderBy('expires_at')
          .limit(batchSize),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
