/**
 * 0001: apps and their per-app provider settings.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import { identifierType } from './dialect.js';

/** Creates `apps` and `app_providers`. */
export const migration0001Apps: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const id = identifierType(db);
    await db.schema
      .createTable('apps')
      .addColumn('client_id', id, (col) => col.primaryKey().check(sql`length(client_id) > 0`))
      .addColumn('environment', 'text', (col) => col.notNull().check(sql`environment in ('sandbox', 'production')`))
      .addColumn('name', 'text', (col) => col.notNull())
      .addColumn('type', 'text', (col) => col.notNull().check(sql`type in ('confidential', 'public')`))
      .addColumn('redirect_uris', 'text', (col) => col.notNull())
      .addColumn('allowed_origins', 'text', (col) => col.notNull())
      .addColumn('grant_types', 'text', (col) => col.notNull())
      .addColumn('scopes', 'text')
      .addColumn('token_endpoint_auth_methods', 'text')
      .addColumn('sign_in_hook_url', 'text')
      .addColumn('webhook_url', 'text')
      .addColumn('secret_hash', 'text')
      .addColumn('previous_secret_hash', 'text')
      .addColumn('previous_secret_expires_at', 'text')
      .addColumn('hook_secret_ciphertext', 'text')
      .addColumn('disabled', 'integer', (col) => col.notNull().defaultTo(0).check(sql`disabled in (0, 1)`))
      .addColumn('version', 'integer', (col) => col.notNull().defaultTo(1).check(sql`version >= 1`))
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addColumn('updated_at', 'text', (col) => col.notNull())
      .execute();
    // Listing is per environment, ordered by client_id (keyset pagination).
    await db.schema
      .createIndex('apps_environment_client_id')
      .on('apps')
      .columns(['environment', 'client_id'])
      .execute();

    await db.schema
      .createTable('app_providers')
      .addColumn('client_id', id, (col) => col.notNull().references('apps.client_id').onDelete('cascade'))
      .addColumn('provider_id', id, (col) => col.notNull().check(sql`length(provider_id) between 1 and 64`))
      .addColumn('enabled', 'integer', (col) => col.notNull().check(sql`enabled in (0, 1)`))
      .addColumn('settings', 'text', (col) => col.notNull())
      .addColumn('version', 'integer', (col) => col.notNull().defaultTo(1).check(sql`version >= 1`))
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addColumn('updated_at', 'text', (col) => col.notNull())
      .addPrimaryKeyConstraint('app_providers_pk', ['client_id', 'provider_id'])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('app_providers').execute();
    await db.schema.dropTable('apps').execute();
  },
};
