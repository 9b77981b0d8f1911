/**
 * 0003: at most one `active` signing key per algorithm, enforced by the database (a
 * partial unique index, on both dialects). Instances that start at the same time each
 * try to insert a first key; the index lets exactly one win and the others re-read it.
 */
import { type Kysely, type Migration, sql } from 'kysely';

/** Adds the partial unique index on `signing_keys (alg) where status = 'active'`. */
export const migration0003SigningKeysOneActive: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createIndex('signing_keys_one_active_per_alg')
      .on('signing_keys')
      .column('alg')
      .unique()
      .where(sql.ref('status'), '=', 'active')
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('signing_keys_one_active_per_alg').execute();
  },
};
