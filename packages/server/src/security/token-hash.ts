/**
 * `at_hash` and `c_hash` (OpenID Connect Core §3.1.3.6, §3.3.2.11): the base64url of the
 * left-most half of the hash of the token's ASCII octets, with the hash of the ID
 * token's `alg`. For EdDSA the hash is the one of the curve: SHA-512 for Ed25519 (as
 * OpenID Connect's errata and other providers do).
 */
import { createHash } from 'node:crypto';
import type { SigningAlgorithm } from './key-material.js';

/** The hash function of a JWS algorithm for `at_hash`/`c_hash`. */
export function tokenHashAlgorithm(alg: SigningAlgorithm): 'sha256' | 'sha512' {
  return alg === 'EdDSA' ? 'sha512' : 'sha256';
}

/** The `at_hash` (or `c_hash`) of `token` for an ID token signed with `alg`. */
export function oidcTokenHash(token: string, alg: SigningAlgorithm): string {
  const digest = createHash(tokenHashAlgorithm(alg)).update(token, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}
