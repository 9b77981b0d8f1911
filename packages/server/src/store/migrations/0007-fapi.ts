/**
 * 0007: FAPI 2.0 for apps (SPEC 12).
 *
 * - `apps` gains the FAPI fields: the app's public keys (`jwks`, or `jwks_uri` to fetch
 *   them from) for `private_key_jwt` and signed request objects, whether it must push its
 *   authorization requests and bind its access tokens with DPoP, the algorithm its request
 *   objects must be signed with, and the security profile it was registered under.
 * - `refresh_tokens.dpop_jkt`: the DPoP key a public client's refresh token is bound to
 *   (RFC 9449 §5).
 * - `pushed_authorization_requests` (RFC 9126): the validated parameters of a pushed
 *   request, stored encrypted under the keyed hash of its `request_uri`, single use,
 *   short-lived.
 * - `seen_jtis`: the one-time identifiers already presented (client assertion `jti`s, DPoP
 *   proof `jti`s), each kept until what carried it has expired, so a replay is refused by
 *   every instance sharing the database.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import { identifierType } from './dialect.js';

/** Adds the FAPI columns and tables. */
export const migration0007Fapi: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const id = identifierType(db);
    await db.schema.alterTable('apps').addColumn('jwks', 'text').execute();
    await db.schema.alterTable('apps').addColumn('jwks_uri', 'text').execute();
    await db.schema
      .alterTable('apps')
      .addColumn('require_pushed_authorization_requests', 'integer', (col) => col.notNull().defaultTo(0))
      .execute();
    await db.schema
      .alterTable('apps')
      .addColumn('dpop_bound_access_tokens', 'integer', (col) => col.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable('apps').addColumn('request_object_signing_alg', 'text').execute();
    await db.schema
      .alterTable('apps')
      .addColumn('profile', 'text', (col) => col.check(sql`profile in ('fapi2-security')`))
      .execute();
    await db.schema.alterTable('refresh_tokens').addColumn('dpop_jkt', 'text').execute();

    await db.schema
      .createTable('pushed_authorization_requests')
      .addColumn('request_uri_hash', id, (col) => col.primaryKey())
      .addColumn('client_id', id, (col) => col.notNull().references('apps.client_id').onDelete('cascade'))
      .addColumn('parameters_ciphertext', 'text', (col) => col.notNull())
      .addColumn('expires_at', 'text', (col) => col.notNull())
      .addColumn('used_at', 'text')
      .addColumn('created_at', 'text', (col) => col.notNull())
      .execute();
    await db.schema
      .createIndex('pushed_authorization_requests_expires_at')
      .on('pushed_authorization_requests')
      .column('expires_at')
      .execute();

    await db.schema
      .createTable('seen_jtis')
      .addColumn('id', id, (col) => col.primaryKey())
      .addColumn('expires_at', 'text', (col) => col.notNull())
      .addColumn('created_at', 'text', (col) => col.notNull())
      .execute();
    await db.schema.createIndex('seen_jtis_expires_at').on('seen_jtis').column('expires_at').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('seen_jtis').execute();
    await db.schema.dropTable('pushed_authorization_requests').execute();
    await db.schema.alterTable('refresh_tokens').dropColumn('dpop_jkt').execute();
    for (const column of [
      'profile',
      'request_object_signing_alg',
      'dpop_bound_access_tokens',
      'require_pushed_authorization_requests',
      'jwks_uri',
      'jwks',
    ]) {
      await db.schema.alterTable('apps').dropColumn(column).execute();
    }
  },
};
