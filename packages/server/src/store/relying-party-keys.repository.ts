/**
 * idgate's relying-party keys on either dialect (migration 0006): rows ↔ records (ISO
 * text ↔ `Date`, JSON text ↔ the public JWK), and the writes that must stay consistent
 * when several instances share one database: at most one `active` key per use (the
 * partial unique index), a first insert that tolerates a concurrent one, and rotation in
 * one transaction. The same shape as `signing-keys.repository.ts`, per `use` instead of
 * per algorithm.
 */
import { IdgateError } from '@idgate/errors';
import type { Selectable } from 'kysely';
import type { Database } from './database.js';
import type { RelyingPartyKeysTable } from './schema.js';

/** What a key is for: signing (`sig`) or decryption (`enc`). */
export type RelyingPartyKeyUse = RelyingPartyKeysTable['key_use'];

/** A relying-party key's algorithm. */
export type RelyingPartyKeyAlgorithm = RelyingPartyKeysTable['alg'];

/** Where a key is in its life: in use (`active`), still published (`previous`), or neither (`retired`). */
export type RelyingPartyKeyStatus = RelyingPartyKeysTable['status'];

/** A stored relying-party key. */
export interface RelyingPartyKeyRecord {
  readonly kid: string;
  readonly use: RelyingPartyKeyUse;
  readonly alg: RelyingPartyKeyAlgorithm;
  readonly status: RelyingPartyKeyStatus;
  /** The PKCS #8 private key, sealed with the instance secret. */
  readonly privateKeyCiphertext: string;
  /** The public JWK with `kid`, `use` and `alg`. */
  readonly publicJwk: Readonly<Record<string, string>>;
  readonly createdAt: Date;
  /** While `previous`: published until then. */
  readonly publishUntil: Date | null;
}

/** A key to store as the active one of its use. */
export interface NewRelyingPartyKey {
  readonly kid: string;
  readonly use: RelyingPartyKeyUse;
  readonly alg: RelyingPartyKeyAlgorithm;
  readonly privateKeyCiphertext: string;
  readonly publicJwk: Readonly<Record<string, string>>;
}

function toRecord(row: Selectable<RelyingPartyKeysTable>): RelyingPartyKeyRecord {
  return {
    kid: row.kid,
    use: row.key_use,
    alg: row.alg,
    status: row.status,
    privateKeyCiphertext: row.private_key_ciphertext,
    publicJwk: JSON.parse(row.public_jwk) as Record<string, string>,
    createdAt: new Date(row.created_at),
    publishUntil: row.publish_until === null ? null : new Date(row.publish_until),
  };
}

function toRow(key: NewRelyingPartyKey, now: Date) {
  return {
    kid: key.kid,
    key_use: key.use,
    alg: key.alg,
    status: 'active' as const,
    private_key_ciphertext: key.privateKeyCiphertext,
    public_jwk: JSON.stringify(key.publicJwk),
    created_at: now.toISOString(),
    publish_until: null,
  };
}

/** Relying-party keys, on either dialect. */
export class RelyingPartyKeysRepository {
  readonly #database: Database;

  constructor(database: Database) {
    this.#database = database;
  }

  /** The keys that are active or previous (whether still published or not), newest first. */
  async listLive(): Promise<RelyingPartyKeyRecord[]> {
    const rows = await this.#database.db
      .selectFrom('relying_party_keys')
      .selectAll()
      .where('status', 'in', ['active', 'previous'])
      .orderBy('created_at', 'desc')
      .orderBy('kid')
      .execute();
    return rows.map(toRecord);
  }

  /** Every key, retired ones included, newest first. */
  async listAll(): Promise<RelyingPartyKeyRecord[]> {
    const rows = await this.#database.db
      .selectFrom('relying_party_keys')
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('kid')
      .execute();
    return rows.map(toRecord);
  }

  /**
   * Stores `key` as the active key of its use unless another instance stored one first
   * (the partial unique index refuses a second one; the insert then does nothing).
   * @returns whether this key was stored.
   */
  async insertActiveIfNone(key: NewRelyingPartyKey, now: Date): Promise<boolean> {
    const result = await this.#database.db
      .insertInto('relying_party_keys')
      .values(toRow(key, now))
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /**
   * In one transaction: the active key of `key.use` becomes `previous`, published until
   * `publishUntil`, and `key` becomes active.
   * @returns the kid of the key replaced, or null when the use had none.
   * @throws IdgateError `RESOURCE_CONFLICT` when another rotation of the same use
   *   committed in between (nothing is changed; run it again).
   */
  async rotate(key: NewRelyingPartyKey, publishUntil: Date, now: Date): Promise<string | null> {
    return this.#database.db.transaction().execute(async function rotateInTransaction(trx) {
      const demoted = await trx
        .updateTable('relying_party_keys')
        .set({ status: 'previous', publish_until: publishUntil.toISOString() })
        .where('key_use', '=', key.use)
        .where('status', '=', 'active')
        .returning('kid')
        .execute();
      const inserted = await trx
        .insertInto('relying_party_keys')
        .values(toRow(key, now))
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) {
        throw new IdgateError('RESOURCE_CONFLICT', {
          detail: `Another rotation of the relying-party ${key.use} key happened at the same time; nothing was changed.`,
          context: { use: key.use },
        });
      }
      return demoted[0]?.kid ?? null;
    });
  }

  /** Previous keys whose publication ended become `retired`. @returns how many. */
  async retireExpired(now: Date): Promise<number> {
    const result = await this.#database.db
      .updateTable('relying_party_keys')
      .set({ status: 'retired' })
      .where('status', '=', 'previous')
      .where('publish_until', '<=', now.toISOString())
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }
}
