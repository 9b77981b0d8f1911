/**
 * The signature check `@sd-jwt` leaves to its caller (its `Verifier`: signing input and
 * base64url signature in, valid or not out), for ES256 (RFC 7518 §3.4: ECDSA P-256 with
 * SHA-256, the signature as R‖S): `node:crypto`'s `verify` with `dsaEncoding:
 * 'ieee-p1363'`. It runs synchronously in native code, several times faster than the
 * WebCrypto path of `@sd-jwt/crypto-nodejs` or `jose`; issuer and key binding signatures
 * are checked on every presentation.
 */
import { type KeyObject, verify } from 'node:crypto';

/** The length of an ES256 signature (R‖S, 32 bytes each). */
const ES256_SIGNATURE_BYTES = 64;

/**
 * Whether `signature` (base64url) is a valid ES256 signature of the JWS signing input
 * (`<header>.<payload>`) by `key` (a P-256 public key).
 */
export function verifyEs256(signingInput: string, signature: string, key: KeyObject): boolean {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') return false;
  if (!/^[A-Za-z0-9_-]{86}$/.test(signature)) return false;
  const bytes = Buffer.from(signature, 'base64url');
  if (bytes.length !== ES256_SIGNATURE_BYTES) return false;
  return verify('sha256', Buffer.from(signingInput, 'ascii'), { key, dsaEncoding: 'ieee-p1363' }, bytes);
}
