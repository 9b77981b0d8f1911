/**
 * 0002: the OpenID Provider and verification sessions — signing keys, verification
 * sessions and their audit trail, authorization codes, refresh tokens, revocations,
 * idempotency records, and the origins apps allow (CORS look-ups by origin).
 */
import { type Kysely, type Migration, sql } from 'kysely';
import { identifierType, isPostgres } from './dialect.js';

/** Creates the tables of the OpenID Provider and verification sessions. */
export const migration0002OidcSessions: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const id = identifierType(db);
    const serial = isPostgres(db)
      ? sql`bigint generated always as identity primary key`
      : sql`integer primary key autoincrement`;

    await db.schema.alterTable('apps').addColumn('id_token_signed_response_alg', 'text').execute();

    await db.schema
      .createTable('app_origins')
      .addColumn('origin', id, (col) => col.notNull())
      .addColumn('client_id', id, (col) => col.notNull().references('apps.client_id').onDelete('cascade'))
      .addPrimaryKeyConstraint('app_origins_pk', ['origin', 'client_id'])
      .execute();
    await db.schema.createIndex('app_origins_client_id').on('app_origins').column('client_id').execute();

    await db.schema
      .createTable('signing_keys')
      .addColumn('kid', id, (col) => col.primaryKey())
      .addColumn('alg', 'text', (col) => col.notNull().check(sql`alg in ('RS256', 'ES256', 'EdDSA')`))
      .addColumn('status', 'text', (col) => col.notNull().check(sql`status in ('active', 'previous', 'retired')`))
      .addColumn('private_key_ciphertext', 'text', (col) => col.notNull())
      .addColumn('public_jwk', 'text', (col) => col.notNull())
      .addColumn('created_at', 'text', (col) => col.notNull())
      /** While `previous`: published in the JWKS until then. */
      .addColumn('publish_until', 'text')
      .execute();

    await db.schema
      .createTable('verifications')
      .addColumn('id', id, (col) => col.primaryKey())
      .addColumn('client_id', id, (col) => col.notNull().references('apps.client_id').onDelete('cascade'))
      .addColumn('environment', 'text', (col) => col.notNull().check(sql`environment in ('sandbox', 'production')`))
      .addColumn('origin', 'text', (col) => col.notNull().check(sql`origin in ('authorize', 'rest')`))
      .addColumn('status', 'text', (col) =>
        col
          .notNull()
          .check(
            sql`status in ('initiated', 'pending', 'authenticating', 'completed', 'failed', 'cancelled', 'expired')`,
          ),
      )
      .addColumn('status_code', 'text')
      .addColumn('provider_id', id)
      .addColumn('flow_type', 'text')
      .addColumn('requested_loa', 'integer')
      .addColumn('achieved_loa', 'integer')
      /** JSON array of claim names. */
      .addColumn('requested_claims', 'text', (col) => col.notNull())
      /** JSON object shown to the app (redirect URL, QR data …). */
      .addColumn('flow_details', 'text', (col) => col.notNull())
      /** Encrypted JSON: the userData the app sent. */
      .addColumn('user_data_ciphertext', 'text')
      /** Encrypted JSON: the adapter's private state. */
      .addColumn('provider_state_ciphertext', 'text')
      /** Encrypted JSON: normalized claims, missing claims, provenance, subject. */
      .addColumn('result_ciphertext', 'text')
      /** JSON: the authorization request of an /authorize transaction. */
      .addColumn('authorization_request', 'text')
      .addColumn('redirect_uri', 'text')
      .addColumn('expires_at', 'text', (col) => col.notNull())
      .addColumn('verified_at', 'text')
      .addColumn('version', 'integer', (col) => col.notNull().defaultTo(1).check(sql`version >= 1`))
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addColumn('updated_at', 'text', (col) => col.notNull())
      .execute();
    await db.schema
      .createIndex('verifications_client_created')
      .on('verifications')
      .columns(['client_id', 'created_at'])
      .execute();

    await db.schema
      .createTable('verification_events')
      .addColumn('id', serial as never)
      .addColumn('verification_id', id, (col) => col.notNull().references('verifications.id').onDelete('cascade'))
      .addColumn('from_status', 'text')
      .addColumn('to_status', 'text', (col) => col.notNull())
      .addColumn('status_code', 'text')
      .addColumn('actor', 'text', (col) =>
        col.notNull().check(sql`actor in ('app', 'user', 'provider', 'system', 'hook')`),
      )
      .addColumn('at', 'text', (col) => col.notNull())
      .execute();
    await db.schema
      .createIndex('verification_events_verification')
      .on('verification_events')
      .columns(['verification_id', 'id'])
      .execute();

    await db.schema
      .createTable('authorization_codes')
      .addColumn('code_hash', id, (col) => col.primaryKey())
      .addColumn('verification_id', id, (col) => col.notNull().references('verifications.id').onDelete('cascade'))
      .addColumn('client_id', id, (col) => col.notNull().references('apps.client_id').onDelete('cascade'))
      /** The grant everything issued from this code belongs to (revoked on replay). */
      .addColumn('grant_id', id, (col) => col.notNull())
      .addColumn('redirect_uri', 'text', (col) => col.notNull())
      .addColumn('scope', 'text', (col) => col.notNull())
      .addColumn('nonce', 'text')
      .addColumn('code_challenge', 'text')
      .addColumn('expires_at', 'text', (col) => col.notNull())
      .addColumn('used_at', 'text')
      .addColumn('created_at', 'text', (col) => col.notNull())
      .execute();

    await db.schema
      .createTable('refresh_tokens')
      .addColumn('token_hash', id, (col) => col.primaryKey())
      .addColumn('grant_id', id, (col) => col.notNull())
      .addColumn('client_id', id, (col) => col.notNull().references('apps.client_id').onDelete('cascade'))
      .addColumn('verification_id', id, (col) => col.references('verifications.id').onDelete('cascade'))
      .addColumn('scope', 'text', (col) => col.notNull())
      .addColumn('expires_at', 'text', (col) => col.notNull())
      /** Set when rotated: presenting it again is reuse and revokes the grant. */
      .addColumn('used_at', 'text')
      .addColumn('revoked_at', 'text')
      .addColumn('created_at', 'text', (col) => col.notNull())
      .execute();
    await db.schema.createIndex('refresh_tokens_grant').on('refresh_tokens').column('grant_id').execute();

    /** Revoked access tokens (`token:<jti>`) and grants (`grant:<id>`), kept until they would expire anyway. */
    await db.schema
      .createTable('revocations')
      .addColumn('id', id, (col) => col.primaryKey())
      .addColumn('expires_at', 'text', (col) => col.notNull())
      .addColumn('created_at', 'text', (col) => col.notNull())
      .execute();

    await db.schema
      .createTable('idempotency_records')
      .addColumn('client_id', id, (col) => col.notNull().references('apps.client_id').onDelete('cascade'))
      .addColumn('idempotency_key', id, (col) => col.notNull())
      .addColumn('request_hash', 'text', (col) => col.notNull())
      .addColumn('state', 'text', (col) => col.notNull().check(sql`state in ('running', 'completed')`))
      .addColumn('response_status', 'integer')
      .addColumn('response_body', 'text')
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addColumn('expires_at', 'text', (col) => col.notNull())
      .addPrimaryKeyConstraint('idempotency_records_pk', ['client_id', 'idempotency_key'])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of [
      'idempotency_records',
      'revocations',
      'refresh_tokens',
      'authorization_codes',
      'verification_events',
      'verifications',
      'signing_keys',
      'app_origins',
    ]) {
      await db.schema.dropTable(table).execute();
    }
    await db.schema.alterTable('apps').dropColumn('id_token_signed_response_alg').execute();
  },
};
