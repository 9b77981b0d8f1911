/**
 * Signing keys on either dialect: maps rows to records (ISO text ↔ `Date`, JSON text ↔
 * the public JWK) and owns the writes that must stay consistent when several instances
 * share one database: at most one `active` key per algorithm (a partial unique index,
 * migration 0003), inserts that tolerate a concurrent insert, and rotation in one
 * transaction.
 */
import { IdgateError } from '@idgate/errors';
import type { Selectable } from 'kysely';
import type { PublicJwk, SigningAlgorithm } from '../security/key-material.js';
import type { Database } from './database.js';
import type { SigningKeysTable } from './schema.js';

/** Where a key is in its life: signs (`active`), still published (`previous`), or neither (`retired`). */
export type SigningKeyStatus = SigningKeysTable['status'];

/** A stored signing key. */
export interface SigningKeyRecord {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly status: SigningKeyStatus;
  /** The PKCS #8 private key, sealed with the instance secret. */
  readonly privateKeyCiphertext: string;
  readonly publicJwk: PublicJwk;
  readonly createdAt: Date;
  /** While `previous`: published until then. */
  readonly publishUntil: Date | null;
}

/** A key to store as the active one of its algorithm. */
export interface NewSigningKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly privateKeyCiphertext: string;
  readonly publicJwk: PublicJwk;
}

/** What a rotation did. */
export interface RotationResult {
  /** The key that was active before, now `previous`; null when there was none. */
  readonly previousKid: string | null;
}

function toRecord(row: Selectable<SigningKeysTable>): SigningKeyRecord {
  return {
    kid: row.kid,
    alg: row.alg,
    status: row.status,
    privateKeyCiphertext: row.private_key_ciphertext,
    publicJwk: JSON.parse(row.public_jwk) as PublicJwk,
    createdAt: new Date(row.created_at),
    publishUntil: row.publish_until === null ? null : new Date(row.publish_until),
  };
}

/** Signing keys, on either dialect. */
export class SigningKeysRepository {
  readonly #database: Database;

  constructor(database: Database) {
    this.#database = database;
  }

  /** The keys that are active or previous (whether still published or not), newest first. */
  async listLive(): Promise<SigningKeyRecord[]> {
    const rows = await this.#database.db
      .selectFrom('signing_keys')
      .selectAll()
      .where('status', 'in', ['active', 'previous'])
      .orderBy('created_at', 'desc')
      .orderBy('kid')
      .execute();
    return rows.map(toRecord);
  }

  /** Every key, retired ones included, newest first. */
  async listAll(): Promise<SigningKeyRecord[]> {
    const rows = await this.#database.db
      .selectFrom('signing_keys')
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('kid')
      .execute();
    return rows.map(toRecord);
  }

  /**
   * Stores `key` as the active key of its algorithm unless another instance stored one
   * first (the partial unique index refuses a second active key; the insert then does
   * nothing). Re-read to learn which key won.
   *
   * @returns whether this key was stored.
   */
  async insertActiveIfNone(key: NewSigningKey, now: Date): Promise<boolean> {
    const result = await this.#database.db
      .insertInto('signing_keys')
      .values({
        kid: key.kid,
        alg: key.alg,
        status: 'active',
        private_key_ciphertext: key.privateKeyCiphertext,
        public_jwk: JSON.stringify(key.publicJwk),
        created_at: now.toISOString(),
        publish_until: null,
      })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /**
   * In one transaction: the active key of `key.alg` becomes `previous`, published until
   * `publishUntil`, and `key` becomes active.
   *
   * @throws IdgateError `RESOURCE_CONFLICT` when another rotation of the same algorithm
   *   committed in between (nothing is changed; run it again).
   */
  async rotate(key: NewSigningKey, publishUntil: Date, now: Date): Promise<RotationResult> {
    return this.#database.db.transaction().execute(async function rotateInTransaction(trx) {
      const demoted = await trx
        .updateTable('signing_keys')
        .set({ status: 'previous', publish_until: publishUntil.toISOString() })
        .where('alg', '=', key.alg)
        .where('status', '=', 'active')
        .returning('kid')
        .execute();
      const inserted = await trx
        .insertInto('signing_keys')
        .values({
          kid: key.kid,
          alg: key.alg,
          status: 'active',
          private_key_ciphertext: key.privateKeyCiphertext,
          public_jwk: JSON.stringify(key.publicJwk),
          created_at: now.toISOString(),
          publish_until: null,
        })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) {
        throw new IdgateError('RESOURCE_CONFLICT', {
          detail: `Another rotation of the ${key.alg} signing key happened at the same time; nothing was changed.`,
          context: { alg: key.alg },
        });
      }
      return { previousKid: demoted[0]?.kid ?? null };
    });
  }

  /** Previous keys whose publication ended become `retired`. @returns how many. */
  async retireExpired(now: Date): Promise<number> {
    const result = await this.#database.db
      .updateTable('signing_keys')
      .set({ status: 'retired' })
      .where('status', '=', 'previous')
      .where('publish_until', '<=', now.toISOString())
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }
}
