/**
 * idgate's relying-party keys (SPEC 11): the keys idgate uses as a client of upstream
 * OpenID Providers, separate from the OP's ID token signing keys.
 *
 * - One active **signing** key (`use: sig`, ES256 or PS256, `IDGATE_RP_SIGNING_ALG`): it
 *   signs `private_key_jwt` client assertions, request objects and `/rp/signed-jwks`.
 * - One active **encryption** key (`use: enc`, ECDH-ES on P-256 or RSA-OAEP-256,
 *   `IDGATE_RP_ENCRYPTION_ALG`): upstreams encrypt ID tokens and userinfo to it.
 *
 * Both are created on first start (or first use); `idgate keys rotate --rp` replaces
 * them, and the replaced keys stay `previous` — published at `/rp/jwks.json` and still
 * decrypting — for `IDGATE_RP_KEY_GRACE`, then are `retired`. Keys live in the database
 * (private keys sealed with the instance secret) so that every instance uses and publishes
 * the same ones. Each instance keeps them in memory and reads them again at most every
 * {@link RP_KEY_CACHE_SECONDS} seconds; the decryption keys are read again when they are
 * older than {@link DECRYPTION_KEYS_MAX_AGE_SECONDS}, so that an upstream encrypting to a
 * key another instance just created is understood here too.
 */
import { IdgateError } from '@idgate/errors';
import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  importPKCS8,
  SignJWT,
} from 'jose';
import type { Config, RpEncryptionAlgorithm, RpSigningAlgorithm } from '../config/config.js';
import type { SecretBox } from '../security/secrets.js';
import type { Database } from '../store/database.js';
import {
  type RelyingPartyKeyAlgorithm,
  type RelyingPartyKeyRecord,
  type RelyingPartyKeyStatus,
  RelyingPartyKeysRepository,
  type RelyingPartyKeyUse,
} from '../store/relying-party-keys.repository.js';
import { KeySnapshot } from './key-snapshot.js';

/** How long an instance uses the keys it read before reading them again. */
export const RP_KEY_CACHE_SECONDS = 60;

/** How old the keys in memory may be when decrypting an upstream's answer. */
export const DECRYPTION_KEYS_MAX_AGE_SECONDS = 5;

/** How long a signed JWKS is valid (`exp` − `iat`). */
export const SIGNED_JWKS_TTL_SECONDS = 3600;

/** How long one signed JWKS is served before a new one is signed. */
const SIGNED_JWKS_REUSE_SECONDS = 300;

/** The `typ` of a signed JWK Set (OpenID Federation 1.0 §5.2.1, `signed_jwks_uri`). */
export const SIGNED_JWKS_TYPE = 'jwk-set+jwt';

/** A published relying-party key: the public members plus `kid`, `use` and `alg`. */
export type RelyingPartyPublicJwk = Readonly<Record<string, string>> & {
  readonly kid: string;
  readonly use: RelyingPartyKeyUse;
  readonly alg: RelyingPartyKeyAlgorithm;
};

/** A key idgate signs with, or decrypts with. */
export interface RelyingPartyPrivateKey {
  readonly kid: string;
  readonly alg: RelyingPartyKeyAlgorithm;
  /** A non-extractable WebCrypto private key. */
  readonly key: CryptoKey;
}

/** A key as `idgate keys list` shows it (no key material). */
export interface RelyingPartyKeyView {
  readonly kid: string;
  readonly use: RelyingPartyKeyUse;
  readonly alg: RelyingPartyKeyAlgorithm;
  readonly status: RelyingPartyKeyStatus;
  /** Whether `/rp/jwks.json` publishes it now. */
  readonly published: boolean;
  readonly createdAt: string;
  readonly publishUntil: string | null;
}

/** What one rotation did. */
export interface RotatedRelyingPartyKey {
  readonly use: RelyingPartyKeyUse;
  readonly alg: RelyingPartyKeyAlgorithm;
  /** The new active key. */
  readonly kid: string;
  /** The key it replaced, now `previous`; null when the use had no key yet. */
  readonly previousKid: string | null;
  /** Until when the previous key stays published and decrypts. */
  readonly previousPublishUntil: string | null;
}

/** What the keys need. */
export interface RelyingPartyKeysContext {
  readonly database: Database;
  readonly secrets: Pick<SecretBox, 'encrypt' | 'decrypt'>;
  readonly clock: () => Date;
  readonly config: Pick<Config, 'issuer' | 'rpSigningAlg' | 'rpEncryptionAlg' | 'rpKeyGraceSeconds'>;
}

/** The use an algorithm is for. */
export function useOfAlgorithm(alg: RelyingPartyKeyAlgorithm): RelyingPartyKeyUse {
  return alg === 'ES256' || alg === 'PS256' ? 'sig' : 'enc';
}

/** Whether `value` names an algorithm of a relying-party key. */
export function isRelyingPartyKeyAlgorithm(value: unknown): value is RelyingPartyKeyAlgorithm {
  return value === 'ES256' || value === 'PS256' || value === 'ECDH-ES' || value === 'RSA-OAEP-256';
}

interface LiveKey {
  readonly record: RelyingPartyKeyRecord;
  readonly publicJwk: RelyingPartyPublicJwk;
  /** Milliseconds; Infinity for the active key. */
  readonly publishUntil: number;
}

interface Snapshot {
  readonly loadedAt: number;
  readonly refreshAt: number;
  /** Active and previous keys, newest first. */
  readonly keys: readonly LiveKey[];
}

interface GeneratedKey {
  readonly record: Omit<RelyingPartyKeyRecord, 'status' | 'createdAt' | 'publishUntil' | 'privateKeyCiphertext'>;
  readonly privateKeyPem: string;
}

/** A new key pair for `alg`, its public JWK with its RFC 7638 thumbprint as `kid`. */
async function generateKey(alg: RelyingPartyKeyAlgorithm): Promise<GeneratedKey> {
  // ES256 and ECDH-ES on P-256; PS256 and RSA-OAEP-256 on RSA 2048.
  const shape = alg === 'ECDH-ES' ? { crv: 'P-256' } : alg === 'ES256' ? {} : { modulusLength: 2048 };
  const { publicKey, privateKey } = await generateKeyPair(alg, { ...shape, extractable: true });
  const exported = await exportJWK(publicKey);
  const members: Record<string, string> = {};
  for (const name of ['kty', 'crv', 'x', 'y', 'n', 'e'] as const) {
    const value = exported[name];
    if (typeof value === 'string') members[name] = value;
  }
  const kid = await calculateJwkThumbprint(members as { kty: string });
  const use = useOfAlgorithm(alg);
  return {
    record: { kid, use, alg, publicJwk: { ...members, kid, use, alg } },
    privateKeyPem: await exportPKCS8(privateKey),
  };
}

/** The instance's relying-party keys. */
export class RelyingPartyKeys {
  readonly #repository: RelyingPartyKeysRepository;
  readonly #secrets: RelyingPartyKeysContext['secrets'];
  readonly #clock: () => Date;
  readonly #config: RelyingPartyKeysContext['config'];
  /** Imported private keys by kid, kept across re-reads. */
  readonly #privateKeys = new Map<string, Promise<CryptoKey>>();
  readonly #keys: KeySnapshot<Snapshot>;
  #signedJwks: { readonly jwt: string; readonly keys: readonly LiveKey[]; readonly until: number } | undefined;

  constructor(context: RelyingPartyKeysContext) {
    this.#repository = new RelyingPartyKeysRepository(context.database);
    this.#secrets = context.secrets;
    this.#clock = context.clock;
    this.#keys = new KeySnapshot(() => this.#load(), context.clock);
    this.#config = context.config;
  }

  /** Makes sure an active signing and encryption key exist (creating the missing ones) and are loaded. */
  async ensure(): Promise<void> {
    await this.#keys.current();
  }

  /** The public keys to publish: the active ones (signing first), then previous ones still in their grace. */
  async jwks(): Promise<{ readonly keys: readonly RelyingPartyPublicJwk[] }> {
    return { keys: this.#published(await this.#keys.current()).map((key) => key.publicJwk) };
  }

  /**
   * The JWKS as a JWT signed by the active signing key (`typ: jwk-set+jwt`; `iss` and
   * `sub` the issuer, `iat`, `exp`, the keys as the `keys` claim), for upstreams that take
   * a `signed_jwks_uri`. The same token is served for a few minutes while the keys stay the same.
   */
  async signedJwks(): Promise<string> {
    const snapshot = await this.#keys.current();
    const now = this.#clock().getTime();
    const published = this.#published(snapshot);
    const cached = this.#signedJwks;
    if (cached && now < cached.until && sameKeys(cached.keys, published)) return cached.jwt;
    const signer = await this.signingKey();
    const issuedAt = Math.floor(now / 1000);
    const jwt = await new SignJWT({ keys: published.map((key) => key.publicJwk) })
      .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: SIGNED_JWKS_TYPE })
      .setIssuer(this.#config.issuer)
      .setSubject(this.#config.issuer)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + SIGNED_JWKS_TTL_SECONDS)
      .sign(signer.key);
    this.#signedJwks = { jwt, keys: published, until: now + SIGNED_JWKS_REUSE_SECONDS * 1000 };
    return jwt;
  }

  /** The active signing key (client assertions, request objects). */
  async signingKey(): Promise<RelyingPartyPrivateKey & { readonly alg: RpSigningAlgorithm }> {
    const snapshot = await this.#keys.current();
    const key = snapshot.keys.find((live) => live.record.use === 'sig' && live.record.status === 'active');
    if (key === undefined) {
      throw new IdgateError('SYSTEM_INTERNAL_ERROR', { debug: 'no active relying-party signing key after loading' });
    }
    return { kid: key.record.kid, alg: key.record.alg as RpSigningAlgorithm, key: await this.#privateKeyOf(key) };
  }

  /**
   * Every key that decrypts now: the active encryption key, then the previous ones still
   * in their grace. Read again first when older than {@link DECRYPTION_KEYS_MAX_AGE_SECONDS}.
   */
  async decryptionKeys(): Promise<readonly (RelyingPartyPrivateKey & { readonly alg: RpEncryptionAlgorithm })[]> {
    let snapshot = await this.#keys.current();
    if (this.#clock().getTime() - snapshot.loadedAt >= DECRYPTION_KEYS_MAX_AGE_SECONDS * 1000) {
      snapshot = await this.#keys.reload();
    }
    const keys = this.#published(snapshot).filter((key) => key.record.use === 'enc');
    return Promise.all(
      keys.map(async (key) => ({
        kid: key.record.kid,
        alg: key.record.alg as RpEncryptionAlgorithm,
        key: await this.#privateKeyOf(key),
      })),
    );
  }

  /**
   * Replaces the active key of one use (the one `alg` is for), or of both with the
   * configured algorithms; the replaced key stays published for `IDGATE_RP_KEY_GRACE`.
   * @throws IdgateError `RESOURCE_CONFLICT` when another rotation of the same use ran at the same time.
   */
  async rotate(alg?: RelyingPartyKeyAlgorithm, now: Date = this.#clock()): Promise<RotatedRelyingPartyKey[]> {
    const algorithms =
      alg === undefined ? [this.#config.rpSigningAlg, this.#config.rpEncryptionAlg] : [alg as RelyingPartyKeyAlgorithm];
    const publishUntil = new Date(now.getTime() + this.#config.rpKeyGraceSeconds * 1000);
    const rotated: RotatedRelyingPartyKey[] = [];
    for (const each of algorithms) {
      const generated = await generateKey(each);
      const previousKid = await this.#repository.rotate(
        { ...generated.record, privateKeyCiphertext: this.#secrets.encrypt(generated.privateKeyPem) },
        publishUntil,
        now,
      );
      rotated.push({
        use: generated.record.use,
        alg: each,
        kid: generated.record.kid,
        previousKid,
        previousPublishUntil: previousKid === null ? null : publishUntil.toISOString(),
      });
    }
    this.#invalidate();
    return rotated;
  }

  /** Every stored key, retired ones included, newest first (creates the initial keys if there are none). */
  async list(): Promise<RelyingPartyKeyView[]> {
    await this.#keys.current();
    const now = this.#clock().getTime();
    const records = await this.#repository.listAll();
    return records.map(function toView(record): RelyingPartyKeyView {
      const publishUntil = record.publishUntil?.getTime() ?? Number.POSITIVE_INFINITY;
      return {
        kid: record.kid,
        use: record.use,
        alg: record.alg,
        status: record.status,
        published: record.status === 'active' || (record.status === 'previous' && publishUntil > now),
        createdAt: record.createdAt.toISOString(),
        publishUntil: record.publishUntil?.toISOString() ?? null,
      };
    });
  }

  /** Active keys (signing first), then previous keys inside their grace, the most recently rotated away first. */
  #published(snapshot: Snapshot): LiveKey[] {
    const now = this.#clock().getTime();
    const live = snapshot.keys.filter((key) => key.publishUntil > now);
    return live.sort(function activeFirst(a, b) {
      const rank = (key: LiveKey) => (key.record.status === 'active' ? 0 : 1) * 2 + (key.record.use === 'sig' ? 0 : 1);
      return (
        rank(a) - rank(b) ||
        b.publishUntil - a.publishUntil ||
        b.record.createdAt.getTime() - a.record.createdAt.getTime()
      );
    });
  }

  /** Forgets the keys in memory (after a rotation by this instance). */
  #invalidate(): void {
    this.#keys.invalidate();
    this.#signedJwks = undefined;
  }

  /** Reads the live keys, creating the missing active ones and retiring expired previous ones. */
  async #load(): Promise<Snapshot> {
    const now = this.#clock();
    let records = await this.#repository.listLive();
    const wanted: [RelyingPartyKeyUse, RelyingPartyKeyAlgorithm][] = [
      ['sig', this.#config.rpSigningAlg],
      ['enc', this.#config.rpEncryptionAlg],
    ];
    const missing = wanted.filter(
      ([use]) => !records.some((record) => record.use === use && record.status === 'active'),
    );
    if (missing.length > 0) {
      for (const [, alg] of missing) {
        const generated = await generateKey(alg);
        await this.#repository.insertActiveIfNone(
          { ...generated.record, privateKeyCiphertext: this.#secrets.encrypt(generated.privateKeyPem) },
          now,
        );
      }
      // Another instance may have inserted first: the database decides which key is active.
      records = await this.#repository.listLive();
    }
    const nowMs = now.getTime();
    if (records.some((record) => record.status === 'previous' && (record.publishUntil?.getTime() ?? 0) <= nowMs)) {
      await this.#repository.retireExpired(now);
    }
    const keys = records.map(function toLive(record): LiveKey {
      return {
        record,
        publicJwk: Object.freeze({ ...record.publicJwk }) as RelyingPartyPublicJwk,
        publishUntil:
          record.status === 'active'
            ? Number.POSITIVE_INFINITY
            : (record.publishUntil?.getTime() ?? Number.NEGATIVE_INFINITY),
      };
    });
    for (const kid of this.#privateKeys.keys()) {
      if (!keys.some((key) => key.record.kid === kid)) this.#privateKeys.delete(kid);
    }
    return { loadedAt: nowMs, refreshAt: nowMs + RP_KEY_CACHE_SECONDS * 1000, keys };
  }

  /** A key's private half, decrypted and imported once. */
  #privateKeyOf(key: LiveKey): Promise<CryptoKey> {
    const { kid, alg, privateKeyCiphertext } = key.record;
    let imported = this.#privateKeys.get(kid);
    if (imported === undefined) {
      imported = Promise.resolve()
        .then(() => this.#secrets.decrypt(privateKeyCiphertext))
        .then((pem) => importPKCS8(pem, alg))
        .catch(function unusable(cause: unknown): never {
          throw new IdgateError('SYSTEM_INTERNAL_ERROR', {
            debug: `relying-party key ${kid} cannot be decrypted with the instance secret (did IDGATE_SECRET_KEY change? \`idgate keys rotate --rp\` makes new keys)`,
            cause,
          });
        });
      this.#privateKeys.set(kid, imported);
      imported.catch(() => this.#privateKeys.delete(kid));
    }
    return imported;
  }
}

function sameKeys(a: readonly LiveKey[], b: readonly LiveKey[]): boolean {
  return a.length === b.length && a.every((key, index) => key.record.kid === b[index]?.record.kid);
}
