/**
 * Encrypted tokens between idgate and an upstream (SPEC 11), with `jose`:
 * - what the upstream encrypted to idgate's RP keys (ID tokens, userinfo): whether a
 *   token is a JWE at all, and opening one to the JWS inside, its `alg` and `enc` being
 *   the ones the upstream was told to use;
 * - request objects idgate encrypts to the upstream's key (`requestObject: signed-encrypted`, RFC 9101 §6.1).
 *
 * `openid-client` decrypts the token endpoint's and userinfo's answers itself and checks
 * their claims, but hands back neither the JWS inside nor the JWE header; the adapter needs
 * both (the signature check in `oidc-id-token.ts`, the `alg`/`enc` the upstream was told),
 * so it opens the JWE once more here with the same keys.
 */
import { CompactEncrypt, type CryptoKey, compactDecrypt, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import type { ServerMetadata } from 'openid-client';
import type { ResponseEncryptionConfig } from '../../config/oidc-providers.js';

/** A key idgate decrypts with. */
export interface DecryptionKey {
  readonly kid: string;
  readonly alg: 'ECDH-ES' | 'RSA-OAEP-256';
  readonly key: CryptoKey;
}

/** Whether a compact serialization is a JWE (RFC 7516 §7.1: five parts). */
export function isJwe(token: string): boolean {
  return token.split('.').length === 5;
}

/** Whether a compact serialization is a JWS (three parts). */
export function isJws(token: string): boolean {
  return token.split('.').length === 3;
}

/** Whether a key management algorithm can be decrypted with a key of `keyAlg`. */
function fits(keyAlg: DecryptionKey['alg'], alg: string): boolean {
  return keyAlg === 'RSA-OAEP-256' ? alg === 'RSA-OAEP-256' : alg.startsWith('ECDH-ES');
}

/** Why a JWE cannot be opened (for the log): the adapter turns it into `PROVIDER_UNEXPECTED_RESPONSE`. */
export class UnopenableJwe extends Error {
  constructor(reason: string, cause?: unknown) {
    super(reason, { cause });
    this.name = 'UnopenableJwe';
  }
}

/**
 * Opens a JWE with idgate's decryption keys: its `kid`'s key, else the one key that fits
 * its `alg`; `alg` must be the configured one (default the key's) and `enc` the configured one.
 * @returns the plaintext (the nested JWS, or JSON)
 * @throws UnopenableJwe
 */
export async function openJwe(
  jwe: string,
  keys: readonly DecryptionKey[],
  expected: ResponseEncryptionConfig | undefined,
): Promise<string> {
  let header: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(jwe) as Record<string, unknown>;
  } catch (error) {
    throw new UnopenableJwe('encrypted answer has no readable header', error);
  }
  const { alg, enc, kid } = header;
  if (typeof alg !== 'string' || typeof enc !== 'string')
    throw new UnopenableJwe('encrypted answer without alg or enc');
  const candidates = keys.filter((key) => (kid === undefined || key.kid === kid) && fits(key.alg, alg));
  const key = candidates[0];
  if (key === undefined) throw new UnopenableJwe('no relying-party key decrypts it');
  const wantedAlg = expected?.alg ?? key.alg;
  if (alg !== wantedAlg || (expected !== undefined && enc !== expected.enc)) {
    throw new UnopenableJwe(`encrypted with ${alg}/${enc}, expected ${wantedAlg}/${expected?.enc ?? 'any'}`);
  }
  try {
    const { plaintext } = await compactDecrypt(jwe, key.key, { keyManagementAlgorithms: [alg] });
    return new TextDecoder().decode(plaintext);
  } catch (error) {
    throw new UnopenableJwe('decryption failed', error);
  }
}

/** The key management algorithms idgate encrypts request objects with, by key type, preferred first. */
const REQUEST_OBJECT_ALGS: Readonly<Record<string, readonly string[]>> = {
  RSA: ['RSA-OAEP-256', 'RSA-OAEP-384', 'RSA-OAEP-512'],
  EC: ['ECDH-ES', 'ECDH-ES+A256KW', 'ECDH-ES+A128KW'],
};

/** Content encryption preferred first; OpenID Connect Registration's default is A128CBC-HS256. */
const REQUEST_OBJECT_ENCS: readonly string[] = ['A256GCM', 'A128GCM', 'A256CBC-HS512', 'A128CBC-HS256'];

/**
 * Encrypts a signed request object to the upstream's key (RFC 9101 §6.1, nested: `cty: JWT`):
 * `alg` the key's own, else the first the upstream lists (`request_object_encryption_alg_values_supported`)
 * that fits the key; `enc` the first it lists that idgate prefers, else A128CBC-HS256.
 * @throws UnopenableJwe when no algorithm fits the key
 */
export async function encryptRequestObject(jws: string, jwk: JWK, server: ServerMetadata): Promise<string> {
  const fitting = REQUEST_OBJECT_ALGS[jwk.kty ?? ''] ?? [];
  const listed = server.request_object_encryption_alg_values_supported;
  const alg =
    typeof jwk.alg === 'string' && fitting.includes(jwk.alg)
      ? jwk.alg
      : (listed === undefined ? fitting : fitting.filter((each) => listed.includes(each)))[0];
  if (alg === undefined) throw new UnopenableJwe("no request object encryption algorithm fits the upstream's key");
  const encs = server.request_object_encryption_enc_values_supported;
  const enc =
    encs === undefined ? 'A128CBC-HS256' : (REQUEST_OBJECT_ENCS.find((each) => encs.includes(each)) ?? 'A128CBC-HS256');
  const key = await importJWK(jwk, alg);
  return new CompactEncrypt(new TextEncoder().encode(jws))
    .setProtectedHeader({ alg, enc, cty: 'JWT', ...(typeof jwk.kid === 'string' ? { kid: jwk.kid } : {}) })
    .encrypt(key);
}
