/**
 * One-time identifiers already presented: the `jti` of `private_key_jwt` client
 * assertions (RFC 7523 §3) and of DPoP proofs (RFC 9449 §11.1). A `jti` is remembered by
 * one `INSERT … ON CONFLICT DO NOTHING`: of two requests presenting the same one, on any
 * instance sharing the database, exactly one inserts it. Each row lives until what
 * carried the `jti` can no longer be accepted anyway; the purge job deletes it after that.
 */
import { createHash } from 'node:crypto';
import { compileOnce } from './compiled-query.js';
import type { Database } from './database.js';
import { checkBatchSize, PURGE_BATCH_SIZE } from './purge-batch.js';

/** What a `jti` was presented in (a wallet `response_code`, too): each kind has its own namespace. */
export type JtiKind = 'assertion' | 'dpop' | 'response-code';

/**
 * The stored id of a `jti`: its kind and a SHA-256 of the party it is scoped to (the
 * client id, or the DPoP key thumbprint) and the `jti` itself, so a long `jti` stores
 * short and two parties never collide.
 */
export function seenJtiId(kind: JtiKind, scope: string, jti: string): string {
  return `${kind}:${createHash('sha256').update(scope).update('\0').update(jti).digest('base64url')}`;
}

/** Seen `jti`s, on either dialect. */
export class SeenJtisRepository {
  readonly #database: Database;
  /** `insert … on conflict do nothing returning id`, compiled once (every assertion and proof). */
  readonly #insert: (parameters: unknown[]) => Promise<unknown[]>;

  constructor(database: Database) {
    this.#database = database;
    this.#insert = compileOnce(
      database.db,
      database.db
        .insertInto('seen_jtis')
        .values({ id: 'id', expires_at: 'expires_at', created_at: 'created_at' })
        .onConflict((oc) => oc.column('id').doNothing())
        .returning('id'),
    );
  }

  /**
   * Remembers `id` until `expiresAt`. True the first time; false when it was seen before
   * (a replay), whichever instance saw it.
   */
  async remember(id: string, expiresAt: Date, now: Date): Promise<boolean> {
    const rows = await this.#insert([id, expiresAt.toISOString(), now.toISOString()]);
    return rows.length === 1;
  }

  /** Whether `id` was remembered (and not purged yet). */
  async has(id: string): Promise<boolean> {
    const row = await this.#database.db.selectFrom('seen_jtis').select('id').where('id', '=', id).executeTakeFirst();
    return row !== undefined;
  }

  /** Deletes up to `batchSize` ids past their `expires_at`, oldest first; returns how many. */
  async purgeExpired(now: Date, batchSize: number = PURGE_BATCH_SIZE): Promise<number> {
    checkBatchSize(batchSize);
    const cutoff = now.toISOString();
    const result = await this.#database.db
      .deleteFrom('seen_jtis')
      .where('expires_at', '<', cutoff)
      .where('id', 'in', (eb) =>
        eb.selectFrom('seen_jtis').select('id').where('expires_at', '<', cutoff).orderBy('expires_at').limit(batchSize),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
