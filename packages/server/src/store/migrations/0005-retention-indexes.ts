/**
 * 0005: indexes for retention (the purge job, `background/purge-job.ts`).
 *
 * - `expires_at` of `authorization_codes`, `refresh_tokens`, `revocations` and
 *   `idempotency_records`: each purge batch picks the oldest expired rows in index order
 *   instead of scanning the table.
 * - `webhook_events (status, updated_at)`: finished (`delivered`, `failed`) events by age.
 */
import type { Kysely, Migration } from 'kysely';

/** The `expires_at` indexes, by table. */
const EXPIRY_INDEXES = [
  ['authorization_codes_expires_at', 'authorization_codes'],
  ['refresh_tokens_expires_at', 'refresh_tokens'],
  ['revocations_expires_at', 'revocations'],
  ['idempotency_records_expires_at', 'idempotency_records'],
] as const;

/** Adds the retention indexes. */
export const migration0005RetentionIndexes: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const [name, table] of EXPIRY_INDEXES) {
      await db.schema.createIndex(name).on(table).column('expires_at').execute();
    }
    await db.schema
      .createIndex('webhook_events_finished')
      .on('webhook_events')
      .columns(['status', 'updated_at'])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('webhook_events_finished').execute();
    for (const [name] of [...EXPIRY_INDEXES].reverse()) await db.schema.dropIndex(name).execute();
  },
};
