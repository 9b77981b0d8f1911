/**
 * 0008: what sessions need to be operated (issue 14).
 *
 * - `idempotency_records` gets a lease: `holder` (a random token of the request holding a
 *   running key) and `lease_expires_at` (when a running key whose holder stopped may be
 *   taken over). Running records from before this migration have no lease and can be taken
 *   over at once.
 */
import type { Kysely, Migration } from 'kysely';

/** Adds the idempotency lease and the session retention indexes. */
export const migration0008SessionsOperations: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('idempotency_records').addColumn('holder', 'text').execute();
    await db.schema.alterTable('idempotency_records').addColumn('lease_expires_at', 'text').execute();
    await db.schema.alterTable('verifications').addColumn('error_code', 'text').execute();
    await db.schema.createIndex('verifications_expires_at').on('verifications').column('expires_at').execute();
    await db.schema.createIndex('verifications_updated_at').on('verifications').column('updated_at').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('verifications_updated_at').execute();
    await db.schema.dropIndex('verifications_expires_at').execute();
    await db.schema.alterTable('verifications').dropColumn('error_code').execute();
    await db.schema.alterTable('idempotency_records').dropColumn('lease_expires_at').execute();
    await db.schema.alterTable('idempotency_records').dropColumn('holder').execute();
  },
};
