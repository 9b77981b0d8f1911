/**
 * 0009: per-app branding of the hosted pages (`apps.branding`, a JSON object of `name`,
 * `logoUrl`, `primaryColor`, `accentColor`; null: idgate's own look).
 */
import type { Kysely, Migration } from 'kysely';

/** Adds `apps.branding`. */
export const migration0009AppBranding: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('apps').addColumn('branding', 'text').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('apps').dropColumn('branding').execute();
  },
};
