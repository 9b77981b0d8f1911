/**
 * `Idempotency-Key` records (`idempotency_records`), one per app and key. A request
 * claims its key with an insert that only one of several concurrent requests can win
 * (the primary key decides); the winner completes the record with its response, or
 * releases it when it produced none worth replaying.
 *
 * A running record carries a lease: its holder's random token and the time after which
 * the holder is presumed gone (killed, or cut off from the database while releasing). A
 * request with the same key and request after that time takes the record over; the old
 * holder's late `complete` or `release` then changes nothing, because both name the holder.
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
  /** When a running record may be taken over (null: at once). */
  readonly leaseExpiresAt: Date | null;
}

/** Who claims a key, and for how long. */
export interface ClaimRequest {
  readonly clientId: string;
  readonly key: string;
  readonly requestHash: string;
  /** The claiming request's random token. */
  readonly holder: string;
  readonly now: Date;
  /** When the record is forgotten (the key's lifetime). */
  readonly expiresAt: Date;
  /** When a running record of a holder that never finished may be taken over. */
  readonly leaseExpiresAt: Date;
}

/** The outcome of `claim`. */
export type ClaimResult =
  | { readonly status: 'claimed'; readonly takenOver: boolean }
  | { readonly status: 'existing'; readonly record: IdempotencyRecord };

/** Idempotency records, on either dialect. */
export class IdempotencyRepository {
  readonly #database: Database;

  constructor(database: Database) {
    this.#database = database;
  }

  /**
   * Claims a key for a request, or returns the record that holds it. An expired record
   * is deleted first, so its key can be used anew; a running record of the same request
   * whose lease ran out is taken over.
   */
  async claim(request: ClaimRequest, attempt = 0): Promise<ClaimResult> {
    const { clientId, key, requestHash, holder, now, expiresAt, leaseExpiresAt } = request;
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
        holder,
        lease_expires_at: leaseExpiresAt.toISOString(),
      })
      .onConflict((oc) => oc.columns(['client_id', 'idempotency_key']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0) return { status: 'claimed', takenOver: false };
    const takenOver = await db
      .updateTable('idempotency_records')
      .set({
        holder,
        lease_expires_at: leaseExpiresAt.toISOString(),
        created_at: now.toISOString(),
        expires_at: expiresAt.toISOString(),
      })
      .where('client_id', '=', clientId)
      .where('idempotency_key', '=', key)
      .where('state', '=', 'running')
      .where('request_hash', '=', requestHash)
      .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<=', now.toISOString())]))
      .executeTakeFirst();
    if (Number(takenOver.numUpdatedRows) > 0) return { status: 'claimed', takenOver: true };
    const row = await db
      .selectFrom('idempotency_records')
      .selectAll()
      .where('client_id', '=', clientId)
      .where('idempotency_key', '=', key)
      .executeTakeFirst();
    // Released by its request in between: try again (a few times; the caller reports a conflict after that).
    if (row === undefined) {
      if (attempt >= 3) throw new IdgateError('RESOURCE_CONFLICT', { detail: 'The Idempotency-Key is busy; retry.' });
      return this.claim(request, attempt + 1);
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
        leaseExpiresAt: row.lease_expires_at === null ? null : new Date(row.lease_expires_at),
      },
    };
  }

  /** Stores the response of the request that holds the key (nothing, if it was taken over). */
  async complete(clientId: string, key: string, holder: string, status: number, body: string): Promise<void> {
    await this.#database.db
      .updateTable('idempotency_records')
      .set({ state: 'completed', response_status: status, response_body: body, lease_expires_at: null })
      .where('client_id', '=', clientId)
      .where('idempotency_key', '=', key)
      .where('state', '=', 'running')
      .where('holder', '=', holder)
      .execute();
  }

  /** Gives a running key free again (its request produced nothing to replay), if `holder` still holds it. */
  async release(clientId: string, key: string, holder: string): Promise<void> {
    await this.#database.db
      .deleteFrom('idempotency_records')
      .where('client_id', '=', clientId)
      .where('idempotency_key', '=', key)
      .where('state', '=', 'running')
      .where('holder', '=', holder)
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
