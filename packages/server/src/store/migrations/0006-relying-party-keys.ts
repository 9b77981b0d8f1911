/**
 * 0006: idgate's relying-party keys (SPEC 11), the keys idgate uses towards upstream
 * providers: a signing key (`use: sig`: client assertions, request objects, the signed
 * JWKS) and an encryption key (`use: enc`: upstreams encrypt ID tokens and userinfo to
 * it). Separate from the OP's `signing_keys`, kept the same way: private keys sealed with
 * the instance secret, at most one `active` key per use (a partial unique index, on both
 * dialects), rotated-away keys `previous` until `publish_until`, then `retired`.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import { identifierType } from './dialect.js';

/** Creates `relying_party_keys` and its one-active-key-per-use index. */
export const migration0006RelyingPartyKeys: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('relying_party_keys')
      .addColumn('kid', identifierType(db), (col) => col.primaryKey())
      .addColumn('key_use', 'text', (col) => col.notNull().check(sql`key_use in ('sig', 'enc')`))
      .addColumn('alg', 'text', (col) => col.notNull().check(sql`alg in ('ES256', 'PS256', 'ECDH-ES', 'RSA-OAEP-256')`))
      .addColumn('status', 'text', (col) => col.notNull().check(sql`status in ('active', 'previous', 'retired')`))
      .addColumn('private_key_ciphertext', 'text', (col) => col.notNull())
      .addColumn('public_jwk', 'text', (col) => col.notNull())
      .addColumn('created_at', 'text', (col) => col.notNull())
      /** While `previous`: published (and decrypting) until then. */
      .addColumn('publish_until', 'text')
      .execute();
    await db.schema
      .createIndex('relying_party_keys_one_active_per_use')
      .on('relying_party_keys')
      .column('key_use')
      .unique()
      .where(sql.ref('status'), '=', 'active')
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('relying_party_keys').execute();
  },
};
