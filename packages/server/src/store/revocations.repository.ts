/**
 * Revocations of sealed access tokens (`token:<jti>`) and of whole grants
 * (`grant:<id>`: everything issued from one authorization code or refresh family).
 * A row lives until the tokens it revokes would have expired anyway.
 */
import type { Database } from './database.js';

/** The id of a revoked access token. */
export function tokenRevocationId(jti: string): string {
  return `token:${jti}`;
}

/** The id of a revoked grant. */
export function grantRevocationId(grantId: string): string {
  return `grant:${grantId}`;
}

/** Revocations, on either dialect. */
export class RevocationsRepository {
  readonly #database: Database;

  constructor(database: Database) {
    this.#database = database;
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
    const row = await this.#database.db
      .selectFrom('revocations')
      .select('id')
      .where('id', 'in', [...ids])
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Deletes revocations whose tokens have expired anyway. */
  async purgeExpired(now: Date): Promise<number> {
    const result = await this.#database.db
      .deleteFrom('revocations')
      .where('expires_at', '<', now.toISOString())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
