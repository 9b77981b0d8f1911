/**
 * The instance's signing keys: one `active` key per algorithm signs; after a rotation the
 * old key stays published (`previous`) until every token it signed has expired, then it
 * is `retired`. Keys live in the database (private keys sealed with the instance secret)
 * so every instance sharing the database signs with the same keys and publishes the same
 * JWKS.
 *
 * A rotated-in key is published at once but signs only after
 * {@link KEY_PUBLICATION_DELAY_SECONDS}: until then the key it replaced (now `previous`)
 * keeps signing. So no token names a key that any instance's `/jwks`, or a relying
 * party's cached copy of it, does not show yet.
 *
 * Each instance keeps the keys in memory and re-reads them at most every
 * {@link KEY_CACHE_SECONDS} seconds, and sooner when asked to verify a token whose `kid`
 * it does not know (another instance rotated). Keys are created lazily, on first use
 * (or when the server starts listening, see discovery.routes.ts): when two instances
 * start at once, both insert, the database keeps one active key per algorithm, and both
 * re-read the winner.
 */

import { createPublicKey, type KeyObject } from 'node:crypto';
import { IdgateError } from '@idgate/errors';
import { encodeHeader, parseCompact, signCompact, verifySignature } from '../security/jws.js';
import {
  generateSigningKey,
  isSigningAlgorithm,
  type PublicJwk,
  privateKeyFromPem,
  publicJwkOf,
  SIGNING_ALGORITHMS,
  type SigningAlgorithm,
} from '../security/key-material.js';
import type { SecretBox } from '../security/secrets.js';
import type { Database } from '../store/database.js';
import {
  type SigningKeyRecord,
  type SigningKeyStatus,
  SigningKeysRepository,
} from '../store/signing-keys.repository.js';

export {
  isSigningAlgorithm,
  type PublicJwk,
  SIGNING_ALGORITHMS,
  type SigningAlgorithm,
} from '../security/key-material.js';

import { KeySnapshot } from './key-snapshot.js';
import { DISCOVERY_MAX_AGE_SECONDS, ID_TOKEN_TTL_SECONDS } from './token-lifetimes.js';

/** How long an instance uses the keys it read before reading them again. */
export const KEY_CACHE_SECONDS = 60;

/** How soon after a read an unknown `kid` may trigger another read (bounds the database load of forged kids). */
export const UNKNOWN_KID_REFRESH_COOLDOWN_SECONDS = 5;

/** Clock skew allowed for relying parties checking `exp`. */
const CLOCK_SKEW_MARGIN_SECONDS = 300;

/**
 * How long after a rotation the new key starts signing: longer than any instance keeps
 * its keys in memory ({@link KEY_CACHE_SECONDS}: another instance's `/jwks` shows the new
 * key by then) plus the time relying parties may cache `/jwks` (its `max-age`), plus a
 * minute for clocks and requests in flight.
 */
export const KEY_PUBLICATION_DELAY_SECONDS = KEY_CACHE_SECONDS + DISCOVERY_MAX_AGE_SECONDS + 60;

/**
 * How long a rotated-away key stays in the JWKS: the time it still signs after the
 * rotation ({@link KEY_PUBLICATION_DELAY_SECONDS}), plus the lifetime of the longest-lived
 * token it signed (an ID token), plus the time other instances may keep signing with it
 * before they re-read the keys, plus the time relying parties cache the JWKS, plus clock
 * skew — rounded up to one hour.
 */
export const PREVIOUS_KEY_PUBLISH_SECONDS = 3_600;

if (
  PREVIOUS_KEY_PUBLISH_SECONDS <
  KEY_PUBLICATION_DELAY_SECONDS +
    ID_TOKEN_TTL_SECONDS +
    KEY_CACHE_SECONDS +
    DISCOVERY_MAX_AGE_SECONDS +
    CLOCK_SKEW_MARGIN_SECONDS
) {
  throw new RangeError('PREVIOUS_KEY_PUBLISH_SECONDS is shorter than the tokens it must outlive');
}

/** What the services that build a `SigningKeys` provide. */
export interface SigningKeysContext {
  readonly database: Database;
  /** Seals the private keys at rest. */
  readonly secrets: SecretBox;
  readonly clock: () => Date;
}

/** A JWK Set (RFC 7517 §5) of public keys only. */
export interface JwkSet {
  readonly keys: readonly PublicJwk[];
}

/** A key as `idgate keys list` shows it (no key material). */
export interface SigningKeyView {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly status: SigningKeyStatus;
  /** Whether `/jwks` publishes it now. */
  readonly published: boolean;
  /** Whether it signs new tokens now. */
  readonly signing: boolean;
  readonly createdAt: string;
  readonly publishUntil: string | null;
}

/** What {@link SigningKeys.rotate} did. */
export interface RotatedKey {
  readonly alg: SigningAlgorithm;
  /** The new active key: published at once, signing from {@link signsFrom}. */
  readonly kid: string;
  /** When the new key starts signing (the previous key signs until then). */
  readonly signsFrom: string;
  /** The key it replaced, now `previous`; null when the algorithm had no key yet. */
  readonly previousKid: string | null;
  /** Until when the previous key stays published. */
  readonly previousPublishUntil: string | null;
}

/** A signature-checked JWS (claims such as `exp` or `aud` are the caller's to check). */
export interface VerifiedJws {
  readonly header: Record<string, unknown>;
  readonly payload: Record<string, unknown>;
}

interface LiveKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly status: 'active' | 'previous';
  readonly publicJwk: PublicJwk;
  readonly publicKey: KeyObject;
  readonly createdAt: number;
  /** Milliseconds: when an active key that replaced another starts signing. */
  readonly signsFrom: number;
  /** Milliseconds; Infinity for the active key. */
  readonly publishUntil: number;
  readonly privateKeyCiphertext: string;
  /** The encoded `{ alg, kid, typ: 'JWT' }` header. */
  readonly encodedHeader: string;
}

interface Snapshot {
  /** Clock time of the read, milliseconds. */
  readonly loadedAt: number;
  /** Clock time after which the keys are read again. */
  readonly refreshAt: number;
  readonly active: ReadonlyMap<SigningAlgorithm, LiveKey>;
  /** Active and previous keys by kid (whether still published is decided per call). */
  readonly byKid: ReadonlyMap<string, LiveKey>;
  /** The JWKS last built from this snapshot and the clock interval it is valid for. */
  jwks?: { readonly document: JwkSet; readonly from: number; readonly until: number };
}

/**
 * The key that signs for `alg` at `now`: the newest published key of `alg` whose
 * publication delay is over, or, when none is, the oldest published one (the first key of
 * an instance signs at once: no JWKS without it can have been cached). So after a rotation
 * the key it replaced signs until the new one is everywhere, and two rotations in a row
 * never let the middle key sign before its own delay.
 */
function signerOf(snapshot: Snapshot, alg: SigningAlgorithm, now: number): LiveKey | undefined {
  const published = [...snapshot.byKid.values()]
    .filter((key) => key.alg === alg && key.publishUntil > now)
    .sort((x, y) => y.createdAt - x.createdAt || (x.status === 'active' ? -1 : 1));
  return published.find((key) => key.signsFrom <= now) ?? published.at(-1);
}

/** The JWT header of a key. */
function headerOf(alg: SigningAlgorithm, kid: string): string {
  return encodeHeader({ alg, kid, typ: 'JWT' });
}

/** The instance's signing keys. */
export class SigningKeys {
  /** The algorithms idgate signs with, RS256 first. */
  readonly algorithms: readonly SigningAlgorithm[] = SIGNING_ALGORITHMS;

  readonly #repository: SigningKeysRepository;
  readonly #secrets: SigningKeysContext['secrets'];
  readonly #clock: () => Date;
  /** Parsed key objects by kid, kept across re-reads. */
  readonly #publicKeys = new Map<string, KeyObject>();
  readonly #privateKeys = new Map<string, KeyObject>();
  readonly #keys: KeySnapshot<Snapshot>;

  constructor(context: SigningKeysContext) {
    this.#repository = new SigningKeysRepository(context.database);
    this.#secrets = context.secrets;
    this.#clock = context.clock;
    this.#keys = new KeySnapshot(() => this.#load(), context.clock);
  }

  /** Makes sure one active key per algorithm exists (creating the missing ones) and is loaded. */
  async ensure(): Promise<void> {
    await this.#keys.current();
  }

  /**
   * The public keys to publish at `/jwks`: the active keys (RS256, ES256, EdDSA), then
   * previous keys still inside their publication window, the most recently rotated away
   * first. Never a private member.
   */
  async jwks(): Promise<JwkSet> {
    const snapshot = await this.#keys.current();
    const now = this.#clock().getTime();
    const cached = snapshot.jwks;
    if (cached && now >= cached.from && now < cached.until) return cached.document;
    const previous = [...snapshot.byKid.values()].filter(function stillPublished(key) {
      return key.status === 'previous' && key.publishUntil > now;
    });
    previous.sort(function latestRotatedFirst(a, b) {
      return b.publishUntil - a.publishUntil || b.createdAt - a.createdAt || (a.kid < b.kid ? -1 : 1);
    });
    const active = SIGNING_ALGORITHMS.map((alg) => snapshot.active.get(alg)).filter(
      (key): key is LiveKey => key !== undefined,
    );
    const document: JwkSet = Object.freeze({
      keys: Object.freeze([...active, ...previous].map((key) => key.publicJwk)),
    });
    const until = Math.min(Number.POSITIVE_INFINITY, ...previous.map((key) => key.publishUntil));
    snapshot.jwks = { document, from: now, until };
    return document;
  }

  /**
   * {@link jwks} when it can be answered from memory at once (keys loaded and not due
   * for a re-read, document still valid now); `undefined` when {@link jwks} must be
   * awaited. Returns the same object as long as the key set does not change.
   */
  jwksNow(): JwkSet | undefined {
    const snapshot = this.#keys.held;
    const cached = snapshot?.jwks;
    if (!snapshot || !cached) return undefined;
    const now = this.#clock().getTime();
    if (now >= snapshot.refreshAt || now < cached.from || now >= cached.until) return undefined;
    return cached.document;
  }

  /**
   * Signs `payload` as a compact JWS with header `{ alg, kid, typ: 'JWT' }` using the
   * active key of `alg`.
   *
   * @throws RangeError for an algorithm idgate does not sign with (a programming error).
   */
  async signJwt(payload: Readonly<Record<string, unknown>>, alg: SigningAlgorithm): Promise<string> {
    if (!isSigningAlgorithm(alg)) throw new RangeError(`unsupported signing algorithm: ${String(alg)}`);
    const snapshot = await this.#keys.current();
    const key = signerOf(snapshot, alg, this.#clock().getTime());
    if (!key) {
      throw new IdgateError('SYSTEM_INTERNAL_ERROR', { debug: `no active ${alg} signing key after loading the keys` });
    }
    return signCompact(key.encodedHeader, payload, alg, this.#privateKeyOf(key));
  }

  /**
   * Checks the signature of a compact JWS signed by one of the published keys (the
   * header's `alg` must be the key's). Reads the keys again when the `kid` is unknown,
   * at most every {@link UNKNOWN_KID_REFRESH_COOLDOWN_SECONDS} seconds.
   *
   * @returns the header and payload, or undefined when the token is malformed, names an
   *   unknown or unpublished key, or its signature does not verify.
   */
  async verifyJwt(token: string): Promise<VerifiedJws | undefined> {
    const parsed = parseCompact(token);
    if (!parsed) return undefined;
    const { kid, alg } = parsed.header;
    if (typeof kid !== 'string' || !isSigningAlgorithm(alg)) return undefined;
    let snapshot = await this.#keys.current();
    const now = this.#clock().getTime();
    if (!snapshot.byKid.has(kid) && now - snapshot.loadedAt >= UNKNOWN_KID_REFRESH_COOLDOWN_SECONDS * 1000) {
      snapshot = await this.#keys.reload();
    }
    const key = snapshot.byKid.get(kid);
    // RFC 8725 §3.1: the key decides the algorithm, not the token.
    if (!key || key.alg !== alg || key.publishUntil <= now) return undefined;
    if (!verifySignature(parsed.signingInput, parsed.signature, alg, key.publicKey)) return undefined;
    return { header: parsed.header, payload: parsed.payload };
  }

  /**
   * Makes a new active key for `alg`; the old one becomes `previous`, published until
   * `now` + {@link PREVIOUS_KEY_PUBLISH_SECONDS}.
   *
   * @throws IdgateError `RESOURCE_CONFLICT` when another rotation of `alg` ran at the same time.
   */
  async rotate(alg: SigningAlgorithm, now: Date = this.#clock()): Promise<RotatedKey> {
    if (!isSigningAlgorithm(alg)) throw new RangeError(`unsupported signing algorithm: ${String(alg)}`);
    const key = await generateSigningKey(alg);
    const publishUntil = new Date(now.getTime() + PREVIOUS_KEY_PUBLISH_SECONDS * 1000);
    const signsFrom = new Date(now.getTime() + KEY_PUBLICATION_DELAY_SECONDS * 1000);
    const { previousKid } = await this.#repository.rotate(
      { kid: key.kid, alg, privateKeyCiphertext: this.#secrets.encrypt(key.privateKeyPem), publicJwk: key.publicJwk },
      publishUntil,
      now,
    );
    this.#privateKeys.set(key.kid, key.privateKey);
    this.#invalidate();
    return {
      alg,
      kid: key.kid,
      signsFrom: (previousKid === null ? now : signsFrom).toISOString(),
      previousKid,
      previousPublishUntil: previousKid === null ? null : publishUntil.toISOString(),
    };
  }

  /** Every stored key, retired ones included, newest first (creates the initial keys if there are none). */
  async list(): Promise<SigningKeyView[]> {
    await this.#keys.current();
    const now = this.#clock().getTime();
    const snapshot = await this.#keys.current();
    const signers = new Set(
      SIGNING_ALGORITHMS.map((alg) => signerOf(snapshot, alg, now)?.kid).filter((kid) => kid !== undefined),
    );
    const records = await this.#repository.listAll();
    return records.map(function toView(record): SigningKeyView {
      const publishUntil = record.publishUntil?.getTime() ?? Number.POSITIVE_INFINITY;
      return {
        kid: record.kid,
        alg: record.alg,
        status: record.status,
        published: record.status === 'active' || (record.status === 'previous' && publishUntil > now),
        signing: signers.has(record.kid),
        createdAt: record.createdAt.toISOString(),
        publishUntil: record.publishUntil?.toISOString() ?? null,
      };
    });
  }

  /** Forgets the keys in memory (after a rotation by this instance). */
  #invalidate(): void {
    this.#keys.invalidate();
  }

  /** Reads the live keys, creating the missing active ones and retiring expired previous ones. */
  async #load(): Promise<Snapshot> {
    const now = this.#clock();
    let records = await this.#repository.listLive();
    const missing = SIGNING_ALGORITHMS.filter(function hasNoActiveKey(alg) {
      return !records.some((record) => record.alg === alg && record.status === 'active');
    });
    if (missing.length > 0) {
      const generated = await Promise.all(missing.map(generateSigningKey));
      for (const key of generated) {
        const sealed = this.#secrets.encrypt(key.privateKeyPem);
        const stored = await this.#repository.insertActiveIfNone(
          { kid: key.kid, alg: key.alg, privateKeyCiphertext: sealed, publicJwk: key.publicJwk },
          now,
        );
        if (stored) this.#privateKeys.set(key.kid, key.privateKey);
      }
      // Another instance may have inserted first: the database decides which key is active.
      records = await this.#repository.listLive();
    }
    const nowMs = now.getTime();
    if (records.some((record) => record.status === 'previous' && (record.publishUntil?.getTime() ?? 0) <= nowMs)) {
      await this.#repository.retireExpired(now);
    }
    return this.#snapshotOf(records, nowMs);
  }

  #snapshotOf(records: readonly SigningKeyRecord[], loadedAt: number): Snapshot {
    const active = new Map<SigningAlgorithm, LiveKey>();
    const byKid = new Map<string, LiveKey>();
    for (const record of records) {
      if (record.status === 'retired') continue;
      const key: LiveKey = {
        kid: record.kid,
        alg: record.alg,
        status: record.status,
        publicJwk: Object.freeze({ ...record.publicJwk }),
        publicKey: this.#publicKeyOf(record),
        createdAt: record.createdAt.getTime(),
        signsFrom: record.createdAt.getTime() + KEY_PUBLICATION_DELAY_SECONDS * 1000,
        publishUntil:
          record.status === 'active'
            ? Number.POSITIVE_INFINITY
            : (record.publishUntil?.getTime() ?? Number.NEGATIVE_INFINITY),
        privateKeyCiphertext: record.privateKeyCiphertext,
        encodedHeader: headerOf(record.alg, record.kid),
      };
      byKid.set(key.kid, key);
      if (key.status === 'active') active.set(key.alg, key);
    }
    for (const cache of [this.#publicKeys, this.#privateKeys]) {
      for (const kid of cache.keys()) if (!byKid.has(kid)) cache.delete(kid);
    }
    return { loadedAt, refreshAt: loadedAt + KEY_CACHE_SECONDS * 1000, active, byKid };
  }

  #publicKeyOf(record: SigningKeyRecord): KeyObject {
    let key = this.#publicKeys.get(record.kid);
    if (!key) {
      key = createPublicKey({ key: { ...record.publicJwk }, format: 'jwk' });
      this.#publicKeys.set(record.kid, key);
    }
    return key;
  }

  /** The private key of an active key, decrypted once. */
  #privateKeyOf(key: LiveKey): KeyObject {
    const cached = this.#privateKeys.get(key.kid);
    if (cached) return cached;
    let privateKey: KeyObject;
    try {
      privateKey = privateKeyFromPem(this.#secrets.decrypt(key.privateKeyCiphertext));
    } catch (cause) {
      throw new IdgateError('SYSTEM_INTERNAL_ERROR', {
        debug: `signing key ${key.kid} cannot be decrypted with the instance secret (did IDGATE_SECRET_KEY change? \`idgate keys rotate\` makes new keys)`,
        cause,
      });
    }
    // The stored public JWK must belong to this private key, or tokens would not verify.
    if (publicJwkOf(createPublicKey(privateKey), key.alg).kid !== key.kid) {
      throw new IdgateError('SYSTEM_INTERNAL_ERROR', {
        debug: `signing key ${key.kid}: the private key does not match the stored public key`,
      });
    }
    this.#privateKeys.set(key.kid, privateKey);
    return privateKey;
  }
}
