/**
 * Credentials: generation, keyed hashing and constant-time comparison, and encryption
 * of the few secrets idgate must be able to read back (hook secrets).
 *
 * Client secrets are 256-bit random strings, so a fast keyed hash (HMAC-SHA-256) is
 * right for them (SPEC 1): there is nothing to brute-force, and the key keeps a stolen
 * database from being enough to test guesses offline.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Bytes read from the CSPRNG at a time by {@link pooledRandomBytes}. */
const RANDOM_POOL_BYTES = 4096;
/** The most one {@link pooledRandomBytes} call may take. */
const RANDOM_POOL_MAX_CHUNK = 256;
let randomPool = Buffer.alloc(0);
let randomPoolOffset = 0;

/**
 * `length` bytes from the CSPRNG, taken from a pool read 4 KiB at a time (as Node's own
 * `crypto.randomUUID` does): one call into OpenSSL per ~100 token ids instead of one
 * each, which was measurable on `/token`. Every byte is handed out once. The result is a
 * view into the pool: use it at once (encode it, pass it as an IV) and never modify it.
 *
 * @throws RangeError for a length outside 1–256
 */
export function pooledRandomBytes(length: number): Buffer {
  if (!Number.isInteger(length) || length < 1 || length > RANDOM_POOL_MAX_CHUNK) {
    throw new RangeError(`pooledRandomBytes: length must be an integer from 1 to ${RANDOM_POOL_MAX_CHUNK}`);
  }
  if (randomPoolOffset + length > randomPool.length) {
    // A new buffer (not a refill in place): views handed out earlier keep their bytes.
    randomPool = randomBytes(RANDOM_POOL_BYTES);
    randomPoolOffset = 0;
  }
  const chunk = randomPool.subarray(randomPoolOffset, randomPoolOffset + length);
  randomPoolOffset += length;
  return chunk;
}

/**
 * A random base62 string of `length` characters (rejection sampling, no modulo bias), from
 * the pooled CSPRNG bytes up to 128 characters (a session id on every `/authorize`: one
 * call into OpenSSL each was nine tenths of the cost of an id).
 */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    const wanted = length * 2;
    const bytes = wanted <= RANDOM_POOL_MAX_CHUNK ? pooledRandomBytes(wanted) : randomBytes(wanted);
    for (let i = 0; i < bytes.length && out.length < length; i++) {
      const byte = bytes[i] as number;
      if (byte < 248) out += BASE62[byte % 62];
    }
  }
  return out;
}

/** The credential prefix of an environment (SPEC 1). */
export function credentialPrefix(environment: 'sandbox' | 'production'): 'test_' | 'live_' {
  return environment === 'sandbox' ? 'test_' : 'live_';
}

/** The environment a credential's prefix names, if any. */
export function environmentOfCredential(value: string): 'sandbox' | 'production' | undefined {
  if (value.startsWith('test_')) return 'sandbox';
  if (value.startsWith('live_')) return 'production';
  return undefined;
}

/** A new client id: `test_`/`live_` + 24 base62 characters (~143 bits). */
export function newClientId(environment: 'sandbox' | 'production'): string {
  return credentialPrefix(environment) + randomBase62(24);
}

/** A new client secret: `test_`/`live_` + 43 base62 characters (~256 bits). */
export function newClientSecret(environment: 'sandbox' | 'production'): string {
  return credentialPrefix(environment) + randomBase62(43);
}

/** A new hook secret (signs sign-in hook calls and webhooks). */
export function newHookSecret(): string {
  return `whsec_${randomBase62(43)}`;
}

/** A new admin key. */
export function newAdminKey(): string {
  return `idgate_admin_${randomBase62(43)}`;
}

/** Hashes, compares and encrypts with keys derived from one instance secret. */
export class SecretBox {
  readonly #hashKey: Buffer;
  readonly #encryptionKey: Buffer;

  constructor(instanceSecret: string) {
    if (instanceSecret.length < 32) throw new RangeError('the instance secret must be at least 32 characters');
    const master = Buffer.from(instanceSecret, 'utf8');
    this.#hashKey = Buffer.from(hkdfSync('sha256', master, 'idgate', 'credential-hash-v1', 32));
    this.#encryptionKey = Buffer.from(hkdfSync('sha256', master, 'idgate', 'secret-encryption-v1', 32));
  }

  /** The keyed hash of a credential, hex. */
  hash(secret: string): string {
    return createHmac('sha256', this.#hashKey).update(secret, 'utf8').digest('hex');
  }

  /** Whether `secret` hashes to `expectedHash`, in constant time. */
  verify(secret: string, expectedHash: string | null | undefined): boolean {
    return this.digestMatches(this.hash(secret), expectedHash);
  }

  /**
   * Whether a {@link hash} already computed equals `expectedHash`, in constant time (a
   * caller that compares one presented credential with several stored hashes hashes once).
   */
  digestMatches(digest: string, expectedHash: string | null | undefined): boolean {
    if (!expectedHash) return false;
    const actual = Buffer.from(digest, 'hex');
    const expected = Buffer.from(expectedHash, 'hex');
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }

  /** Encrypts with AES-256-GCM: `v1.<iv>.<ciphertext>.<tag>`, base64url. */
  encrypt(plaintext: string): string {
    const iv = pooledRandomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#encryptionKey, iv);
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv, ciphertext, cipher.getAuthTag()]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  /**
   * A short name of a value {@link encrypt} produced: its IV and authentication tag. Two
   * values sealed under this key with the same name are the same value (the IV is random,
   * and another ciphertext with the same tag cannot be made without the key), so a cache
   * of opened values can be keyed by it instead of by the whole ciphertext.
   */
  sealedName(sealed: string): string {
    const ivEnd = sealed.indexOf('.', 3);
    return `${sealed.slice(0, ivEnd)}.${sealed.slice(sealed.lastIndexOf('.') + 1)}`;
  }

  /** Decrypts what {@link encrypt} produced. @throws TypeError when it was tampered with or made with another key. */
  decrypt(sealed: string): string {
    const [version, iv, ciphertext, tag] = sealed.split('.');
    if (version !== 'v1' || !iv || ciphertext === undefined || !tag) throw new TypeError('not a sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', this.#encryptionKey, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    try {
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    } catch (cause) {
      throw new TypeError('the sealed secret cannot be opened with this instance key', { cause });
    }
  }
}
