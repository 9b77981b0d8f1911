/**
 * Revocations of sealed access tokens (`token:<jti>`) and of whole grants
 * (`grant:<id>`: everything issued from one authorization code or refresh family).
 * A row lives until the tokens it revokes would have expired anyway.
 */
import { compileOnce } from './compiled-query.js';
import type { Database } from './database.js';
import { checkBatchSize, PURGE_BATCH_SIZE } from './purge-batch.js';

/** The id of a revoked access token. */
export function tokenRevocationId(jti: string): string {
  return `token:${jti}`;
}

/** The id of a revoked grant. */
export function grantRevocationId(grantId: string): string {
  return `grant:${grantId}`;
}

/** `anyRevoked` for up to this many ids runs SQL compiled once per count. */
const COMPILED_ID_COUNTS = 4;

/** Revocations, on either dialect. */
export class RevocationsRepository {
  readonly #database: Database;
  /** By number of ids: `select id from revocations where id in (…)`, compiled once. */
  readonly #anyRevokedQueries: ((ids: string[]) => Promise<unknown[]>)[] = [];

  constructor(database: Database) {
    this.#database = database;
    for (let count = 1; count <= COMPILED_ID_COUNTS; count++) {
      const placeholders = Array.from({ length: count }, (_, index) => `id${index}`);
      this.#anyRevokedQueries[count] = compileOnce(
        database.db,
        database.db.selectFrom('revocations').select('id').where('id', 'in', placeholders),
      );
    }
  }

  /** Records revocations (idempotent: revoking twice is fine). */
  async revoke(ids: readonly string[], expiresAt: Date, now: Date): Promise<void> {
    if (ids.length === 0) return;
    await this.#database.db
      .insertInto('revocations')
      .values(ids.map((id) => ({ id, expires_at: expiresAt.toISOString(), created_at: now.toISOString() })))
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }

  /** Whether any of the ids is revoked. */
  async anyRevoked(ids: readonly string[]): Promise<boolean> {
    if (ids.length === 0) return false;
    // On every token check: SQL compiled once (see compiled-query.ts).
    const compiled = this.#anyRevokedQueries[ids.length];
    if (compiled !== undefined) return (await compiled([...ids])).length > 0;
    const row = await this.#database.db
      .selectFrom('revocations')
      .select('id')
      .where('id', 'in', [...ids])
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Deletes up to `batchSize` revocations whose tokens have expired anyway (`expires_at`
   * before `now`), oldest first; returns how many.
   */
  async purgeExpired(now: Date, batchSize: number = PURGE_BATCH_SIZE): Promise<number> {
    checkBatchSize(batchSize);
    const cutoff = now.toISOString();
    const result = await this.#database.db
      .deleteFrom('revocations')
      .where('expires_at', '<', cutoff)
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('revocations')
          .select('id')
          .where('expires_at', '<', cutoff)
          .orderBy('expires_at')
          .limit(batchSize),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
