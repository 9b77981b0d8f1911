/**
 * `Idempotency-Key` records (`idempotency_records`), one per app and key. A request
 * claims its key with an insert that only one of several concurrent requests can win
 * (the primary key decides); the winner completes the record with its response, or
 * releases it when it produced none worth replaying.
 */
import { IdgateError } from '@idgate/errors';
import type { Database } from './database.js';
import { checkBatchSize, PURGE_BATCH_SIZE } from './purge-batch.js';

/** A stored record. */
export interface IdempotencyRecord {
  readonly clientId: string;
  readonly key: string;
  /** Hash of the request the key was first used with. */
  readonly requestHash: string;
  readonly state: 'running' | 'completed';
  readonly responseStatus: number | null;
  /** The stored response (opaque text; see `rest/idempotency.ts`). */
  readonly responseBody: string | null;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

/** The outcome of `claim`. */
export type ClaimResult =
  | { readonly status: 'claimed' }
  | { readonly status: 'existing'; readonly record: IdempotencyRecord };

/** Idempotency records, on either dialect. */
export class IdempotencyRepository {
  readonly #database: Database;

  constructor(database: Database) {
    this.#database = database;
  }

  /**
   * Claims a key for a request, or returns the record that holds it. An expired record
   * is deleted first, so its key can be used anew.
   */
  async claim(
    clientId: string,
    key: string,
    requestHash: string,
    now: Date,
    expiresAt: Date,
    attempt = 0,
  ): Promise<ClaimResult> {
    const db = this.#database.db;
    await db
      .deleteFrom('idempotency_records')
      .where('client_id', '=', clientId)
      .where('idempotency_key', '=', key)
      .where('expires_at', '<=', now.toISOString())
      .execute();
    const inserted = await db
      .insertInto('idempotency_records')
      .values({
        client_id: clientId,
        idempotency_key: key,
        request_hash: requestHash,
        state: 'running',
        response_status: null,
        response_body: null,
        created_at: now.toISOString(),
        expires_at: expiresAt.toISOString(),
      })
      .onConflict((oc) => oc.columns(['client_id', 'idempotency_key']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0) return { status: 'claimed' };
    const row = await db
      .selectFrom('idempotency_records')
      .selectAll()
      .where('client_id', '=', clientId)
      .where('idempotency_key', '=', key)
      .executeTakeFirst();
    // Released by its request in between: try again (a few times; the caller reports a conflict after that).
    if (row === undefined) {
      if (attempt >= 3) throw new IdgateError('RESOURCE_CONFLICT', { detail: 'The Idempotency-Key is busy; retry.' });
      return this.claim(clientId, key, requestHash, now, expiresAt, attempt + 1);
    }
    return {
      status: 'existing',
      record: {
        clientId: row.client_id,
        key: row.idempotency_key,
        requestHash: row.request_hash,
        state: row.state,
        responseStatus: row.response_status,
        responseBody: row.response_body,
        createdAt: new Date(row.created_at),
        expiresAt: new Date(row.expires_at),
      },
    };
  }

  /** Stores the response of the request that claimed the key. */
  async complete(clientId: string, key: string, status: number, body: string): Promise<void> {
    await this.#database.db
      .updateTable('idempotency_records')
      .set({ state: 'completed', response_status: status, response_body: body })
      .where('client_id', '=', clientId)
      .where('idempotency_key', '=', key)
      .where('state', '=', 'running')
      .execute();
  }

  /** Gives a running key free again (its request produced nothing to replay). */
  async release(clientId: string, key: string): Promise<void> {
    await this.#database.db
      .deleteFrom('idempotency_records')
      .where('client_id', '=', clientId)
      .where('idempotency_key', '=', key)
      .where('state', '=', 'running')
      .execute();
  }

  /**
   * Deletes up to `batchSize` expired records (`expires_at` at or before `now`, as `claim`
   * treats them), oldest first; returns how many. The key is composite, so the batch is
   * chosen with a row value, `(client_id, idempotency_key) in (select … limit n)`, which
   * SQLite (3.15+) and PostgreSQL both support.
   */
  async purgeExpired(now: Date, batchSize: number = PURGE_BATCH_SIZE): Promise<number> {
    checkBatchSize(batchSize);
    const cutoff = now.toISOString();
    const result = await this.#database.db
      .deleteFrom('idempotency_records')
      .where('expires_at', '<=', cutoff)
      .where(({ eb, refTuple, selectFrom }) =>
        eb(
          refTuple('client_id', 'idempotency_key'),
          'in',
          selectFrom('idempotency_records')
            .select(['client_id', 'idempotency_key'])
            .where('expires_at', '<=', cutoff)
            .orderBy('expires_at')
            .limit(batchSize)
            .$asTuple('client_id', 'idempotency_key'),
        ),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
